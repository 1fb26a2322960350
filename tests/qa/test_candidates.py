"""A big index's first stage (qa/candidates.py, index/ann.py, index/derived.py): candidates
scored and standardised as exact search scores every chunk."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import index.derived
from index.ann import GROUPS, ApproximateIndex, Moments
from index.derived import DERIVED
from index.embedder import HashingEmbedder
from index.folder import approximated, open_snapshot
from index.pipeline import ingest
from index.summary import describe
from qa.candidates import Groups, candidates
from qa.query import parse_query
from qa.service import QAService
from tests.conftest import SEEDS

QUESTIONS = ("煤炭产业占工业比重", "晉城培育了哪些產業集群", "公园绿地面积", "coal dependence")


def test_moments_give_the_mean_and_deviation_over_every_chunk() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((500, 12)).astype(np.float32)
    groups = rng.integers(0, len(GROUPS), 500).astype(np.int8)
    queries = rng.standard_normal((len(GROUPS), 12))
    moments = Moments.of(vectors, groups)
    scores = np.einsum("nd,nd->n", vectors, queries[groups])
    mean, std = moments.stats(queries)
    assert mean == pytest.approx(scores.mean(), rel=1e-5, abs=1e-6)
    assert std == pytest.approx(scores.std(), rel=1e-5)
    assert Moments.of(vectors[:0], groups[:0]).stats(queries) == (0.0, 0.0)


def test_approximate_search_scores_each_candidate_as_exact_search_does(service: QAService) -> None:
    approximate = service.with_snapshot(approximated(service.snapshot))
    assert approximate.snapshot.vectors is None and approximate.snapshot.approximate
    for question in QUESTIONS:
        query = parse_query(question)
        (exact,) = service.retriever.signals([query])
        (found,) = approximate.retriever.signals([query])
        assert found.positions is not None and found.stats is not None
        for name, scores in found.scores.items():
            np.testing.assert_allclose(scores, exact.scores[name][found.positions], atol=1e-5)
            mean, std = found.stats[name]
            assert mean == pytest.approx(float(exact.scores[name].mean()), abs=1e-5)
            assert std == pytest.approx(float(exact.scores[name].std()), rel=1e-4)
        mine = [h.row_id for h in service.retriever.rank(exact, 5)]
        theirs = approximate.retriever.rank(found, 5)
        assert [h.row_id for h in theirs] == mine, question
        for hit in theirs:
            assert hit.signals["dense"].rank >= 1


def test_candidates_hold_each_signals_best(tmp_path: Path) -> None:
    main, cross = HashingEmbedder(64), HashingEmbedder(32)
    ingest([SEEDS], tmp_path / "idx", main, cross=cross)  # the sample reports, some 150 chunks
    service = QAService(open_snapshot(tmp_path / "idx"), main, cross, cross)
    snapshot = approximated(service.snapshot)
    groups = Groups(snapshot)
    for question in (*QUESTIONS, "城镇新增就业人数", "How did Changzhi cut coal dependence?"):
        query = parse_query(question)
        (exact,) = service.retriever.signals([query])
        dense = service.retriever._by_group(
            query, exact.vectors["dense"], service.retriever._flipped([query]).get(0)
        )
        found = candidates(
            snapshot, groups, query.search_text, dense, exact.vectors["cross"], count=5
        )
        assert len(found.positions) < len(snapshot.row_ids) / 3
        for name, scores in exact.scores.items():
            # the best five, but for near ties with the sixth, which 8-bit codes may order
            # either way (all lists of so small an index are searched)
            sixth = np.sort(scores)[-6]
            best = set(np.flatnonzero(scores > max(sixth + 0.01, 0)).tolist())
            assert best <= set(found.positions.tolist()), (question, name)


def test_candidates_of_a_document_filter_are_its_best(tmp_path: Path) -> None:
    main, cross = HashingEmbedder(64), HashingEmbedder(32)
    ingest([SEEDS], tmp_path / "idx", main, cross=cross)
    service = QAService(open_snapshot(tmp_path / "idx"), main, cross, cross)
    snapshot = approximated(service.snapshot)
    docs = [d.id for d in snapshot.store.documents()][:2]
    within = service.retriever._positions_in(set(docs))
    assert len(within) > 20
    for question in ("城镇新增就業人数", "煤炭产业占工业比重"):  # the first in both scripts
        query = parse_query(question)
        (exact,) = service.retriever.signals([query])
        dense = service.retriever._by_group(
            query, exact.vectors["dense"], service.retriever._flipped([query]).get(0)
        )
        found = candidates(
            snapshot, Groups(snapshot), query.search_text, dense, exact.vectors["cross"],
            within, count=5,
        )  # fmt: skip
        assert set(found.positions.tolist()) <= set(within.tolist())
        for name, scores in exact.scores.items():
            mine = scores[within]
            sixth = np.sort(mine)[-6]
            best = set(within[mine > max(sixth + 0.01, 0)].tolist())
            assert best <= set(found.positions.tolist()), (question, name)
    service.close()


def test_a_document_filter_keeps_to_its_documents(service: QAService) -> None:
    approximate = service.with_snapshot(approximated(service.snapshot))
    docs = {d.id: d for d in service.snapshot.store.documents()}
    (coal,) = [i for i, d in docs.items() if d.source.endswith("coal.txt")]
    for svc in (service, approximate):
        hits = svc.search("公园绿地面积", 5, doc_ids={coal}).citations
        assert hits and {c.doc_id for c in hits} == {coal}
    exact = [
        (c.source, c.char_start)
        for c in service.search("公园绿地面积", 5, doc_ids={coal}).citations
    ]
    assert [
        (c.source, c.char_start)
        for c in approximate.search("公园绿地面积", 5, doc_ids={coal}).citations
    ] == exact


def test_a_big_index_keeps_approximate_indexes_and_loads_no_vectors(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main, cross = HashingEmbedder(64), HashingEmbedder(32)
    ingest([corpus], tmp_path / "small", main, cross=cross)
    monkeypatch.setattr(index.derived, "APPROXIMATE_FROM", 1)
    ingest([corpus], tmp_path / "big", main, cross=cross)
    (generation,) = (tmp_path / "big" / DERIVED).iterdir()
    assert describe(tmp_path / "big")["search"] == "approximate"
    for name in ("dense", "cross"):
        assert ApproximateIndex.saved(generation / "vectors", name)
    small = QAService(open_snapshot(tmp_path / "small"), main, cross, cross)
    big = QAService(open_snapshot(tmp_path / "big"), main, cross, cross)
    assert big.snapshot.vectors is None and big.snapshot.cross is None
    assert big.snapshot.approximate is not None and len(big.snapshot.approximate["cross"])
    assert small.snapshot.scripts is not None and big.snapshot.scripts is not None
    for script, mask in small.snapshot.scripts.items():
        np.testing.assert_array_equal(big.snapshot.scripts[script], mask)
    for question in QUESTIONS:
        want = [(c.source, c.char_start, c.char_end) for c in small.search(question, 3).citations]
        assert [
            (c.source, c.char_start, c.char_end) for c in big.search(question, 3).citations
        ] == want
        assert big.ask(question).text == small.ask(question).text
    big.close()
    # derived indexes lost (a writer died before writing them): rebuilt in memory, alike
    shutil.rmtree(tmp_path / "big" / DERIVED)
    again = QAService(open_snapshot(tmp_path / "big"), main, cross, cross)
    assert again.snapshot.rebuilt_in_memory and again.snapshot.approximate is not None
    want = [(c.source, c.char_start) for c in small.search(QUESTIONS[0], 3).citations]
    assert [(c.source, c.char_start) for c in again.search(QUESTIONS[0], 3).citations] == want
    again.close()
    small.close()


def test_a_write_to_a_big_index_reuses_its_trained_lists(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import faiss

    monkeypatch.setattr(index.derived, "APPROXIMATE_FROM", 1)
    main, cross = HashingEmbedder(64), HashingEmbedder(32)
    ingest([corpus], tmp_path / "big", main, cross=cross)

    def centroids() -> np.ndarray:
        (generation,) = (tmp_path / "big" / DERIVED).iterdir()
        trained = faiss.read_index(
            str(ApproximateIndex.trained_file(generation / "vectors", "dense"))
        )
        ivf = faiss.extract_index_ivf(trained)
        return faiss.rev_swig_ptr(
            faiss.downcast_index(ivf.quantizer).get_xb(), ivf.nlist * ivf.d
        ).copy()

    before = centroids()
    (corpus / "more.txt").write_text("城镇新增就业人数超过预期。", encoding="utf-8")
    ingest([corpus], tmp_path / "big", main, cross=cross)
    np.testing.assert_array_equal(centroids(), before)
    service = QAService(open_snapshot(tmp_path / "big"), main, cross, cross)
    assert "就业" in service.search("城镇新增就业", 1).citations[0].text
    service.close()
