"""A document's rows in an index held in Milvus (index/milvus/store.py): its record and
its text, cut in pieces of TEXT_PART characters (a row holds at most 64 KiB).

The first row of each document holds its record (source, title, hash, pages…) and the
number of pieces, and is written last; a reader that finds fewer pieces (a write under way)
leaves the document out, as if it were not there yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from index.documents import DocumentRecord
from index.milvus.connection import TEXT_PART, Collections

_BATCH = 256


class DocumentRows:
    """The documents collection of one index."""

    def __init__(self, db: Collections) -> None:
        self.db = db
        self.name = db.collection("documents")

    def write(self, record: DocumentRecord) -> None:
        text = record.text
        parts = [text[i : i + TEXT_PART] for i in range(0, len(text), TEXT_PART)] or [""]
        head = {
            "id": record.id, "source": record.source, "title": record.title,
            "media_type": record.media_type, "encoding": record.encoding,
            "file_hash": record.file_hash, "page_starts": list(record.page_starts),
            "n_chunks": record.n_chunks, "indexed_at": record.indexed_at, "name": record.name,
            "parts": len(parts), "characters": len(text),
        }  # fmt: skip
        rows = [
            {"key": f"{record.id}:{n:06d}", "doc_id": record.id, "part": n, "text": part,
             "record": head if n == 0 else {}, "unused": [0.0, 0.0]}
            for n, part in enumerate(parts)
        ]  # fmt: skip
        rows.reverse()  # the record last: a document whose record is there is there whole
        for i in range(0, len(rows), _BATCH):
            self.db.client.upsert(self.name, rows[i : i + _BATCH])

    def delete(self, doc_ids: Sequence[str]) -> None:
        self.db.delete_in("documents", "doc_id", doc_ids)

    def rename(self, names: dict[str, str]) -> None:
        """Give the documents with these sources (``{source: name}``) the name they show."""
        for record in self.records():
            if record.source in names:
                rows = self.db.client.get(self.name, ids=[f"{record.id}:000000"])
                if rows:
                    head = dict(rows[0])
                    head["record"]["name"] = names[record.source]
                    self.db.client.upsert(self.name, [head])

    def records(self, doc_ids: Sequence[str] | None = None) -> list[Head]:
        """The documents' records (all, or these), without their texts, ordered by source."""
        if doc_ids is None:
            rows = self.db.query("documents", "part == 0", ["record"])
        else:
            rows = self.db.query_in("documents", "doc_id", doc_ids, ["record"], " and part == 0")
        return sorted((Head(r["record"]) for r in rows), key=lambda h: h.source)

    def documents(self, doc_ids: Sequence[str] | None = None) -> list[DocumentRecord]:
        """The documents (all, or these), with their whole texts, ordered by source."""
        if doc_ids is not None and not doc_ids:
            return []
        heads = self.records(doc_ids)
        if not heads:
            return []
        parts: dict[str, list[tuple[int, str]]] = {}
        fields = ["doc_id", "part", "text"]
        for r in self.db.query_in("documents", "doc_id", [d.id for d in heads], fields):
            parts.setdefault(r["doc_id"], []).append((int(r["part"]), r["text"]))
        out = []
        for d in heads:
            pieces = sorted(parts.get(d.id, []))
            if len(pieces) != d.n_parts:  # being rewritten this moment: left out, as if gone
                continue
            out.append(d.record(text="".join(t for _, t in pieces)))
        return out

    def titles(self, doc_ids: Sequence[str]) -> dict[str, str]:
        if not doc_ids:
            return {}
        return {h.id: h.title for h in self.records(doc_ids)}


class Head:
    """A document's record as its first row keeps it."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.id: str = data["id"]
        self.source: str = data["source"]
        self.file_hash: str = data["file_hash"]
        self.name: str | None = data.get("name")
        self.title: str = data["title"]
        self.n_chunks = int(data["n_chunks"])
        self.n_parts = int(data["parts"])
        self.n_characters = int(data["characters"])

    def record(self, text: str) -> DocumentRecord:
        d = self.data
        return DocumentRecord(
            id=d["id"], source=d["source"], title=d["title"], media_type=d["media_type"],
            encoding=d["encoding"], file_hash=d["file_hash"], text=text,
            page_starts=tuple(d["page_starts"]), n_chunks=d["n_chunks"],
            indexed_at=d["indexed_at"], name=d["name"],
        )  # fmt: skip
