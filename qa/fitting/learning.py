"""Fitting models to labelled candidates, whatever they rank: each question's candidates with
their feature rows and labels (``Examples``), logistic regression and LightGBM LambdaRank as
the fitted models of ``qa/fitted.py``, a line that turns scores into probabilities, and
cross-fitting to measure a model on questions it was not fitted on. ``qa/fitting/fit.py`` and
``qa/fitting/fit_answer.py`` apply them to the second stage, the answer sentences and the abstention
model. scikit-learn and LightGBM are needed here only (the ``dev`` extra)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from qa.fitted import LinearModel, TreeModel


@dataclass
class Examples:
    """One question per entry: its candidates' feature rows and their labels."""

    rows: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)

    def add(self, rows: np.ndarray, labels: np.ndarray) -> None:
        self.rows.append(rows)
        self.labels.append(labels)

    def matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = np.vstack(self.rows)
        y = np.concatenate(self.labels)
        g = np.concatenate([np.full(len(r), i) for i, r in enumerate(self.rows)])
        return x, y, g

    def subset(self, keep: Sequence[int]) -> Examples:
        return Examples([self.rows[i] for i in keep], [self.labels[i] for i in keep])


# a fitted model applied to one question's candidates: their scores
Scorer = Callable[[np.ndarray], np.ndarray]
T = TypeVar("T")


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    *,
    c: float = 1.0,
    weights: np.ndarray | None = None,
) -> LinearModel:
    """Logistic regression on standardised features, as a LinearModel."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((x - mean) / scale, y, sample_weight=weights)
    return LinearModel(
        tuple(names), mean.astype(np.float32), scale.astype(np.float32),
        model.coef_[0].astype(np.float32), float(model.intercept_[0]),
    )  # fmt: skip


def lambdarank(
    examples: Examples, names: Sequence[str], *, trees: int = 300, leaves: int = 7
) -> TreeModel:
    """LightGBM LambdaRank over each question's candidates (the columns ``names``), on their
    graded labels."""
    import lightgbm

    x, y, _ = examples.matrix()
    model = lightgbm.LGBMRanker(
        n_estimators=trees, learning_rate=0.05, num_leaves=leaves, min_child_samples=20,
        random_state=0, verbose=-1,
    )  # fmt: skip
    model.fit(x, y, group=[len(r) for r in examples.rows])
    return TreeModel.from_lightgbm(model.booster_.dump_model(), names)


def platt(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The slope and intercept of the line that turns ``scores`` into the logits of the
    probability that a label is positive (Platt scaling)."""
    line = fit_logistic(scores[:, None], labels, ["score"])
    slope = float(line.coef[0] / line.scale[0])
    return slope, float(line.intercept - slope * line.mean[0])


def top1_rate(examples: Examples, score: Scorer) -> float:
    """Share of questions whose best-scored candidate has a positive label."""
    return top1_of(examples, [score(rows) for rows in examples.rows])


def top1_of(examples: Examples, scores: Sequence[np.ndarray]) -> float:
    """Share of questions whose best score is a positive candidate's."""
    hits = [
        bool(labels[int(np.argmax(s))]) if len(s) else False
        for s, labels in zip(scores, examples.labels, strict=True)
    ]
    return float(np.mean(hits)) if hits else 0.0


FOLDS = 4


def fold_numbers(n: int, folds: int = FOLDS) -> np.ndarray:
    """The fold of each of ``n`` questions: a fixed shuffle dealt into ``folds``."""
    order = np.random.default_rng(0).permutation(n)
    numbers = np.empty(n, dtype=np.int64)
    for f in range(folds):
        numbers[order[f::folds]] = f
    return numbers


def fold_fits(examples: Examples, fit: Callable[[Examples], T], folds: int = FOLDS) -> list[T]:
    """For each fold of the questions (``fold_numbers``), what ``fit`` makes of the others."""
    numbers = fold_numbers(len(examples.rows), folds)
    return [fit(examples.subset(np.flatnonzero(numbers != f).tolist())) for f in range(folds)]


def cross_fitted(
    examples: Examples, fit: Callable[[Examples], Scorer], folds: int = FOLDS
) -> list[np.ndarray]:
    """Every question's scores from a model fitted without it: the questions are split into
    ``folds``, and each fold is scored by a model fitted on the others."""
    numbers = fold_numbers(len(examples.rows), folds)
    scorers = fold_fits(examples, fit, folds)
    return [scorers[f](rows) for f, rows in zip(numbers, examples.rows, strict=True)]


def cross_validated_top1(
    examples: Examples, fit: Callable[[Examples], Scorer], folds: int = FOLDS
) -> float:
    """Top-1 rate with questions split into folds: fit on the others, score the held fold."""
    return top1_of(examples, cross_fitted(examples, fit, folds))


def balanced_weights(groups: Sequence[object]) -> np.ndarray:
    """Sample weights that give every group the same total weight (averaging 1)."""
    names, index, counts = np.unique(
        np.array([repr(g) for g in groups]), return_inverse=True, return_counts=True
    )
    return (len(groups) / (len(names) * counts))[index]
