from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.embedder import HashingEmbedder
from index.errors import IndexMismatch, InvalidInput
from qa.fusion import fuse, zscore
from qa.query import parse_query
from qa.retrieve import Retriever
from qa.service import QAService


def test_chinese_question_uses_bm25_and_dense(service: QAService) -> None:
    hits = service.retriever.search(parse_query("煤炭产业占工业比重"), 3)
    assert "煤炭产业占工业比重下降到6.1%" in hits[0].chunk.text
    top = hits[0]
    assert set(top.signals) == {"lexical", "dense", "cross"}
    assert top.signals["lexical"].rank == 1
    z = {name: s.z for name, s in top.signals.items()}
    assert top.rescored is not None
    fused = top.rescored.features["fused"]
    assert fused == pytest.approx(0.5 * z["lexical"] + 1.0 * z["dense"], rel=1e-5)
    assert top.score == pytest.approx(top.rescored.logit)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_explain_scores_agree_with_a_full_recomputation(service: QAService) -> None:
    query = parse_query("公园绿地面积")
    (signals,) = service.retriever.signals([query])
    fused = fuse(signals.scores, service.retriever.weights["zh"])
    hits = service.retriever.rank(signals, 5)
    for hit in hits:
        pos = service.retriever.row_ids.tolist().index(hit.row_id)
        assert hit.signals["dense"].z == pytest.approx(float(zscore(signals.scores["dense"])[pos]))
        assert hit.rescored is not None
        assert hit.rescored.features["fused"] == pytest.approx(float(fused[pos]), rel=1e-5)
    # without the second stage, the first stage's order is kept
    first = Retriever(
        service.snapshot, service.retriever.embedder, service.retriever.cross, second_stage=False
    )
    plain = first.rank(signals, 5)
    order = np.argsort(-fused, kind="stable")[: len(plain)]
    assert [h.row_id for h in plain] == service.retriever.row_ids[order].tolist()
    assert all(h.rescored is None for h in plain)
    assert {h.row_id for h in plain} == {h.row_id for h in hits}  # the pool holds them all


def test_second_stage_contributions_add_up_to_its_score(service: QAService) -> None:
    for question in ("公园绿地面积", "how large is the green space per person"):
        (signals,) = service.retriever.signals([parse_query(question)])
        model = service.fitted.ranker[signals.query.language]
        for hit in service.retriever.rank(signals, 3):
            assert hit.rescored is not None
            total = model.base + sum(hit.rescored.contributions.values())
            assert total == pytest.approx(hit.score, rel=1e-4, abs=1e-4)


def test_english_question_ignores_bm25(service: QAService) -> None:
    query = parse_query("coal share of industry")
    assert query.language == "en"
    hits = service.retriever.search(query, 3)
    for hit in hits:
        z = hit.signals
        assert hit.rescored is not None
        fused = hit.rescored.features["fused"]
        assert fused == pytest.approx(z["dense"].z + z["cross"].z, rel=1e-5)


def test_filter_by_document(service: QAService) -> None:
    docs = service.snapshot.store.documents()
    green = next(d for d in docs if d.source.endswith("green.txt"))
    hits = service.retriever.search(parse_query("煤炭产业"), 5, doc_ids={green.id})
    assert hits and {h.chunk.doc_id for h in hits} == {green.id}


@pytest.mark.parametrize("k", [0, -1])
def test_k_out_of_range(service: QAService, k: int) -> None:
    with pytest.raises(InvalidInput, match=f"k of {k} is out of range; ask for 1 to 100"):
        service.search("煤炭", k)


def test_the_service_owns_its_limits(service: QAService) -> None:
    from index.errors import QuestionTooLong, TooManyPassages

    with pytest.raises(TooManyPassages, match="k of 10000 is over the limit of 100"):
        service.search("煤炭", 10_000)
    service.limit(max_question_chars=5, max_k=3)  # a server's settings
    with pytest.raises(TooManyPassages, match="k of 4 is over the limit of 3"):
        service.ask_many(["煤炭"], 4)
    with pytest.raises(QuestionTooLong, match="6 characters long; the limit is 5"):
        service.search("煤炭产业比重", 3)
    assert service.reopened().max_k == 3  # a reopened service keeps them


def test_question_embedder_must_match_the_index(service: QAService) -> None:
    with pytest.raises(IndexMismatch, match="was built with model 'hashing-64'"):
        Retriever(service.snapshot, HashingEmbedder(16), HashingEmbedder(32))
    with pytest.raises(IndexMismatch, match="also holds vectors of 'hashing-32'"):
        Retriever(service.snapshot, HashingEmbedder(64), None)


def test_empty_index_returns_nothing(tmp_path: Path) -> None:
    from index.folder import open_snapshot
    from index.pipeline import ingest

    (tmp_path / "docs").mkdir()
    ingest([tmp_path / "docs"], tmp_path / "idx", HashingEmbedder(8))
    service = QAService(open_snapshot(tmp_path / "idx"), HashingEmbedder(8))
    assert service.search("煤炭", 5).citations == []
    answer = service.ask("煤炭")
    assert answer.abstained and answer.text == "文档中没有找到能回答这个问题的内容。"


def test_in_an_index_of_both_scripts_each_passage_meets_the_question_in_its_script(
    service: QAService,
) -> None:
    snapshot = service.snapshot
    assert snapshot.scripts is not None  # coal.txt, green.txt Simplified; jincheng.txt not
    rows = snapshot.vectors.row_ids
    traditional = {c.row_id for c in snapshot.store.chunks(rows.tolist()) if "晉城" in c.chunk.text}
    assert {int(r) for r in rows[snapshot.scripts["traditional"]]} == traditional
    assert not (snapshot.scripts["traditional"] & snapshot.scripts["simplified"]).any()

    embed = service.retriever.embedder
    for asked, flipped in (("晉城培育了哪些產業集群", "晋城培育了哪些产业集群"),
                           ("晋城培育了哪些产业集群", "晉城培育了哪些產業集群")):  # fmt: skip
        dense = service.retriever.signals([parse_query(asked)])[0].scores["dense"]
        own = snapshot.vectors.all_scores(embed.embed([asked], "query")[0])
        other = snapshot.vectors.all_scores(embed.embed([flipped], "query")[0])
        theirs = snapshot.scripts["simplified" if asked.startswith("晉") else "traditional"]
        want = np.where(theirs, other, own)
        np.testing.assert_allclose(dense, want, rtol=1e-6)
        assert not np.allclose(dense, own)  # it did change something

    # a question with nothing to convert, and an English one, are scored as asked
    for plain in ("2021年", "coal dependence"):
        dense = service.retriever.signals([parse_query(plain)])[0].scores["dense"]
        np.testing.assert_allclose(
            dense, snapshot.vectors.all_scores(embed.embed([plain], "query")[0]), rtol=1e-6
        )


def test_an_index_of_one_script_has_nothing_to_match(corpus: Path, tmp_path: Path) -> None:
    from index.folder import open_snapshot
    from index.pipeline import ingest

    ingest([corpus / "coal.txt", corpus / "green.txt"], tmp_path / "i", HashingEmbedder(64))
    assert open_snapshot(tmp_path / "i").scripts is None
