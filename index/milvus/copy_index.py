"""A copy of an embedded index, held in Milvus: the same documents, chunks and vectors, with
nothing embedded again (``citeqa copy``, and scripts/eval_milvus.py, which compares the two).

Documents already in the copy with the same content are skipped, so an interrupted copy
carries on where it stopped when run again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.documents import content_hash
from index.errors import InvalidInput
from index.folder import found_manifest, held_as, open_for_writing
from index.store import DB_NAME, Store

BATCH = 64  # documents a transaction


def copy_to_milvus(
    source: Path, target: Path, uri: str, done: Callable[[int], None] | None = None
) -> int:
    """Copy the embedded index at ``source`` into Milvus at ``uri``, as the index at
    ``target`` (a folder for its manifest); the number of documents copied. ``done(n)``
    after each batch of n documents."""
    manifest = found_manifest(source)
    if manifest.milvus_uri:
        raise InvalidInput(f"the index at {source} is already held in Milvus")
    if source.resolve() == target.resolve():
        raise InvalidInput("copy the index into a new folder: the copy has a manifest of its own")
    store = Store(source / DB_NAME, readonly=True)
    try:
        with store.reading(), open_for_writing(target, held_as(target, manifest, uri)) as copy:
            ids, dense = store.all_vectors(manifest.dimension)
            cross = (
                store.all_vectors(manifest.cross_dimension, "cross_vector")[1]
                if manifest.cross_model
                else None
            )
            at = {int(r): i for i, r in enumerate(ids)}
            have = copy.file_hashes()
            todo = [d for d in store.documents() if have.get(d.source) != (d.id, d.file_hash)]
            for start in range(0, len(todo), BATCH):
                batch = todo[start : start + BATCH]
                with copy.transaction():
                    for record in batch:
                        stored = store.chunks(store.row_ids_of_documents([record.id]))
                        stored.sort(key=lambda c: c.chunk.ordinal)
                        rows = np.array([at[c.row_id] for c in stored], dtype=np.int64)
                        hashes = [content_hash(c.chunk.text) for c in stored]
                        copy.put_document(
                            record, [c.chunk for c in stored], hashes, dense[rows],
                            cross[rows] if cross is not None else None,
                            store.sentence_vectors(hashes),
                        )  # fmt: skip
                if done:
                    done(len(batch))
            return len(todo)
    finally:
        store.close()
