"""What a killed server left behind is swept when the next one starts."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.leftovers import sweep_uploads


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
