"""A running server swaps in what another process wrote to its index (a `citeqa index` run,
a rebuild swapped in) within the watch interval, and keeps its state when the new one cannot
be served."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.holder import ServiceHolder
from index.embedder import HashingEmbedder
from index.errors import IndexMismatch
from index.folder import open_snapshot
from index.pipeline import ingest
from qa.service import QAService

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "量子计算实验室在哪里"

_INGEST = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from index.chunking import ChunkingOptions
    from index.embedder import HashingEmbedder
    from index.pipeline import IngestOptions, ingest

    size = int(sys.argv[3])
    options = IngestOptions(chunking=ChunkingOptions(size=size), rebuild=size != 200)
    ingest([Path(sys.argv[1])], Path(sys.argv[2]), HashingEmbedder(64), options,
           cross=HashingEmbedder(32))
    """
)


def _index_elsewhere(paths: Path, folder: Path, chunk_size: int = 200) -> None:
    """``citeqa index`` as another process would run it, with the tests' embedders."""
    subprocess.run(
        [sys.executable, "-c", _INGEST, str(paths), str(folder), str(chunk_size)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )


def _sources(client: TestClient) -> set[str]:
    hits = client.post("/v1/search", json={"question": QUESTION, "k": 5}).json()["hits"]
    return {Path(h["source"]).name for h in hits}


def _seen_within(client: TestClient, name: str, seconds: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if name in _sources(client):
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"{name} was not served within {seconds} s")


@pytest.mark.slow
def test_documents_indexed_by_another_process_are_served_within_two_seconds(
    make_app: Callable[..., FastAPI], index_folder: Path, corpus: Path, tmp_path: Path
) -> None:
    more = tmp_path / "more"
    more.mkdir()
    (more / "lab.txt").write_text("量子计算实验室设在高新区创新大厦。\n", encoding="utf-8")
    with TestClient(make_app(watch_seconds=0.5)) as client:
        assert "lab.txt" not in _sources(client)
        _index_elsewhere(more, index_folder)
        assert _seen_within(client, "lab.txt", 2.0) <= 2.0


@pytest.mark.slow
def test_a_rebuild_swapped_in_by_another_process_is_served(
    make_app: Callable[..., FastAPI], index_folder: Path, corpus: Path
) -> None:
    (corpus / "lab.txt").write_text("量子计算实验室设在高新区创新大厦。\n", encoding="utf-8")
    with TestClient(make_app(watch_seconds=0.5)) as client:
        before = client.get("/v1/documents").json()
        _index_elsewhere(corpus, index_folder, chunk_size=40)
        _seen_within(client, "lab.txt", 2.0)
        after = client.get("/v1/documents").json()
    assert len(after["documents"]) == len(before["documents"]) + 1


def test_a_new_state_that_cannot_be_served_is_logged_once_and_the_old_one_kept(
    index_folder: Path,
    corpus: Path,
    caplog: pytest.LogCaptureFixture,
    open_test: Callable[[Path], QAService],
) -> None:
    calls: list[int] = []

    def refuse(service: QAService) -> QAService:
        calls.append(1)
        raise IndexMismatch("the index was rebuilt with model 'other'")

    service = open_test(index_folder)
    holder = ServiceHolder(service, reopener=refuse)
    (corpus / "lab.txt").write_text("量子计算实验室设在高新区。\n", encoding="utf-8")
    ingest([corpus], index_folder, HashingEmbedder(64), cross=HashingEmbedder(32))
    assert not holder.refresh()
    assert not holder.refresh()
    assert holder.current is service and len(calls) == 1
    assert "cannot be served" in caplog.text and "model 'other'" in caplog.text
    holder.close()


def test_refresh_does_nothing_when_nothing_was_written(
    index_folder: Path, open_test: Callable[[Path], QAService]
) -> None:
    reopened: list[Any] = []
    service = open_test(index_folder)
    holder = ServiceHolder(service, reopener=lambda s: reopened.append(s) or s)
    assert not holder.refresh() and reopened == []
    assert open_snapshot(index_folder).generation == service.snapshot.generation
    holder.close()


def test_a_rebuild_with_another_model_is_refused_and_the_old_state_kept(
    index_folder: Path, corpus: Path, open_test: Callable[[Path], QAService],
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    from index.chunking import ChunkingOptions
    from index.embedder import HashingEmbedder
    from index.pipeline import IngestOptions, ingest

    service = open_test(index_folder)
    holder = ServiceHolder(service)
    rebuild = IngestOptions(chunking=ChunkingOptions(size=200), rebuild=True)
    ingest([corpus], index_folder, HashingEmbedder(48), rebuild, cross=HashingEmbedder(32))
    assert not holder.refresh()
    assert holder.current is service
    assert "was rebuilt with model 'hashing-48'" in caplog.text
    assert "start the service again" in caplog.text
    holder.close()
