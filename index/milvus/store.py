"""The store of an index held in Milvus: what ``Store`` (SQLite) is to an embedded index.

It answers the same reads and takes the same writes, so ingest, deletes, citations and the
answer step run on it unchanged. Milvus has no transactions, so a ``transaction()`` gathers
its writes and applies them when the block ends, in an order that keeps a crash harmless:
a replaced document's old chunks go first, then the new chunks, then the document's rows,
then the generation. A document whose rows were not written is not cited (citations need
them) and is not known to the next ingest, which writes it again. What a crash can leave is
chunks without a document, which search may find and answers leave out, and counts that
disagree with the chunks. A write is marked in the meta collection until its counts are
written, and the next writer to open an index so marked mends both (``repair``).

A reader sees each write when it is made (Strong consistency), not one generation's state
as SQLite's snapshot gives: a ranking whose chunks were deleted meanwhile leaves them out.
"""

from __future__ import annotations

import base64
import contextlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from index.documents import Chunk, DocumentRecord, StoredChunk
from index.errors import IndexNotFound
from index.manifest import Manifest
from index.milvus import connection
from index.milvus.backfill import NothingToFill
from index.milvus.connection import KINDS, MAX_VARCHAR, Collections, create_collections
from index.milvus.documents import DocumentRows
from index.normalise import passage_script
from index.sparse import Frequencies, passage_vector, term_counts
from index.store import StoreStats, VectorColumn

_FIELD = {"vector": "dense", "cross_vector": "cross"}
_CHUNK_FIELDS = [
    "row_id", "chunk_id", "doc_id", "ordinal", "text", "search_text", "char_start", "char_end",
    "cite", "script",
]  # fmt: skip
_TOO_BIG = "-"  # sentence vectors over a row's limit: embedded when asked
_BATCH = 256
_WRITING = "writing"  # the meta row that marks a write under way


def row_id_of(chunk_id: str) -> int:
    """A chunk's int64 key in Milvus, from its content-hash id (60 of its bits)."""
    return int(chunk_id[:15], 16)


class MilvusStore(NothingToFill):
    """One connection to the collections of an index held in Milvus."""

    def __init__(self, manifest: Manifest, *, readonly: bool = False) -> None:
        assert manifest.milvus_uri and manifest.milvus_collection
        self.uri = manifest.milvus_uri
        self.manifest = manifest
        self.readonly = readonly
        self.db = Collections(self.uri, manifest.milvus_collection)
        self.docs = DocumentRows(self.db)
        db = self.db
        try:
            with db.errors():
                if not readonly:
                    create_collections(
                        db.client, db.prefix, manifest.dimension, manifest.cross_dimension,
                        connection.is_lite_file(self.uri),
                    )  # fmt: skip
                for name in (db.collection(kind) for kind in KINDS):
                    if not db.client.has_collection(name):
                        raise IndexNotFound(
                            f"Milvus at {self.uri} holds no collection {name}, which this "
                            "index's manifest names: it was dropped, or the manifest points at "
                            "another Milvus"
                        )
                    db.client.load_collection(name)  # a no-op once loaded
            self._pending: list[tuple[str, Any]] | None = None
            if not readonly:
                self.repair()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the connection; a writer's first seals what it wrote (Milvus searches data
        still in its write log several times slower: 0.7 s a question against 0.15 s, on
        Milvus Lite)."""
        with contextlib.suppress(Exception):
            if not self.readonly:
                for kind in KINDS:
                    self.db.client.flush(self.db.collection(kind))
        with contextlib.suppress(Exception):
            self.db.client.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Milvus keeps no read snapshots: reads see every write as it is made."""
        yield

    def state(self) -> tuple[dict[str, Any], Frequencies]:
        """The meta row: the generation and counts, and the BM25 frequencies."""
        with self.db.errors():
            rows = self.db.client.get(
                self.db.collection("meta"), ids=["state"], output_fields=["df", "state"]
            )
        if not rows:
            return {"generation": 0, "documents": 0, "characters": 0, "scripts": {}}, Frequencies()
        state = dict(rows[0]["state"])
        return state, Frequencies.from_vector(rows[0]["df"], state["passages"], state["tokens"])

    def put_state(self, state: dict[str, Any], freqs: Frequencies) -> None:
        """Write the meta row (``state``'s inverse)."""
        self.db.client.upsert(
            self.db.collection("meta"), [{"key": "state", "df": freqs.as_vector(), "state": state}]
        )

    # -- writes ---------------------------------------------------------------------------

    def repair(self) -> bool:
        """Mend what a write that stopped part way left (its mark is still in the meta
        collection): drop the chunks of documents whose record was never written, and count
        the frequencies again from the chunks. Whether anything needed it; a writer checks
        when it opens the index."""
        with self.db.errors():
            if not self.db.client.get(self.db.collection("meta"), ids=[_WRITING]):
                return False
        state, _ = self.state()
        rows = self.db.query("chunks", "", ["doc_id", "sparse", "length", "script"])
        found = {r["doc_id"] for r in rows}
        heads = self.docs.records()
        # a record without its chunks is dropped too, so that the next ingest writes it again
        empty = [h.id for h in heads if h.n_chunks and h.id not in found]
        heads = [h for h in heads if h.id not in empty]
        known = {h.id for h in heads}
        with self.db.errors():
            self.docs.delete(empty)
            self.db.delete_in("chunks", "doc_id", sorted(found - known))
            kept = [r for r in rows if r["doc_id"] in known]
            fresh = Frequencies()
            fresh.count((r["sparse"], int(r["length"])) for r in kept)
            state |= {
                "generation": int(state.get("generation", 0)) + 1,
                "passages": fresh.passages, "tokens": fresh.tokens, "documents": len(heads),
                "characters": sum(h.n_characters for h in heads),
                "scripts": dict(Counter(r["script"] for r in kept)),
            }  # fmt: skip
            self.put_state(state, fresh)
            self.db.client.delete(self.db.collection("meta"), ids=[_WRITING])
        return True

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """The block's writes, applied when it ends without an error (see the module's
        docstring for the order); on an error, none of them."""
        self._pending = []
        try:
            yield
            pending, self._pending = self._pending, None
            self._apply(pending)
        finally:
            self._pending = None

    def _queue(self, op: str, value: Any) -> None:
        if self._pending is None:
            raise RuntimeError("a write to the index outside a transaction")
        self._pending.append((op, value))

    def put_document(
        self,
        record: DocumentRecord,
        chunks: Sequence[Chunk],
        hashes: Sequence[str],
        vectors: np.ndarray,
        cross_vectors: np.ndarray | None = None,
        sentence_vectors: Mapping[str, bytes] | None = None,
    ) -> None:
        self._queue("put", (record, list(chunks), list(hashes), vectors, cross_vectors,
                            dict(sentence_vectors or {})))  # fmt: skip

    def delete_documents(self, doc_ids: Iterable[str]) -> int:
        ids = list(doc_ids)
        self._queue("delete", ids)
        return len(ids)

    def put_names(self, names: Mapping[str, str]) -> None:
        self._queue("names", dict(names))

    def put_sentence_vectors(self, packed: Mapping[str, bytes]) -> None:
        self._queue("sentences", dict(packed))

    def sources_without_name(self) -> set[str]:
        return {d.source for d in self.docs.records() if d.name is None}

    def _apply(self, pending: list[tuple[str, Any]]) -> None:
        if not pending:
            return
        state, freqs = self.state()
        gone = [i for op, v in pending if op == "delete" for i in v]
        gone += [v[0].id for op, v in pending if op == "put"]
        with self.db.errors():
            # marked until the counts are written: stopped before, the next writer mends it
            mark = {"key": _WRITING, "df": {0: 1.0}, "state": {"since": state.get("generation")}}
            self.db.client.upsert(self.db.collection("meta"), [mark])
            if gone:
                self._drop(sorted(set(gone)), state, freqs)
            # the batch's passages counted in first: they are weighed by one average length,
            # the one the index's passages were weighed by (index/milvus/weights.py), or in a new index the
            # batch's own
            counts = {
                id(v): [term_counts(c.search_text) for c in v[1]]
                for op, v in pending
                if op == "put"
            }
            empty = freqs.passages == 0
            freqs.add(c for each in counts.values() for c in each)
            if empty:
                state["weighed_at"] = freqs.average_length
            average = float(state.get("weighed_at") or freqs.average_length)
            for op, value in pending:
                if op == "put":
                    record, chunks, hashes, vectors, cross, sentences = value
                    self._put(
                        record, chunks, hashes, vectors, cross, sentences, counts[id(value)],
                        state, average,
                    )  # fmt: skip
                elif op == "names":
                    self.docs.rename(value)
                elif op == "sentences":
                    self._set_sentences(value)
            state["generation"] = int(state.get("generation", 0)) + 1
            state["passages"], state["tokens"] = freqs.passages, freqs.tokens
            self.put_state(state, freqs)
            self.db.client.delete(self.db.collection("meta"), ids=[_WRITING])

    def _drop(self, doc_ids: list[str], state: dict[str, Any], freqs: Frequencies) -> None:
        docs = {d.id: d for d in self.docs.records(doc_ids)}
        rows = self.db.query_in("chunks", "doc_id", doc_ids, ["sparse", "length", "script"])
        freqs.remove((r["sparse"], int(r["length"])) for r in rows)
        scripts = state.setdefault("scripts", {})
        for r in rows:
            scripts[r["script"]] = scripts.get(r["script"], 0) - 1
        state["documents"] = state.get("documents", 0) - len(docs)
        state["characters"] = state.get("characters", 0) - sum(
            d.n_characters for d in docs.values()
        )
        # the records first: stopped between the two, the chunks left have no document, and
        # the next writer drops them (``repair``), the next ingest writes the documents again
        self.docs.delete(doc_ids)
        self.db.delete_in("chunks", "doc_id", doc_ids)

    def _put(
        self, record: DocumentRecord, chunks: list[Chunk], hashes: list[str], vectors: np.ndarray,
        cross: np.ndarray | None, sentences: dict[str, bytes], counts: list[Counter[int]],
        state: dict[str, Any], average: float,
    ) -> None:  # fmt: skip
        scripts = state.setdefault("scripts", {})
        rows = []
        for i, (c, h) in enumerate(zip(chunks, hashes, strict=True)):
            script = passage_script(c.text)
            scripts[script] = scripts.get(script, 0) + 1
            row_id = row_id_of(c.id)
            row = {
                "row_id": row_id, "chunk_id": c.id, "doc_id": c.doc_id, "ordinal": c.ordinal,
                "place": f"{c.doc_id}:{c.ordinal}",
                "text": c.text, "search_text": c.search_text, "char_start": c.char_start,
                "char_end": c.char_end, "cite": {"section": c.section, "page": c.page},
                "text_hash": h, "script": script, "length": sum(counts[i].values()),
                "draw": (row_id & 0xFFFFFF) / float(1 << 24),
                "sentences": _encoded(sentences.get(h)),
                "dense": np.asarray(vectors[i], np.float32).tolist(),
                "sparse": passage_vector(counts[i], average),
            }  # fmt: skip
            if cross is not None:
                row["cross"] = np.asarray(cross[i], np.float32).tolist()
            rows.append(row)
        for i in range(0, len(rows), _BATCH):
            self.db.client.insert(self.db.collection("chunks"), rows[i : i + _BATCH])
        self.docs.write(record)
        state["documents"] = state.get("documents", 0) + 1
        state["characters"] = state.get("characters", 0) + len(record.text)

    def _set_sentences(self, packed: dict[str, bytes]) -> None:
        rows = self.db.query_in("chunks", "text_hash", sorted(packed), ["*"])
        for row in rows:
            row["sentences"] = _encoded(packed[row["text_hash"]])
        for i in range(0, len(rows), _BATCH):
            self.db.client.upsert(self.db.collection("chunks"), rows[i : i + _BATCH])

    # -- reads ----------------------------------------------------------------------------

    def generation(self) -> int:
        with self.db.errors():
            rows = self.db.client.get(
                self.db.collection("meta"), ids=["state"], output_fields=["state"]
            )
        return int(rows[0]["state"].get("generation", 0)) if rows else 0

    def stats(self) -> StoreStats:
        state, freqs = self.state()
        return StoreStats(
            int(state.get("documents", 0)), freqs.passages, int(state.get("characters", 0)),
            int(state.get("generation", 0)),
        )  # fmt: skip

    def file_hashes(self) -> dict[str, tuple[str, str]]:
        return {d.source: (d.id, d.file_hash) for d in self.docs.records()}

    def vectors_by_text_hash(
        self, hashes: Iterable[str], column: VectorColumn = "vector"
    ) -> dict[str, np.ndarray]:
        wanted = sorted(set(hashes))
        if not wanted:
            return {}
        rows = self.db.query_in("chunks", "text_hash", wanted, ["text_hash", _FIELD[column]])
        return {r["text_hash"]: np.asarray(r[_FIELD[column]], np.float32) for r in rows}

    def sentence_vectors(self, hashes: Iterable[str]) -> dict[str, bytes]:
        wanted = sorted(set(hashes))
        if not wanted:
            return {}
        rows = self.db.query_in("chunks", "text_hash", wanted, ["text_hash", "sentences"])
        return {
            r["text_hash"]: base64.b64decode(r["sentences"])
            for r in rows
            if r["sentences"] not in ("", _TOO_BIG)
        }

    def texts_without_sentence_vectors(self) -> dict[str, str]:
        rows = self.db.query("chunks", 'sentences == ""', ["text_hash", "text"])
        return {r["text_hash"]: r["text"] for r in rows}

    def chunks(self, row_ids: Sequence[int]) -> list[StoredChunk]:
        """The chunks with these row ids, in the order asked (missing ids are left out)."""
        if not len(row_ids):
            return []
        with self.db.errors():
            rows = self.db.client.get(
                self.db.collection("chunks"),
                ids=[int(r) for r in row_ids],
                output_fields=_CHUNK_FIELDS,
            )
        by_id = {int(r["row_id"]): r for r in rows}
        out = []
        for rid in row_ids:
            r = by_id.get(int(rid))
            if r is not None:
                out.append(StoredChunk(int(rid), _chunk(r), r.get("script")))
        return out

    def search_texts_at(self, places: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
        """Search texts of the chunks at these (document id, ordinal) places, where they
        exist: the neighbours a passage is read with."""
        return self._at(places, "search_text")

    def rows_at(self, places: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """Row ids of the chunks at these (document id, ordinal) places, where they exist."""
        return {place: int(row) for place, row in self._at(places, "row_id").items()}

    def _at(self, places: Iterable[tuple[str, int]], field: str) -> dict[tuple[str, int], Any]:
        wanted = sorted({f"{doc_id}:{ordinal}" for doc_id, ordinal in places})
        if not wanted:
            return {}
        rows = self.db.query_in("chunks", "place", wanted, ["doc_id", "ordinal", field])
        return {(r["doc_id"], int(r["ordinal"])): r[field] for r in rows}

    def titles(self, doc_ids: Sequence[str]) -> dict[str, str]:
        return self.docs.titles(doc_ids)

    def documents(
        self, doc_ids: Sequence[str] | None = None, *, with_text: bool = True
    ) -> list[DocumentRecord]:
        """The documents (all, or these), ordered by source; without ``with_text``, their
        texts are left empty (a listing)."""
        if not with_text:
            return [h.record(text="") for h in self.docs.records(doc_ids)]
        return self.docs.documents(doc_ids)

    def row_ids_of_documents(self, doc_ids: Sequence[str]) -> list[int]:
        if not doc_ids:
            return []
        return [int(r["row_id"]) for r in self.db.query_in("chunks", "doc_id", doc_ids, ["row_id"])]


def _chunk(r: dict[str, Any]) -> Chunk:
    cite = r.get("cite") or {}
    return Chunk(
        id=r["chunk_id"], doc_id=r["doc_id"], ordinal=int(r["ordinal"]), text=r["text"],
        search_text=r["search_text"], char_start=int(r["char_start"]),
        char_end=int(r["char_end"]), section=cite.get("section"), page=cite.get("page"),
    )  # fmt: skip


def _encoded(blob: bytes | None) -> str:
    if blob is None:
        return ""
    text = base64.b64encode(blob).decode("ascii")
    return text if len(text) <= MAX_VARCHAR else _TOO_BIG
