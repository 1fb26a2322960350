"""``manifest.json``: what an index was built with, checked every time it is opened."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from index.errors import IndexMismatch

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    model: str
    dimension: int
    chunk_size: int
    chunk_overlap: int
    tokenizer: str
    cross_model: str | None = None
    cross_dimension: int = 0
    normalisation: str = "clean+nfkc+opencc-t2s"
    normalized_vectors: bool = True
    format_version: int = FORMAT_VERSION
    # an index held in Milvus (index/milvus/connection.py): its URI and its collections' prefix
    milvus_uri: str | None = None
    milvus_collection: str | None = None

    def check_matches(self, wanted: Manifest, folder: Path) -> None:
        """Raise IndexMismatch, saying what differs and what to run, unless ``wanted`` can
        write into (or read from) an index built with this manifest."""
        if self.format_version != FORMAT_VERSION:
            raise IndexMismatch(
                f"the index at {folder} has format version {self.format_version}, this citeqa "
                f"reads version {FORMAT_VERSION}. Rebuild it: citeqa index PATH... --index "
                f"{folder} --rebuild"
            )
        fields = (
            "model", "dimension", "cross_model", "cross_dimension", "chunk_size", "chunk_overlap",
            "tokenizer", "normalisation",
        )  # fmt: skip
        if self.milvus_uri != wanted.milvus_uri:
            held = f"in Milvus at {self.milvus_uri}" if self.milvus_uri else "in its folder"
            asked = f"Milvus at {wanted.milvus_uri}" if wanted.milvus_uri else "its folder"
            raise IndexMismatch(
                f"the index at {folder} is held {held}, but {asked} was asked for; an index "
                "does not move between stores: index into a new folder instead (citeqa index "
                "PATH... --index NEW [--milvus URI])"
            )
        for name in fields:
            have, want = getattr(self, name), getattr(wanted, name)
            if have != want:
                option = _OPTIONS.get(name)
                same = f" (--{option} {have})" if option else ""
                raise IndexMismatch(
                    f"the index at {folder} was built with {name} {have!r}, but {want!r} was "
                    f"asked for. Either use the same setting{same} or "
                    f"rebuild the index with the new one: citeqa index PATH... --index {folder} "
                    "--rebuild"
                )


# the `citeqa index` option that sets each recorded setting a user can choose
_OPTIONS = {"model": "model", "chunk_size": "chunk-size", "chunk_overlap": "chunk-overlap"}


def read_manifest(folder: Path) -> Manifest | None:
    path = folder / MANIFEST_NAME
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Manifest(**data)
    except (ValueError, TypeError) as exc:
        raise IndexMismatch(
            f"{path} is not a citeqa manifest ({exc}); rebuild the index with --rebuild"
        ) from exc


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write aside, then rename: a reader sees the old manifest or the new one, never half."""
    path = folder / MANIFEST_NAME
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(asdict(manifest), indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
