from __future__ import annotations

import numpy as np
import pytest

from qa import fit, learning
from qa.evaluate import GoldQuery


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


def sentence_examples(n: int, seed: int = 0) -> learning.Examples:
    """Questions of 6 sentences whose answer is the one with features a and b both middling,
    beside one decoy high in a only and one high in b only: no weighted sum of a and b puts
    the answer above both decoys, so only trees can find it."""
    rng = np.random.default_rng(seed)
    out = learning.Examples()
    for _ in range(n):
        rows = rng.random((6, len(fit.SENTENCE_FEATURES))).astype(np.float32)
        rows[:, :2] *= 0.3
        answer, only_a, only_b = rng.permutation(6)[:3]
        rows[answer, :2] = (0.5, 0.5)
        rows[only_a, :2] = (1.0, 0.0)
        rows[only_b, :2] = (0.0, 1.0)
        labels = np.zeros(6, np.int8)
        labels[answer] = 1
        out.add(rows, labels)
    return out


def test_sentence_scorer_takes_trees_when_they_rank_better_and_calibrates_them() -> None:
    examples = sentence_examples(400)
    chosen = fit.choose_sentence_model(examples)
    assert chosen.rates["trees_cv"] > chosen.rates["linear_cv"]
    assert isinstance(chosen.model, fit.CalibratedModel)
    assert chosen.kind == "trees"
    assert len(chosen.held_out) == len(examples.rows)
    held = np.concatenate(chosen.held_out)
    assert ((held > 0) & (held < 1)).all()
    assert learning.top1_of(examples, chosen.held_out) == pytest.approx(chosen.rates["trees_cv"])
    # calibrated: on new questions the mean probability is near the share of answer sentences
    fresh = sentence_examples(100, seed=1)
    probs = chosen.model.probabilities(np.vstack(fresh.rows))
    assert probs.mean() == pytest.approx(1 / 6, abs=0.05)


def test_sentence_scorer_stays_logistic_when_trees_rank_no_better() -> None:
    rng = np.random.default_rng(0)
    examples = learning.Examples()
    for _ in range(200):  # the answer is simply the sentence highest in a: both kinds find it
        rows = rng.random((6, len(fit.SENTENCE_FEATURES))).astype(np.float32) * 0.5
        rows[0, 0] = 0.9
        examples.add(rows, np.array([1, 0, 0, 0, 0, 0], np.int8))
    chosen = fit.choose_sentence_model(examples)
    assert chosen.rates["linear_cv"] == chosen.rates["trees_cv"] == 1.0
    assert isinstance(chosen.model, fit.LinearModel)
    assert chosen.kind == "linear"
    assert learning.top1_of(examples, chosen.held_out) == 1.0
