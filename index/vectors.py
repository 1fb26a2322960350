"""The dense index: exact inner-product search (FAISS) over L2-normalised chunk vectors."""

from __future__ import annotations

import numpy as np


class VectorIndex:
    """FAISS ``IndexFlatIP`` keyed by chunk row id, built in memory from the vectors the
    database holds (the one copy kept on disk). Exact search: at the sizes citeqa serves (up to
    some hundred thousand chunks) it is fast enough and never misses a neighbour."""

    def __init__(self, faiss_index) -> None:  # type: ignore[no-untyped-def]
        import faiss

        self._index = faiss_index
        n, d = int(faiss_index.ntotal), int(faiss_index.d)
        self.row_ids = faiss.vector_to_array(faiss_index.id_map).astype(np.int64)
        # a view of FAISS's own storage: scoring every chunk needs no second copy
        flat = faiss.downcast_index(faiss_index.index)
        self._matrix = (
            faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)  # type: ignore[attr-defined]
            if n
            else np.empty((0, d), np.float32)
        )

    @classmethod
    def build(cls, row_ids: np.ndarray, vectors: np.ndarray) -> VectorIndex:
        import faiss

        index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
        if len(row_ids):
            index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), row_ids.astype(np.int64)
            )
        return cls(index)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def matrix(self) -> np.ndarray:
        """Every chunk's vector, a row each in ``row_ids`` order (a view: do not write)."""
        return self._matrix

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def all_scores(self, query: np.ndarray) -> np.ndarray:
        """Inner product of ``query`` with every chunk, aligned with ``row_ids``."""
        return self._matrix @ np.asarray(query, dtype=np.float32)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` row ids and inner products for one query vector, best first."""
        k = min(k, len(self))
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores, ids = self._index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
