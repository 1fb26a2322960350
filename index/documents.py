"""The nouns of the write path: a loaded document, the chunks cut from it, and both as the
index stores them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from index.normalise import Script


def content_hash(text: str) -> str:
    """Stable hex digest of a text, used for document and chunk identity."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoadedDocument:
    """A file read into text, before cleaning.

    ``text`` is the ORIGINAL that citations point into: character offsets of every chunk refer
    to it. ``page_starts`` gives the offset at which each page begins (PDF: one entry per page,
    first is 0); it is empty for formats without pages.
    """

    path: Path
    title: str
    text: str
    media_type: str
    encoding: str | None = None
    page_starts: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """1-based page number holding ``offset``, or None when the format has no pages."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
            else:
                break
        return page + 1


@dataclass(frozen=True)
class Chunk:
    """A passage of a document, carrying its own citation.

    ``text`` is the cleaned passage in the document's own script (what a user sees);
    ``search_text`` is its search form (Simplified script), which the lexical index is built
    from. ``char_start``/``char_end`` delimit the passage in the original document text.
    """

    doc_id: str
    ordinal: int
    text: str
    search_text: str
    char_start: int
    char_end: int
    section: str | None = None
    page: int | None = None
    id: str = field(default="")
    # the role of each of its answer sentences (index/roles.py); None: not recorded (an index
    # written before roles were kept), found when read
    roles: tuple[str, ...] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", chunk_id(self.doc_id, self.ordinal, self.text))


def chunk_id(doc_id: str, ordinal: int, text: str) -> str:
    """Content-hash id of a chunk: the same passage at the same place keeps the same id."""
    return content_hash(f"{doc_id}\x00{ordinal}\x00{text}")[:24]


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    source: str
    title: str
    media_type: str
    encoding: str | None
    file_hash: str
    text: str
    page_starts: tuple[int, ...]
    n_chunks: int
    indexed_at: str
    # what answers show as the document's source: its path under the folder it was indexed
    # from (``reports/2023/coal.pdf``), or an upload's file name; never a server's full path
    name: str | None = None

    @property
    def shown(self) -> str:
        """The source as answers show it (an index written before names: the file name)."""
        return self.name or PurePath(self.source).name


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored, with its row id (the id FAISS and BM25 know it by) and the script
    ingest found it written in (None in an index written before scripts were kept)."""

    row_id: int
    chunk: Chunk
    script: Script | None = None
