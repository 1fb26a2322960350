"""The dense index: exact inner-product search (FAISS) over L2-normalised chunk vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class VectorIndex:
    """FAISS ``IndexFlatIP`` keyed by chunk row id. Exact search: at the sizes citeqa serves
    (up to some hundred thousand chunks) it is fast enough and never misses a neighbour."""

    def __init__(self, faiss_index) -> None:  # type: ignore[no-untyped-def]
        self._index = faiss_index

    @classmethod
    def build(cls, row_ids: np.ndarray, vectors: np.ndarray) -> VectorIndex:
        import faiss

        index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
        if len(row_ids):
            index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), row_ids.astype(np.int64)
            )
        return cls(index)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        import faiss

        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` row ids and inner products for one query vector, best first."""
        k = min(k, len(self))
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores, ids = self._index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
