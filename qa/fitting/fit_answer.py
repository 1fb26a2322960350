"""Fitting the answer step from gold questions: the cited passages of each fitting question,
the answer-sentence scorer, how much the sentences count in the passages' order, and the
abstention model with its threshold (``scripts/fit_ranker.py`` runs it after the second stage,
``qa/fitting/fit.py``; how the reader's logits are used is fitted in
``qa/fitting/fit_reading.py``, between the passages' order and the abstention model).

Each step uses the steps before it as they will run on a question they were not fitted on:
sentences are scored on the passages a ranker fitted without the question returns, and the
weight of the sentences in the passages' order and the confidence are learned from such
rankers' and from cross-fitted sentence scorers' outputs."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from qa.answer import Answer, compose_answer
from qa.cite import Citation, ScoredSentence
from qa.confidence import CONFIDENCE_FEATURES, confidence_features
from qa.evaluate import GoldQuery
from qa.fitted import CalibratedModel, LinearModel, SentenceModel, TreeModel, sigmoid
from qa.fitting.fit import Asked, doc_keys
from qa.fitting.learning import (
    FOLDS,
    Examples,
    balanced_weights,
    cross_fitted,
    fit_logistic,
    fold_numbers,
    lambdarank,
    platt,
    top1_of,
)
from qa.reorder import by_sentences
from qa.sentences import SENTENCE_FEATURES
from qa.service import QAService


@dataclass
class Answered:
    """What the answer step saw for one question: its citations and every sentence with its
    features (scored by whichever sentence model ``rescore_sentences`` last applied)."""

    asked: Asked
    citations: list[Citation]
    sentences: list[ScoredSentence]

    @property
    def features(self) -> np.ndarray:
        return confidence_features(self.citations, self.sentences)


def answer_all(service: QAService, asked: Sequence[Asked], k: int = 5) -> list[Answered]:
    """Rank and cite every question once, each without the documents it withholds
    (``Asked.withheld``); later steps only re-score its sentences."""
    out = []
    keys: dict[str, str] | None = None
    for a in asked:
        doc_ids = None
        if a.withheld:
            keys = keys or doc_keys(service.snapshot.store)
            doc_ids = {d for d, key in keys.items() if key not in a.withheld}
        hits = service.retriever.rank(a.signals, k, doc_ids=doc_ids)
        citations, sentences = service.citations_for(a.signals, hits)
        out.append(Answered(a, citations, sentences))
    return out


def answer_cross_fitted(
    services: Sequence[Mapping[str, QAService]], asked: Sequence[Asked], folds: Sequence[int]
) -> list[Answered]:
    """``answer_all``, each question asked of its index (``Asked.source``) through the
    services of its fold (``folds_of``): those whose rankers were fitted without it. So the
    steps after the ranker learn from the passages an unseen question gets: on its own
    fitting questions a ranker is right more often."""
    out: list[Answered | None] = [None] * len(asked)
    for f, by_source in enumerate(services):
        for source, service in by_source.items():
            mine = [i for i, a in enumerate(asked) if folds[i] == f and a.source == source]
            for i, answered in zip(
                mine, answer_all(service, [asked[i] for i in mine]), strict=True
            ):
                out[i] = answered
    missing = [asked[i].source for i, a in enumerate(out) if a is None]
    if missing:
        raise ValueError(f"no service for the index {missing[0]!r} in every fold")
    return [a for a in out if a is not None]


def folds_of(asked: Sequence[Asked]) -> list[int]:
    """The fold of each question: the answerable ones as their ranker examples were dealt
    (``ranker_examples`` of them in this order), the others in turn."""
    numbers = iter(fold_numbers(sum(a.answerable for a in asked)).tolist())
    return [next(numbers) if a.answerable else i % FOLDS for i, a in enumerate(asked)]


SENTENCE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def served_top1(
    answered: Sequence[Answered], keys: Mapping[str, Mapping[str, str]], weight: float
) -> float:
    """Share of the answerable questions whose first passage, in the order ``by_sentences``
    gives at ``weight``, is of a gold document (``keys``: each index's document keys)."""
    return top1_by(answered, keys, lambda a: by_sentences(a.citations, a.sentences, weight)[0])


def top1_by(
    answered: Sequence[Answered],
    keys: Mapping[str, Mapping[str, str]],
    order: Callable[[Answered], list[Citation]],
) -> float:
    """Share of the answerable questions whose first passage in ``order`` is of a gold
    document."""
    hits = [
        keys[a.asked.source][order(a)[0].doc_id] in a.asked.gold.positive_ids
        for a in answered
        if a.asked.answerable and a.citations
    ]
    return float(np.mean(hits)) if hits else 0.0


def choose_sentence_weight(
    answered: Sequence[Answered], keys: Mapping[str, Mapping[str, str]]
) -> tuple[float, dict[str, float]]:
    """The weight of SENTENCE_WEIGHTS whose order puts a gold document first most often (the
    smallest of equals), and every weight's rate."""
    return smallest_best({w: served_top1(answered, keys, w) for w in SENTENCE_WEIGHTS})


def smallest_best(rates: Mapping[float, float]) -> tuple[float, dict[str, float]]:
    """The smallest setting whose rate is the highest, and every setting's rate (rounded)."""
    best = max(rates.values())
    return min(w for w, r in rates.items() if r == best), {
        str(w): round(r, 4) for w, r in rates.items()
    }


def reorder_all(answered: Sequence[Answered], weight: float) -> None:
    """Put every question's passages in the order served at ``weight``."""
    for a in answered:
        a.citations, a.sentences = by_sentences(a.citations, a.sentences, weight)


def sentence_examples(answered: Sequence[Answered]) -> tuple[Examples, list[int]]:
    """For each answerable question with answers: every sentence of its cited passages, with
    its features and whether it contains a gold answer; and the position in ``answered`` of
    each question taken."""
    out, taken = Examples(), []
    for i, a in enumerate(answered):
        if not a.asked.answerable or not a.asked.gold.answers or not a.sentences:
            continue
        rows = np.array([s.features for s in a.sentences], dtype=np.float32)
        answers = a.asked.gold.answers
        labels = np.array([any(ans in s.text for ans in answers) for s in a.sentences])
        out.add(rows, labels.astype(np.int8))
        taken.append(i)
    return out, taken


def linear_sentences(examples: Examples) -> LinearModel:
    x, y, _ = examples.matrix()
    return fit_logistic(x, y, SENTENCE_FEATURES)


def tree_sentences(examples: Examples) -> TreeModel:
    return lambdarank(examples, SENTENCE_FEATURES)


@dataclass
class SentenceFit:
    """The chosen sentence scorer, each fitting question's sentence probabilities from a
    scorer fitted without that question (what the later steps learn from, so they see
    probabilities as sharp as an unseen question gets), and the cross-validated top-1 rates
    of the kinds tried."""

    model: SentenceModel
    kind: str  # "linear" or "trees"
    held_out: list[np.ndarray]
    rates: dict[str, float]


def choose_sentence_model(examples: Examples) -> SentenceFit:
    """Logistic regression, or LambdaRank trees if their cross-validated top-1 is better. The
    trees' scores become probabilities through a line fitted on their cross-fitted scores."""
    linear = cross_fitted(examples, lambda ex: linear_sentences(ex).logits)
    trees = cross_fitted(examples, lambda ex: tree_sentences(ex).logits)
    rates = {"linear_cv": top1_of(examples, linear), "trees_cv": top1_of(examples, trees)}
    rates = {k: round(v, 4) for k, v in rates.items()}
    if rates["trees_cv"] <= rates["linear_cv"]:
        return SentenceFit(
            linear_sentences(examples), "linear", [sigmoid(s) for s in linear], rates
        )
    slope, intercept = platt(np.concatenate(trees), np.concatenate(examples.labels))
    model = CalibratedModel(tree_sentences(examples), slope, intercept)
    return SentenceFit(model, "trees", [sigmoid(slope * s + intercept) for s in trees], rates)


def rescore_sentences(
    answered: Sequence[Answered], model: SentenceModel, held_out: Mapping[int, np.ndarray]
) -> None:
    """Score every sentence again: with ``held_out[i]`` for the i-th question where given,
    else with ``model``, as the service will."""
    columns = [SENTENCE_FEATURES.index(n) for n in model.names]
    for i, a in enumerate(answered):
        if not a.sentences:
            continue
        probs = held_out.get(i)
        if probs is None:
            rows = np.array([s.features for s in a.sentences], dtype=np.float32)
            probs = model.probabilities(rows[:, columns])
        a.sentences = [replace(s, score=float(p)) for s, p in zip(a.sentences, probs, strict=True)]


# what the written questions weigh beside a public set's: a group of 60 at a set's full weight
# bends the fit to them (cross-validated on the fitting part, Chinese: public questions of
# another collection abstained .94 -> .88 for written ones answered .90 -> .98); at a quarter,
# about .93 for .95
WRITTEN_WEIGHT = 0.25


def confidence_model(
    answered: Sequence[Answered], names: Sequence[str] = CONFIDENCE_FEATURES
) -> LinearModel:
    """Answerable against unanswerable, each (index, answerable) group weighing the same, the
    questions written for citeqa (``Asked.written``) a group of their own: the few worded away
    from their passages count as much as a public set's thousands, so the model does not learn
    only what questions that echo their passage look like."""
    x = _fill_unread(np.vstack([a.features for a in answered]))
    y = np.array([a.asked.answerable for a in answered], dtype=np.int8)
    columns = [CONFIDENCE_FEATURES.index(n) for n in names]
    weights = balanced_weights([(a.asked.group, a.asked.answerable) for a in answered])
    weights[np.array([a.asked.written for a in answered], dtype=bool)] *= WRITTEN_WEIGHT
    return fit_logistic(x[:, columns], y, names, weights=weights)


def confidences(model: LinearModel, answered: Sequence[Answered]) -> np.ndarray:
    """Each question's confidence as the service computes it (``confidence.confidence``):
    what the reader did not read takes the model's mean."""
    columns = [CONFIDENCE_FEATURES.index(n) for n in model.names]
    x = np.vstack([a.features for a in answered])[:, columns]
    return model.probabilities(np.where(np.isnan(x), model.mean, x))


def _fill_unread(x: np.ndarray) -> np.ndarray:
    """What the reader did not read (NaN) takes the mean of what it read, as at run time it
    takes the model's mean, which adds nothing (``confidence.confidence``); 0 where it read
    nothing."""
    seen = ~np.isnan(x)
    means = np.nansum(x, axis=0) / np.maximum(seen.sum(axis=0), 1)
    return np.where(seen, x, means)


def answered_share(target: float, questions: int, deviations: float = 2.0) -> float:
    """The share of fitting questions to answer so that ``target`` of new ones are: ``target``
    plus ``deviations`` standard errors of a share measured on ``questions`` questions (the
    fewer the fitting questions, the wider the margin; English has a tenth of Chinese's)."""
    return min(target + deviations * math.sqrt(target * (1.0 - target) / max(questions, 1)), 1.0)


def threshold_for(answered: Sequence[Answered], probabilities: np.ndarray, share: float) -> float:
    """The highest confidence threshold that still answers ``share`` of the answerable
    public-set questions of every index (the few written ones are too few for a quantile)."""
    by_source: dict[str, list[float]] = {}
    for a, p in zip(answered, probabilities, strict=True):
        if a.asked.answerable and not a.asked.written:
            by_source.setdefault(a.asked.source, []).append(float(p))
    return min(float(np.quantile(ps, 1.0 - share)) for ps in by_source.values())


def answer_hit(answer: Answer, gold: GoldQuery) -> bool:
    return not answer.abstained and any(a in answer.text for a in gold.answers)


def compose_at(a: Answered, further_at: float) -> Answer:
    query = a.asked.signals.query
    return compose_answer(query, a.citations, a.sentences, 1.0, further_at=further_at)
