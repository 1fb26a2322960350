"""An index on disk: the folder layout, the single-writer lock, and the derived indexes.

```
INDEX/
  manifest.json        what the index was built with
  citeqa.sqlite        the source of truth (WAL mode; every write is a transaction)
  derived/gen-N/       the indexes built from the database at generation N: BM25, and
                       approximate vector search in a big index (index/derived.py)
  .write.lock          held by the one process writing
```

Vectors are kept once, in the database: a reader of a small index loads them into FAISS as it
opens the index (tens of milliseconds for some thousand chunks), in the same read as the
generation. The derived indexes are written aside and renamed into place, and a reader only
uses the folder of the database's current generation: a reader therefore sees the last
committed state, and if a writer died before rebuilding them, the reader rebuilds them in
memory from the database.

An index rebuilt with other settings is built in ``.INDEX.rebuild/`` beside it and swapped in
whole (index/swap.py); its generations go on from the old index's, so a server that checks
the generation (``read_generation``) notices the new index as it notices any other write.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from index.ann import ApproximateIndex
from index.derived import DERIVED, group_of, load_derived, save_derived
from index.errors import IndexLocked, IndexMismatch, IndexNotFound, StorageFull
from index.lexical import LexicalIndex
from index.manifest import MANIFEST_NAME, Manifest, read_manifest, write_manifest
from index.milvus.connection import collection_prefix, normalise_uri
from index.milvus.search import MilvusSearch
from index.milvus.store import MilvusStore
from index.milvus.weights import settle
from index.store import DB_NAME, Store, read_generation
from index.swap import exchange, recover_interrupted_swap
from index.vectors import VectorIndex

LOCK_NAME = ".write.lock"
IndexStore = Store | MilvusStore
_REBUILDING = ".rebuilding"
SearchMode = Literal["auto", "exact", "approximate"]
# what belongs to the index itself; anything else in its folder (uploads/, jobs/) is kept
# when a rebuild replaces the index
_INDEX_FILES = frozenset(
    {MANIFEST_NAME, DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", DERIVED, LOCK_NAME, _REBUILDING}
)


@dataclass
class Snapshot:
    """A consistent, read-only view of an index at one generation: what qa/ searches."""

    folder: Path
    manifest: Manifest
    store: IndexStore
    # every chunk's vectors, in memory; None in an index searched approximately
    vectors: VectorIndex | None
    lexical: LexicalIndex | None  # None in an index held in Milvus
    cross: VectorIndex | None
    generation: int
    rebuilt_in_memory: bool = False
    # for an index holding passages in both scripts, which positions (of ``row_ids``) are
    # written in each ("traditional", "simplified"; the others show no script): a question is
    # then matched with each passage in that passage's script. None for an index of one script
    scripts: dict[str, np.ndarray] | None = None
    # in an index of APPROXIMATE_FROM chunks or more (index/derived.py): approximate search
    # for each vector set, by signal ("dense", "cross"), instead of ``vectors`` and ``cross``
    approximate: dict[str, ApproximateIndex] | None = None
    # an index held in Milvus: its search, instead of every other index here
    remote: MilvusSearch | None = None

    @property
    def row_ids(self) -> np.ndarray:
        """Every chunk's row id, in the order of every per-chunk array (an index held in
        Milvus has no such arrays: none)."""
        return self.lexical.row_ids if self.lexical is not None else np.empty(0, np.int64)

    @property
    def chunk_count(self) -> int:
        return self.remote.chunks if self.remote is not None else len(self.row_ids)

    def close(self) -> None:
        if self.remote is not None:
            self.remote.close()
        self.store.close()


def open_snapshot(
    folder: Path, *, model: str | None = None, search: SearchMode = "auto"
) -> Snapshot:
    """Open the index at ``folder`` for searching. ``model`` is the embedder that will embed
    questions; it must be the one the index was built with. (A cross-lingual model, if the
    index has one, is named by the manifest.) ``search``: "auto" searches a big index
    approximately and a small one exactly (index/derived.py); "exact" and "approximate"
    search any index so (for measuring one against the other)."""
    manifest = found_manifest(folder)
    if model is not None and model != manifest.model:
        manifest.check_matches(replace(manifest, model=model), folder)
    if manifest.milvus_uri:
        remote_store = MilvusStore(manifest, readonly=True)
        try:
            remote = MilvusSearch(remote_store, manifest)
        except BaseException:
            remote_store.close()
            raise
        return Snapshot(
            folder, manifest, remote_store, None, None, None, remote.generation, remote=remote
        )
    store = Store(folder / DB_NAME, readonly=True)
    try:
        if read_manifest(folder) != manifest:  # a rebuild was swapped in meanwhile
            store.close()
            return open_snapshot(folder, model=model, search=search)
        with store.reading():
            generation = store.generation()
            derived = load_derived(
                folder, store, manifest, generation, approximate=search != "exact"
            )
            approximate = derived.approximate
            vectors = cross = None
            if approximate is None:
                vectors, cross = load_vectors(store, manifest)
            scripts = (
                derived.scripts()
                if derived.groups is not None
                else script_masks(store, derived.lexical.row_ids)
            )
    except BaseException:
        store.close()
        raise
    snapshot = Snapshot(
        folder, manifest, store, vectors, derived.lexical, cross, generation,
        derived.rebuilt_in_memory, scripts, approximate,
    )  # fmt: skip
    return approximated(snapshot) if search == "approximate" else snapshot


def search_of(snapshot: Snapshot) -> str:
    """How the snapshot is searched: "exact", "approximate" (a big index, index/derived.py)
    or "milvus"."""
    if snapshot.remote is not None:
        return "milvus"
    return "exact" if snapshot.approximate is None else "approximate"


def generation_now(snapshot: Snapshot) -> int | None:
    """The generation of the snapshot's index as it is now (None when it is gone), read
    without opening it again: a server checks it to notice another process's writes."""
    if snapshot.remote is not None:  # Milvus: the store reads it live
        return snapshot.store.generation()
    return read_generation(snapshot.folder / DB_NAME)


def found_manifest(folder: Path) -> Manifest:
    """The manifest of the index at ``folder``; IndexNotFound when there is none."""
    manifest = read_manifest(folder)
    if manifest is None or (not manifest.milvus_uri and not (folder / DB_NAME).exists()):
        raise IndexNotFound(
            f"no citeqa index at {folder}; build one first: citeqa index PATH... --index {folder}"
        )
    return manifest


def open_store(folder: Path, *, readonly: bool = False) -> IndexStore:
    """The store of the index at ``folder``, wherever it is held."""
    manifest = found_manifest(folder)
    if manifest.milvus_uri:
        return MilvusStore(manifest, readonly=readonly)
    return Store(folder / DB_NAME, readonly=readonly)


def held_as(folder: Path, wanted: Manifest, milvus: str | None) -> Manifest:
    """``wanted`` with where the index is held: in Milvus at ``milvus`` if given (in the
    collections it already has there), else where the index at ``folder`` already is."""
    existing = read_manifest(folder)
    if milvus is None:
        if existing is None or not existing.milvus_uri:
            return wanted
        return replace(
            wanted, milvus_uri=existing.milvus_uri, milvus_collection=existing.milvus_collection
        )
    uri = normalise_uri(milvus)
    prefix = (
        existing.milvus_collection
        if existing is not None and existing.milvus_uri == uri and existing.milvus_collection
        else collection_prefix(folder)
    )
    return replace(wanted, milvus_uri=uri, milvus_collection=prefix)


def approximated(snapshot: Snapshot) -> Snapshot:
    """The snapshot searched as a big index is (index/derived.py), whatever its size: its
    approximate indexes built in memory from its vectors. For measuring what approximate
    search costs in quality (scripts/eval_approximate.py) and for tests."""
    if snapshot.approximate is not None or snapshot.vectors is None:
        return snapshot
    assert isinstance(snapshot.store, Store)
    groups = group_of(snapshot.store, snapshot.row_ids)
    approximate = {"dense": ApproximateIndex.build(snapshot.vectors.matrix, groups)}
    if snapshot.cross is not None:
        approximate["cross"] = ApproximateIndex.build(snapshot.cross.matrix, groups)
    return replace(snapshot, vectors=None, cross=None, approximate=approximate)


def script_masks(store: Store, row_ids: np.ndarray) -> dict[str, np.ndarray] | None:
    """Which positions of ``row_ids`` hold passages written in each script, when the index
    holds passages of both; None otherwise (one script: nothing to match)."""
    rows = store.script_rows()
    if not all(len(ids) for ids in rows.values()):
        return None
    return {script: np.isin(row_ids, ids) for script, ids in rows.items()}


def load_vectors(store: Store, manifest: Manifest) -> tuple[VectorIndex, VectorIndex | None]:
    """The vector indexes (main and cross-lingual), from the vectors in the database."""
    vectors = VectorIndex.build(*store.all_vectors(manifest.dimension))
    cross = None
    if manifest.cross_model:
        cross = VectorIndex.build(*store.all_vectors(manifest.cross_dimension, "cross_vector"))
    return vectors, cross


@contextmanager
def storage_errors(folder: Path) -> Iterator[None]:
    """A full disk met while writing the index at ``folder``, told as StorageFull."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "full" not in str(exc):
            raise
        raise _full(folder, str(exc)) from exc
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise _full(folder, exc.strerror or str(exc)) from exc


def _full(folder: Path, detail: str) -> StorageFull:
    return StorageFull(
        f"the disk holding {folder} is full ({detail}). The write stopped there: "
        "the index holds what it held before plus any batch committed earlier, and stays "
        "readable. Free some space and run again; what is already indexed is skipped"
    )


@contextmanager
def write_lock(folder: Path) -> Iterator[None]:
    """Hold the index's single-writer lock (released by the OS if the process dies)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexLocked(
                f"another citeqa process is writing to the index at {folder}; wait for it to "
                "finish and try again"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def open_for_writing(
    folder: Path, wanted: Manifest, *, rebuild: bool = False
) -> Iterator[IndexStore]:
    """Lock the index, check (or write) its manifest and yield its store; on leaving, rebuild
    the derived indexes for whatever was committed. With ``rebuild``, an index built with other
    settings is built again aside and swapped in whole at the end (``_rebuilding``)."""
    recover_interrupted_swap(folder)
    with storage_errors(folder), write_lock(folder):
        existing = read_manifest(folder)
        if wanted.milvus_uri or (existing is not None and existing.milvus_uri):
            with _in_milvus(folder, existing, wanted, rebuild) as remote:
                yield remote
            return
        if existing is not None and existing != wanted and rebuild:
            with _rebuilding(folder, wanted) as store:
                yield store
            return
        if existing is not None:
            existing.check_matches(wanted, folder)
        store = Store(folder / DB_NAME)
        try:
            if existing != wanted:
                write_manifest(folder, wanted)
            try:
                yield store
            finally:
                save_derived(folder, store, wanted)
        finally:
            store.close()


@contextmanager
def _in_milvus(
    folder: Path, existing: Manifest | None, wanted: Manifest, rebuild: bool
) -> Iterator[MilvusStore]:
    """The store of an index held in Milvus, to write to (its collections made if new)."""
    if existing is not None:
        if rebuild and existing != replace(wanted, milvus_collection=existing.milvus_collection):
            raise IndexMismatch(
                f"the index at {folder} is held in Milvus, where it is not rebuilt in place; "
                "index into a new folder with the new settings (citeqa index PATH... --index "
                "NEW --milvus URI), then remove the old folder"
            )
        existing.check_matches(wanted, folder)
    store = MilvusStore(wanted)
    try:
        if existing != wanted:
            write_manifest(folder, wanted)
        yield store
        # BM25's weights in step with what was committed (stopped by an error, the passages
        # written are weighed alike, and the next writer settles them)
        settle(store)
    finally:
        store.close()


@contextmanager
def _rebuilding(folder: Path, wanted: Manifest) -> Iterator[Store]:
    """Build a new index for ``folder`` aside (``.NAME.rebuild`` beside it) while the old one
    goes on answering, then swap the two folders in one step and drop the old one. The caller
    holds the old index's write lock throughout, so nothing else writes to either.

    Killed at any point, the old index is left as it was. An interrupted rebuild is carried on
    by the next one with the same settings (its committed documents are kept aside; a marker
    file tells a rebuild in progress from an old index left there by a crash after the swap).
    """
    aside = rebuild_folder(folder)
    if (aside / _REBUILDING).exists():  # killed while moving the rest of the folder over
        _move_side_entries(aside, folder)
    if read_manifest(aside) != wanted or not (aside / _REBUILDING).exists():
        shutil.rmtree(aside, ignore_errors=True)
    aside.mkdir(exist_ok=True)
    (aside / _REBUILDING).touch()
    write_manifest(aside, wanted)
    store = Store(aside / DB_NAME)
    try:
        yield store
        store.advance_generation(read_generation(folder / DB_NAME) or 0)
        save_derived(aside, store, wanted)
    finally:
        store.close()
    _move_side_entries(folder, aside)
    (aside / _REBUILDING).unlink()
    exchange(folder, aside)
    shutil.rmtree(aside, ignore_errors=True)


def _move_side_entries(source: Path, target: Path) -> None:
    """Move what an index folder holds besides the index itself (uploads/, jobs/) over."""
    for entry in source.iterdir():
        if entry.name not in _INDEX_FILES and not (target / entry.name).exists():
            os.replace(entry, target / entry.name)


def rebuild_folder(folder: Path) -> Path:
    """Where an index's rebuild is built before it replaces the index."""
    folder = folder.resolve()
    return folder.with_name(f".{folder.name}.rebuild")
