"""The on-disk index: manifest checks, FAISS against brute force, derived rebuilds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.errors import IndexMismatch, IndexNotFound
from index.folder import DERIVED, open_snapshot
from index.lexical import LexicalIndex, tokenize
from index.manifest import Manifest, read_manifest, write_manifest
from index.normalise import search_form
from index.pipeline import ingest
from index.store import DB_NAME, Store
from index.vectors import VectorIndex


def test_faiss_top_k_matches_brute_force_numpy() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(500, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    row_ids = np.arange(1000, 1500, dtype=np.int64)
    index = VectorIndex.build(row_ids, vectors)
    for query in rng.normal(size=(20, 32)).astype(np.float32):
        ids, scores = index.search(query, 10)
        brute = vectors @ query
        order = np.argsort(-brute)[:10]
        assert ids.tolist() == row_ids[order].tolist()
        assert scores == pytest.approx(brute[order], abs=1e-5)


def test_vectors_are_kept_once_in_the_database(corpus: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    (generation,) = (folder / DERIVED).iterdir()
    assert [p.name for p in generation.iterdir()] == ["lexical"]  # no vector file beside it
    snapshot = open_snapshot(folder)
    row_ids, stored = snapshot.store.all_vectors(embedder.dimension)
    assert snapshot.vectors.row_ids.tolist() == row_ids.tolist()
    query = embedder.embed(["煤炭产业"], "query")[0]
    assert snapshot.vectors.all_scores(query) == pytest.approx(stored @ query, abs=1e-6)
    snapshot.close()


@pytest.mark.slow
def test_a_read_sees_one_committed_state(corpus: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    reader = Store(folder / DB_NAME, readonly=True)
    with reader.reading():
        before = reader.generation()
        (corpus / "new.txt").write_text("新能源汽车产量增长三成。", encoding="utf-8")
        ingest([corpus], folder, embedder)  # commits a new document
        assert reader.generation() == before
    assert reader.generation() > before
    reader.close()


def test_tokens_are_characters_bigrams_and_latin_words() -> None:
    assert tokenize(search_form("煤炭產業 GDP 6.1%")) == [
        "煤",
        "炭",
        "产",
        "业",
        "煤炭",
        "炭产",
        "产业",
        "gdp",
        "6.1",
    ]


def test_bm25_finds_traditional_text_with_a_simplified_question(tmp_path: Path) -> None:
    texts = ["晉城以新質生產力激活轉型勢能", "全市新建公园绿地十二处", "煤炭产业占工业比重下降"]
    index = LexicalIndex.build([search_form(t) for t in texts], np.array([11, 12, 13]))
    index.save(tmp_path / "lex")
    ids, scores = LexicalIndex.load(tmp_path / "lex").search(search_form("晋城新质生产力"), 3)
    assert ids.tolist()[0] == 11
    assert scores[0] > 2 * scores[1] > 0  # the others share a character or two (新, 产)


def test_opening_with_another_model_says_what_to_run(
    corpus: Path, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    with pytest.raises(IndexMismatch) as err:
        open_snapshot(folder, model="intfloat/multilingual-e5-base")
    message = str(err.value)
    assert "was built with model 'hashing-64'" in message
    assert "'intfloat/multilingual-e5-base' was asked for" in message
    assert "--rebuild" in message


def test_writing_with_another_chunk_size_is_refused(corpus: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from index.chunking import ChunkingOptions
    from index.pipeline import IngestOptions

    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    with pytest.raises(IndexMismatch, match="chunk_size 200.*300 was asked for"):
        ingest([corpus], folder, embedder, IngestOptions(chunking=ChunkingOptions(size=300)))
    report = ingest(
        [corpus], folder, embedder, IngestOptions(chunking=ChunkingOptions(size=300), rebuild=True)
    )
    assert report.added == 3
    assert read_manifest(folder).chunk_size == 300  # type: ignore[union-attr]


def test_old_format_version_is_refused(corpus: Path, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    old = read_manifest(folder)
    assert old is not None
    write_manifest(folder, Manifest(**{**old.__dict__, "format_version": 0}))
    with pytest.raises(IndexMismatch, match="format version 0"):
        ingest([corpus], folder, embedder)


def test_missing_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="citeqa index PATH"):
        open_snapshot(tmp_path / "nowhere")


def test_lost_derived_files_are_rebuilt_from_the_database(
    corpus: Path, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    folder = tmp_path / "idx"
    ingest([corpus], folder, embedder)
    fresh = open_snapshot(folder)
    shutil.rmtree(folder / DERIVED)
    rebuilt = open_snapshot(folder)
    assert rebuilt.rebuilt_in_memory and not fresh.rebuilt_in_memory
    query = embedder.embed(["煤炭产业"], "query")[0]
    assert (
        rebuilt.vectors.search(query, 3)[0].tolist() == fresh.vectors.search(query, 3)[0].tolist()
    )
    assert (
        rebuilt.lexical.search("煤炭", 3)[0].tolist() == fresh.lexical.search("煤炭", 3)[0].tolist()
    )


def test_idf_is_highest_for_tokens_few_chunks_contain() -> None:
    texts = [search_form(t) for t in ("煤炭产业", "煤炭依赖", "公园绿地")]
    lexical = LexicalIndex.build(texts, np.arange(3))
    common, rare, absent = lexical.idf(["煤炭", "公园", "火星"])
    assert common < rare < absent
    assert rare == pytest.approx(np.log1p((3 - 1 + 0.5) / (1 + 0.5)))
    assert LexicalIndex.build([], np.arange(0)).idf(["煤"]).shape == (1,)


def test_neighbour_texts_and_titles_come_without_document_texts(
    corpus: Path, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    ingest([corpus], tmp_path / "idx", embedder)
    snapshot = open_snapshot(tmp_path / "idx")
    store = snapshot.store
    coal = next(d for d in store.documents() if d.source.endswith("coal.txt"))
    found = store.search_texts_at([(coal.id, 0), (coal.id, 1), (coal.id, 99), ("nope", 0)])
    assert set(found) == {(coal.id, 0), (coal.id, 1)}
    assert "煤炭" in found[(coal.id, 0)] + found[(coal.id, 1)]
    assert store.titles([coal.id, "nope"]) == {coal.id: coal.title}
    assert store.titles([]) == {}
    snapshot.close()


def test_bm25_built_from_token_ids_scores_as_from_token_lists(seed_text) -> None:  # type: ignore[no-untyped-def]
    import bm25s

    from index.lexical import LexicalIndex, tokenize
    from index.normalise import search_form

    texts = [search_form(line) for line in seed_text("000").splitlines() if line.strip()]
    lean = LexicalIndex.build(texts, np.arange(len(texts)))
    plain = bm25s.BM25()
    plain.index([tokenize(t) for t in texts], show_progress=False)
    for question in ("煤炭产业占工业比重", "清洁取暖试点", "gdp 2021"):
        expected = plain.get_scores(tokenize(search_form(question)))
        assert np.allclose(lean.all_scores(search_form(question)), expected)
        assert expected.max() > 0 or question.startswith("gdp")
