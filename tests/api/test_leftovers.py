"""What a killed server left behind is swept when the next one starts."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.leftovers import sweep_uploads, sweep_work_dirs, work_dir_prefix


def _dead_pid() -> int:
    pid = 4_000_000  # above the usual pid_max
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def test_work_folders_of_stopped_servers_are_removed(tmp_path: Path) -> None:
    dead = tmp_path / f"citeqa-jobs-{_dead_pid()}-abc123"
    mine = tmp_path / f"{work_dir_prefix()}def456"
    legacy = tmp_path / "citeqa-jobs-ghi789"  # no process named: left alone
    other = tmp_path / "something-else"
    for folder in (dead, mine, legacy, other):
        (folder / "job").mkdir(parents=True)
    assert sweep_work_dirs(tmp_path) == [dead]
    assert not dead.exists() and mine.exists() and legacy.exists() and other.exists()


def test_only_old_uploads_no_document_points_at_are_removed(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    indexed, orphan, fresh = (uploads / n for n in ("a.txt", "b.txt", ".c.txt.tmp"))
    for path in (indexed, orphan, fresh):
        path.write_text("x")
    old = time.time() - 7200
    for path in (indexed, orphan):
        os.utime(path, (old, old))
    assert sweep_uploads(uploads, [str(indexed)]) == [orphan]
    assert indexed.exists() and not orphan.exists() and fresh.exists()
    assert sweep_uploads(tmp_path / "none", []) == []


def test_the_server_sweeps_its_index_uploads_when_it_starts(
    make_app: Callable[..., FastAPI], index_folder: Path
) -> None:
    uploads = index_folder / "uploads"
    uploads.mkdir()
    orphan = uploads / "0123456789abcdef0123456789abcdef.txt"
    orphan.write_text("uploaded, never indexed: the server was killed")
    old = time.time() - 7200
    os.utime(orphan, (old, old))
    with TestClient(make_app()) as client:
        assert client.get("/healthz").status_code == 200
    assert not orphan.exists()
