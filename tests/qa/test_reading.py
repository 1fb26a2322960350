"""The service reading its first passages with a reader: a fake one here, whose logits are
known, so the order and the confidence it leads to can be checked exactly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from qa.confidence import CONFIDENCE_FEATURES, READER_FEATURES, confidence, confidence_features
from qa.fitted import LinearModel
from qa.service import QAService


class KeywordReader:
    """Logit 5 for a passage holding ``word``, -5 otherwise; counts what it read."""

    def __init__(self, word: str) -> None:
        self.word = word
        self.read: list[str] = []

    def score(self, question: str, texts: Sequence[str]) -> np.ndarray:
        self.read += texts
        return np.array([5.0 if self.word in t else -5.0 for t in texts], dtype=np.float32)


def test_the_reader_puts_the_passage_it_reads_as_answering_first(service: QAService) -> None:
    question = "煤炭产业占工业比重"
    before = service.search(question).citations
    assert "煤炭" in before[0].text and all(c.reader is None for c in before)
    reader = KeywordReader("绿地")
    # a weight at which ten logits outweigh the second stage's lead
    weight = (before[0].score - min(c.score for c in before)) / 10 + 0.5
    fitted = replace(service.fitted, reader_depth=5, reader_weight={"zh": weight}, reader_below={})
    reading = service.with_fitted(fitted).with_reader(reader)
    after = reading.search(question).citations
    assert "绿地" in after[0].text and after[0].reader == 5.0
    keys = sorted(
        (c.score + weight * (5.0 if "绿地" in c.text else -5.0) for c in before[:5]), reverse=True
    )
    assert [c.score for c in after] == pytest.approx(keys)
    assert [c.n for c in after] == list(range(1, len(after) + 1))
    assert sorted(reader.read) == sorted(c.text for c in before[:5])
    # at weight 0 the logits are only recorded: the order stays the service's own
    still = service.with_fitted(replace(fitted, reader_weight={})).with_reader(reader)
    assert [c.doc_id for c in still.search(question).citations] == [c.doc_id for c in before]
    # a first passage scoring at or above the gate is not read at all
    reader.read.clear()
    gated = service.with_fitted(replace(fitted, reader_below={"zh": before[0].score}))
    assert [c.reader for c in gated.with_reader(reader).search(question).citations] == [None] * len(
        before
    )
    assert reader.read == []


def test_without_a_reader_the_readers_features_add_nothing(service: QAService) -> None:
    question = "煤炭产业占工业比重"
    citations, sentences = service.passages(
        service.retriever.signals([service.parse(question)])[0], 5
    )
    row = confidence_features(citations, sentences)
    columns = [CONFIDENCE_FEATURES.index(n) for n in READER_FEATURES]
    assert np.isnan(row[columns]).all()
    names = ("top_score", "top_reader", "best_reader")
    model = LinearModel(
        names, np.array([0.0, 1.0, 2.0], np.float32), np.ones(3, np.float32),
        np.array([0.5, 3.0, -2.0], np.float32), 0.25,
    )  # fmt: skip
    expected = 1.0 / (1.0 + np.exp(-(0.25 + 0.5 * citations[0].score)))
    assert confidence(model, citations, sentences) == pytest.approx(expected, rel=1e-5)
    read = [replace(c, reader=3.0) for c in citations]
    logit = 0.25 + 0.5 * citations[0].score + 3.0 * (3.0 - 1.0) - 2.0 * (3.0 - 2.0)
    assert confidence(model, read, sentences) == pytest.approx(1 / (1 + np.exp(-logit)), rel=1e-5)


def test_the_margins_say_how_far_the_first_passage_stands_out(service: QAService) -> None:
    question = "煤炭产业占工业比重"
    signals = service.retriever.signals([service.parse(question)])[0]
    fitted = replace(service.fitted, reader_depth=3, reader_weight={"zh": 0.5}, reader_below={})
    reading = service.with_fitted(fitted).with_reader(KeywordReader("煤炭"))
    citations, sentences = reading.passages(signals, 5)
    row = dict(zip(CONFIDENCE_FEATURES, confidence_features(citations, sentences), strict=True))
    before = [c.score - c.reader_part for c in citations]
    assert row["top_margin"] == pytest.approx(before[0] - max(before[1:]), rel=1e-5)
    dense = [c.signals["dense"].score for c in citations]
    assert row["top_dense_margin"] == pytest.approx(dense[0] - np.mean(dense[1:]), rel=1e-5)
    logits = [c.reader for c in citations if c.reader is not None]
    assert len(logits) == 3 and citations[0].reader is not None
    others = [c.reader for c in citations[1:] if c.reader is not None]
    assert row["top_reader_margin"] == pytest.approx(citations[0].reader - max(others))
    # one passage: nothing to stand out from; not read: the reader's margin is unknown
    alone = dict(
        zip(CONFIDENCE_FEATURES, confidence_features(citations[:1], sentences), strict=True)
    )
    assert alone["top_margin"] == 0.0 and alone["top_dense_margin"] == 0.0
    assert np.isnan(alone["top_reader_margin"])


def test_passages_put_after_others_for_a_place_leave_the_confidence_as_it_was(
    service: QAService,
) -> None:
    question = "煤炭产业占工业比重"
    citations, sentences = service.passages(
        service.retriever.signals([service.parse(question)])[0], 5
    )
    assert len(citations) >= 3 and citations[0].score > citations[1].score
    # served as qa/places.by_place serves them when the question names the place of the
    # third passage's document only
    served = [citations[2], citations[0], citations[1], *citations[3:]]
    assert confidence_features(served, sentences) == pytest.approx(
        confidence_features(citations, sentences), nan_ok=True
    )
