"""A rebuild with other settings is built aside and swapped in whole: until then the old index
answers, and killing the rebuild at any point leaves the old index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from index.chunking import ChunkingOptions
from index.embedder import HashingEmbedder
from index.folder import open_snapshot, rebuild_folder
from index.manifest import read_manifest
from index.pipeline import IngestOptions, ingest
from index.store import DB_NAME, read_generation
from index.summary import describe
from index.swap import exchange, recover_interrupted_swap

ROOT = Path(__file__).resolve().parents[2]
SMALLER = IngestOptions(chunking=ChunkingOptions(size=40), rebuild=True)


class Interrupted(Exception):
    pass


class StopsAfter(HashingEmbedder):
    """Embeds ``calls`` batches, then fails as a killed run would stop."""

    def __init__(self, calls: int) -> None:
        super().__init__(64)
        self.left = calls

    def embed(self, texts, kind):  # type: ignore[no-untyped-def]
        if self.left == 0:
            raise Interrupted
        self.left -= 1
        return super().embed(texts, kind)


def _chunk_texts(folder: Path) -> list[str]:
    snapshot = open_snapshot(folder)
    try:
        return sorted(
            c.chunk.text for c in snapshot.store.chunks(snapshot.vectors.row_ids.tolist())
        )
    finally:
        snapshot.close()


def test_a_rebuild_replaces_the_index_whole_and_keeps_what_else_is_in_its_folder(
    corpus: Path, tmp_path: Path, embedder: HashingEmbedder
) -> None:
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    (folder / "uploads").mkdir()
    (folder / "uploads" / "kept.txt").write_text("an upload", encoding="utf-8")
    reader = open_snapshot(folder)  # a server's snapshot, opened before
    old_generation = reader.generation
    old_chunks = len(reader.vectors.row_ids)

    report = ingest([corpus], folder, embedder, SMALLER)

    assert report.added == 3
    assert read_manifest(folder).chunk_size == 40  # type: ignore[union-attr]
    assert describe(folder)["chunks"] > old_chunks
    assert (read_generation(folder / DB_NAME) or 0) > old_generation
    assert (folder / "uploads" / "kept.txt").read_text(encoding="utf-8") == "an upload"
    assert not rebuild_folder(folder).exists()
    # the snapshot opened before still reads its own, old state
    assert len(reader.vectors.row_ids) == old_chunks
    assert len(reader.store.chunks(reader.vectors.row_ids.tolist())) == old_chunks
    reader.close()


def test_while_a_rebuild_runs_and_after_it_fails_the_old_index_answers_and_the_next_carries_on(
    corpus: Path, tmp_path: Path, embedder: HashingEmbedder, seed_text
) -> None:  # type: ignore[no-untyped-def]
    for prefix in ("000", "001"):
        (corpus / f"{prefix}.txt").write_text(seed_text(prefix), encoding="utf-8")
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    before = _chunk_texts(folder)
    options = IngestOptions(chunking=ChunkingOptions(size=40), rebuild=True, batch_chunks=8)

    with pytest.raises(Interrupted):
        ingest([corpus], folder, StopsAfter(2), options)

    assert _chunk_texts(folder) == before
    assert read_manifest(folder).chunk_size == 200  # type: ignore[union-attr]
    aside = rebuild_folder(folder)
    assert describe(aside)["documents"] >= 1  # what was committed aside is kept...

    resumed = ingest([corpus], folder, embedder, options)  # ...and the next rebuild carries on
    assert resumed.unchanged >= 1 and resumed.added + resumed.unchanged == 5
    assert describe(folder)["documents"] == 5
    assert read_manifest(folder).chunk_size == 40  # type: ignore[union-attr]
    assert not aside.exists()


@pytest.mark.slow
def test_kill_9_during_a_rebuild_leaves_the_old_index_answering(
    corpus: Path, tmp_path: Path, embedder: HashingEmbedder, seed_text, kill_ingest_mid_embedding
) -> None:  # type: ignore[no-untyped-def]
    for prefix in ("000", "001", "003"):
        (corpus / f"{prefix}.txt").write_text(seed_text(prefix), encoding="utf-8")
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    before = _chunk_texts(folder)
    generation = read_generation(folder / DB_NAME)

    options = "dict(chunking=ChunkingOptions(size=40), rebuild=True, batch_chunks=4)"
    kill_ingest_mid_embedding(corpus, folder, options, after=0.7)

    assert _chunk_texts(folder) == before
    assert read_generation(folder / DB_NAME) == generation
    snapshot = open_snapshot(folder)
    ids, _ = snapshot.lexical.search("晋城", 5)
    assert any("晉城" in c.chunk.text for c in snapshot.store.chunks(ids.tolist()))
    snapshot.close()

    ingest([corpus], folder, embedder, SMALLER)  # the next rebuild finishes the job
    assert describe(folder)["documents"] == 6
    assert read_manifest(folder).chunk_size == 40  # type: ignore[union-attr]


def test_an_old_index_left_aside_by_a_crash_after_the_swap_is_not_taken_for_a_rebuild(
    corpus: Path, tmp_path: Path, embedder: HashingEmbedder
) -> None:
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder, IngestOptions(chunking=ChunkingOptions(size=40)))
    aside = rebuild_folder(folder)
    ingest([corpus], aside, embedder, IngestOptions(chunking=ChunkingOptions(size=60)))
    # a finished index of the wanted settings, but not a rebuild in progress: started afresh
    report = ingest(
        [corpus], folder, embedder, IngestOptions(chunking=ChunkingOptions(size=60), rebuild=True)
    )
    assert (report.added, report.unchanged) == (3, 0)


def test_swapping_by_two_renames_can_be_recovered_half_way(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import index.swap as swap

    live, fresh = tmp_path / "live", tmp_path / "fresh"
    live.mkdir()
    fresh.mkdir()
    (live / "old").touch()
    (fresh / "new").touch()
    monkeypatch.setattr(swap, "_exchange_atomically", lambda a, b: False)
    exchange(live, fresh)
    assert [p.name for p in live.iterdir()] == ["new"]
    assert [p.name for p in fresh.iterdir()] == ["old"]

    os.replace(live, tmp_path / ".live.swapping")  # a crash after the first rename
    recover_interrupted_swap(live)
    assert [p.name for p in live.iterdir()] == ["new"]


def test_what_a_killed_rebuild_had_moved_aside_goes_back_first(
    corpus: Path, tmp_path: Path, embedder: HashingEmbedder
) -> None:
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    aside = rebuild_folder(folder)
    (aside / "uploads").mkdir(parents=True)  # moved over, then the rebuild was killed
    (aside / "uploads" / "kept.txt").write_text("an upload", encoding="utf-8")
    (aside / ".rebuilding").touch()
    ingest([corpus], folder, embedder, SMALLER)
    assert (folder / "uploads" / "kept.txt").read_text(encoding="utf-8") == "an upload"
    assert not aside.exists()
