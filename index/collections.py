"""Which folders are indexes, the collection names they go by, and whether several can be
served with one set of models: a path that is an index, or every index one level under a path
that is not; names are folder names and must differ; all must be built with the same models.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from index.errors import CiteqaError, IndexNotFound
from index.manifest import read_manifest

NAME = re.compile(r"^[^\s/\\\x00-\x1f.][^/\\\x00-\x1f]{0,63}$")  # any folder name, in one id


class CollectionError(CiteqaError):
    """The indexes given cannot be served together."""


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
