"""The optional per-caller request rate limit (a caller: api/callers.py). It is a token bucket
per caller: ``per_minute`` requests a minute, in bursts of at most that many; a request over
it is answered 429 ``rate_limited`` with ``Retry-After``. Health checks and the web page's
own files are never limited.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from api.callers import caller_of
from api.errors import error_response

_EXEMPT = ("/healthz", "/readyz", "/static/")
_MAX_CALLERS = 10_000  # buckets kept before the full (idle) ones are dropped


class RateLimit:
    def __init__(self, app: ASGIApp, *, per_minute: int, keys: Sequence[str]) -> None:
        self.app = app
        self.keys = list(keys)
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens a second
        self._buckets: dict[str, tuple[float, float]] = {}  # caller -> (tokens, at)
        self._lock = threading.Lock()

    def wait_for(self, caller: str, now: float | None = None) -> float:
        """Take a token for ``caller``: 0 when there was one, else the seconds until one."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, at = self._buckets.get(caller, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.rate)
            if tokens >= 1:
                self._buckets[caller] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[caller] = (tokens, now)
                wait = (1 - tokens) / self.rate
            if len(self._buckets) > _MAX_CALLERS:
                self._prune(now)
        return wait

    def _prune(self, now: float) -> None:
        full = [
            c for c, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.capacity
        ]
        for caller in full:
            del self._buckets[caller]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path == "/" or path.startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
        wait = self.wait_for(caller_of(scope, self.keys))
        if wait:
            seconds = max(1, math.ceil(wait))
            response = error_response(
                429,
                "rate_limited",
                f"too many requests from this caller; this server allows "
                f"{int(self.capacity)} a minute. Try again in {seconds} s",
                {"Retry-After": str(seconds)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
