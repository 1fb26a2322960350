from __future__ import annotations

import numpy as np
import pytest

from qa.fitting import learning


def test_balanced_weights_give_each_group_the_same_total() -> None:
    groups = ["a"] * 6 + ["b"] * 2
    w = learning.balanced_weights(groups)
    assert w[:6].sum() == pytest.approx(w[6:].sum())
    assert w.mean() == pytest.approx(1.0)


def test_top1_rate_counts_questions_whose_best_candidate_is_gold() -> None:
    examples = learning.Examples(
        [np.array([[0.9], [0.1]]), np.array([[0.2], [0.8]])],
        [np.array([1, 0]), np.array([1, 0])],
    )
    assert learning.top1_rate(examples, lambda rows: rows[:, 0]) == pytest.approx(0.5)
    assert learning.top1_rate(examples, lambda rows: -rows[:, 0]) == pytest.approx(0.5)


def test_cross_fitted_scores_each_question_with_a_model_that_never_saw_it() -> None:
    examples = learning.Examples(
        [np.full((2, 1), float(i)) for i in range(8)], [np.array([1, 0])] * 8
    )
    seen: list[set[float]] = []

    def fit_on(train: learning.Examples) -> learning.Scorer:
        trained = {float(r[0, 0]) for r in train.rows}
        seen.append(trained)
        return lambda rows: np.full(len(rows), float(rows[0, 0] in trained))

    scores = learning.cross_fitted(examples, fit_on, folds=4)
    assert len(seen) == 4 and all(len(s) == 6 for s in seen)
    assert all(not s.any() for s in scores)  # no question was in its own model's training
