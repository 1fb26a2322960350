"""The first stage of a big index (index/derived.py): each signal's best candidates, scored
exactly, and standardised as if every chunk had been scored.

A small index scores every chunk with every signal. A big one takes the union of BM25's best
``CANDIDATES`` (BM25 still scores every chunk: its postings cost a few milliseconds at a
million chunks) and the approximate vector indexes' best ``CANDIDATES`` for each question
vector, then scores each candidate exactly from its stored vectors. Each signal is
standardised with its mean and deviation over every chunk, which the vector indexes' moments
give exactly (index/ann.py), so a candidate's fused score is the one exact search gives it:
what approximate search can change is only which chunks are candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.ann import GROUPS, Subset
from index.folder import Snapshot
from index.milvus.search import MilvusSearch, where
from index.store import Store, VectorColumn
from qa.fusion import Signal, top_k

Request = tuple[str, np.ndarray | dict[int, float], int, str]  # MilvusSearch.search_all's
CANDIDATES = 200  # per signal and question vector: four times the second stage's pool
# in an index held in Milvus, which returns results far slower than FAISS: twice the pool
# (chosen on the fitting parts of the public sets: scripts/eval_milvus.py --part fit)
REMOTE_CANDIDATES = 100


@dataclass(frozen=True)
class Candidates:
    positions: np.ndarray  # sorted positions (of the snapshot's row_ids)
    scores: dict[Signal, np.ndarray]  # aligned with positions
    stats: dict[Signal, tuple[float, float]]  # mean and deviation over every chunk


class Groups:
    """Which of GROUPS each position's passage is in (by the script it is written in), and
    the subsets of positions in some of them (made once: a bitmap of a million positions)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.of = np.full(len(snapshot.row_ids), GROUPS.index("other"), dtype=np.int8)
        for script, mask in (snapshot.scripts or {}).items():
            self.of[mask] = GROUPS.index(script)
        self._masks: dict[tuple[int, ...], np.ndarray] = {}
        self._subsets: dict[tuple[int, ...], Subset] = {}

    def mask(self, groups: tuple[int, ...]) -> np.ndarray:
        if groups not in self._masks:
            self._masks[groups] = np.isin(self.of, groups)
        return self._masks[groups]

    def subset(self, groups: tuple[int, ...]) -> Subset:
        if groups not in self._subsets:
            self._subsets[groups] = Subset.of(self.mask(groups))
        return self._subsets[groups]


def candidates(
    snapshot: Snapshot,
    groups: Groups,
    search_text: str,
    dense: np.ndarray,
    cross: np.ndarray | None,
    within: np.ndarray | None = None,
    count: int = CANDIDATES,
) -> Candidates:
    """``dense``: the question's e5 vector for each of GROUPS (the question in the script of
    the passages of the group); ``cross``: its cross-lingual vector; ``within``: the sorted
    positions a search keeps to (some documents' chunks), or None for all."""
    approximate = snapshot.approximate
    assert approximate is not None, "candidates are for an index searched approximately"
    assert snapshot.lexical is not None and isinstance(snapshot.store, Store)
    lexical = snapshot.lexical.all_scores(search_text)
    stats = {"lexical": (float(lexical.mean()), float(lexical.std()))}
    if within is not None and len(within) <= count:
        positions = within
    else:
        kept = None
        if within is not None:
            mask = np.zeros(len(lexical), dtype=bool)
            mask[within] = True
            kept = Subset.of(mask)
        found = [top_k(lexical, count) if within is None else within[top_k(lexical[within], count)]]
        # each vector searches the passages it scores: a question's Traditional form the
        # Traditional passages, its Simplified form the others
        vectors, users = np.unique(dense, axis=0, return_inverse=True)
        for v, vector in enumerate(vectors):
            using = tuple(int(g) for g in np.flatnonzero(users.ravel() == v))
            subset = kept
            if len(using) < len(GROUPS):
                subset = (
                    groups.subset(using) if kept is None else Subset.of(groups.mask(using) & mask)
                )
            found.append(approximate["dense"].search(vector, count, subset))
        if cross is not None:
            found.append(approximate["cross"].search(cross, count, kept))
        positions = np.unique(np.concatenate(found))
    rows = snapshot.row_ids[positions].tolist()
    manifest = snapshot.manifest
    columns: list[tuple[VectorColumn, int]] = [("vector", manifest.dimension)]
    if cross is not None:
        columns.append(("cross_vector", manifest.cross_dimension or 0))
    stored = snapshot.store.vectors_of(rows, columns)
    scores = {
        "lexical": lexical[positions],
        "dense": np.einsum("nd,nd->n", stored[0], dense[groups.of[positions]]).astype(np.float32),
    }
    stats["dense"] = approximate["dense"].moments.stats(dense)
    if cross is not None:
        scores["cross"] = (stored[1] @ cross).astype(np.float32)
        stats["cross"] = approximate["cross"].moments.stats(np.tile(cross, (len(GROUPS), 1)))
    return Candidates(positions, scores, stats)


def remote_candidates(
    search: MilvusSearch,
    search_text: str,
    dense: np.ndarray,
    cross: np.ndarray | None,
    doc_ids: set[str] | None = None,
    count: int | None = None,
) -> Candidates:
    """``candidates`` for an index held in Milvus: each signal's best ``count`` (of
    ``doc_ids``' chunks, if given) searched by Milvus and scored exactly; the statistics from
    the reader's sample (index/milvus/search.py). The positions are the chunks' row ids;
    ``count``: by default REMOTE_CANDIDATES."""
    count = count or REMOTE_CANDIDATES
    question = search.frequencies.question_vector(search_text)
    vectors, users = np.unique(dense, axis=0, return_inverse=True)
    using = [tuple(int(g) for g in np.flatnonzero(users.ravel() == v)) for v in range(len(vectors))]
    first: list[Request] = [("sparse", question, count, where(doc_ids))] if question else []
    first += [("dense", v, count, where(doc_ids, g)) for v, g in zip(vectors, using, strict=True)]
    if cross is not None:
        first.append(("cross", cross, count, where(doc_ids)))
    group: dict[int, int] = {}  # row id -> its index into GROUPS
    for found in search.search_all(first):
        group |= {r: g for r, (g, _) in found.items()}
    # every candidate scored by every signal: each question vector among the candidates it
    # scores (a chunk deleted meanwhile is found by none, and left out)
    everyone = sorted(group)
    then: dict[str, Request] = {}
    for v, (vector, groups) in enumerate(zip(vectors, using, strict=True)):
        if mine := [r for r in everyone if group[r] in groups]:
            then[f"dense{v}"] = search.among("dense", vector, mine)
    if question and everyone:
        then["lexical"] = search.among("sparse", question, everyone)
    if cross is not None and everyone:
        then["cross"] = search.among("cross", cross, everyone)
    scored = dict(zip(then, search.search_all(list(then.values())), strict=True))
    dense_of = {r: s for k, found in scored.items() if k.startswith("dense")
                for r, (_, s) in found.items()}  # fmt: skip
    rows = sorted(dense_of)
    lexical, crossed = scored.get("lexical", {}), scored.get("cross", {})
    scores = {
        "lexical": np.array([lexical[r][1] if r in lexical else 0.0 for r in rows], np.float32),
        "dense": np.array([dense_of[r] for r in rows], np.float32),
    }
    sample = search.sample
    stats = {
        "lexical": _stats(sample.lexical(question)),
        "dense": _stats(np.einsum("nd,nd->n", sample.dense, dense[sample.groups])),
    }
    if cross is not None and sample.cross is not None:
        scores["cross"] = np.array(
            [crossed[r][1] if r in crossed else 0.0 for r in rows], np.float32
        )
        stats["cross"] = _stats(sample.cross @ cross)
    return Candidates(np.array(rows, np.int64), scores, stats)


def _stats(scores: np.ndarray) -> tuple[float, float]:
    return (float(scores.mean()), float(scores.std())) if len(scores) else (0.0, 0.0)
