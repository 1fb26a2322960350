"""Swapping two folders in one step, so a reader finds either the old index or the new one at
its path, never neither.

Linux's ``renameat2(RENAME_EXCHANGE)`` exchanges two paths atomically. Where it is missing
(another OS, a file system without it) the folders are swapped by two renames, and a crash
between them leaves the old index under the name of the other folder, which
``recover_interrupted_swap`` puts back.
"""

from __future__ import annotations

import ctypes
import errno
import os
from functools import cache
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@cache
def _renameat2() -> object | None:
    """libc's renameat2, or None where libc has none (looked up on first use)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.renameat2
    except (OSError, AttributeError):
        return None


def _exchange_atomically(a: Path, b: Path) -> bool:
    """Exchange ``a`` and ``b`` in one step; False when the system cannot."""
    call = _renameat2()
    if call is None:
        return False
    result = call(  # type: ignore[operator]
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def exchange(live: Path, fresh: Path) -> None:
    """Put ``fresh`` at ``live``'s path and ``live`` at ``fresh``'s; both must exist."""
    if _exchange_atomically(live, fresh):
        return
    parked = _parked(live)
    os.replace(live, parked)
    os.replace(fresh, live)
    os.replace(parked, fresh)


def recover_interrupted_swap(live: Path) -> None:
    """Put an index back at ``live`` if a two-rename swap stopped half-way."""
    parked = _parked(live)
    if parked.exists() and not live.exists():
        os.replace(parked, live)


def _parked(live: Path) -> Path:
    return live.with_name(f".{live.name}.swapping")
