"""Combining retrieval signals: score-normalised weighted sums, and RRF for comparison.

Measured on the evaluation sets (see results/eval.md): a z-scored weighted sum keeps the
precision of the strongest signal where reciprocal-rank fusion lets a weak signal pull the top
result down; and the best weights depend on the question's language — for Chinese questions
BM25 is strong, for questions in other languages BM25 over Chinese text is noise and a second,
cross-lingual embedder helps instead.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

Signal = str  # "lexical", "dense", "cross"
SIGNALS: tuple[Signal, ...] = ("lexical", "dense", "cross")

# Weights per question language, from a grid scored on the public sets themselves
# (scripts/eval.py --grid, results/eval.md): neighbouring weights score within about 0.003, so
# the choice is not knife-edge, but figures on those same sets are somewhat optimistic.
DEFAULT_WEIGHTS: dict[str, dict[Signal, float]] = {
    "zh": {"lexical": 0.5, "dense": 1.0, "cross": 0.0},
    "en": {"lexical": 0.0, "dense": 1.0, "cross": 1.0},
}


def zscore(scores: np.ndarray, stats: tuple[float, float] | None = None) -> np.ndarray:
    """Standardise one signal's scores over all chunks (all zeros if they do not vary).
    ``stats``: the mean and deviation over all chunks when ``scores`` are only some of them
    (a big index's candidates, qa/candidates.py); by default those of ``scores``."""
    mean, std = (float(scores.mean()), float(scores.std())) if stats is None else stats
    if std == 0.0 or not np.isfinite(std):
        return np.zeros_like(scores, dtype=np.float32)
    return ((scores - mean) / std).astype(np.float32)


def fuse(signals: Mapping[Signal, np.ndarray], weights: Mapping[Signal, float]) -> np.ndarray:
    """Weighted sum of z-scored signals; signals with no weight (or absent) are skipped."""
    return weighted_sum(
        {name: zscore(s) for name, s in signals.items() if weights.get(name)}, weights
    )


def weighted_sum(z: Mapping[Signal, np.ndarray], weights: Mapping[Signal, float]) -> np.ndarray:
    """``fuse`` for signals already z-scored."""
    total: np.ndarray | None = None
    for name, scores in z.items():
        weight = weights.get(name, 0.0)
        if weight:
            total = weight * scores if total is None else total + weight * scores
    if total is None:
        raise ValueError(f"no signal has a weight: signals {sorted(z)}, weights {dict(weights)}")
    return total


def rrf(signals: Mapping[Signal, np.ndarray], names: tuple[Signal, ...], k: int = 60) -> np.ndarray:
    """Reciprocal-rank fusion of the named signals (for evaluation side by side)."""
    total = np.zeros(len(next(iter(signals.values()))), dtype=np.float64)
    for name in names:
        ranks = np.empty(len(signals[name]), dtype=np.int64)
        ranks[np.argsort(-signals[name], kind="stable")] = np.arange(1, len(ranks) + 1)
        total += 1.0 / (k + ranks)
    return total


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores, best first (ties keep index order)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if len(scores) >= _SAMPLED_FROM and k * 64 <= len(scores):
        # a bound from a sample, then only the scores above it partitioned: comparing a
        # million scores once costs a tenth of partitioning them. Exact whenever at least k
        # scores reach the bound (the k-th best then reaches it too); else as below
        sample = scores[:: len(scores) // _SAMPLE]
        rank = min(len(sample) - 1, 4 * k * len(sample) // len(scores) + 8)
        bound = np.partition(sample, len(sample) - 1 - rank)[len(sample) - 1 - rank]
        above = np.flatnonzero(scores >= bound)
        if len(above) >= k:
            part = above[np.argpartition(-scores[above], k - 1)[:k]]
            return part[np.lexsort((part, -scores[part]))]
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


_SAMPLED_FROM = 65_536
_SAMPLE = 8_192


def rank_of(scores: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """1-based rank of each position within ``scores`` (higher is better)."""
    return np.array([int((scores > scores[p]).sum()) + 1 for p in positions], dtype=np.int64)
