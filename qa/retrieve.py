"""Retrieval: every signal scores every chunk (in a big index, each signal's candidates,
``qa/candidates.py``), the question's language picks the weights, the fused score ranks them;
then the second stage (``qa/rerank.py``) re-scores the best of them. Each hit keeps its
per-signal ranks and scores and the second stage's features (the ``explain`` view)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from index.ann import GROUPS
from index.documents import Chunk, StoredChunk
from index.embedder import Embedder
from index.errors import IndexMismatch, InvalidInput, TooManyPassages
from index.folder import Snapshot
from index.normalise import Script, to_simplified, to_traditional
from qa.candidates import Groups, candidates, remote_candidates
from qa.features import QuestionTerms, question_terms
from qa.fitted import Fitted, Model, load_fitted
from qa.fusion import DEFAULT_WEIGHTS, Signal, rank_of, top_k, weighted_sum, zscore
from qa.query import Query
from qa.rerank import Rescored, describe, first_stage_features, rescore

MAX_K = 100


@dataclass(frozen=True)
class SignalScore:
    rank: int  # 1-based, among the chunks scored (all, or in a big index the candidates)
    score: float  # raw: BM25 score or cosine similarity
    z: float  # standardised over all chunks, what the fusion adds up


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    row_id: int
    score: float  # the second stage's logit (the fused first-stage score beyond its pool)
    signals: dict[Signal, SignalScore] = field(default_factory=dict)
    rescored: Rescored | None = None
    script: Script | None = None  # the script ingest recorded for the chunk, if it did


@dataclass(frozen=True)
class QuerySignals:
    """Each signal's scores, for one question, and the question's vectors (``dense``,
    ``cross``), which later steps reuse. In a small index the scores are of every chunk
    (aligned with the retriever's ``row_ids``); in a big one, of its candidates (at
    ``positions``), with each signal's mean and deviation over every chunk (``stats``)."""

    query: Query
    scores: dict[Signal, np.ndarray]
    vectors: dict[Signal, np.ndarray]
    terms: QuestionTerms
    positions: np.ndarray | None = None  # None: every chunk, in order
    stats: dict[Signal, tuple[float, float]] | None = None  # None: of the scores themselves


@dataclass(frozen=True)
class Ranking:
    """Chunks best first: positions in the retriever's row order (``positions``) and in the
    signals' arrays (``local``; the same in a small index), the stored chunks, the score each
    was ranked by, and (for those the second stage saw) its feature rows. ``fused`` and ``zs``
    are aligned with the signals' arrays."""

    positions: np.ndarray
    local: np.ndarray
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
        manifest = snapshot.manifest
        if embedder.name != manifest.model:
            manifest.check_matches(replace(manifest, model=embedder.name), snapshot.folder)
        if manifest.cross_model and (cross is None or cross.name != manifest.cross_model):
            raise IndexMismatch(
                f"the index at {snapshot.folder} also holds vectors of {manifest.cross_model!r} "
                f"but {getattr(cross, 'name', None)!r} was given to embed questions with"
            )
        if snapshot.vectors is not None and not np.array_equal(
            snapshot.vectors.row_ids, snapshot.row_ids
        ):
            raise IndexMismatch(
                f"the vector and lexical indexes at {snapshot.folder} disagree; run citeqa index "
                "again to rebuild them"
            )
        self.snapshot = snapshot
        self.embedder = embedder
        self.cross = cross if manifest.cross_model else None
        self.weights = {lang: dict(w) for lang, w in (weights or DEFAULT_WEIGHTS).items()}
        self.row_ids = snapshot.row_ids
        self.fitted = fitted or load_fitted()
        self.second_stage = second_stage
        self._groups = Groups(snapshot) if snapshot.approximate is not None else None
        self._remote = snapshot.remote
        found = self._remote.frequencies if self._remote is not None else snapshot.lexical
        assert found is not None
        self._idf = found.idf  # BM25's idf, for the second stage's question terms

    def terms(self, query: Query) -> QuestionTerms:
        """The question's terms, weighted by this index's BM25 idf."""
        return question_terms(query.search_text, self._idf)

    def signals(
        self, queries: Sequence[Query], *, doc_ids: set[str] | None = None
    ) -> list[QuerySignals]:
        """Score the chunks with every signal, embedding the questions in one batch each: every
        chunk in a small index, the candidates in a big one (there, only of ``doc_ids``' chunks
        if given; a small index leaves the filter to ``ranking``)."""
        if not queries:
            return []
        texts = [q.text for q in queries]
        dense = self.embedder.embed(texts, "query")
        cross = self.cross.embed(texts, "query") if self.cross else None
        flipped = self._flipped(queries)
        within = None
        if doc_ids is not None and self._groups is not None and self._remote is None:
            within = self._positions_in(doc_ids)
        out = []
        for i, query in enumerate(queries):
            vectors = {"dense": dense[i]} | ({"cross": cross[i]} if cross is not None else {})
            terms = self.terms(query)
            if self._remote is not None:
                found = remote_candidates(
                    self._remote, query.search_text,
                    self._by_group(query, dense[i], flipped.get(i)), vectors.get("cross"), doc_ids,
                )  # fmt: skip
                out.append(
                    QuerySignals(query, found.scores, vectors, terms, found.positions, found.stats)
                )
                continue
            if self._groups is not None:
                found = candidates(
                    self.snapshot, self._groups, query.search_text,
                    self._by_group(query, dense[i], flipped.get(i)), vectors.get("cross"), within,
                )  # fmt: skip
                out.append(
                    QuerySignals(query, found.scores, vectors, terms, found.positions, found.stats)
                )
                continue
            assert self.snapshot.lexical is not None
            scores = {
                "lexical": self.snapshot.lexical.all_scores(query.search_text),
                "dense": self._dense_scores(query, dense[i], flipped.get(i)),
            }
            if cross is not None and self.snapshot.cross is not None:
                scores["cross"] = self.snapshot.cross.all_scores(cross[i])
            out.append(QuerySignals(query, scores, vectors, terms))
        return out

    def _flipped(self, queries: Sequence[Query]) -> dict[int, np.ndarray]:
        """In an index of both scripts, the e5 vector of each Chinese question written in the
        other script (by question position): e5 ranks a passage in the question's own script
        above an equal one in the other (on the sample reports, dense R@1 .837 as the
        questions were written, .907 with each passage matched by the question in its script:
        scripts/eval_scripts.py)."""
        if self.snapshot.scripts is None and not (self._remote and self._remote.both_scripts):
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
        vectors = self.embedder.embed(list(other.values()), "query")
        return dict(zip(other, vectors, strict=True))

    def _dense_scores(
        self, query: Query, vector: np.ndarray, flipped: np.ndarray | None
    ) -> np.ndarray:
        """Every chunk's e5 score, each passage matched by the question in its own script."""
        assert self.snapshot.vectors is not None
        scores = self.snapshot.vectors.all_scores(vector)  # passages of neither script too
        if flipped is not None and self.snapshot.scripts is not None:
            theirs = self.snapshot.scripts[_other_script(query)]
            scores[theirs] = self.snapshot.vectors.all_scores(flipped)[theirs]
        return scores

    def _by_group(self, query: Query, vector: np.ndarray, flipped: np.ndarray | None) -> np.ndarray:
        """The question's e5 vector for each of GROUPS (``_dense_scores``' matching)."""
        rows = np.tile(vector, (len(GROUPS), 1))
        if flipped is not None:
            rows[GROUPS.index(_other_script(query))] = flipped
        return rows

    def ranking(
        self, signals: QuerySignals, depth: int, *, doc_ids: set[str] | None = None,
        weights: Mapping[Signal, float] | None = None,
    ) -> Ranking:  # fmt: skip
        """The best ``depth`` chunks (fewer if the index or the filter has fewer): the first
        stage's top ``pool`` re-scored by the second stage, then the rest in first-stage
        order."""
        language = signals.query.language
        stats = signals.stats or {}
        zs = {name: zscore(s, stats.get(name)) for name, s in signals.scores.items()}
        fused = weighted_sum(zs, weights or self.weights[language])
        scored = signals.positions  # None: every chunk
        candidates = np.arange(len(fused))
        if doc_ids is not None and self._remote is None:  # Milvus searched only those
            wanted_rows = self._positions_in(doc_ids)
            candidates = (
                wanted_rows if scored is None else np.flatnonzero(np.isin(scored, wanted_rows))
            )
        model = self.fitted.ranker.get(language) if self.second_stage else None
        # the second stage needs its whole pool; without it, only what was asked for is read
        wanted = max(depth, self.fitted.pool) if model is not None else depth
        local = candidates[top_k(fused[candidates], wanted)]
        positions = local if scored is None else scored[local]
        rows = self._rows(positions)
        chunks = self.snapshot.store.chunks(rows.tolist())
        if len(chunks) < len(positions):  # deleted since the ranking began (a racing write)
            present = {c.row_id for c in chunks}
            kept = np.array([int(r) in present for r in rows], dtype=bool)
            local, positions = local[kept], positions[kept]
        scores = fused[local].astype(np.float32)
        features = np.empty((0, 0), np.float32)
        if model is not None and len(local):
            pool = min(self.fitted.pool, len(local))
            first = first_stage_features(local[:pool], fused, signals.scores, zs)
            features, logits = rescore(
                model, signals.terms, chunks[:pool], first, self.snapshot.store
            )
            order = np.lexsort((np.arange(pool), -logits))
            local = np.concatenate([local[:pool][order], local[pool:]])
            positions = np.concatenate([positions[:pool][order], positions[pool:]])
            chunks = [chunks[i] for i in order] + chunks[pool:]
            scores = np.concatenate([logits[order], scores[pool:]]).astype(np.float32)
            features = features[order]
        keep = min(depth, len(local))
        return Ranking(
            positions[:keep], local[:keep], chunks[:keep], scores[:keep], features[:keep], fused,
            zs, model,
        )  # fmt: skip

    def rank(
        self, signals: QuerySignals, k: int, *, doc_ids: set[str] | None = None,
        weights: Mapping[Signal, float] | None = None,
    ) -> list[Hit]:  # fmt: skip
        """The top ``k`` chunks for one question, optionally only from some documents."""
        check_k(k)
        if not self.snapshot.chunk_count:
            return []
        r = self.ranking(signals, k, doc_ids=doc_ids, weights=weights)
        ranks = {name: rank_of(s, r.local) for name, s in signals.scores.items()}
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
                script=stored.script,
            )
            for i, (pos, stored) in enumerate(zip(r.local, r.chunks, strict=True))
        ]

    def search(self, query: Query, k: int, *, doc_ids: set[str] | None = None) -> list[Hit]:
        check_k(k)
        return self.rank(self.signals([query], doc_ids=doc_ids)[0], k, doc_ids=doc_ids)

    def _rows(self, positions: np.ndarray) -> np.ndarray:
        """The row ids at these positions (in an index held in Milvus, the positions are
        the row ids)."""
        return positions if self._remote is not None else self.row_ids[positions]

    def _positions_in(self, doc_ids: set[str]) -> np.ndarray:
        """The sorted positions of these documents' chunks."""
        wanted = self.snapshot.store.row_ids_of_documents(sorted(doc_ids))
        return np.flatnonzero(np.isin(self.row_ids, np.asarray(wanted, dtype=np.int64)))


def _other_script(query: Query) -> str:
    return "simplified" if query.script == "traditional" else "traditional"
