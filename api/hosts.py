"""The Host names the server answers to (``CITEQA_ALLOWED_HOSTS``), so a web page whose own
name an attacker points at this machine (DNS rebinding) cannot read a loopback server. By
default a server bound to a loopback address answers to the loopback names (localhost,
127.0.0.1, [::1], at any port) and one bound elsewhere to any name; ``*`` allows any."""

from __future__ import annotations

import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response
from api.settings import Settings

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(settings: Settings) -> list[str] | None:
    """The names (``name`` at any port, or ``name:port``) the server answers to; None: any."""
    names = [h.strip().lower().rstrip(".") for h in settings.allowed_hosts if h.strip()]
    if "*" in names:
        return None
    if names:
        return names
    return list(LOOPBACK_NAMES) if is_loopback(settings.host) else None


def _split(host: str) -> tuple[str, str | None]:
    """``(name, port)`` of a Host header value (``[::1]:8000`` -> ``("[::1]", "8000")``)."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return name + "]", rest[1:] if rest.startswith(":") else None
    if host.count(":") == 1:
        name, port = host.split(":")
        return name.rstrip("."), port
    return host.rstrip("."), None


def host_allowed(host: str, allowed: list[str]) -> bool:
    name, port = _split(host)
    for entry in allowed:
        want, want_port = _split(entry)
        if want == name and (want_port is None or want_port == port):
            return True
    return False


class AllowedHosts:
    """Answers 421 ``host_not_allowed`` to a request whose Host header is not allowed (a
    request without one, which no browser sends, is let through)."""

    def __init__(self, app: ASGIApp, *, allowed: list[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = dict(scope.get("headers") or []).get(b"host")
            if host is not None:
                text = host.decode("latin-1")
                if not host_allowed(text, self.allowed):
                    response = error_response(
                        421, "host_not_allowed",
                        f"this server does not answer to the host {text[:100]!r}; it answers "
                        f"to {', '.join(self.allowed)} (CITEQA_ALLOWED_HOSTS)",
                    )  # fmt: skip
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
