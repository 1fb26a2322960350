"""Retrieval: every signal scores every chunk, the question's language picks the weights, the
fused score ranks them; then the second stage (``qa/rerank.py``) re-scores the best of them.
Each hit keeps its per-signal ranks and scores and the second stage's features (the
``explain`` view)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from index.documents import Chunk, StoredChunk
from index.embedder import Embedder
from index.errors import IndexMismatch, InvalidInput, TooManyPassages
from index.folder import Snapshot
from index.normalise import to_simplified, to_traditional
from qa.features import QuestionTerms, question_terms
from qa.fitted import Fitted, Model, load_fitted
from qa.fusion import DEFAULT_WEIGHTS, Signal, rank_of, top_k, weighted_sum, zscore
from qa.query import Query
from qa.rerank import Rescored, describe, first_stage_features, rescore

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
    score: float  # the second stage's logit (the fused first-stage score beyond its pool)
    signals: dict[Signal, SignalScore] = field(default_factory=dict)
    rescored: Rescored | None = None


@dataclass(frozen=True)
class QuerySignals:
    """Every signal's score for every chunk, for one question (aligned with ``row_ids``), and
    the question's vectors (``dense``, ``cross``), which later steps reuse."""

    query: Query
    scores: dict[Signal, np.ndarray]
    vectors: dict[Signal, np.ndarray]
    terms: QuestionTerms


@dataclass(frozen=True)
class Ranking:
    """Chunks best first: positions in the retriever's row order, the stored chunks, the score
    each was ranked by, and (for those the second stage saw) its feature rows."""

    positions: np.ndarray
    chunks: list[StoredChunk]
    scores: np.ndarray
    features: np.ndarray  # one row per re-scored chunk: the first len(features) of the ranking
    fused: np.ndarray
    zs: dict[Signal, np.ndarray]
    model: Model | None


def check_k(k: int, most: int = MAX_K) -> int:
    """``k`` when it is a count of passages from 1 to ``most`` (the limit of where the
    question was asked); InvalidInput (TooManyPassages, over the limit) otherwise."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise InvalidInput(f"k of {k!r} is out of range; ask for 1 to {most} passages")
    if k > most:
        raise TooManyPassages(f"k of {k} is over the limit of {most}; ask for 1 to {most} passages")
    return k


class Retriever:
    """Searches one index snapshot with the embedders it was built with."""

    def __init__(
        self,
        snapshot: Snapshot,
        embedder: Embedder,
        cross: Embedder | None = None,
        weights: Mapping[str, Mapping[Signal, float]] | None = None,
        fitted: Fitted | None = None,
        second_stage: bool = True,
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
        self.fitted = fitted or load_fitted()
        self.second_stage = second_stage

    def signals(self, queries: Sequence[Query]) -> list[QuerySignals]:
        """Score every chunk with every signal, embedding the questions in one batch each."""
        if not queries:
            return []
        texts = [q.text for q in queries]
        dense = self.embedder.embed(texts, "query")
        cross = self.cross.embed(texts, "query") if self.cross else None
        matched = self._script_matched(queries, dense)
        out = []
        for i, query in enumerate(queries):
            scores: dict[Signal, np.ndarray] = {
                "lexical": self.snapshot.lexical.all_scores(query.search_text),
                "dense": matched[i] if i in matched else self.snapshot.vectors.all_scores(dense[i]),
            }
            vectors = {"dense": dense[i]}
            if cross is not None and self.snapshot.cross is not None:
                scores["cross"] = self.snapshot.cross.all_scores(cross[i])
                vectors["cross"] = cross[i]
            terms = question_terms(query.search_text, self.snapshot.lexical.idf)
            out.append(QuerySignals(query, scores, vectors, terms))
        return out

    def _script_matched(self, queries: Sequence[Query], dense: np.ndarray) -> dict[int, np.ndarray]:
        """Dense scores of the Chinese questions, in an index of both scripts, with each
        passage matched by the question written in the passage's script: e5 ranks a passage
        in the question's own script above an equal one in the other (on the sample reports,
        dense R@1 .837 as the questions were written, .907 matched: scripts/eval_scripts.py).
        By question position."""
        masks = self.snapshot.scripts
        if masks is None:
            return {}
        other: dict[int, str] = {}
        for i, q in enumerate(queries):
            if q.language == "zh" and q.script in ("traditional", "simplified"):
                flipped = (
                    to_simplified(q.text) if q.script == "traditional" else to_traditional(q.text)
                )
                if flipped != q.text:
                    other[i] = flipped
        if not other:
            return {}
        flipped_vectors = self.embedder.embed(list(other.values()), "query")
        out = {}
        for (i, _), vector in zip(other.items(), flipped_vectors, strict=True):
            scores = self.snapshot.vectors.all_scores(dense[i])  # passages of neither script too
            theirs = masks["simplified" if queries[i].script == "traditional" else "traditional"]
            scores[theirs] = self.snapshot.vectors.all_scores(vector)[theirs]
            out[i] = scores
        return out

    def ranking(
        self, signals: QuerySignals, depth: int, *, doc_ids: set[str] | None = None,
        weights: Mapping[Signal, float] | None = None,
    ) -> Ranking:  # fmt: skip
        """The best ``depth`` chunks (fewer if the index or the filter has fewer): the first
        stage's top ``pool`` re-scored by the second stage, then the rest in first-stage
        order."""
        language = signals.query.language
        zs = {name: zscore(s) for name, s in signals.scores.items()}
        fused = weighted_sum(zs, weights or self.weights[language])
        candidates = np.arange(len(fused))
        if doc_ids is not None:
            candidates = self._positions_in(doc_ids)
        model = self.fitted.ranker.get(language) if self.second_stage else None
        # the second stage needs its whole pool; without it, only what was asked for is read
        wanted = max(depth, self.fitted.pool) if model is not None else depth
        positions = candidates[top_k(fused[candidates], wanted)]
        chunks = self.snapshot.store.chunks(self.row_ids[positions].tolist())
        if len(chunks) < len(positions):  # deleted since the ranking began (a racing write)
            present = {c.row_id for c in chunks}
            positions = positions[[int(self.row_ids[p]) in present for p in positions]]
        scores = fused[positions].astype(np.float32)
        features = np.empty((0, 0), np.float32)
        if model is not None and len(positions):
            pool = min(self.fitted.pool, len(positions))
            first = first_stage_features(positions[:pool], fused, signals.scores, zs)
            features, logits = rescore(
                model, signals.terms, chunks[:pool], first, self.snapshot.store
            )
            order = np.lexsort((np.arange(pool), -logits))
            positions = np.concatenate([positions[:pool][order], positions[pool:]])
            chunks = [chunks[i] for i in order] + chunks[pool:]
            scores = np.concatenate([logits[order], scores[pool:]]).astype(np.float32)
            features = features[order]
        keep = min(depth, len(positions))
        return Ranking(
            positions[:keep], chunks[:keep], scores[:keep], features[:keep], fused, zs, model
        )

    def rank(
        self, signals: QuerySignals, k: int, *, doc_ids: set[str] | None = None,
        weights: Mapping[Signal, float] | None = None,
    ) -> list[Hit]:  # fmt: skip
        """The top ``k`` chunks for one question, optionally only from some documents."""
        check_k(k)
        if not len(self.row_ids):
            return []
        r = self.ranking(signals, k, doc_ids=doc_ids, weights=weights)
        ranks = {name: rank_of(s, r.positions) for name, s in signals.scores.items()}
        return [
            Hit(
                chunk=stored.chunk,
                row_id=stored.row_id,
                score=float(r.scores[i]),
                signals={
                    name: SignalScore(int(ranks[name][i]), float(s[pos]), float(r.zs[name][pos]))
                    for name, s in signals.scores.items()
                },
                rescored=(
                    describe(r.model, r.features[i], float(r.scores[i]))
                    if r.model is not None and i < len(r.features)
                    else None
                ),
            )
            for i, (pos, stored) in enumerate(zip(r.positions, r.chunks, strict=True))
        ]

    def search(self, query: Query, k: int, *, doc_ids: set[str] | None = None) -> list[Hit]:
        check_k(k)
        return self.rank(self.signals([query])[0], k, doc_ids=doc_ids)

    def _positions_in(self, doc_ids: set[str]) -> np.ndarray:
        wanted = self.snapshot.store.row_ids_of_documents(sorted(doc_ids))
        return np.flatnonzero(np.isin(self.row_ids, np.asarray(wanted, dtype=np.int64)))
