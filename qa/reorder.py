"""The cited passages in the order their sentences suggest: the last step of ranking.

The second stage scores whole passages; the sentence scorer then reads each sentence of the
passages it cites and gives the probability that it holds the answer. A passage whose best
sentence is a likely answer is more likely the one asked about, and on the fitting parts of the
public sets the best sentence's passage is the right document more often than the second
stage's first passage. So the cited passages are put in order of the second stage's score plus
the best sentence's log-odds, at a weight fitted per question language
(``scripts/fit_ranker.py``, ``sentence_weight`` in ``qa/fitted.json``). It costs no model call:
the sentences are scored for the answer anyway.

Where the reader (``qa/reader.py``) reads the first passages of that order, its logit is added
too, at its own fitted weight (``reader_weight``): it reads the question and the passage
together, which matters most where the two share few words, as across languages."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from qa.cite import Citation, ScoredSentence

# how many passages are ranked and their sentences scored however few are asked for, so that
# asking for fewer gives the first of the same order
ORDER_DEPTH = 5
_EDGE = 1e-6  # probabilities are kept this far from 0 and 1 before taking log-odds


def log_odds(p: float) -> float:
    p = min(max(p, _EDGE), 1.0 - _EDGE)
    return math.log(p / (1.0 - p))


def best_sentences(
    citations: Sequence[Citation], sentences: Sequence[ScoredSentence]
) -> list[float]:
    """Each citation's best sentence probability (0 for a passage with no sentence)."""
    best = dict.fromkeys((c.n for c in citations), 0.0)
    for s in sentences:
        if s.citation in best:
            best[s.citation] = max(best[s.citation], s.score)
    return [best[c.n] for c in citations]


def order_keys(
    citations: Sequence[Citation], sentences: Sequence[ScoredSentence], weight: float
) -> list[float]:
    """What each citation is ordered by: its second-stage score plus ``weight`` times its best
    sentence's log-odds."""
    best = best_sentences(citations, sentences)
    return [c.score + weight * log_odds(p) for c, p in zip(citations, best, strict=True)]


def by_sentences(
    citations: Sequence[Citation], sentences: Sequence[ScoredSentence], weight: float
) -> tuple[list[Citation], list[ScoredSentence]]:
    """The citations in order of ``order_keys`` (ties keep the second stage's order), numbered
    again from 1, each with its key as its score; and the sentences with their citations' new
    numbers, in the new order of their passages. A weight of 0 changes nothing."""
    if weight == 0.0 or not citations:
        return list(citations), list(sentences)
    return in_order(citations, sentences, order_keys(citations, sentences, weight))


def by_reader(
    citations: Sequence[Citation],
    sentences: Sequence[ScoredSentence],
    logits: Sequence[float],
    weight: float,
) -> tuple[list[Citation], list[ScoredSentence]]:
    """The first ``len(logits)`` citations, which the reader read (``logits[i]`` its logit of
    citation i), each carrying its logit and put in order of its score plus ``weight`` times
    it; the citations after them stay where they are. A weight of 0 only records the logits."""
    read = [replace(c, reader=float(x)) for c, x in zip(citations, logits, strict=False)]
    rest = list(citations[len(read) :])
    if weight == 0.0 or not read:
        return read + rest, list(sentences)
    read = [replace(c, reader_part=weight * c.reader) for c in read if c.reader is not None]
    keys = [c.score + c.reader_part for c in read]
    # the unread keep their places below the read: their keys only need to stay in order
    floor = min(keys) - 1.0
    keys += [floor - i for i in range(len(rest))]
    return in_order(read + rest, sentences, keys)


def in_order(
    citations: Sequence[Citation], sentences: Sequence[ScoredSentence], keys: Sequence[float]
) -> tuple[list[Citation], list[ScoredSentence]]:
    """The citations sorted by ``keys`` (ties keep their order), numbered again from 1, each
    with its key as its score, and the sentences renumbered with them."""
    order = sorted(range(len(citations)), key=lambda i: (-keys[i], i))
    return in_sequence([replace(citations[i], score=keys[i]) for i in order], sentences)


def put_after(
    citations: Sequence[Citation], sentences: Sequence[ScoredSentence], later: Sequence[bool]
) -> tuple[list[Citation], list[ScoredSentence]]:
    """The citations that ``later`` marks put after the others (each group in its order,
    scores kept), numbered again from 1, and the sentences renumbered with them."""
    order = sorted(range(len(citations)), key=lambda i: (later[i], i))
    if order == list(range(len(citations))):
        return list(citations), list(sentences)
    return in_sequence([citations[i] for i in order], sentences)


def in_sequence(
    citations: Sequence[Citation], sentences: Sequence[ScoredSentence]
) -> tuple[list[Citation], list[ScoredSentence]]:
    """The citations as ordered, numbered again from 1 (scores kept), and the sentences of
    those among them renumbered with them, in their passages' order."""
    number = {c.n: new for new, c in enumerate(citations, start=1)}
    renumbered = [
        replace(s, citation=number[s.citation]) for s in sentences if s.citation in number
    ]
    renumbered.sort(key=lambda s: s.citation)  # stable: a passage's sentences keep their order
    return [replace(c, n=number[c.n]) for c in citations], renumbered
