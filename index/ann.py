"""Approximate vector search for big indexes: an inverted-file index (FAISS IVF) with 8-bit
scalar-quantised codes, over one set of chunk vectors, plus the vectors' first and second
moments.

At a million chunks, scoring every chunk with both embedders reads 3.5 GB of vectors per
question (over 200 ms here) and holding them costs as much memory. The IVF index instead reads
the ~5% of chunks nearest the question and keeps a byte per dimension. It only proposes
candidates: their exact scores are computed from the stored vectors (``qa/candidates.py``).

The moments make the fusion's standardisation exact without scoring every chunk: the mean of
q·x over all chunks is q·mean(x), and its mean square is qᵀ(E[x xᵀ])q. They are kept per group
of chunks (written in Traditional, in Simplified, in neither), so that a question scored
against each group in that group's script is standardised exactly too.

Chosen by measurement (scripts/bench_ann.py, results/bench_ann.md; 100,000 chunks, 200
candidates a question, DRCD questions of the fitting part): probing 5% of its lists, IVF-SQ8
kept .985 of the exact top 10 in 0.45 ms (.995 at 10%); IVF-PQ48 kept .984 in a fifth of the
memory; HNSW32-SQ8 kept .948 at efSearch 256. 5% it is: the candidates of BM25 and of both
vector sets make up the rest (results/eval_approximate.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

GROUPS: tuple[str, ...] = ("traditional", "simplified", "other")
PROBED = 0.05  # the share of the inverted lists a search reads
MIN_PROBED = 8  # and at least this many (all of a small index's)
_TRAIN_PER_LIST = 40  # training vectors per list (FAISS asks for at least 39)
_BLOCK = 65_536


@dataclass(frozen=True)
class Moments:
    """Per group of chunks: how many, their mean vector and their mean outer product."""

    counts: np.ndarray  # (groups,)
    means: np.ndarray  # (groups, d), float64
    squares: np.ndarray  # (groups, d, d), float64

    @classmethod
    def of(cls, vectors: np.ndarray, group_of: np.ndarray) -> Moments:
        """``group_of``: each row's index into GROUPS."""
        d = vectors.shape[1]
        counts = np.zeros(len(GROUPS), np.int64)
        sums = np.zeros((len(GROUPS), d))
        squares = np.zeros((len(GROUPS), d, d))
        for start in range(0, len(vectors), _BLOCK):
            block = vectors[start : start + _BLOCK].astype(np.float64)
            groups = group_of[start : start + _BLOCK]
            for g in range(len(GROUPS)):
                rows = block[groups == g]
                counts[g] += len(rows)
                sums[g] += rows.sum(axis=0)
                squares[g] += rows.T @ rows
        safe = np.maximum(counts, 1)[:, None]
        return cls(counts, sums / safe, squares / safe[:, :, None])

    def stats(self, queries: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation, over every chunk, of its inner product with the
        question vector of its group (``queries``: one row per group)."""
        total = int(self.counts.sum())
        if total == 0:
            return 0.0, 0.0
        q = np.asarray(queries, dtype=np.float64)
        share = self.counts / total
        mean = float(share @ np.einsum("gd,gd->g", q, self.means))
        square = float(share @ np.einsum("gd,gde,ge->g", q, self.squares, q))
        return mean, float(np.sqrt(max(square - mean * mean, 0.0)))


@dataclass(frozen=True)
class Subset:
    """Some of an index's positions, as a bitmap FAISS searches within."""

    bits: np.ndarray  # packed, bit i of byte i // 8 (little-endian) for position i
    size: int  # how many positions it holds

    @classmethod
    def of(cls, mask: np.ndarray) -> Subset:
        return cls(np.packbits(mask, bitorder="little"), int(np.count_nonzero(mask)))


class ApproximateIndex:
    """An IVF-SQ8 index whose ids are the chunks' positions in row order, and its moments."""

    def __init__(self, ivf, moments: Moments) -> None:  # type: ignore[no-untyped-def]
        self._ivf = ivf
        self.moments = moments
        self.nprobe = min(ivf.nlist, max(MIN_PROBED, round(PROBED * ivf.nlist)))

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        group_of: np.ndarray,
        *,
        trained: Path | None = None,
        seed: int = 0,
    ) -> ApproximateIndex:
        """The index of these vectors. ``trained``: a trained, empty index saved by an earlier
        build (``save``), whose lists are reused while they suit the number of vectors (from
        two thirds to one and a half times as many lists as would be trained now): a write to
        a big index then adds its vectors without training (at a million chunks 95 s instead
        of 173: results/bench_scale.md)."""
        import faiss

        n, d = vectors.shape
        lists = max(1, min(round(4 * np.sqrt(n)), n // _TRAIN_PER_LIST))
        ivf: Any = None
        if trained is not None and trained.exists():
            ivf = faiss.read_index(str(trained))  # an IndexIVFScalarQuantizer
        if ivf is None or ivf.d != d or not (2 / 3 <= lists / ivf.nlist <= 1.5):
            ivf = faiss.IndexIVFScalarQuantizer(
                faiss.IndexFlatIP(d), d, lists, faiss.ScalarQuantizer.QT_8bit,
                faiss.METRIC_INNER_PRODUCT,
            )  # fmt: skip
            ivf.cp.seed = seed
            ivf.cp.niter = 10  # 25 by default: at a million chunks training would take minutes
            ivf.cp.max_points_per_centroid = _TRAIN_PER_LIST * 2
            ivf.cp.min_points_per_centroid = 1  # a tiny index (in tests) trains without a warning
            rng = np.random.default_rng(seed)
            sample = rng.choice(n, min(n, lists * _TRAIN_PER_LIST * 2), replace=False)
            ivf.train(np.ascontiguousarray(vectors[np.sort(sample)], dtype=np.float32))
        for start in range(0, n, _BLOCK):
            ivf.add(np.ascontiguousarray(vectors[start : start + _BLOCK], dtype=np.float32))
        return cls(ivf, Moments.of(vectors, group_of))

    def __len__(self) -> int:
        return int(self._ivf.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._ivf.d)

    def search(self, query: np.ndarray, n: int, within: Subset | None = None) -> np.ndarray:
        """Positions of about the ``n`` chunks nearest ``query`` (fewer if the index or the
        subset ``within`` holds fewer), best first."""
        import faiss

        n = min(n, len(self) if within is None else within.size)
        if n <= 0:
            return np.empty(0, np.int64)
        params = faiss.SearchParametersIVF()
        params.nprobe = self.nprobe
        if within is not None:
            # the bitmap and the selector stay alive through the search
            selector = faiss.IDSelectorBitmap(len(within.bits), faiss.swig_ptr(within.bits))
            params.sel = selector
        _, ids = self._ivf.search(
            np.asarray(query, dtype=np.float32).reshape(1, -1), n, params=params
        )
        return ids[0][ids[0] >= 0].astype(np.int64)

    def save(self, folder: Path, name: str) -> None:
        import faiss

        faiss.write_index(self._ivf, str(folder / f"{name}.ivf"))
        empty = faiss.clone_index(self._ivf)
        empty.reset()
        faiss.write_index(empty, str(self.trained_file(folder, name)))
        np.savez(
            folder / f"{name}.moments.npz",
            counts=self.moments.counts, means=self.moments.means, squares=self.moments.squares,
        )  # fmt: skip

    @classmethod
    def load(cls, folder: Path, name: str) -> ApproximateIndex:
        import faiss

        ivf = faiss.read_index(str(folder / f"{name}.ivf"))
        with np.load(folder / f"{name}.moments.npz") as m:
            moments = Moments(m["counts"], m["means"], m["squares"])
        return cls(ivf, moments)

    @staticmethod
    def trained_file(folder: Path, name: str) -> Path:
        """Where ``save`` keeps the index's trained lists, empty (for the next build)."""
        return folder / f"{name}.trained.ivf"

    @staticmethod
    def saved(folder: Path, name: str) -> bool:
        return (folder / f"{name}.ivf").exists() and (folder / f"{name}.moments.npz").exists()
