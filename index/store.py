"""SQLite: the source of truth of an index — documents, chunks, offsets, sections, pages,
content hashes and the chunk vectors (so the FAISS and BM25 indexes can always be rebuilt)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from index.backfill import Backfill
from index.documents import Chunk, DocumentRecord, StoredChunk
from index.normalise import passage_script
from index.schema import columns_of, create_or_upgrade

DB_NAME = "citeqa.sqlite"
VectorColumn = Literal["vector", "cross_vector"]


@dataclass(frozen=True)
class StoreStats:
    documents: int
    chunks: int
    characters: int
    generation: int


class Store(Backfill):
    """One connection to an index's SQLite file. Writes happen inside ``transaction()``; every
    committed write bumps the ``generation`` that derived indexes are built for."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        if readonly:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            self._db = sqlite3.connect(path, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            create_or_upgrade(self._db)
        self._db.execute("PRAGMA foreign_keys=ON")
        # a read-only connection to an index written by an older citeqa may lack later columns
        self._has = {table: columns_of(self._db, table) for table in ("documents", "chunks")}

    def close(self) -> None:
        if not self.readonly:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # fold the log into the file
        self._db.close()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads that see one committed state: a write committing meanwhile is not seen."""
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("ROLLBACK")

    # -- writes ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: on any exception nothing of the block is kept."""
        with self._db:
            yield
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('generation', '1') "
                "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )

    def advance_generation(self, past: int) -> None:
        """Commit a generation after ``past``: an index built aside to replace another one
        goes on from that one's generations, so a reader never takes it for an older state."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('generation', ?) ON CONFLICT (key) DO "
                "UPDATE SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
                (str(past),),
            )

    def put_document(
        self,
        record: DocumentRecord,
        chunks: Sequence[Chunk],
        hashes: Sequence[str],
        vectors: np.ndarray,
        cross_vectors: np.ndarray | None = None,
        sentence_vectors: Mapping[str, bytes] | None = None,
    ) -> None:
        """Insert a document, replacing any earlier version of the same id, with its chunks and
        their vectors (``cross_vectors``: from the index's second, cross-lingual model;
        ``sentence_vectors``: the packed vectors of each chunk's sentences, by text hash, see
        ``index/sentence_vectors.py``)."""
        cross: Sequence[np.ndarray | None] = (
            [None] * len(chunks) if cross_vectors is None else list(cross_vectors)
        )
        sentences = sentence_vectors or {}
        self._db.execute("DELETE FROM documents WHERE id = ?", (record.id,))
        self._db.execute(
            "INSERT INTO documents (id, source, title, media_type, encoding, file_hash, text, "
            "page_starts, n_chunks, indexed_at, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.id,
                record.source,
                record.title,
                record.media_type,
                record.encoding,
                record.file_hash,
                record.text,
                json.dumps(list(record.page_starts)),
                len(chunks),
                record.indexed_at,
                record.name,
            ),
        )
        self._db.executemany(
            "INSERT INTO chunks (id, doc_id, ordinal, text, search_text, char_start, char_end, "
            "section, page, text_hash, vector, cross_vector, sentence_vectors, script, roles) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    c.id,
                    c.doc_id,
                    c.ordinal,
                    c.text,
                    c.search_text,
                    c.char_start,
                    c.char_end,
                    c.section,
                    c.page,
                    h,
                    np.asarray(v, dtype=np.float32).tobytes(),
                    None if x is None else np.asarray(x, dtype=np.float32).tobytes(),
                    sentences.get(h),
                    passage_script(c.text),
                    None if c.roles is None else ",".join(c.roles),
                )
                for c, h, v, x in zip(chunks, hashes, vectors, cross, strict=True)
            ],
        )

    def delete_documents(self, doc_ids: Iterable[str]) -> int:
        ids = list(doc_ids)
        cur = self._db.executemany("DELETE FROM documents WHERE id = ?", [(i,) for i in ids])
        return cur.rowcount

    # -- reads ----------------------------------------------------------------------------

    def generation(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def file_hashes(self) -> dict[str, tuple[str, str]]:
        """source -> (document id, file hash) for every document."""
        rows = self._db.execute("SELECT source, id, file_hash FROM documents")
        return {source: (doc_id, file_hash) for source, doc_id, file_hash in rows}

    def vectors_by_text_hash(
        self, hashes: Iterable[str], column: VectorColumn = "vector"
    ) -> dict[str, np.ndarray]:
        """Stored vectors of passages with these text hashes, to reuse instead of embedding."""
        rows = self._by_text_hash(column, hashes)
        return {text_hash: np.frombuffer(blob, dtype=np.float32) for text_hash, blob in rows}

    def sentence_vectors(self, hashes: Iterable[str]) -> dict[str, bytes]:
        """Stored answer-sentence vectors of the passages with these text hashes."""
        try:
            return dict(self._by_text_hash("sentence_vectors", hashes))
        except sqlite3.OperationalError:  # read-only, of an index written before they were kept
            return {}

    def _by_text_hash(self, column: str, hashes: Iterable[str]) -> list[tuple[str, bytes]]:
        """(text hash, ``column``) of the chunks with these text hashes where it is set."""
        wanted = list(set(hashes))
        found: list[tuple[str, bytes]] = []
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            found += self._db.execute(
                f"SELECT text_hash, {column} FROM chunks WHERE text_hash IN "
                f"({','.join('?' * len(part))}) AND {column} IS NOT NULL",
                part,
            ).fetchall()
        return found

    def all_vectors(
        self, dimension: int, column: VectorColumn = "vector"
    ) -> tuple[np.ndarray, np.ndarray]:
        rows = self._db.execute(
            f"SELECT row_id, {column} FROM chunks WHERE {column} IS NOT NULL ORDER BY row_id"
        ).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
        return ids, matrix.reshape(len(rows), dimension)

    def vectors_of(
        self, row_ids: Sequence[int], columns: Sequence[tuple[VectorColumn, int]]
    ) -> list[np.ndarray]:
        """The stored vectors of these chunks, for each (column, dimension) asked a matrix
        with a row per chunk in the order asked (zeros for a chunk that is gone: deleted
        since the caller read its row id)."""
        out = [np.zeros((len(row_ids), dimension), np.float32) for _, dimension in columns]
        if not row_ids or not columns:
            return out
        where = {row_id: i for i, row_id in enumerate(row_ids)}
        names = ", ".join(column for column, _ in columns)
        marks = ",".join("?" * len(where))
        rows = self._db.execute(
            f"SELECT row_id, {names} FROM chunks WHERE row_id IN ({marks})", list(where)
        )
        for row_id, *blobs in rows:
            for matrix, blob in zip(out, blobs, strict=True):
                if blob is not None:
                    matrix[where[row_id]] = np.frombuffer(blob, dtype=np.float32)
        return out

    def script_rows(self) -> dict[str, np.ndarray]:
        """Row ids of the passages written in each Chinese script ("traditional",
        "simplified"); an index written before scripts were kept has none until its next
        ingest."""
        rows = (
            self._db.execute(
                "SELECT script, row_id FROM chunks WHERE script IN ('traditional', 'simplified')"
            ).fetchall()
            if "script" in self._has["chunks"]
            else []
        )
        return {
            script: np.array([r for s, r in rows if s == script], dtype=np.int64)
            for script in ("traditional", "simplified")
        }

    def all_search_texts(self) -> tuple[np.ndarray, list[str]]:
        rows = self._db.execute("SELECT row_id, search_text FROM chunks ORDER BY row_id").fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows]

    def chunks(self, row_ids: Sequence[int]) -> list[StoredChunk]:
        """The chunks with these row ids, in the order asked (missing ids are left out)."""
        if not row_ids:
            return []
        marks = ",".join("?" * len(row_ids))
        script = "script" if "script" in self._has["chunks"] else "NULL"  # an index before them
        roles = "roles" if "roles" in self._has["chunks"] else "NULL"
        rows = self._db.execute(
            "SELECT row_id, id, doc_id, ordinal, text, search_text, char_start, char_end, section, "
            f"page, {script}, {roles} FROM chunks WHERE row_id IN ({marks})",
            [int(r) for r in row_ids],
        ).fetchall()
        by_id = {r[0]: r for r in rows}
        out = []
        for rid in row_ids:
            r = by_id.get(int(rid))
            if r is not None:
                chunk = Chunk(
                    id=r[1], doc_id=r[2], ordinal=r[3], text=r[4], search_text=r[5],
                    char_start=r[6], char_end=r[7], section=r[8], page=r[9],
                    roles=None if r[11] is None else tuple(r[11].split(",")),
                )  # fmt: skip
                out.append(StoredChunk(r[0], chunk, r[10]))
        return out

    def search_texts_at(self, places: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
        """Search texts of the chunks at these (document id, ordinal) places, where they exist:
        the neighbours a passage is read with."""
        return self._at(places, "search_text")

    def rows_at(self, places: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """Row ids of the chunks at these (document id, ordinal) places, where they exist."""
        return self._at(places, "row_id")

    def _at(self, places: Iterable[tuple[str, int]], column: str) -> dict[tuple[str, int], Any]:
        """``column`` of the chunks at these places: one indexed lookup per document (a
        row-value ``IN`` would scan the whole table)."""
        by_doc: dict[str, set[int]] = {}
        for doc_id, ordinal in places:
            by_doc.setdefault(doc_id, set()).add(ordinal)
        found: dict[tuple[str, int], Any] = {}
        for doc_id, ordinals in by_doc.items():
            wanted = sorted(ordinals)
            for i in range(0, len(wanted), 500):
                part = wanted[i : i + 500]
                rows = self._db.execute(
                    f"SELECT ordinal, {column} FROM chunks WHERE doc_id = ? AND ordinal IN "
                    f"({','.join('?' * len(part))})",
                    [doc_id, *part],
                )
                for ordinal, value in rows:
                    found[(doc_id, ordinal)] = value
        return found

    def titles(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """document id -> title, without reading the documents' texts."""
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        query = f"SELECT id, title FROM documents WHERE id IN ({marks})"
        return dict(self._db.execute(query, list(doc_ids)).fetchall())

    def row_ids_of_documents(self, doc_ids: Sequence[str]) -> list[int]:
        if not doc_ids:
            return []
        marks = ",".join("?" * len(doc_ids))
        rows = self._db.execute(
            f"SELECT row_id FROM chunks WHERE doc_id IN ({marks})", list(doc_ids)
        )
        return [r[0] for r in rows]

    def documents(
        self, doc_ids: Sequence[str] | None = None, *, with_text: bool = True
    ) -> list[DocumentRecord]:
        """The documents (all, or these) by source; their texts empty without ``with_text``."""
        name = "name" if "name" in self._has["documents"] else "NULL"  # an index before names
        text = "text" if with_text else "''"
        query = (
            f"SELECT id, source, title, media_type, encoding, file_hash, {text}, page_starts, "
            f"n_chunks, indexed_at, {name} FROM documents"
        )
        args: list[str] = []
        if doc_ids is not None:
            if not doc_ids:
                return []
            query += f" WHERE id IN ({','.join('?' * len(doc_ids))})"
            args = list(doc_ids)
        rows = self._db.execute(query + " ORDER BY source", args).fetchall()
        return [
            DocumentRecord(
                id=r[0],
                source=r[1],
                title=r[2],
                media_type=r[3],
                encoding=r[4],
                file_hash=r[5],
                text=r[6],
                page_starts=tuple(json.loads(r[7])),
                n_chunks=r[8],
                indexed_at=r[9],
                name=r[10],
            )  # fmt: skip
            for r in rows
        ]

    def stats(self) -> StoreStats:
        docs, chars = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(text)), 0) FROM documents"
        ).fetchone()
        (chunks,) = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()
        return StoreStats(docs, chunks, chars, self.generation())


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_generation(path: Path) -> int | None:
    """The generation of the index database at ``path`` (None when there is none), read
    without opening the index: a server checks it to notice another process's writes."""
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return int(row[0]) if row else 0
