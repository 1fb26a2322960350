from __future__ import annotations

import numpy as np
import pytest

from qa.fusion import fuse, rank_of, rrf, top_k, zscore


def test_zscore_standardises_and_flat_scores_give_zeros() -> None:
    z = zscore(np.array([1.0, 2.0, 3.0]))
    assert z.tolist() == pytest.approx([-1.2247449, 0.0, 1.2247449])
    assert zscore(np.array([0.0, 0.0, 0.0])).tolist() == [0.0, 0.0, 0.0]


def test_fusion_is_a_weighted_sum_of_z_scores() -> None:
    signals = {
        "lexical": np.array([9.0, 0.0, 0.0, 3.0]),
        "dense": np.array([0.80, 0.82, 0.70, 0.78]),
    }
    fused = fuse(signals, {"lexical": 0.5, "dense": 1.0})
    expected = 0.5 * zscore(signals["lexical"]) + zscore(signals["dense"])
    assert fused.tolist() == pytest.approx(expected.tolist())
    assert top_k(fused, 2).tolist() == [0, 1]


def test_a_signal_without_weight_is_ignored() -> None:
    signals = {"lexical": np.array([100.0, 0.0]), "dense": np.array([0.1, 0.9])}
    assert top_k(fuse(signals, {"lexical": 0.0, "dense": 1.0}), 1).tolist() == [1]
    with pytest.raises(ValueError, match="no signal has a weight"):
        fuse(signals, {"cross": 1.0})


def test_weak_signal_cannot_pull_down_a_clear_winner_under_z_fusion() -> None:
    # lexical is sure (one outstanding match); dense is nearly flat and mildly prefers another
    lexical = np.array([20.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    dense = np.array([0.80, 0.81, 0.80, 0.80, 0.80, 0.80])
    signals = {"lexical": lexical, "dense": dense}
    assert top_k(fuse(signals, {"lexical": 1.0, "dense": 1.0}), 1).tolist() == [0]
    assert rrf(signals, ("lexical", "dense"))[1] > rrf(signals, ("lexical", "dense"))[2]


def test_top_k_and_ranks() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.9])
    assert top_k(scores, 3).tolist() == [1, 3, 2]
    assert top_k(scores, 10).tolist() == [1, 3, 2, 0]
    assert rank_of(scores, np.array([2, 0])).tolist() == [3, 4]


def test_top_k_of_many_scores_is_that_of_a_full_sort() -> None:
    rng = np.random.default_rng(5)
    arrays = [
        rng.standard_normal(200_000).astype(np.float32),
        rng.integers(0, 4, 100_000).astype(np.float32),  # ties everywhere
        np.sort(rng.standard_normal(100_000)).astype(np.float32),  # the best at one end
        np.zeros(70_000, np.float32),
    ]
    for scores in arrays:
        for k in (1, 50, 200, 1_500):
            got = top_k(scores, k)
            assert len(got) == k and len(set(got.tolist())) == k
            want = np.sort(scores)[::-1][:k]
            np.testing.assert_array_equal(scores[got], want)
