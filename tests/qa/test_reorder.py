from __future__ import annotations

import math

import pytest

from qa.cite import Citation, ScoredSentence
from qa.reorder import best_sentences, by_reader, by_sentences, log_odds, order_keys


def citation(n: int, score: float, doc: str | None = None) -> Citation:
    return Citation(
        n=n, doc_id=doc or f"d{n}", title="", source="", section=None, page=None,
        char_start=0, char_end=1, text="", highlight=None, score=score,
    )  # fmt: skip


def sentence(n: int, score: float, text: str = "") -> ScoredSentence:
    return ScoredSentence(n, text or f"{n}:{score}", score)


def test_a_passage_whose_sentence_likely_answers_moves_up() -> None:
    citations = [citation(1, 2.0), citation(2, 1.5), citation(3, 0.0)]
    sentences = [sentence(1, 0.05), sentence(2, 0.9), sentence(2, 0.1), sentence(3, 0.2)]
    ordered, moved = by_sentences(citations, sentences, 1.0)
    # keys: 2 + logit(.05) = -0.94, 1.5 + logit(.9) = 3.70, 0 + logit(.2) = -1.39
    assert [c.doc_id for c in ordered] == ["d2", "d1", "d3"]
    assert [c.n for c in ordered] == [1, 2, 3]
    assert ordered[0].score == pytest.approx(1.5 + math.log(9))
    # every sentence follows its passage to its new number, passage by passage in order
    assert [(s.citation, s.text) for s in moved] == [
        (1, "2:0.9"), (1, "2:0.1"), (2, "1:0.05"), (3, "3:0.2"),
    ]  # fmt: skip


def test_weight_zero_changes_nothing() -> None:
    citations = [citation(1, 2.0), citation(2, 1.5)]
    sentences = [sentence(1, 0.01), sentence(2, 0.99)]
    assert by_sentences(citations, sentences, 0.0) == (citations, sentences)


def test_ties_keep_the_second_stages_order() -> None:
    citations = [citation(1, 1.0), citation(2, 1.0)]
    sentences = [sentence(1, 0.5), sentence(2, 0.5)]
    ordered, _ = by_sentences(citations, sentences, 2.0)
    assert [c.doc_id for c in ordered] == ["d1", "d2"]


def test_a_passage_without_sentences_counts_as_a_poor_answer() -> None:
    citations = [citation(1, 3.0), citation(2, 0.0)]
    assert best_sentences(citations, [sentence(2, 0.6)]) == [0.0, 0.6]
    keys = order_keys(citations, [sentence(2, 0.6)], 1.0)
    assert keys[0] == pytest.approx(3.0 + log_odds(0.0))
    assert math.isfinite(keys[0]) and keys[0] < keys[1]


def test_log_odds_stay_finite_at_certainty() -> None:
    assert math.isfinite(log_odds(1.0)) and math.isfinite(log_odds(0.0))
    assert log_odds(0.5) == 0.0


def test_the_service_serves_passages_in_the_order_of_their_keys(service) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace as with_field

    from qa.reorder import ORDER_DEPTH

    weighted = service.with_fitted(with_field(service.fitted, sentence_weight={"zh": 3.0}))
    signals = weighted.retriever.signals([weighted.parse("煤炭产业占工业比重")])[0]
    hits = weighted.retriever.rank(signals, ORDER_DEPTH)
    unordered, sentences = weighted.citations_for(signals, hits)
    keys = order_keys(unordered, sentences, 3.0)
    expected = [c.doc_id for _, c in sorted(zip(keys, unordered, strict=True), key=lambda t: -t[0])]
    citations, scored = weighted.passages(signals, 5)
    assert [c.doc_id for c in citations] == expected
    assert [c.score for c in citations] == pytest.approx(sorted(keys, reverse=True))
    assert {s.citation for s in scored} <= {c.n for c in citations}
    # asking for fewer passages gives the first of the same order
    one, few = weighted.passages(signals, 1)
    assert [c.doc_id for c in one] == expected[:1]
    assert {s.citation for s in few} == {1}
    assert weighted.search("煤炭产业占工业比重", 1).citations[0].doc_id == expected[0]


def test_the_reader_reorders_what_it_read_and_leaves_the_rest() -> None:
    citations = [citation(1, 3.0), citation(2, 2.0), citation(3, 1.0), citation(4, 0.5)]
    sentences = [sentence(1, 0.2), sentence(2, 0.3), sentence(4, 0.9)]
    ordered, moved = by_reader(citations, sentences, [-2.0, 1.0, 4.0], 0.5)
    # keys: 3 - 1 = 2.0, 2 + 0.5 = 2.5, 1 + 2 = 3.0; the unread fourth stays last
    assert [c.doc_id for c in ordered] == ["d3", "d2", "d1", "d4"]
    assert [c.n for c in ordered] == [1, 2, 3, 4]
    assert [c.reader for c in ordered] == [4.0, 1.0, -2.0, None]
    assert [c.reader_part for c in ordered] == [2.0, 0.5, -1.0, 0.0]
    assert ordered[0].score == pytest.approx(3.0)
    assert [(s.citation, s.text) for s in moved] == [(2, "2:0.3"), (3, "1:0.2"), (4, "4:0.9")]


def test_reader_weight_zero_only_records_the_logits() -> None:
    citations = [citation(1, 3.0), citation(2, 2.0)]
    ordered, moved = by_reader(citations, [sentence(1, 0.5)], [-5.0, 5.0], 0.0)
    assert [(c.doc_id, c.n, c.score, c.reader) for c in ordered] == [
        ("d1", 1, 3.0, -5.0), ("d2", 2, 2.0, 5.0),
    ]  # fmt: skip
    assert moved == [sentence(1, 0.5)]
