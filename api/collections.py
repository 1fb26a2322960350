"""Several indexes served by one process: each is a collection, named by its folder, and all
of them share one set of loaded models.

    citeqa serve --index reports --index policies    # collections "reports" and "policies"
    citeqa serve --index all-indexes                 # every index in the folder's subfolders

The first collection is the default: a request that names none reads from it, so a server of
one index behaves as before. Indexes built with different models cannot share the models and
are refused at start, with what to do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from api.errors import ApiError
from api.holder import ServiceHolder
from index.errors import CiteqaError, IndexNotFound
from index.folder import open_snapshot
from index.manifest import read_manifest
from qa.service import QAService

NAME = re.compile(r"^[^\s/\\\x00-\x1f.][^/\\\x00-\x1f]{0,63}$")  # any folder name, in one id


class CollectionError(CiteqaError):
    """The indexes given cannot be served together."""


@dataclass
class Collection:
    name: str
    holder: ServiceHolder
    upload_dir: Path


def index_folders(paths: Sequence[Path]) -> list[tuple[str, Path]]:
    """(name, folder) of each index to serve: a path that is an index, or every index found
    one level under a path that is not. Names are folder names and must differ."""
    found: list[tuple[str, Path]] = []
    for path in paths:
        if read_manifest(path) is not None:
            found.append((path.resolve().name, path))
            continue
        inside = sorted(p for p in path.iterdir() if read_manifest(p) is not None) if (
            path.is_dir()
        ) else []  # fmt: skip
        if not inside:
            raise IndexNotFound(
                f"no citeqa index at {path}, nor in its subfolders; build one first: "
                f"citeqa index PATH... --index {path}"
            )
        found += [(p.name, p) for p in inside]
    names = [name for name, _ in found]
    for name in names:
        if not NAME.match(name):
            raise CollectionError(
                f"the index folder name {name!r} cannot name a collection: at most 64 "
                "characters, none of them a slash or a control character, not starting with a "
                "space or a dot"
            )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise CollectionError(
            f"two indexes are both named {repeated[0]!r} (by their folders); rename one "
            "folder, or serve them from separate processes"
        )
    return found


def check_models(found: Sequence[tuple[str, Path]]) -> None:
    """Refuse, naming both, an index built with other models than the first: one server
    loads one set of models."""
    manifests = [(name, folder, read_manifest(folder)) for name, folder in found]
    _, _, wanted = manifests[0]
    for name, folder, have in manifests[1:]:
        if wanted is None or have is None:
            continue  # opening it says what is missing
        if (have.model, have.dimension, have.cross_model) != (
            wanted.model, wanted.dimension, wanted.cross_model
        ):  # fmt: skip
            raise CollectionError(
                f"the collection {name!r} ({folder}) was built with {have.model} "
                f"(cross-lingual: {have.cross_model}), the first, {manifests[0][0]!r}, with "
                f"{wanted.model} (cross-lingual: {wanted.cross_model}); one server loads one "
                "set of models. Rebuild it with the same model, or serve it from another process."
            )


def open_collections(first: QAService, more: Sequence[tuple[str, Path]]) -> list[QAService]:
    """``first`` and the indexes of ``more``, each opened with ``first``'s models (which
    ``check_models`` has found to be theirs)."""
    opened = [first]
    try:
        for _, folder in more:
            opened.append(first.with_snapshot(open_snapshot(folder)))
    except BaseException:
        for service in opened[1:]:
            service.close()
        raise
    return opened


def pick(collections: dict[str, Collection], default: str, name: str | None) -> Collection:
    """The collection a request names, or the default; 404 naming the others."""
    if name is None:
        return collections[default]
    found = collections.get(name)
    if found is None:
        raise ApiError(
            404,
            "collection_not_found",
            f"no collection {name!r} here; the collections are {', '.join(collections)}",
        )
    return found
