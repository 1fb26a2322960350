"""The derived indexes of one generation, built from the database and rebuilt from it at will.

```
derived/gen-N/
  lexical/             BM25 over every chunk (index/lexical.py)
  vectors/             in an index of APPROXIMATE_FROM chunks or more: approximate search
    dense.ivf, dense.moments.npz, cross.ivf, cross.moments.npz      (index/ann.py)
```

A small index keeps every vector in memory and scores every chunk exactly. From
APPROXIMATE_FROM chunks on, a reader loads no vectors: the IVF indexes propose candidates and
their stored vectors score them (``qa/candidates.py``). The size was chosen by measurement
(results/bench_scale.md): exact search costs 28 ms and 820 MB at 100,000 chunks, and grows
with the index; approximate search costs little more at 10,000 chunks than at a million.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.ann import GROUPS, ApproximateIndex
from index.lexical import LexicalIndex
from index.manifest import Manifest
from index.store import Store, VectorColumn

DERIVED = "derived"
APPROXIMATE_FROM = 50_000
VECTOR_SETS: tuple[tuple[str, VectorColumn], ...] = (("dense", "vector"), ("cross", "cross_vector"))


@dataclass(frozen=True)
class Derived:
    lexical: LexicalIndex
    approximate: dict[str, ApproximateIndex] | None  # by signal ("dense", "cross")
    rebuilt_in_memory: bool


def generation_folder(folder: Path, generation: int) -> Path:
    return folder / DERIVED / f"gen-{generation}"


def load_derived(folder: Path, store: Store, manifest: Manifest, generation: int) -> Derived:
    """The derived indexes of ``generation`` (read inside the store's reading()). If a writer
    died before writing them, they are built in memory from the database instead."""
    saved = generation_folder(folder, generation)
    try:
        lexical = LexicalIndex.load(saved / "lexical")
        approximate = None
        if ApproximateIndex.saved(saved / "vectors", "dense"):
            approximate = {
                name: ApproximateIndex.load(saved / "vectors", name)
                for name, _ in _vector_sets(manifest)
            }
        return Derived(lexical, approximate, False)
    except (OSError, RuntimeError, ValueError):
        text_ids, texts = store.all_search_texts()
        lexical = LexicalIndex.build(texts, text_ids)
        del texts
        approximate = None
        if len(text_ids) >= APPROXIMATE_FROM:
            approximate = build_approximate(store, manifest, text_ids)
        return Derived(lexical, approximate, True)


def save_derived(
    folder: Path, store: Store, manifest: Manifest, *, approximate: bool | None = None
) -> Path:
    """Build the derived indexes for the store's current generation, write them aside, rename
    them into place, then drop older generations. ``approximate``: whether to build the
    approximate vector indexes (by default, from APPROXIMATE_FROM chunks on)."""
    generation = store.generation()
    final = generation_folder(folder, generation)
    if final.exists():
        return final
    tmp = folder / DERIVED / f".tmp-gen-{generation}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        text_ids, texts = store.all_search_texts()
        LexicalIndex.build(texts, text_ids).save(tmp / "lexical")
        del texts
        if approximate if approximate is not None else len(text_ids) >= APPROXIMATE_FROM:
            (tmp / "vectors").mkdir()
            for name, index in build_approximate(store, manifest, text_ids).items():
                index.save(tmp / "vectors", name)
        os.replace(tmp, final)
    except BaseException:  # a full disk: readers rebuild them from the database meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in (folder / DERIVED).iterdir():
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def build_approximate(
    store: Store, manifest: Manifest, row_ids: np.ndarray
) -> dict[str, ApproximateIndex]:
    """The approximate index of each vector set, over ``row_ids`` (every chunk, in order)."""
    groups = group_of(store, row_ids)
    out = {}
    for name, column in _vector_sets(manifest):
        dimension = manifest.dimension if name == "dense" else manifest.cross_dimension
        ids, vectors = store.all_vectors(dimension, column)
        if not np.array_equal(ids, row_ids):
            raise ValueError(f"the {column}s stored do not cover every chunk")
        out[name] = ApproximateIndex.build(vectors, groups)
        del vectors
    return out


def group_of(store: Store, row_ids: np.ndarray) -> np.ndarray:
    """Each position's index into GROUPS: written in Traditional, in Simplified, or neither."""
    groups = np.full(len(row_ids), GROUPS.index("other"), dtype=np.int8)
    for script, ids in store.script_rows().items():
        groups[np.isin(row_ids, ids)] = GROUPS.index(script)
    return groups


def _vector_sets(manifest: Manifest) -> list[tuple[str, VectorColumn]]:
    return [(n, c) for n, c in VECTOR_SETS if n == "dense" or manifest.cross_model]
