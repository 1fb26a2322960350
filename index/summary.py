"""What an index holds, for ``citeqa info`` and the HTTP service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from index.derived import DERIVED, search_kind
from index.folder import found_manifest, open_store
from index.store import DB_NAME


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def describe(folder: Path) -> dict[str, Any]:
    manifest = found_manifest(folder)
    store = open_store(folder, readonly=True)
    try:
        stats = store.stats()
        docs = [
            {"id": d.id, "title": d.title, "chunks": d.n_chunks, "source": d.source}
            for d in store.documents(with_text=False)
        ]
    finally:
        store.close()
    summary = {
        "folder": str(folder),
        "model": manifest.model,
        "dimension": manifest.dimension,
        "chunk_size": manifest.chunk_size,
        "chunk_overlap": manifest.chunk_overlap,
        "tokenizer": manifest.tokenizer,
        "format_version": manifest.format_version,
        "documents": stats.documents,
        "chunks": stats.chunks,
        "characters": stats.characters,
        "generation": stats.generation,
        # from index.derived.APPROXIMATE_FROM chunks on, approximately (index/derived.py)
        "search": "milvus" if manifest.milvus_uri else search_kind(folder, stats.generation),
    }
    if manifest.milvus_uri:  # nothing of it on disk here but the manifest
        summary |= {"milvus": manifest.milvus_uri, "milvus_collection": manifest.milvus_collection}
    else:
        db_bytes = sum(_size(p) for p in folder.glob(DB_NAME + "*"))
        derived_bytes = _size(folder / DERIVED) if (folder / DERIVED).exists() else 0
        total = db_bytes + derived_bytes
        summary |= {
            "database_bytes": db_bytes,
            "derived_bytes": derived_bytes,
            "bytes_per_1000_chunks": round(total * 1000 / stats.chunks) if stats.chunks else 0,
        }
    return summary | {"documents_list": docs}
