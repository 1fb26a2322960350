"""The second stage: the first stage's best candidates, re-scored with what it cannot use.

The first stage fuses whole-index signals (BM25, e5, USE). For its top ``pool`` chunks the
second stage adds how much of the question — weighted by rarity — each chunk, its neighbours
and its title contain, the longest stretch of the question it repeats, whether the question's
numbers appear and how many of an English question's words it holds a translation of
(``qa/features.py``), and what the rest of the pool holds of its document; and combines them
with the first stage's own signals in a model fitted on the fitting parts of the public sets:
logistic or LightGBM LambdaRank trees, with or without the document's part, whichever
cross-validates better for the language (``scripts/fit_ranker.py``, ``qa/fitted.json``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from index.documents import StoredChunk
from index.folder import IndexStore
from index.normalise import search_form
from qa.features import PASSAGE_FEATURES, QuestionTerms, passage_features
from qa.fitted import Model

FIRST_STAGE_FEATURES: tuple[str, ...] = (
    "fused",
    "z_lexical",
    "z_dense",
    "z_cross",
    "dense",
    "cross",
    "log_rank",
)
# Each of these also as its gap to the best value in the pool (0 for the best, negative for the
# rest): unlike z-scores, whose range grows with the index, gaps read the same in an index of a
# hundred chunks and of a million.
GAPPED: tuple[str, ...] = ("fused", "z_lexical", "z_dense", "z_cross", *PASSAGE_FEATURES)
# What the rest of the pool says of a candidate's document (R@k counts documents, and a
# document several of whose passages the first stage found is more likely the one asked
# about): how many of its other chunks are in the pool, and how far the best of them falls
# behind the pool's best first-stage score.
DOCUMENT_FEATURES: tuple[str, ...] = ("doc_chunks", "doc_other_gap")
# ``doc_other_gap`` when the pool holds no other chunk of the document: a fixed value beyond any
# gap a pool of 50 shows, not one read off the pool's last candidate. The last candidate can
# differ between exact search, approximate search and Milvus (candidates gathered per signal;
# Milvus's own BM25 statistics), and a value tied to it moved every such candidate with it.
NO_OTHER_CHUNK = -10.0
RANKER_FEATURES: tuple[str, ...] = (
    FIRST_STAGE_FEATURES
    + PASSAGE_FEATURES
    + tuple(f"{name}_gap" for name in GAPPED)
    + DOCUMENT_FEATURES
)


@dataclass(frozen=True)
class Rescored:
    """One candidate's second-stage view: its features and the model's logit."""

    features: dict[str, float]
    logit: float
    contributions: dict[str, float]


def first_stage_features(
    positions: np.ndarray,
    fused: np.ndarray,
    scores: Mapping[str, np.ndarray],
    zs: Mapping[str, np.ndarray],
) -> np.ndarray:
    """Columns of FIRST_STAGE_FEATURES for ``positions`` (given best first by ``fused``)."""

    def column(table: Mapping[str, np.ndarray], name: str) -> np.ndarray:
        values = table.get(name)
        return values[positions] if values is not None else np.zeros(len(positions), np.float32)

    return np.column_stack(
        [
            fused[positions],
            column(zs, "lexical"),
            column(zs, "dense"),
            column(zs, "cross"),
            column(scores, "dense"),
            column(scores, "cross"),
            np.log1p(np.arange(len(positions), dtype=np.float32)),
        ]
    ).astype(np.float32)


def context_of(chunks: Sequence[StoredChunk], store: IndexStore) -> tuple[list[str], list[str]]:
    """Each chunk's search text with its neighbours', and its title and section in search
    form."""
    places = {(c.chunk.doc_id, c.chunk.ordinal + d) for c in chunks for d in (-1, 1)}
    near = store.search_texts_at(places)
    titles = store.titles(sorted({c.chunk.doc_id for c in chunks}))
    title_forms: dict[tuple[str, str | None], str] = {}
    contexts, heads = [], []
    for stored in chunks:
        c = stored.chunk
        before = near.get((c.doc_id, c.ordinal - 1), "")
        after = near.get((c.doc_id, c.ordinal + 1), "")
        contexts.append(f"{before}\n{c.search_text}\n{after}")
        key = (c.doc_id, c.section)
        if key not in title_forms:
            title_forms[key] = _heading_form(titles.get(c.doc_id, ""), c.section or "")
        heads.append(title_forms[key])
    return contexts, heads


@lru_cache(maxsize=8192)
def _heading_form(title: str, section: str) -> str:
    """A document's title and a section path in search form (converting script is slow, and
    the same headings come back question after question)."""
    return search_form(f"{title}\n{section}")


def rescore(
    model: Model,
    terms: QuestionTerms,
    chunks: Sequence[StoredChunk],
    first_stage: np.ndarray,
    store: IndexStore,
) -> tuple[np.ndarray, np.ndarray]:
    """Every candidate's RANKER_FEATURES row and the model's logit for it, in the order given."""
    rows = candidate_rows(terms, chunks, first_stage, store)
    return rows, model.logits(rows[:, columns_of(model)])


def candidate_rows(
    terms: QuestionTerms, chunks: Sequence[StoredChunk], first_stage: np.ndarray, store: IndexStore
) -> np.ndarray:
    """The RANKER_FEATURES row of every candidate (``first_stage``: its first-stage columns)."""
    if not chunks:
        return np.empty((0, len(RANKER_FEATURES)), np.float32)
    contexts, heads = context_of(chunks, store)
    texts = [c.chunk.search_text for c in chunks]
    rows = np.hstack([first_stage, passage_features(terms, texts, contexts, heads)])
    gapped = rows[:, [RANKER_FEATURES.index(name) for name in GAPPED]]
    fused = first_stage[:, FIRST_STAGE_FEATURES.index("fused")]
    documents = document_features([c.chunk.doc_id for c in chunks], fused)
    return np.hstack([rows, gapped - gapped.max(axis=0, keepdims=True), documents]).astype(
        np.float32
    )


def document_features(doc_ids: Sequence[str], fused: np.ndarray) -> np.ndarray:
    """Columns of DOCUMENT_FEATURES for a pool whose chunks are of ``doc_ids``."""
    ids = np.array(doc_ids)
    same = ids[:, None] == ids[None, :]
    np.fill_diagonal(same, False)
    others = np.where(same, fused[None, :], -np.inf).max(axis=1)
    gaps = np.where(np.isfinite(others), others - fused.max(), NO_OTHER_CHUNK)
    return np.column_stack([np.log1p(same.sum(axis=1)), gaps])


def describe(model: Model, row: np.ndarray, logit: float) -> Rescored:
    """One candidate's features and what each contributed to its logit (for ``--explain``)."""
    return Rescored(
        features={name: float(v) for name, v in zip(RANKER_FEATURES, row, strict=True)},
        logit=float(logit),
        contributions=model.contributions(row[columns_of(model)]),
    )


def columns_of(model: Model) -> list[int]:
    return [RANKER_FEATURES.index(name) for name in model.names]
