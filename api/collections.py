"""Several indexes served by one process: each is a collection, named by its folder, and all
of them share one set of loaded models.

    citeqa serve --index reports --index policies    # collections "reports" and "policies"
    citeqa serve --index all-indexes                 # every index in the folder's subfolders

The first collection is the default: a request that names none reads from it, so a server of
one index behaves as before. Which folders are served, under which names, and whether they
can share the models is index/collections.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from api.errors import ApiError
from api.holder import ServiceHolder
from qa.service import QAService


@dataclass
class Collection:
    name: str
    holder: ServiceHolder
    upload_dir: Path


def open_collections(first: QAService, more: Sequence[tuple[str, Path]]) -> list[QAService]:
    """``first`` and the indexes of ``more``, each opened with ``first``'s models (which
    ``check_models`` has found to be theirs)."""
    opened = [first]
    try:
        for _, folder in more:
            opened.append(first.open_alike(folder))
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
