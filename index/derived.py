"""The derived indexes of one generation, built from the database and rebuilt from it at will.

```
derived/gen-N/
  lexical/             BM25 over every chunk (index/lexical.py)
  vectors/             in an index of APPROXIMATE_FROM chunks or more: approximate search
    dense.ivf, cross.ivf                  IVF-SQ8 over each vector set (index/ann.py)
    dense.moments.npz, cross.moments.npz  the vectors' moments, per group of chunks
    dense.trained.ivf, cross.trained.ivf  the trained lists, empty, for the next write
    groups.npy                            each chunk's group: Traditional, Simplified, other
```

A small index keeps every vector in memory and scores every chunk exactly. From
APPROXIMATE_FROM chunks on, a reader loads no vectors: the IVF indexes propose candidates and
their stored vectors score them (``qa/candidates.py``). The size is where the two cost the same
(results/bench_scale.md): at 10,000 chunks exact search takes 10 ms and approximate 17; at
100,000, 27–34 ms against 18–20; exact search grows by about 0.2 ms per 1,000 chunks.
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
    # with ``approximate``: each chunk's index into GROUPS (kept here, a reader need not
    # read every row of the database for it)
    groups: np.ndarray | None = None

    def scripts(self) -> dict[str, np.ndarray] | None:
        """``Snapshot.scripts`` from ``groups``: None unless passages of both scripts exist."""
        if self.groups is None:
            return None
        masks = {s: self.groups == GROUPS.index(s) for s in ("traditional", "simplified")}
        return masks if all(m.any() for m in masks.values()) else None


def generation_folder(folder: Path, generation: int) -> Path:
    return folder / DERIVED / f"gen-{generation}"


def load_derived(
    folder: Path, store: Store, manifest: Manifest, generation: int, *, approximate: bool = True
) -> Derived:
    """The derived indexes of ``generation`` (read inside the store's reading()), without the
    approximate ones if not ``approximate``. If a writer died before writing them, they are
    built in memory from the database instead."""
    saved = generation_folder(folder, generation)
    try:
        lexical = LexicalIndex.load(saved / "lexical")
        if approximate and _has_approximate(saved):
            found = {
                name: ApproximateIndex.load(saved / "vectors", name)
                for name, _ in _vector_sets(manifest)
            }
            return Derived(lexical, found, False, np.load(saved / "vectors" / "groups.npy"))
        return Derived(lexical, None, False)
    except (OSError, RuntimeError, ValueError):
        text_ids, texts = store.all_search_texts()
        lexical = LexicalIndex.build(texts, text_ids)
        del texts
        if approximate and len(text_ids) >= APPROXIMATE_FROM:
            indexes, groups = build_approximate(store, manifest, text_ids)
            return Derived(lexical, indexes, True, groups)
        return Derived(lexical, None, True)


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
            trained = _newest_vectors(folder, generation)
            _write_approximate(tmp / "vectors", store, manifest, text_ids, trained)
        os.replace(tmp, final)
    except BaseException:  # a full disk: readers rebuild them from the database meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in (folder / DERIVED).iterdir():
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def add_approximate(folder: Path, store: Store, manifest: Manifest) -> None:
    """Give the current generation's derived indexes approximate vector search, if they lack
    it (scripts/bench_scale.py times it apart from BM25 this way)."""
    saved = generation_folder(folder, store.generation())
    if _has_approximate(saved):
        return
    row_ids = LexicalIndex.load(saved / "lexical").row_ids
    tmp = saved / f".tmp-vectors-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _write_approximate(
            tmp, store, manifest, row_ids, _newest_vectors(folder, store.generation())
        )
        shutil.rmtree(saved / "vectors", ignore_errors=True)
        os.replace(tmp, saved / "vectors")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_approximate(
    target: Path, store: Store, manifest: Manifest, row_ids: np.ndarray, trained: Path | None
) -> None:
    target.mkdir(parents=True)
    indexes, groups = build_approximate(store, manifest, row_ids, trained)
    for name, index in indexes.items():
        index.save(target, name)
    np.save(target / "groups.npy", groups)


def build_approximate(
    store: Store, manifest: Manifest, row_ids: np.ndarray, trained: Path | None = None
) -> tuple[dict[str, ApproximateIndex], np.ndarray]:
    """The approximate index of each vector set, over ``row_ids`` (every chunk, in order),
    and each chunk's index into GROUPS. ``trained``: the vectors folder of an earlier
    generation, whose trained lists are reused when they still suit (ApproximateIndex.build)."""
    groups = group_of(store, row_ids)
    out = {}
    for name, column in _vector_sets(manifest):
        dimension = manifest.dimension if name == "dense" else manifest.cross_dimension
        ids, vectors = store.all_vectors(dimension, column)
        if not np.array_equal(ids, row_ids):
            raise ValueError(f"the {column}s stored do not cover every chunk")
        earlier = ApproximateIndex.trained_file(trained, name) if trained is not None else None
        out[name] = ApproximateIndex.build(vectors, groups, trained=earlier)
        del vectors
    return out, groups


def group_of(store: Store, row_ids: np.ndarray) -> np.ndarray:
    """Each position's index into GROUPS: written in Traditional, in Simplified, or neither."""
    groups = np.full(len(row_ids), GROUPS.index("other"), dtype=np.int8)
    for script, ids in store.script_rows().items():
        groups[np.isin(row_ids, ids)] = GROUPS.index(script)
    return groups


def search_kind(folder: Path, generation: int) -> str:
    """How a reader searches the index at ``generation``: "approximate" or "exact"."""
    return "approximate" if _has_approximate(generation_folder(folder, generation)) else "exact"


def _newest_vectors(folder: Path, before: int) -> Path | None:
    """The vectors folder of the newest generation before ``before`` that has one."""
    found = []
    for saved in (folder / DERIVED).glob("gen-*"):
        number = saved.name.removeprefix("gen-")
        if number.isdigit() and int(number) < before and _has_approximate(saved):
            found.append((int(number), saved / "vectors"))
    return max(found)[1] if found else None


def _has_approximate(saved: Path) -> bool:
    return (
        ApproximateIndex.saved(saved / "vectors", "dense")
        and (saved / "vectors" / "groups.npy").exists()
    )


def _vector_sets(manifest: Manifest) -> list[tuple[str, VectorColumn]]:
    return [(n, c) for n, c in VECTOR_SETS if n == "dense" or manifest.cross_model]
