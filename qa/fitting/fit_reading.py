"""Fitting how the reader (``qa/reader.py``) is used: how many of the first passages it reads,
how much its logit counts in their order, and the gate above which it need not read
(``scripts/fit_ranker.py`` runs it after the answer step's passages are cited,
``qa/fitting/fit_answer.py``). Everything here is fitted on questions the reader never read."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from qa.fitting.fit_answer import Answered, smallest_best, top1_by
from qa.reader import Reader
from qa.reorder import by_reader

READER_WEIGHTS = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def read_all(answered: Sequence[Answered], reader: Reader, depth: int) -> None:
    """The reader's logits of each question's first ``depth`` passages, kept on them (their
    order unchanged)."""
    for a in answered:
        read = a.citations[:depth]
        logits = reader.score(a.asked.signals.query.text, [c.text for c in read]).tolist()
        a.citations, a.sentences = by_reader(a.citations, a.sentences, logits, 0.0)


def _logits(a: Answered) -> list[float]:
    return [c.reader for c in a.citations if c.reader is not None]


def reader_top1(
    answered: Sequence[Answered], keys: Mapping[str, Mapping[str, str]], weight: float
) -> float:
    """``served_top1`` with the passages put in order by ``by_reader`` at ``weight``."""
    return top1_by(
        answered, keys, lambda a: by_reader(a.citations, a.sentences, _logits(a), weight)[0]
    )


def choose_reader_weight(
    answered: Sequence[Answered], keys: Mapping[str, Mapping[str, str]]
) -> tuple[float, dict[str, float]]:
    """The weight of READER_WEIGHTS whose order puts a gold document first most often (the
    smallest of equals), and every weight's rate."""
    return smallest_best({w: reader_top1(answered, keys, w) for w in READER_WEIGHTS})


READER_DEPTHS = (2, 3, 5)


def choose_depth(
    answered: Sequence[Answered],
    keys: Mapping[str, Mapping[str, str]],
    weight: float,
    *,
    top1_loss: float = 0.002,
) -> tuple[int, dict[str, float]]:
    """The fewest of the first passages (READER_DEPTHS) the reader need read, each question's
    logits read to the deepest: the smallest depth whose order at ``weight`` puts a gold
    document first within ``top1_loss`` of reading the deepest; with every depth's rate. Each
    passage read costs a pass of the reader (about 50 ms for a DRCD passage on 2 cores)."""

    def top1(depth: int) -> float:
        return top1_by(
            answered, keys,
            lambda a: by_reader(a.citations, a.sentences, _logits(a)[:depth], weight)[0],
        )  # fmt: skip

    rates = {d: top1(d) for d in READER_DEPTHS}
    deepest = rates[max(READER_DEPTHS)]
    chosen = min(d for d, r in rates.items() if r >= deepest - top1_loss)
    return chosen, {str(d): round(r, 4) for d, r in rates.items()}


def read_to(answered: Sequence[Answered], depth: int) -> None:
    """Forget the reader's logits past the first ``depth`` passages, as if it read only
    those."""
    for a in answered:
        a.citations = [
            c if i < depth else replace(c, reader=None) for i, c in enumerate(a.citations)
        ]


def reorder_by_reader(answered: Sequence[Answered], weight: float) -> None:
    for a in answered:
        a.citations, a.sentences = by_reader(a.citations, a.sentences, _logits(a), weight)


GATE_QUANTILES = (0.9, 0.95, 0.98, 0.99, 1.0)


def choose_gate(
    answered: Sequence[Answered],
    keys: Mapping[str, Mapping[str, str]],
    weight: float,
    *,
    unread_others: float = 0.01,
    top1_loss: float = 0.002,
) -> tuple[float, dict[str, object]]:
    """The score of the first passage from which on the reader need not read (``inf``: always
    read): the lowest of GATE_QUANTILES of the first scores of questions asked of another
    collection that leaves at most ``unread_others`` of them unread (the reader is what tells
    them apart) and loses at most ``top1_loss`` of the top-1 rate of reading every question.
    With what each candidate would leave unread and its top-1 rate.

    The sets' own questions asked without their paragraphs (``Asked.withheld``) do not set
    the gate: their first passage, a sibling paragraph, often scores as high as an answering
    one, so reading nearly all of them means reading most answerable questions too (with them
    in, the fit's gate read 54% of the answerable Chinese fitting questions instead of 35%,
    for the 6% of those on-topic questions this rule leaves unread);
    ``"unread_on_topic"`` shows what each candidate leaves of them unread."""
    tops = np.array([a.citations[0].score if a.citations else -np.inf for a in answered])
    answerable = np.array([a.asked.answerable for a in answered])
    others = ~answerable & np.array([not a.asked.withheld for a in answered])
    on_topic = ~answerable & ~others
    if not others.any():
        return math.inf, {}
    full = reader_top1(answered, keys, weight)
    rates: dict[str, object] = {"always": round(full, 4)}
    for q in GATE_QUANTILES:
        gate = float(np.quantile(tops[others], q, method="higher")) + 1e-6
        unread = tops >= gate
        kept = [a if not u else _unread(a) for a, u in zip(answered, unread, strict=True)]
        top1 = reader_top1(kept, keys, weight)
        rates[str(q)] = {
            "at": round(gate, 4),
            "unread_answerable": round(float(unread[answerable].mean()), 4),
            "unread_others": round(float(unread[others].mean()), 4),
            "unread_on_topic": round(float(unread[on_topic].mean()), 4) if on_topic.any() else 0,
            "top-1": round(top1, 4),
        }
        if unread[others].mean() <= unread_others and top1 >= full - top1_loss:
            return gate, rates
    return math.inf, rates


def _unread(a: Answered) -> Answered:
    return Answered(a.asked, [replace(c, reader=None) for c in a.citations], a.sentences)


def gate_all(answered: list[Answered], gate: float) -> None:
    """Forget the reader's logits of the questions it would not read at ``gate``."""
    for i, a in enumerate(answered):
        if a.citations and a.citations[0].score >= gate:
            answered[i] = _unread(a)
