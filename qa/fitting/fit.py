"""Fitting the second stage from gold questions, and the questions every fitting step reads
(``scripts/fit_ranker.py`` runs it on the fitting parts of the public sets; the answer step's
fitting is ``qa/fitting/fit_answer.py``, how models are fitted and cross-validated ``qa/fitting/learning.py``;
applying the fitted models is numpy)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import InvalidInput
from index.folder import IndexStore
from qa.evaluate import GoldQuery
from qa.fitted import Fitted, LinearModel, Model, TreeModel
from qa.fitting.learning import (
    Examples,
    Scorer,
    cross_validated_top1,
    fit_logistic,
    fold_fits,
    lambdarank,
    top1_rate,
)
from qa.query import Query, parse_query
from qa.rerank import (
    DOCUMENT_FEATURES,
    FIRST_STAGE_FEATURES,
    RANKER_FEATURES,
    candidate_rows,
    first_stage_features,
)
from qa.retrieve import QuerySignals
from qa.service import QAService

UNFITTED = Fitted(
    pool=50, ranker={}, confidence={}, answer_at={}, sentences={}, further_sentence_at=1.0,
    provenance={"note": "nothing fitted: first stage only"},
)  # fmt: skip


@dataclass
class Asked:
    """One gold question with its signals, computed once and reused by every step."""

    gold: GoldQuery
    signals: QuerySignals
    answerable: bool  # asked of the index whose corpus holds its answer
    source: str = ""  # the index it was asked of (the confidence fit balances sources)
    # written for citeqa, worded away from its passage (data/reworded.jsonl), not a public
    # set's question: the confidence fit weighs these as a group of their own
    written: bool = False
    # the documents (evaluation keys) left out of the index when it is asked: its own
    # paragraphs, which makes it an on-topic question the index cannot answer
    # (``evalsets.on_topic``)
    withheld: frozenset[str] = frozenset()

    @property
    def group(self) -> str:
        """What the confidence fit balances: the index asked, "written", or "on-topic"."""
        if self.written:
            return "written"
        return "on-topic" if self.withheld else self.source


def ask_all(
    service: QAService,
    gold: Sequence[GoldQuery],
    *,
    answerable: bool,
    source: str = "",
    withheld: bool = False,
    batch: int = 64,
    progress: Callable[[int], None] | None = None,
) -> list[Asked]:
    """Signals of every question, embedded in batches (a question that is not one, such as an
    empty line of a public set, is left out); with ``withheld``, each is asked without its own
    documents (``Asked.withheld``), and so cannot be answered."""
    out: list[Asked] = []
    for start in range(0, len(gold), batch):
        part: list[tuple[GoldQuery, Query]] = []
        for g in gold[start : start + batch]:
            try:
                part.append((g, parse_query(g.question, max_chars=service.max_question_chars)))
            except InvalidInput:
                continue
        signals = service.retriever.signals([q for _, q in part])
        for (g, _), sig in zip(part, signals, strict=True):
            left_out = g.positive_ids if withheld else frozenset()
            out.append(Asked(g, sig, answerable and not withheld, source, withheld=left_out))
        if progress:
            progress(len(part))
    return out


def doc_keys(store: IndexStore) -> dict[str, str]:
    """document id -> the evaluation key gold files name it by (its file name's stem)."""
    return {d.id: Path(d.source).stem for d in store.documents()}


def ranker_examples(service: QAService, asked: Sequence[Asked], keys: dict[str, str]) -> Examples:
    """For each answerable question: the first stage's pool, every candidate's features, and
    its grade — 2 for a chunk of a gold document that holds a gold answer, 1 for its other
    chunks, 0 for the rest — so the chunk shown first is the one that answers."""
    retriever = service.retriever
    out = Examples()
    for a in asked:
        r = retriever.ranking(a.signals, retriever.fitted.pool)
        first = first_stage_features(r.local, r.fused, a.signals.scores, r.zs)
        rows = candidate_rows(a.signals.terms, r.chunks, first, service.snapshot.store)
        gold = np.array([keys[c.chunk.doc_id] in a.gold.positive_ids for c in r.chunks])
        holds = np.array([any(ans in c.chunk.text for ans in a.gold.answers) for c in r.chunks])
        out.add(rows, (gold.astype(np.int8) + (gold & holds)).astype(np.int8))
    return out


# The ranker reads how far each candidate's first-stage scores fall behind the pool's best, not
# the scores themselves: raw cosines have the scale of the embedding model (a user may bring
# another), and the range of z-scores grows with the size of the index. What a passage shares
# with the question is read both as it is and as its gap to the best candidate.
RANKER_INPUTS: tuple[str, ...] = tuple(
    n
    for n in RANKER_FEATURES
    if n not in ("fused", "z_lexical", "z_dense", "z_cross", "dense", "cross")
)
# the inputs without what the pool says of each document: the fit measures whether those pay
WITHOUT_DOCUMENT: tuple[str, ...] = tuple(n for n in RANKER_INPUTS if n not in DOCUMENT_FEATURES)


def _columns(names: Sequence[str]) -> list[int]:
    return [RANKER_FEATURES.index(n) for n in names]


def linear_ranker(
    examples: Examples, depth: int = 10, inputs: Sequence[str] = RANKER_INPUTS
) -> LinearModel:
    """Logistic regression on each question's first ``depth`` candidates (the hard ones); the
    positives are its best-graded candidates."""
    top = Examples(
        [r[:depth] for r in examples.rows],
        [(lab[:depth] == lab.max()) & (lab[:depth] > 0) for lab in examples.labels],
    )
    x, y, _ = top.matrix()
    return fit_logistic(x[:, _columns(inputs)], y.astype(np.int8), inputs)


def tree_ranker(
    examples: Examples,
    *,
    trees: int = 300,
    leaves: int = 7,
    inputs: Sequence[str] = RANKER_INPUTS,
) -> TreeModel:
    """LambdaRank over each question's whole pool, on the graded labels."""
    columns = _columns(inputs)
    chosen = Examples([r[:, columns] for r in examples.rows], examples.labels)
    return lambdarank(chosen, inputs, trees=trees, leaves=leaves)


RANKER_KINDS: dict[str, Callable[[Examples], Model]] = {
    "linear": lambda ex: linear_ranker(ex, inputs=WITHOUT_DOCUMENT),
    "linear_documents": lambda ex: linear_ranker(ex, inputs=RANKER_INPUTS),
    "trees": lambda ex: tree_ranker(ex, inputs=WITHOUT_DOCUMENT),
    "trees_documents": lambda ex: tree_ranker(ex, inputs=RANKER_INPUTS),
}


def fold_rankers(examples: Examples, kind: str) -> list[Model]:
    """For each fold of the questions (``learning.fold_numbers``), the ranker of ``kind``
    fitted without it."""
    return fold_fits(examples, RANKER_KINDS[kind])


def choose_ranker(examples: Examples) -> tuple[Model, str, dict[str, float]]:
    """The kind of ranker (linear or trees) and inputs (with or without DOCUMENT_FEATURES)
    with the best 4-fold cross-validated top-1 rate on these examples, refitted on all of
    them, with its kind's name and every kind's rate; a simpler choice wins ties (linear over
    trees, fewer inputs over more)."""
    rates = {
        "first_stage": top1_rate(
            examples, lambda rows: -rows[:, FIRST_STAGE_FEATURES.index("log_rank")]
        ),
        **{
            f"{name}_cv": cross_validated_top1(examples, _fitting(make))
            for name, make in RANKER_KINDS.items()
        },
    }
    best = max(RANKER_KINDS, key=lambda name: rates[f"{name}_cv"])  # the first of equals: simpler
    return RANKER_KINDS[best](examples), best, {k: round(v, 4) for k, v in rates.items()}


def _scorer(model: Model) -> Scorer:
    """Scores of RANKER_FEATURES rows by ``model``, which reads its own columns of them."""
    columns = _columns(model.names)
    return lambda rows: model.logits(rows[:, columns])


def _fitting(make: Callable[[Examples], Model]) -> Callable[[Examples], Scorer]:
    return lambda examples: _scorer(make(examples))
