"""Ingest: files -> clean text -> chunks -> vectors + lexical index, on disk.

Unchanged files (same path, same bytes) are skipped before they are even read; a changed file
replaces its old chunks; a passage whose text is already in the index reuses its stored vector.
Work is committed in batches, so an interrupted run keeps what it finished and the next run
carries on from there; the index stays readable throughout. An all-or-nothing run (an upload)
commits once, at the end, and only when every file could be read.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from index.chunking import ChunkingOptions, chunk_document
from index.clean import clean
from index.derived import save_derived
from index.documents import Chunk, DocumentRecord, content_hash
from index.embedder import Embedder
from index.errors import CiteqaError, DocumentError, EmptyDocument, IndexNotFound
from index.folder import (
    IndexStore,
    held_as,
    open_for_writing,
    open_store,
    storage_errors,
    write_lock,
)
from index.lexical import TOKENIZER_NAME
from index.loaders import discover, load_document
from index.manifest import Manifest, read_manifest
from index.milvus.store import MilvusStore
from index.milvus.weights import settle
from index.roles import ROLES_RULES, with_roles
from index.sentence_vectors import embed_passages
from index.store import VectorColumn, now

STAGES = ("load", "clean", "chunk", "embed", "store")


class IngestProgress(Protocol):
    """What a face (CLI, HTTP job) is told while an ingest runs."""

    def files_found(self, total: int) -> None: ...
    def file_done(self, path: Path, chunks: int) -> None: ...
    def chunks_embedded(self, count: int) -> None: ...
    def building_search_indexes(self) -> None: ...


@dataclass(frozen=True)
class IngestOptions:
    chunking: ChunkingOptions = field(default_factory=ChunkingOptions)
    prune: bool = False
    rebuild: bool = False
    batch_chunks: int = 512
    max_file_bytes: int = 50 * 1024 * 1024
    # add every file or none: one transaction at the end, refused (NothingAdded) when any file
    # cannot be read; the upload rule, and `citeqa index --all-or-nothing`
    all_or_nothing: bool = False
    # the name answers show for a file (by its resolved path), where it is not its path under
    # the folder it was found in: an upload's file name
    names: Mapping[str, str] = field(default_factory=dict)
    # hold the index in Milvus at this URI (index/milvus/connection.py); None: where it already is, or
    # in its folder for a new index
    milvus: str | None = None


@dataclass
class IngestReport:
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    chunks_written: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    stage_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    seconds: float = 0.0

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stage_seconds[stage] += time.perf_counter() - start


class NothingAdded(CiteqaError):
    """An all-or-nothing ingest found files it cannot index, so it added none."""

    def __init__(self, failures: list[tuple[str, str]], report: IngestReport) -> None:
        self.failures = failures
        self.report = report
        names = "; ".join(f"{path}: {reason}" for path, reason in failures)
        super().__init__(
            f"{len(failures)} of {report.files} files could not be indexed, so none was added "
            f"({names})"
        )


def document_id(source: str) -> str:
    """A document is identified by where it came from; its content hash tells its version."""
    return content_hash(source)[:16]


def file_hash(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def manifest_for(embedder: Embedder, cross: Embedder | None, chunking: ChunkingOptions) -> Manifest:
    return Manifest(
        model=embedder.name,
        dimension=embedder.dimension,
        cross_model=cross.name if cross else None,
        cross_dimension=cross.dimension if cross else 0,
        chunk_size=chunking.size,
        chunk_overlap=chunking.overlap,
        tokenizer=TOKENIZER_NAME,
    )


@dataclass
class _Pending:
    record: DocumentRecord
    chunks: list[Chunk]
    is_update: bool


def ingest(
    paths: Iterable[Path],
    folder: Path,
    embedder: Embedder,
    options: IngestOptions | None = None,
    progress: IngestProgress | None = None,
    cross: Embedder | None = None,
) -> IngestReport:
    """Index ``paths`` (files or folders, walked recursively) into the index at ``folder``.
    ``embedder`` makes the main vectors; ``cross``, if given, a second set from a cross-lingual
    model that questions in other languages are also matched with."""
    options = options or IngestOptions()
    started = time.perf_counter()
    report = IngestReport()
    roots = [Path(p) for p in paths]
    files = discover(roots)
    report.files = len(files)
    if progress:
        progress.files_found(len(files))

    manifest = held_as(folder, manifest_for(embedder, cross, options.chunking), options.milvus)
    with open_for_writing(folder, manifest, rebuild=options.rebuild) as store:
        store.forget_roles_unless(ROLES_RULES)  # found again below by the rules of now
        known = store.file_hashes()
        unnamed = store.sources_without_name()  # written before documents had names
        names: dict[str, str] = {}
        seen: set[str] = set()
        pending: list[_Pending] = []
        for path in files:
            source = str(path.resolve())
            seen.add(source)
            n_chunks = 0
            name = options.names.get(source) or shown_name(path, roots)
            if source in unnamed:
                names[source] = name
            try:
                item = _prepare(path, source, name, known, options, report)
            except DocumentError as exc:
                report.skipped.append((str(path), exc.reason))
            else:
                if item is None:
                    report.unchanged += 1
                else:
                    pending.append(item)
                    n_chunks = len(item.chunks)
                    full = sum(len(p.chunks) for p in pending) >= options.batch_chunks
                    if full and not options.all_or_nothing:
                        _flush(pending, store, embedder, cross, report, progress)
            if progress:
                progress.file_done(path, n_chunks)
        if options.all_or_nothing and report.skipped:
            raise NothingAdded(list(report.skipped), report)
        _flush(pending, store, embedder, cross, report, progress)
        if options.prune:
            report.removed = _prune(store, known, seen, roots)
        unscripted = store.texts_without_script()  # an index written before scripts were kept
        unmarked = store.texts_without_roles()  # … or before sentence roles (or these rules) were
        if unscripted or names or unmarked:
            roles = {row: u.roles() for row, u in unmarked.items()}
            with report.timing("store"), store.transaction():
                store.put_scripts(unscripted)
                store.put_names(names)
                store.put_roles(roles)
                if cross is not None:  # rules that cut sentences otherwise: their vectors too
                    store.forget_sentence_vectors_unless(
                        {row: len(r) for row, r in roles.items()}, cross.dimension
                    )
        if cross is not None:  # an index written before answer sentences were stored
            missing = store.texts_without_sentence_vectors()
            if missing:
                with report.timing("embed"):
                    packed = embed_passages(missing, cross, step=_sentence_step(cross))
                with report.timing("store"), store.transaction():
                    store.put_sentence_vectors(packed)
        if progress:  # leaving the block builds them: minutes, in an index of a million chunks
            progress.building_search_indexes()
    report.seconds = time.perf_counter() - started
    return report


def shown_name(path: Path, roots: Sequence[Path]) -> str:
    """What answers show as the source of ``path``: its path under the first of ``roots``
    (folders or files given to index) it was found by, starting with that folder's name
    (``reports/2023/coal.pdf``); a file given by itself shows its own name."""
    for root in roots:
        try:
            inside = path.relative_to(root)
        except ValueError:
            continue
        if not inside.parts:  # the file itself was given
            return path.name
        top = root.resolve().name
        return "/".join([top, *inside.parts] if top else inside.parts)
    return path.name


def _prepare(
    path: Path, source: str, name: str, known: dict[str, tuple[str, str]],
    options: IngestOptions, report: IngestReport,
) -> _Pending | None:  # fmt: skip
    """Load, clean and chunk one file; None when it is unchanged since the last run."""
    with report.timing("load"):
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise DocumentError(path, f"cannot read it ({exc.strerror})") from exc
        if size > options.max_file_bytes:
            raise DocumentError(
                path, f"it is {size:,} bytes, over the limit of {options.max_file_bytes:,}"
            )
        digest = file_hash(path)
        if source in known and known[source][1] == digest:
            return None
        doc = load_document(path, max_bytes=options.max_file_bytes)
    with report.timing("clean"):
        cleaned = clean(doc.text)
        if not cleaned.text:
            raise EmptyDocument(path, "no text is left once boilerplate is removed")
    doc_id = document_id(source)
    with report.timing("chunk"):
        chunks = with_roles(chunk_document(doc, cleaned, doc_id, options.chunking))
    record = DocumentRecord(
        id=doc_id, source=source, title=clean(doc.title).text or doc.title, media_type=doc.media_type,
        encoding=doc.encoding, file_hash=digest, text=doc.text, page_starts=doc.page_starts,
        n_chunks=len(chunks), indexed_at=now(), name=name,
    )  # fmt: skip
    return _Pending(record, chunks, is_update=source in known)


def _flush(
    pending: list[_Pending], store: IndexStore, embedder: Embedder, cross: Embedder | None,
    report: IngestReport, progress: IngestProgress | None,
) -> None:  # fmt: skip
    """Embed what the batch needs (reusing stored vectors for known texts) and commit it."""
    if not pending:
        return
    hashes = [[content_hash(c.text) for c in p.chunks] for p in pending]
    texts = {
        h: c.text
        for p, hs in zip(pending, hashes, strict=True)
        for c, h in zip(p.chunks, hs, strict=True)
    }
    with report.timing("embed"):
        vectors = _vectors_for(texts, store, embedder, "vector", report, progress)
        cross_vectors = (
            _vectors_for(texts, store, cross, "cross_vector", report, None) if cross else None
        )
        sentences = _sentences_for(texts, store, cross) if cross else {}
    with report.timing("store"), store.transaction():
        for p, hs in zip(pending, hashes, strict=True):
            store.put_document(
                p.record, p.chunks, hs, _stack(vectors, hs, embedder.dimension),
                _stack(cross_vectors, hs, cross.dimension) if cross and cross_vectors else None,
                sentences,
            )  # fmt: skip
            report.chunks_written += len(p.chunks)
            if p.is_update:
                report.updated += 1
            else:
                report.added += 1
    pending.clear()


def _sentences_for(texts: dict[str, str], store: IndexStore, cross: Embedder) -> dict[str, bytes]:
    """Packed answer-sentence vectors for the passage texts: stored ones reused, the others
    embedded."""
    have = store.sentence_vectors(texts)
    wanted = {h: t for h, t in texts.items() if h not in have}
    return have | embed_passages(wanted, cross, step=_sentence_step(cross))


def _sentence_step(embedder: Embedder) -> int:
    """Sentences to embed at once: 256, or more for an embedder spread over workers (Ray)."""
    return max(256, getattr(embedder, "batch", 0))


def _stack(vectors: dict[str, np.ndarray], hashes: list[str], dimension: int) -> np.ndarray:
    return np.stack([vectors[h] for h in hashes]) if hashes else np.empty((0, dimension))


def _vectors_for(
    texts: dict[str, str], store: IndexStore, embedder: Embedder, column: VectorColumn,
    report: IngestReport, progress: IngestProgress | None,
) -> dict[str, np.ndarray]:  # fmt: skip
    """A vector for every text hash: stored ones reused, the others embedded."""
    vectors = store.vectors_by_text_hash(texts, column)
    missing = {h: t for h, t in texts.items() if h not in vectors}
    if column == "vector":
        report.chunks_reused += len(texts) - len(missing)
    _embed_missing(missing, vectors, embedder, report if column == "vector" else None, progress)
    return vectors


def _embed_missing(
    missing: dict[str, str], vectors: dict[str, np.ndarray], embedder: Embedder,
    report: IngestReport | None, progress: IngestProgress | None, step: int = 64,
) -> None:  # fmt: skip
    # similar lengths side by side: a model batch is padded to its longest text
    items = sorted(missing.items(), key=lambda item: len(item[1]))
    step = getattr(embedder, "batch", step)  # more at once for one spread over workers (Ray)
    for i in range(0, len(items), step):
        part = items[i : i + step]
        embedded = embedder.embed([text for _, text in part], kind="passage")
        for (h, _), vector in zip(part, embedded, strict=True):
            vectors[h] = vector
        if report:
            report.chunks_embedded += len(part)
        if progress:
            progress.chunks_embedded(len(part))


def _prune(
    store: IndexStore, known: dict[str, tuple[str, str]], seen: set[str], roots: list[Path]
) -> int:
    """Delete documents that were indexed from under ``roots`` but whose files are gone."""
    prefixes = [str(r.resolve()) for r in roots]
    gone = [
        doc_id
        for source, (doc_id, _) in known.items()
        if source not in seen
        and any(source == p or source.startswith(p.rstrip("/") + "/") for p in prefixes)
    ]
    if gone:
        with store.transaction():
            store.delete_documents(gone)
    return len(gone)


def remove_documents(folder: Path, selectors: Iterable[str]) -> list[str]:
    """Delete documents by id or by source path (a folder removes everything under it).
    Returns the ids removed; raises DocumentError naming a selector that matched nothing."""
    manifest = read_manifest(folder)
    if manifest is None:
        raise IndexNotFound(f"no citeqa index at {folder}")
    with storage_errors(folder), write_lock(folder):
        store = open_store(folder)
        try:
            known = store.file_hashes()
            ids: list[str] = []
            for sel in selectors:
                path = str(Path(sel).resolve())
                matched = [
                    doc_id
                    for source, (doc_id, _) in known.items()
                    if doc_id == sel or source == path or source.startswith(path.rstrip("/") + "/")
                ]
                if not matched:
                    raise DocumentError(sel, "no indexed document has this id or path")
                ids.extend(matched)
            with store.transaction():
                store.delete_documents(ids)
            if isinstance(store, MilvusStore):  # Milvus keeps its own derived indexes
                settle(store)  # BM25's weights in step with what is left
            else:
                save_derived(folder, store, manifest)
            return sorted(set(ids))
        finally:
            store.close()
