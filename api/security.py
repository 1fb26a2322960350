"""API keys: one or more, from settings; presented as ``Authorization: Bearer KEY`` (what the
OpenAI clients send) or ``X-API-Key: KEY``; compared in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from api.errors import ApiError

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def key_matches(key: str, keys: Sequence[str]) -> bool:
    """Whether ``key`` is one of ``keys``; every key is compared, each in constant time."""
    given = key.encode("utf-8")
    found = False
    for candidate in keys:
        found |= hmac.compare_digest(given, candidate.encode("utf-8"))
    return found


def check_key(key: str | None, keys: Sequence[str], *, action: str) -> None:
    """Raise 401 unless ``key`` is one of ``keys``; 403 when no key is configured at all."""
    if not keys:
        raise ApiError(
            403,
            "writes_disabled",
            f"{action} needs an API key and this server has none configured; "
            "set CITEQA_API_KEYS on the server to enable it",
        )
    if key is None:
        raise ApiError(
            401,
            "missing_api_key",
            f"{action} needs an API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
            _CHALLENGE,
        )
    if not key_matches(key, keys):
        raise ApiError(
            401, "invalid_api_key", "the API key is not valid for this server", _CHALLENGE
        )
