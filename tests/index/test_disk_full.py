"""A write that meets a full disk stops with a clear error, and the index it was writing to
opens and answers with every document whole. Runs on a small tmpfs, so only where this
process may mount one (CI runs as root); elsewhere it is skipped."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.embedder import HashingEmbedder
from index.errors import StorageFull
from index.folder import open_snapshot
from index.pipeline import IngestOptions, ingest
from index.summary import describe

pytestmark = pytest.mark.slow  # mounts a tmpfs and fills it


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _whole(folder: Path) -> int:
    """Documents of the index, each checked to have all its passages; how many."""
    snapshot = open_snapshot(folder)
    try:
        docs = snapshot.store.documents()
        for doc in docs:
            rows = snapshot.store.row_ids_of_documents([doc.id])
            assert len(rows) == doc.n_chunks > 0, doc.source
        return len(docs)
    finally:
        snapshot.close()


def test_a_write_that_fills_the_disk_stops_clearly_and_leaves_the_index_whole(
    small_disk: Path, corpus: Path, tmp_path: Path, embedder: HashingEmbedder
) -> None:
    folder = small_disk / "idx"
    ingest([corpus], folder, embedder)
    big = tmp_path / "big"
    big.mkdir()
    for i in range(40):
        text = "".join(f"第{i}号文件的第{j}句话讲述城市转型。" for j in range(2000))
        (big / f"{i:02d}.txt").write_text(text, encoding="utf-8")

    with pytest.raises(StorageFull, match="is full") as info:
        ingest([big], folder, embedder, IngestOptions(all_or_nothing=True))
    assert "Free some space and run again" in str(info.value)
    assert _whole(folder) == 3  # all or nothing: nothing of it was kept

    with pytest.raises(StorageFull):
        ingest([big], folder, embedder, IngestOptions(batch_chunks=64))
    assert _whole(folder) >= 3  # the batches committed before the disk filled, each whole
    assert not list((folder / "derived").glob(".tmp-*"))  # nothing half-written left
    assert describe(folder)["documents"] >= 3
