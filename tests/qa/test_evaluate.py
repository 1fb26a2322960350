from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.evaluate import SECOND_STAGE, MethodScores, evaluate, read_gold, table
from qa.service import QAService


def test_method_scores_count_hits_and_reciprocal_ranks() -> None:
    scores = MethodScores()
    scores.add(["a", "b", "c"], frozenset({"a"}))
    scores.add(["x", "b", "y", "z", "w", "v"], frozenset({"v"}))
    scores.add(["x"], frozenset({"q"}))
    row = scores.row()
    assert row["R@1"] == pytest.approx(1 / 3)
    assert row["R@5"] == pytest.approx(1 / 3)
    assert row["R@10"] == pytest.approx(2 / 3)
    assert row["MRR@10"] == pytest.approx((1 + 1 / 6) / 3)


def test_read_gold_reports_bad_lines_by_number(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(
        json.dumps({"question": "煤炭比重", "positive_ids": ["coal"]}, ensure_ascii=False)
        + "\n{not json\n"
        + json.dumps({"question": "无证据"}, ensure_ascii=False)
        + "\n\n"
        + json.dumps({"question": "公园", "answers": ["十二处"]}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    gold, bad = read_gold(path)
    assert [(g.line, g.question) for g in gold] == [(1, "煤炭比重"), (5, "公园")]
    assert [line for line, _ in bad] == [2, 3]
    assert "positive_ids or answers" in bad[1][1]


def test_evaluate_on_the_tiny_corpus(service: QAService, tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    rows = [
        {"question": "煤炭产业占工业比重下降到多少", "positive_ids": ["coal"], "answers": ["6.1%"]},
        {"question": "人均公园绿地面积", "positive_ids": ["green"], "answers": ["18.8平方米"]},
        {"question": "晉城新質生產力", "positive_ids": ["jincheng"], "answers": ["產業集群"]},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    gold, _ = read_gold(path)
    service.answer_at = {"zh": 0.0, "en": 0.0}  # the hashing embedder's cosines are low
    report = evaluate(service, gold, answers=3)
    assert report.questions == 3
    assert report.methods["bm25"]["R@1"] == 1.0
    assert report.methods["default (by language)"]["R@5"] == 1.0
    assert report.methods[SECOND_STAGE]["R@5"] == 1.0
    assert report.answers_checked == 3 and report.answer_hit_rate == pytest.approx(1.0)
    assert len(report.confidence) == 3 and report.answered == 1.0
    service.answer_at = {"zh": 1.01, "en": 1.01}  # nothing is confident enough: all abstain
    strict = evaluate(service, gold)
    assert strict.answered == 0.0 and strict.answer_hit_rate == 0.0
    assert "| bm25 | 1.000 / 1.000 / 1.000 / 1.000 |" in table([("tiny", report)])


def test_the_served_order_is_what_counts(
    service: QAService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R@1 of what citeqa serves reads the passages in their final order (after the answer
    sentences' say), not the second stage's ranking."""
    path = tmp_path / "gold.jsonl"
    row = {"question": "煤炭产业占工业比重下降到多少", "positive_ids": ["coal"]}
    path.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    gold, _ = read_gold(path)
    assert evaluate(service, gold, methods={}, answers=0).methods[SECOND_STAGE]["R@1"] == 1.0
    served = service.passages

    def last_first(signals, k, **kw):  # type: ignore[no-untyped-def]
        citations, sentences = served(signals, k, **kw)
        assert len(citations) > 1
        return citations[::-1], sentences

    monkeypatch.setattr(service, "passages", last_first)
    assert evaluate(service, gold, methods={}, answers=0).methods[SECOND_STAGE]["R@1"] == 0.0


def test_a_question_asked_without_its_own_documents_counts_only_as_answered_or_not(
    service: QAService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "gold.jsonl"
    row = {
        "question": "煤炭产业占工业比重下降到多少",
        "positive_ids": ["coal"],
        "answers": ["6.1%"],
    }
    path.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    gold, _ = read_gold(path)
    keys = {d.id: Path(d.source).stem for d in service.snapshot.store.documents()}
    served = service.passages
    asked_of: list[set[str] | None] = []

    def recorded(signals, k, *, doc_ids=None):  # type: ignore[no-untyped-def]
        asked_of.append(doc_ids)
        return served(signals, k, doc_ids=doc_ids)

    monkeypatch.setattr(service, "passages", recorded)
    service.answer_at = {"zh": 0.0, "en": 0.0}
    report = evaluate(service, gold, withhold_own=True)
    assert report.methods == {} and report.answer_hit_rate is None
    assert len(report.confidence) == 1 and report.answered == 1.0
    (doc_ids,) = asked_of
    assert doc_ids is not None and {keys[d] for d in doc_ids} == set(keys.values()) - {"coal"}
