"""Who a caller is, for the per-caller limits (request rate, job slots, questions waiting)
and for whose jobs are whose.

A caller is its API key when it sends one of the server's keys (kept as a hash, so no key is
held in memory or written anywhere in the clear) and otherwise its address: a made-up key
does not buy a fresh allowance. The address is the connection's peer, except when the peer is
one of the server's trusted proxies (``CITEQA_TRUSTED_PROXIES``, none by default): then it is
the first address from the right of X-Forwarded-For (or, when there is none, Forwarded) that
is not a trusted proxy, so a client that writes its own X-Forwarded-For gains nothing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ApiError
from api.security import key_matches

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
KEYLESS = "ip:"

_FORWARDED_FOR = re.compile(r'for\s*=\s*"?\[?([^\]";,]+)', re.IGNORECASE)


def caller_of(scope: Scope, keys: Sequence[str]) -> str:
    """``key:HASH`` for a request with one of ``keys`` (Bearer or X-API-Key), else
    ``ip:ADDRESS``."""
    headers = dict(scope.get("headers") or [])
    key = headers.get(b"x-api-key", b"").strip()
    if not key:
        auth = headers.get(b"authorization", b"")
        scheme, _, value = auth.partition(b" ")
        key = value.strip() if scheme.lower() == b"bearer" else b""
    if key and key_matches(key.decode("utf-8", "replace"), keys):
        return "key:" + hashlib.sha256(key).hexdigest()[:24]
    client = scope.get("client")
    return f"{KEYLESS}{client[0] if client else 'unknown'}"


def is_keyless(caller: str) -> bool:
    """Whether ``caller`` (from ``caller_of``) is an address, not a key."""
    return caller.startswith(KEYLESS)


def parse_networks(values: Sequence[str]) -> list[Network]:
    """IP addresses and CIDR blocks (``10.0.0.0/8``); ValueError naming a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"{value!r} is not an IP address or network; give addresses or CIDR blocks "
                "such as 10.0.0.7 or 10.0.0.0/8"
            ) from None
    return networks


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def forwarded_chain(headers: dict[bytes, bytes]) -> list[str]:
    """The addresses a request passed through, oldest first: X-Forwarded-For, or Forwarded's
    ``for=`` values when there is no X-Forwarded-For."""
    xff = headers.get(b"x-forwarded-for")
    if xff is not None:
        return [p.strip() for p in xff.decode("latin-1").split(",") if p.strip()]
    forwarded = headers.get(b"forwarded")
    if forwarded is not None:
        return _FORWARDED_FOR.findall(forwarded.decode("latin-1"))
    return []


def client_address(peer: str, chain: Sequence[str], trusted: Sequence[Network]) -> str:
    """The caller's address: ``peer``, unless it is a trusted proxy; then the last address
    of ``chain`` that is not one (an address that cannot be read ends the walk there)."""

    def is_trusted(text: str) -> bool:
        address = _address(text)
        return address is not None and any(address in n for n in trusted)

    if not trusted or not is_trusted(peer):
        return peer
    for hop in reversed(chain):
        if not is_trusted(hop):
            address = _address(hop)
            return str(address) if address is not None else peer
    return str(_address(chain[0])) if chain else peer


class ClientAddress:
    """Sets a request's client address from the forwarded headers when, and only when, its
    peer is a trusted proxy."""

    def __init__(self, app: ASGIApp, *, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = list(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and self.trusted and client:
            chain = forwarded_chain(dict(scope.get("headers") or []))
            address = client_address(client[0], chain, self.trusted)
            if address != client[0]:
                scope = {**scope, "client": (address, 0)}
        await self.app(scope, receive, send)


class CallerSlots:
    """How many requests of one kind each caller has under way, at most ``per_caller``:
    ``hold`` raises ApiError 429 ``code`` for one more."""

    def __init__(self, per_caller: int, *, code: str, what: str, setting: str) -> None:
        self.per_caller, self.code, self.what, self.setting = per_caller, code, what, setting
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def held(self, caller: str) -> int:
        with self._lock:
            return self._held.get(caller, 0)

    @contextmanager
    def hold(self, caller: str) -> Iterator[None]:
        with self._lock:
            mine = self._held.get(caller, 0)
            if mine >= self.per_caller:
                raise ApiError(
                    429, self.code,
                    f"you have {mine} {self.what} under way, this server's limit for one "
                    f"caller ({self.setting}); wait for one to end",
                    {"Retry-After": "1"},
                )  # fmt: skip
            self._held[caller] = mine + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._held[caller] - 1
                if left:
                    self._held[caller] = left
                else:
                    del self._held[caller]
