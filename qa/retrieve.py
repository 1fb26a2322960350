"""Retrieval: every signal scores every chunk, the question's language picks the weights, the
fused score ranks them. Each hit keeps its per-signal ranks and scores (the ``explain`` view)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from index.documents import Chunk
from index.embedder import Embedder
from index.errors import IndexMismatch, InvalidInput
from index.folder import Snapshot
from qa.fusion import DEFAULT_WEIGHTS, Signal, rank_of, top_k, weighted_sum, zscore
from qa.query import Query

MAX_K = 100


@dataclass(frozen=True)
class SignalScore:
    rank: int  # 1-based, among all chunks
    score: float  # raw: BM25 score or cosine similarity
    z: float  # standardised over all chunks, what the fusion adds up


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    row_id: int
    score: float
    signals: dict[Signal, SignalScore] = field(default_factory=dict)


@dataclass(frozen=True)
class QuerySignals:
    """Every signal's score for every chunk, for one question (aligned with ``row_ids``)."""

    query: Query
    scores: dict[Signal, np.ndarray]


def check_k(k: int) -> int:
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise InvalidInput(f"k of {k!r} is out of range; ask for 1 to {MAX_K} passages")
    return k


class Retriever:
    """Searches one index snapshot with the embedders it was built with."""

    def __init__(
        self,
        snapshot: Snapshot,
        embedder: Embedder,
        cross: Embedder | None = None,
        weights: Mapping[str, Mapping[Signal, float]] | None = None,
    ) -> None:
        if embedder.name != snapshot.manifest.model:
            snapshot.manifest.check_matches(
                replace(snapshot.manifest, model=embedder.name), snapshot.folder
            )
        if snapshot.cross is not None and (
            cross is None or cross.name != snapshot.manifest.cross_model
        ):
            raise IndexMismatch(
                f"the index at {snapshot.folder} also holds vectors of {snapshot.manifest.cross_model!r} "
                f"but {getattr(cross, 'name', None)!r} was given to embed questions with"
            )
        if not np.array_equal(snapshot.vectors.row_ids, snapshot.lexical.row_ids):
            raise IndexMismatch(
                f"the vector and lexical indexes at {snapshot.folder} disagree; run citeqa index "
                "again to rebuild them"
            )
        self.snapshot = snapshot
        self.embedder = embedder
        self.cross = cross if snapshot.cross is not None else None
        self.weights = {lang: dict(w) for lang, w in (weights or DEFAULT_WEIGHTS).items()}
        self.row_ids = snapshot.vectors.row_ids

    def signals(self, queries: Sequence[Query]) -> list[QuerySignals]:
        """Score every chunk with every signal, embedding the questions in one batch each."""
        if not queries:
            return []
        texts = [q.text for q in queries]
        dense = self.embedder.embed(texts, "query")
        cross = self.cross.embed(texts, "query") if self.cross else None
        out = []
        for i, query in enumerate(queries):
            scores: dict[Signal, np.ndarray] = {
                "lexical": self.snapshot.lexical.all_scores(query.search_text),
                "dense": self.snapshot.vectors.all_scores(dense[i]),
            }
            if cross is not None and self.snapshot.cross is not None:
                scores["cross"] = self.snapshot.cross.all_scores(cross[i])
            out.append(QuerySignals(query, scores))
        return out

    def rank(
        self, signals: QuerySignals, k: int, *, doc_ids: set[str] | None = None,
        weights: Mapping[Signal, float] | None = None,
    ) -> list[Hit]:  # fmt: skip
        """The top ``k`` chunks for one question, optionally only from some documents."""
        check_k(k)
        if not len(self.row_ids):
            return []
        zs = {name: zscore(s) for name, s in signals.scores.items()}
        fused = weighted_sum(zs, weights or self.weights[signals.query.language])
        candidates = np.arange(len(fused))
        if doc_ids is not None:
            candidates = self._positions_in(doc_ids)
        positions = candidates[top_k(fused[candidates], k)]
        stored = {c.row_id: c for c in self.snapshot.store.chunks(self.row_ids[positions].tolist())}
        ranks = {name: rank_of(s, positions) for name, s in signals.scores.items()}
        return [
            Hit(
                chunk=stored[row_id].chunk,
                row_id=row_id,
                score=float(fused[pos]),
                signals={
                    name: SignalScore(int(ranks[name][i]), float(s[pos]), float(zs[name][pos]))
                    for name, s in signals.scores.items()
                },
            )
            for i, pos in enumerate(positions)
            if (row_id := int(self.row_ids[pos])) in stored
        ]

    def search(self, query: Query, k: int, *, doc_ids: set[str] | None = None) -> list[Hit]:
        check_k(k)
        return self.rank(self.signals([query])[0], k, doc_ids=doc_ids)

    def _positions_in(self, doc_ids: set[str]) -> np.ndarray:
        wanted = self.snapshot.store.row_ids_of_documents(sorted(doc_ids))
        return np.flatnonzero(np.isin(self.row_ids, np.asarray(wanted, dtype=np.int64)))
