from __future__ import annotations

import numpy as np
import pytest

from qa import fit
from qa.evaluate import GoldQuery


def test_balanced_weights_give_each_group_the_same_total() -> None:
    groups = ["a"] * 6 + ["b"] * 2
    w = fit.balanced_weights(groups)
    assert w[:6].sum() == pytest.approx(w[6:].sum())
    assert w.mean() == pytest.approx(1.0)


def test_threshold_answers_the_share_of_every_index() -> None:
    def asked(source: str, answerable: bool) -> fit.Answered:
        gold = GoldQuery(1, "q", frozenset(), ())
        return fit.Answered(fit.Asked(gold, None, answerable, source), [], [])  # type: ignore[arg-type]

    items = [asked("big", True)] * 100 + [asked("small", True)] * 10 + [asked("big", False)] * 5
    probs = np.r_[np.linspace(0.5, 1.0, 100), np.linspace(0.2, 0.9, 10), np.zeros(5)]
    at = fit.threshold_for(items, probs, 0.9)
    small = probs[100:110]
    assert np.mean(small >= at) >= 0.9  # the harder index still gets its share answered
    assert at <= np.quantile(probs[:100], 0.1)


def test_top1_rate_counts_questions_whose_best_candidate_is_gold() -> None:
    examples = fit.Examples(
        [np.array([[0.9], [0.1]]), np.array([[0.2], [0.8]])],
        [np.array([1, 0]), np.array([1, 0])],
    )
    assert fit.top1_rate(examples, lambda rows: rows[:, 0]) == pytest.approx(0.5)
    assert fit.top1_rate(examples, lambda rows: -rows[:, 0]) == pytest.approx(0.5)
