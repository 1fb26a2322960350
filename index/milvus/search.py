"""Searching an index held in Milvus: each signal's best candidates, and the sample that
standardises the signals.

The first stage of an index in Milvus works as a big embedded index's does
(qa/candidates.py): each signal proposes its best candidates (here Milvus searches them, the
BM25 ones by the sparse vectors of index/sparse.py) and every candidate is scored exactly by
every signal. What Milvus cannot give is each signal's mean and deviation over every chunk,
which the fusion standardises with. They are taken on a uniform sample of the chunks
(``SAMPLE``, drawn by each chunk's ``draw``), held by each reader: in an index of at most
``SAMPLE`` chunks that is every chunk, and the statistics are exact; beyond it, a mean is off
by about a 90th of a deviation, which moves no ranking of note.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.ann import GROUPS
from index.manifest import Manifest
from index.milvus.connection import quoted
from index.milvus.store import MilvusStore

SAMPLE = 8192
_SCRIPTS = ("traditional", "simplified")


def group_index(script: str) -> int:
    return GROUPS.index(script) if script in _SCRIPTS else GROUPS.index("other")


@dataclass(frozen=True)
class Sample:
    """Some chunks' vectors: what the signals' statistics are computed on."""

    dense: np.ndarray
    cross: np.ndarray | None
    groups: np.ndarray  # each row's index into GROUPS
    terms: dict[int, int]  # token dimension -> column of ``sparse``
    sparse: Any  # scipy CSR matrix, a row per chunk

    def lexical(self, question: dict[int, float]) -> np.ndarray:
        q = np.zeros(self.sparse.shape[1], np.float32)
        for t, w in question.items():
            if (j := self.terms.get(t)) is not None:
                q[j] = w
        return np.asarray(self.sparse @ q, np.float32)


class MilvusSearch:
    """The search side of one reader of an index in Milvus, at the state it opened."""

    def __init__(self, store: MilvusStore, manifest: Manifest) -> None:
        self.store = store
        self.manifest = manifest
        state, self.frequencies = store.state()
        self.generation = int(state.get("generation", 0))
        scripts = state.get("scripts", {})
        # as in the embedded index: each passage matched by the question in its own script
        self.both_scripts = all(scripts.get(s, 0) > 0 for s in _SCRIPTS)
        self.sample = self._sample()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    @property
    def chunks(self) -> int:
        return self.frequencies.passages

    def _sample(self) -> Sample:
        from scipy.sparse import csr_matrix

        share = min(1.0, SAMPLE / max(self.chunks, 1))
        where = "" if share >= 1.0 else f"draw < {share:.9f}"
        fields = ["script", "dense", "sparse"] + (["cross"] if self.manifest.cross_model else [])
        found = self.store.db.query("chunks", where, fields)
        terms: dict[int, int] = {}
        indptr, indices, values = [0], [], []
        for f in found:
            for t, w in f["sparse"].items():
                indices.append(terms.setdefault(int(t), len(terms)))
                values.append(w)
            indptr.append(len(indices))
        sparse = csr_matrix(
            (np.asarray(values, np.float32), np.asarray(indices, np.int64), indptr),
            shape=(len(found), max(len(terms), 1)),
        )
        dim, cdim = self.manifest.dimension, self.manifest.cross_dimension
        return Sample(
            np.array([f["dense"] for f in found], np.float32).reshape(-1, dim),
            np.array([f["cross"] for f in found], np.float32).reshape(-1, cdim)
            if self.manifest.cross_model
            else None,
            np.array([group_index(f["script"]) for f in found], np.int8),
            terms,
            sparse,
        )

    def search(
        self, field: str, vector: np.ndarray | dict[int, float], count: int, where: str
    ) -> dict[int, tuple[int, float]]:
        """The ``count`` best chunks for one vector of ``field`` ("dense", "cross", "sparse")
        among those matching ``where``: {row id: (its group, its score)}. A chunk a sparse
        vector shares no token with is not found (its score is 0)."""
        data = vector if isinstance(vector, dict) else np.asarray(vector, np.float32).tolist()
        params: dict[str, Any] = {"metric_type": "IP"}
        if field != "sparse":
            params["params"] = {"ef": max(256, count)}
        with self.store.db.errors():
            hits = self.store.db.client.search(
                self.store.db.collection("chunks"), [data], anns_field=field, limit=count,
                filter=where, search_params=params, output_fields=["script"],
            )  # fmt: skip
        return {
            int(h["row_id"]): (group_index(h["entity"]["script"]), float(h["distance"]))
            for h in hits[0]
        }

    def search_all(
        self, requests: list[tuple[str, np.ndarray | dict[int, float], int, str]]
    ) -> list[dict[int, tuple[int, float]]]:
        """``search`` for each request, at once (a Milvus server searches them side by
        side)."""
        if len(requests) < 2:
            return [self.search(*r) for r in requests]
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(4, thread_name_prefix="citeqa-milvus")
        return list(self._pool.map(lambda r: self.search(*r), requests))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)

    @staticmethod
    def among(
        field: str, vector: np.ndarray | dict[int, float], row_ids: list[int]
    ) -> tuple[str, np.ndarray | dict[int, float], int, str]:
        """A request for ``search_all`` that scores just these chunks, every one exactly
        (Milvus searches so few chunks exhaustively)."""
        return field, vector, max(len(row_ids), 1), f"row_id in {row_ids}"


def where(doc_ids: set[str] | None, groups: tuple[int, ...] | None = None) -> str:
    """A filter to some documents' chunks and to the chunks of some GROUPS."""
    parts = []
    if doc_ids is not None:
        parts.append(f"doc_id in {quoted(sorted(doc_ids))}")
    if groups is not None and len(groups) < len(GROUPS):
        named = [GROUPS[g] for g in groups if GROUPS[g] in _SCRIPTS]
        if GROUPS.index("other") in groups:
            shown = quoted([s for s in _SCRIPTS if s not in named])
            parts.append(f"script not in {shown}")
        else:
            parts.append(f"script in {quoted(named)}")
    return " and ".join(parts)
