"""Bounds on what one caller may hold of /mcp: at most CITEQA_MAX_MCP_STREAMS_PER_CALLER
requests open at once (429 ``too_many_streams`` past it), and an event stream (GET /mcp,
which a stateless server never writes to) is closed after CITEQA_MCP_IDLE_SECONDS of
silence, so keyless callers cannot hold the server's connections and descriptors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.callers import CallerSlots, caller_of
from api.errors import ApiError
from api.settings import Settings


class StreamLimits:
    def __init__(self, app: ASGIApp, settings: Settings, refuse: Callable[[ApiError], Any]) -> None:
        self.app, self.refuse = app, refuse
        self.keys = settings.all_key_values()
        self.idle = settings.mcp_idle_seconds
        self.slots = CallerSlots(
            settings.max_mcp_streams_per_caller, code="too_many_streams",
            what="/mcp requests", setting="CITEQA_MAX_MCP_STREAMS_PER_CALLER",
        )  # fmt: skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            held = self.slots.hold(caller_of(scope, self.keys))
            held.__enter__()
        except ApiError as exc:
            await self.refuse(exc)(scope, receive, send)
            return
        try:
            if scope.get("method") == "GET":
                await self._until_idle(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            held.__exit__(None, None, None)

    async def _until_idle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, ending its response once it has sent nothing for ``idle`` seconds."""
        last, started, ended = time.monotonic(), False, False

        async def sending(message: Message) -> None:
            nonlocal last, started, ended
            last = time.monotonic()
            started |= message["type"] == "http.response.start"
            ended |= message["type"] == "http.response.body" and not message.get("more_body")
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, sending))
        while not task.done():
            await asyncio.wait({task}, timeout=max(0.0, last + self.idle - time.monotonic()))
            if not task.done() and time.monotonic() - last >= self.idle:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
                if started and not ended:  # the stream ends, as if the server closed it
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
        task.result()
