"""An index held in Milvus (index/milvus*.py), here Milvus Lite in this process: it ranks as
the embedded index does, and keeps ingest's rules (content hashes, updates, deletes)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.embedder import HashingEmbedder
from index.errors import IndexMismatch, IndexNotFound, InvalidInput
from index.folder import open_snapshot
from index.lexical import LexicalIndex
from index.milvus.connection import TOKEN_ENV, connect, drop_collections
from index.pipeline import IngestOptions, ingest, remove_documents
from index.sparse import Frequencies, passage_vector, term_counts
from index.summary import describe
from qa.query import parse_query
from qa.service import QAService
from tests.conftest import SEEDS

QUESTIONS = (
    "煤炭产业占工业比重", "晉城培育了哪些產業集群", "公园绿地面积", "城镇新增就业人数",
    "How did Changzhi cut coal dependence?", "长治",
)  # fmt: skip
MAIN, CROSS = HashingEmbedder(64), HashingEmbedder(32)


def _service(folder: Path) -> QAService:
    return QAService(open_snapshot(folder), MAIN, CROSS, CROSS, answer_at={})


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[QAService, QAService]:
    """The sample reports indexed in a folder and in Milvus Lite."""
    root = tmp_path_factory.mktemp("both")
    ingest([SEEDS], root / "embedded", MAIN, cross=CROSS)
    ingest([SEEDS], root / "milvus", MAIN, IngestOptions(milvus=str(root / "m.db")), cross=CROSS)
    return _service(root / "embedded"), _service(root / "milvus")


def test_sparse_vectors_give_bm25s_scores() -> None:
    texts = [
        parse_query(t).search_text for t in ("煤炭产业占工业比重下降", "煤炭 coal 2021", "绿地")
    ]
    texts += [parse_query(p.read_text(encoding="utf-8")[:400]).search_text for p in SEEDS.iterdir()]
    freqs = Frequencies()
    counts = [term_counts(t) for t in texts]
    freqs.add(counts)
    lexical = LexicalIndex.build(texts, np.arange(len(texts)))
    for question in ("煤炭产业比重", "coal 2021", "公园绿地面积多少", "无关"):
        search_text = parse_query(question).search_text
        q = freqs.question_vector(search_text)
        mine = [
            sum(w * q.get(t, 0.0) for t, w in passage_vector(c, freqs.average_length).items())
            for c in counts
        ]
        np.testing.assert_allclose(mine, lexical.all_scores(search_text), rtol=1e-5, atol=1e-6)
        tokens = ["煤", "煤炭", "zzz"]
        np.testing.assert_allclose(freqs.idf(tokens), lexical.idf(tokens), rtol=1e-6)


def test_a_milvus_index_ranks_as_the_embedded_index(both: tuple[QAService, QAService]) -> None:
    embedded, milvus = both
    assert milvus.snapshot.remote is not None and milvus.snapshot.chunk_count == len(
        embedded.retriever.row_ids
    )
    for question in QUESTIONS:
        query = parse_query(question)
        (exact,) = embedded.retriever.signals([query])
        (found,) = milvus.retriever.signals([query])
        assert found.stats is not None
        for name, scores in exact.scores.items():  # a small index: its sample is every chunk
            mean, std = found.stats[name]
            assert mean == pytest.approx(float(scores.mean()), abs=1e-5), (question, name)
            assert std == pytest.approx(float(scores.std()), rel=1e-4, abs=1e-6)
        mine = embedded.retriever.rank(exact, 5)
        theirs = milvus.retriever.rank(found, 5)
        assert [h.chunk.id for h in theirs] == [h.chunk.id for h in mine], question
        for a, b in zip(mine, theirs, strict=True):
            assert b.score == pytest.approx(a.score, abs=1e-4)
            assert b.chunk == a.chunk
            assert {n: s.score for n, s in b.signals.items()} == pytest.approx(
                {n: s.score for n, s in a.signals.items()}, abs=1e-4
            )


def test_an_index_grown_in_many_writes_scores_bm25_as_one_built_at_once(
    tmp_path: Path, both: tuple[QAService, QAService]
) -> None:
    # written in small batches over two runs, the passages first written were weighed by
    # averages of fewer passages; leaving, each writer weighs them by the collection's
    embedded, _ = both
    folder, files = tmp_path / "docs", sorted(SEEDS.iterdir())
    folder.mkdir()
    options = IngestOptions(milvus=str(tmp_path / "m.db"), batch_chunks=4)
    for part in (files[:2], files[2:]):
        for f in part:
            shutil.copy(f, folder / f.name)
        ingest([folder], tmp_path / "idx", MAIN, options, cross=CROSS)
    grown = _service(tmp_path / "idx")
    for question in QUESTIONS:
        query = parse_query(question)
        (exact,) = embedded.retriever.signals([query])
        (found,) = grown.retriever.signals([query])
        assert found.stats is not None
        mean, std = found.stats["lexical"]  # over every chunk: the index is small
        assert (mean, std) == pytest.approx(
            (float(exact.scores["lexical"].mean()), float(exact.scores["lexical"].std())),
            rel=1e-4, abs=1e-6,
        ), question  # fmt: skip
        ranked, expected = grown.retriever.rank(found, 5), embedded.retriever.rank(exact, 5)
        # the same passages (their ids name the files' other folder) with the same scores
        assert [h.chunk.text for h in ranked] == [h.chunk.text for h in expected], question
        assert [h.score for h in ranked] == pytest.approx([h.score for h in expected], abs=1e-4)
    # a writer that changed nothing, or too little to move the average, weighs nothing again
    ingest([folder], tmp_path / "idx", MAIN, options, cross=CROSS)
    assert _service(tmp_path / "idx").snapshot.generation == grown.snapshot.generation


def test_answers_and_citations_are_the_embedded_ones(both: tuple[QAService, QAService]) -> None:
    embedded, milvus = both
    for question in QUESTIONS[:4]:
        a, b = embedded.ask(question, 5), milvus.ask(question, 5)
        assert b.text == a.text and b.confidence == pytest.approx(a.confidence, abs=1e-4)
        cited = lambda answer: [  # noqa: E731
            (c.n, c.doc_id, c.source, c.char_start, c.char_end, c.text, c.highlight)
            for c in answer.citations
        ]
        assert cited(b) == cited(a)
        assert [c.score for c in b.citations] == pytest.approx([c.score for c in a.citations])


def test_a_document_filter_keeps_to_its_documents(both: tuple[QAService, QAService]) -> None:
    embedded, milvus = both
    docs = milvus.snapshot.store.documents()
    assert [d.id for d in docs] == [d.id for d in embedded.snapshot.store.documents()]
    wanted = {docs[0].id, docs[2].id}
    for question in QUESTIONS:
        query = parse_query(question)
        hits = milvus.retriever.search(query, 8, doc_ids=wanted)
        assert hits and {h.chunk.doc_id for h in hits} <= wanted
        exact = embedded.retriever.search(query, 8, doc_ids=wanted)
        assert [h.chunk.id for h in hits] == [h.chunk.id for h in exact]
        assert [h.script for h in hits] == [h.script for h in exact]  # as ingest recorded it
        assert all(h.script is not None for h in hits)


def test_ingest_rules_hold_in_milvus(tmp_path: Path, corpus: Path) -> None:
    folder, uri = tmp_path / "idx", str(tmp_path / "m.db")
    first = ingest([corpus], folder, MAIN, IngestOptions(milvus=uri), cross=CROSS)
    assert first.added == 3
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["milvus_uri"] == str(Path(uri).resolve())
    assert [k for k in manifest if "token" in k] == ["tokenizer"]  # no token is kept
    assert sorted(p.name for p in folder.iterdir()) == [".write.lock", "manifest.json"]
    # nothing more is needed to write to it again: the manifest knows where it is
    again = ingest([corpus], folder, MAIN, cross=CROSS)
    assert (again.unchanged, again.chunks_embedded) == (3, 0)
    (corpus / "green.txt").write_text(
        "城市更新改造加快推进。新建口袋公园三十处。\n", encoding="utf-8"
    )
    changed = ingest([corpus], folder, MAIN, cross=CROSS)
    assert (changed.updated, changed.unchanged) == (1, 2)
    service = _service(folder)
    hit = service.retriever.search(parse_query("口袋公园"), 1)[0]
    assert "口袋公园" in hit.chunk.text
    store = service.snapshot.store
    kept = store.chunks(store.row_ids_of_documents([hit.chunk.doc_id]))
    assert kept and "人均公园绿地" not in " ".join(c.chunk.text for c in kept)
    # a deletion takes the document's chunks and its counts out
    info = describe(folder)
    assert (info["documents"], info["search"], info["milvus"]) == (
        3,
        "milvus",
        manifest["milvus_uri"],
    )
    removed = remove_documents(folder, [hit.chunk.doc_id])
    assert removed == [hit.chunk.doc_id]
    after = _service(folder)
    assert after.snapshot.generation > service.snapshot.generation
    assert after.snapshot.store.stats().documents == 2
    assert all(
        h.chunk.doc_id != hit.chunk.doc_id for h in after.retriever.search(parse_query("公园"), 10)
    )
    # the BM25 counts equal a fresh index's of what is left
    fresh = ingest([corpus / "coal.txt", corpus / "sub"], tmp_path / "fresh", MAIN,
                   IngestOptions(milvus=str(tmp_path / "fresh.db")), cross=CROSS)  # fmt: skip
    assert fresh.added == 2
    left, new = (
        after.snapshot.remote.frequencies,
        _service(tmp_path / "fresh").snapshot.remote.frequencies,
    )  # type: ignore[union-attr]
    assert (left.passages, left.tokens, left.df) == (new.passages, new.tokens, new.df)
    # pruning: a file gone from the folder is dropped from the index (and the one deleted
    # above, whose file is still there, comes back)
    (corpus / "coal.txt").unlink()
    pruned = ingest([corpus], folder, MAIN, IngestOptions(prune=True), cross=CROSS)
    assert (pruned.removed, pruned.added, describe(folder)["documents"]) == (1, 1, 2)


def test_an_index_does_not_move_between_stores(tmp_path: Path, corpus: Path) -> None:
    def into(folder: str, milvus: str | None = None, **options: object) -> None:
        ingest([corpus], tmp_path / folder, MAIN, IngestOptions(milvus=milvus, **options),  # type: ignore[arg-type]
               cross=CROSS)  # fmt: skip

    into("here")
    with pytest.raises(IndexMismatch, match="does not move between stores"):
        into("here", str(tmp_path / "m.db"))
    into("there", str(tmp_path / "m.db"))
    with pytest.raises(IndexMismatch, match="does not move between stores"):
        into("there", str(tmp_path / "o.db"))
    with pytest.raises(IndexMismatch, match="not rebuilt in place"):
        ingest([corpus], tmp_path / "there", HashingEmbedder(48),
               IngestOptions(rebuild=True), cross=CROSS)  # fmt: skip
    with pytest.raises(InvalidInput, match="neither a Milvus Lite file"):
        into("new", "milvus.example")


def test_a_manifest_whose_collections_are_gone_says_so(tmp_path: Path, corpus: Path) -> None:
    uri = str(tmp_path / "m.db")
    ingest([corpus], tmp_path / "idx", MAIN, IngestOptions(milvus=uri), cross=CROSS)
    prefix = json.loads((tmp_path / "idx" / "manifest.json").read_text())["milvus_collection"]
    drop_collections(connect(uri), prefix)
    with pytest.raises(IndexNotFound, match=f"holds no collection {prefix}_chunks"):
        open_snapshot(tmp_path / "idx")


def test_the_token_comes_from_the_environment(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []
    import pymilvus

    real = pymilvus.MilvusClient

    def client(**kwargs: object) -> object:
        seen.append(kwargs.get("token"))
        return real(**kwargs)

    monkeypatch.setattr(pymilvus, "MilvusClient", client)
    monkeypatch.setenv(TOKEN_ENV, "root:Milvus")
    ingest(
        [corpus], tmp_path / "idx", MAIN, IngestOptions(milvus=str(tmp_path / "m.db")), cross=CROSS
    )
    assert seen and set(seen) == {"root:Milvus"}
    assert "Milvus" not in (tmp_path / "idx" / "manifest.json").read_text().replace("milvus", "")
    shutil.rmtree(tmp_path / "idx")


def test_a_write_stopped_part_way_is_mended_by_the_next(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.milvus.documents import DocumentRows
    from index.milvus.store import MilvusStore

    folder = tmp_path / "idx"
    ingest([corpus], folder, MAIN, IngestOptions(milvus=str(tmp_path / "m.db")), cross=CROSS)
    (corpus / "green.txt").write_text(
        "城市更新改造加快推进。新建口袋公园三十处。\n", encoding="utf-8"
    )

    def stop(self: DocumentRows, record: object) -> None:  # killed with the chunks written
        raise KeyboardInterrupt

    monkeypatch.setattr(DocumentRows, "write", stop)
    with pytest.raises(KeyboardInterrupt):
        ingest([corpus], folder, MAIN, cross=CROSS)
    monkeypatch.undo()
    manifest = open_snapshot(folder).manifest
    reader = MilvusStore(manifest, readonly=True)
    assert len(reader.documents(with_text=False)) == 2  # the changed file's record went first
    reader.close()
    again = ingest([corpus], folder, MAIN, cross=CROSS)  # opening it mends the rest
    assert (again.added, again.unchanged) == (1, 2)
    fresh = tmp_path / "fresh"
    ingest([corpus], fresh, MAIN, IngestOptions(milvus=str(tmp_path / "f.db")), cross=CROSS)
    mine, theirs = _service(folder).snapshot, _service(fresh).snapshot
    assert mine.store.stats().chunks == theirs.store.stats().chunks
    a, b = mine.remote.frequencies, theirs.remote.frequencies  # type: ignore[union-attr]
    assert (a.passages, a.tokens, a.df) == (b.passages, b.tokens, b.df)
    assert MilvusStore(manifest).repair() is False  # nothing left to mend
