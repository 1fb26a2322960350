"""Handing freed memory back to the system. glibc's allocator keeps the memory Python frees in
its arenas, so a server's resident size stays at its busiest even when idle; ``malloc_trim``
returns the free pages. Elsewhere (another libc, another OS) this does nothing."""

from __future__ import annotations

import ctypes
from functools import cache


@cache
def _trim() -> object | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory() -> bool:
    """Return freed heap memory to the system; whether anything was returned."""
    trim = _trim()
    return bool(trim(0)) if trim is not None else False  # type: ignore[operator]
