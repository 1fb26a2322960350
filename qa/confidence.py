"""How likely it is that the cited passages answer the question: a logistic model per question
language over what retrieval and the sentence scorer already measured — the second stage's
score of the best passage, its similarities and how much of the question it contains, the
best answer sentence's probability, how far the first passage stands out from the others
and, where the reader read the first passages, its logits of them — fitted on answerable
questions (those of the public sets, and a few written worded away from their passages)
against questions asked of an index that cannot answer them (``scripts/fit_ranker.py``). No
model is called again: a service without the reader gives the reader's features their fitted
means, which add nothing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa.cite import Citation, ScoredSentence
from qa.fitted import LinearModel

CONFIDENCE_FEATURES: tuple[str, ...] = (
    "top_score",
    "top_dense",
    "top_cross",
    "top_cover_chars",
    "top_cover_bigrams",
    "top_cover_bigrams_context",
    "top_longest_shared",
    "top_cover_words",
    "top_numbers_found",
    "top_cover_translated",
    "best_cover_bigrams",
    "best_sentence",
    "top_reader",
    "best_reader",
    "top_margin",
    "top_dense_margin",
    "top_reader_margin",
)
READER_FEATURES = ("top_reader", "best_reader", "top_reader_margin")


def confidence_features(
    citations: Sequence[Citation], sentences: Sequence[ScoredSentence]
) -> np.ndarray:
    """The row of CONFIDENCE_FEATURES for one question's citations and scored sentences (the
    reader's features NaN where it did not read)."""
    row = np.zeros(len(CONFIDENCE_FEATURES), dtype=np.float32)
    if not citations:
        return row
    # read in the order of their scores: passages put after others only for the place the
    # question names (qa/places.py) are as likely to answer as before (a stable sort: the
    # order served otherwise)
    citations = sorted(citations, key=lambda c: -c.score)
    top = citations[0]
    read = [c.reader for c in citations if c.reader is not None]
    feats = top.rescored.features if top.rescored is not None else {}
    signal = top.signals
    # how far the first passage stands out: a question worded away from its passage shares
    # few words with it, but its passage still leads the others; another collection's
    # questions find several passages alike
    before_reader = [c.score - c.reader_part for c in citations]
    dense = [c.signals["dense"].score if "dense" in c.signals else 0.0 for c in citations]
    others_read = [c.reader for c in citations[1:] if c.reader is not None]
    row[:] = (
        top.score,
        signal["dense"].score if "dense" in signal else 0.0,
        signal["cross"].score if "cross" in signal else 0.0,
        feats.get("cover_chars", 0.0),
        feats.get("cover_bigrams", 0.0),
        feats.get("cover_bigrams_context", 0.0),
        feats.get("longest_shared", 0.0),
        feats.get("cover_words", 0.0),
        feats.get("numbers_found", 0.0),
        feats.get("cover_translated", 0.0),
        max(
            (c.rescored.features.get("cover_bigrams", 0.0) for c in citations if c.rescored),
            default=0.0,
        ),
        max((s.score for s in sentences), default=0.0),
        top.reader if top.reader is not None else np.nan,
        max(read) if read else np.nan,
        before_reader[0] - max(before_reader[1:], default=before_reader[0]),
        dense[0] - (float(np.mean(dense[1:])) if len(dense) > 1 else dense[0]),
        top.reader - max(others_read) if top.reader is not None and others_read else np.nan,
    )
    return row


def confidence(
    model: LinearModel | None,
    citations: Sequence[Citation],
    sentences: Sequence[ScoredSentence],
) -> float:
    """The probability in [0, 1] that the passages answer the question (0 with no passage;
    1 when no model is fitted for the language, so nothing is withheld)."""
    if not citations:
        return 0.0
    if model is None:
        return 1.0
    row = confidence_features(citations, sentences)
    columns = [CONFIDENCE_FEATURES.index(n) for n in model.names]
    x = row[columns]
    x = np.where(np.isnan(x), model.mean, x)  # not read: a feature that adds nothing
    return float(model.probabilities(x[None, :])[0])
