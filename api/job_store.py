"""Jobs on disk: one SQLite row per job (``jobs.sqlite`` in the work folder, beside the job
folders), written on every change of state and progress, so a restarted server still knows
every job it was given.

Each registry that owns jobs holds a lock file named after it (``owners/ID.lock``) for as
long as it lives; a job whose owner's lock can be taken was left by a server that is gone
(kill -9, a power cut), whatever its process id is now used for.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

DB_NAME = "jobs.sqlite"
_OWNERS = "owners"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    collection TEXT,
    params TEXT NOT NULL,
    total INTEGER NOT NULL,
    done INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    error TEXT,
    result TEXT
);
"""
_FIELDS = (
    "id", "kind", "status", "owner", "collection", "params", "total", "done", "created_at",
    "started_at", "finished_at", "error", "result",
)  # fmt: skip
_JSON = frozenset({"params", "error", "result"})


@dataclass(frozen=True)
class JobRow:
    """A job as stored."""

    id: str
    kind: str
    status: str
    owner: str
    collection: str | None
    params: dict[str, Any]
    total: int
    done: int
    created_at: str
    started_at: str | None
    finished_at: str | None
    error: dict[str, str] | None
    result: dict[str, Any] | None


class JobStore:
    """The jobs of one work folder. Thread-safe; every call is its own transaction."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self._lock = threading.Lock()
        self._db = sqlite3.connect(root / DB_NAME, check_same_thread=False, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self.owner = uuid.uuid4().hex
        self._owner_lock = _hold(self._owner_path(self.owner))

    def save(self, row: JobRow) -> None:
        values = [
            json.dumps(v, ensure_ascii=False) if f in _JSON and v is not None else v
            for f, v in ((f, getattr(row, f)) for f in _FIELDS)
        ]
        columns = ", ".join(_FIELDS)
        marks = ", ".join("?" for _ in _FIELDS)
        with self._lock, self._db:
            self._db.execute(f"INSERT OR REPLACE INTO jobs ({columns}) VALUES ({marks})", values)

    def delete(self, job_ids: list[str]) -> None:
        with self._lock, self._db:
            self._db.executemany("DELETE FROM jobs WHERE id = ?", [(i,) for i in job_ids])

    def load(self, job_id: str | None = None) -> list[JobRow]:
        """Every stored job (or the one with ``job_id``), oldest first."""
        where, args = ("WHERE id = ?", (job_id,)) if job_id else ("", ())
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_FIELDS)} FROM jobs {where} ORDER BY created_at, rowid", args
            ).fetchall()
        return [_row(values) for values in rows]

    def owner_gone(self, owner: str) -> bool:
        """Whether the registry ``owner`` has stopped (its lock file can be taken)."""
        if owner == self.owner:
            return False
        path = self._owner_path(owner)
        try:
            handle = _hold(path)
        except BlockingIOError:
            return False
        handle.close()
        path.unlink(missing_ok=True)
        return True

    def close(self) -> None:
        with self._lock:
            self._db.close()
        self._owner_lock.close()
        self._owner_path(self.owner).unlink(missing_ok=True)

    def _owner_path(self, owner: str) -> Path:
        return self.root / _OWNERS / f"{owner}.lock"


def _hold(path: Path) -> IO[str]:
    """Open ``path`` and hold an exclusive lock on it (BlockingIOError: someone holds it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held for the registry's life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        handle.close()
        raise
    return handle


def _row(values: tuple[Any, ...]) -> JobRow:
    data = {
        f: (json.loads(v) if f in _JSON and v is not None else v)
        for f, v in zip(_FIELDS, values, strict=True)
    }
    return JobRow(**data)
