"""What the background jobs do, through the same qa/ and index/ code as the CLI: answer a
question list (qa.batch.run_batch), ingest uploads (index.pipeline.ingest) and remove a
document (index.pipeline.remove_documents). After a write, the service is reopened on the
index's new state and swapped in; requests already running keep their snapshot.

An upload is all or nothing: when any file cannot be ingested, the job reports which file and
why, and the documents it added are removed again, so the index holds what it held before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.errors import ApiError
from api.holder import ServiceHolder
from api.jobs import Job, JobFailed
from api.uploads import StagedFile, keep_upload
from index.chunking import ChunkingOptions
from index.errors import CiteqaError
from index.pipeline import IngestOptions, document_id, ingest, remove_documents
from index.store import DB_NAME, Store
from qa.batch import run_batch
from qa.batch_io import write_answers

logger = logging.getLogger("citeqa.api")

QUESTIONS = "questions.jsonl"
ANSWERS = "answers.jsonl"
EXPORT_FORMATS = ("jsonl", "csv", "xlsx", "md")


# -- question lists -----------------------------------------------------------------------


def write_question_list(job: Job, questions: Sequence[tuple[str, str]]) -> None:
    """Store (id, question) pairs as the job's input file."""
    lines = (json.dumps({"id": i, "question": q}, ensure_ascii=False) for i, q in questions)
    (job.folder / QUESTIONS).write_text("\n".join(lines) + "\n", encoding="utf-8")


def answer_question_list(holder: ServiceHolder, job: Job, k: int) -> dict[str, Any]:
    def progress(done: int, total: int) -> None:
        job.progress(done, total)
        job.check_stop()  # a cancelled list stops here, after a group (its journal is kept)

    with holder.lease() as service:
        report = run_batch(
            service, job.folder / QUESTIONS, job.folder / ANSWERS, k=k, progress=progress
        )
    return {
        "questions": report.questions,
        "answered": report.answered,
        "not_answered": [{"line": line, "reason": why} for line, why in report.failed],
        "malformed": [{"line": line, "reason": why} for line, why in report.malformed],
    }


def export_answers(job: Job, fmt: str) -> Path:
    """The job's answers as a file of format ``fmt`` (made once, from the JSONL)."""
    source = job.folder / ANSWERS
    if fmt == "jsonl":
        return source
    target = job.folder / f"answers.{fmt}"
    if not target.exists():
        lines = source.read_text(encoding="utf-8").splitlines()
        write_answers(target, [json.loads(line) for line in lines if line.strip()])
    return target


# -- uploads ------------------------------------------------------------------------------


class _JobProgress:
    """index.pipeline.IngestProgress, reported as the job's progress in files."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def files_found(self, total: int) -> None:
        self.job.progress(0, total)

    def file_done(self, path: Path, chunks: int) -> None:
        self.job.progress(self.job.done + 1)

    def chunks_embedded(self, count: int) -> None:
        pass


@dataclass
class _Kept:
    staged: StagedFile
    path: Path
    new_file: bool

    @property
    def doc_id(self) -> str:
        return document_id(str(self.path))


def indexed_sources(folder: Path) -> dict[str, str]:
    """{document id: source} of what the index holds now (not what a snapshot shows)."""
    store = Store(folder / DB_NAME, readonly=True)
    try:
        return {doc_id: source for source, (doc_id, _) in store.file_hashes().items()}
    finally:
        store.close()


def ingest_uploads(
    holder: ServiceHolder, job: Job, staged: Sequence[StagedFile], upload_dir: Path,
    max_file_bytes: int,
) -> dict[str, Any]:  # fmt: skip
    with holder.lease() as service:
        folder, manifest = service.snapshot.folder, service.snapshot.manifest
        embedder, cross = service.retriever.embedder, service.retriever.cross
    before = set(indexed_sources(folder))
    kept = [_Kept(s, *keep_upload(s, upload_dir)) for s in staged]
    options = IngestOptions(
        chunking=ChunkingOptions(manifest.chunk_size, manifest.chunk_overlap),
        max_file_bytes=max_file_bytes,
    )
    try:
        report = ingest([k.path for k in kept], folder, embedder, options, _JobProgress(job), cross)
    except CiteqaError:
        _undo(folder, kept, before)
        raise
    skipped = dict(report.skipped)
    files = [_file_report(k, skipped.get(str(k.path)), before) for k in kept]
    failed = [f for f in files if f["status"] == "failed"]
    if failed:
        _undo(folder, kept, before)
        for f in files:
            if f["status"] == "added":
                f["status"], f["doc_id"] = "not_added", None
        names = "; ".join(f"{f['filename']}: {f['reason']}" for f in failed)
        raise JobFailed(
            "ingest_failed",
            f"{len(failed)} of {len(files)} files could not be indexed, so none was added "
            f"({names})",
            {"files": files},
        )
    holder.reload()
    added = sum(1 for f in files if f["status"] == "added")
    return {"files": files, "added": added, "unchanged": len(files) - added}


def _file_report(kept: _Kept, failure: str | None, before: set[str]) -> dict[str, Any]:
    status = "failed" if failure else ("unchanged" if kept.doc_id in before else "added")
    return {
        "filename": kept.staged.filename,
        "bytes": kept.staged.size,
        "doc_id": None if failure else kept.doc_id,
        "status": status,
        "reason": failure,
    }


def _undo(folder: Path, kept: Sequence[_Kept], before: set[str]) -> None:
    """Remove what this upload added, and the files it brought."""
    try:
        now = indexed_sources(folder)
        added = sorted({k.doc_id for k in kept if k.doc_id in now and k.doc_id not in before})
        if added:
            remove_documents(folder, added)
    except CiteqaError:
        logger.exception("could not remove the documents of a failed upload from %s", folder)
    for k in kept:
        if k.new_file and k.doc_id not in before:
            k.path.unlink(missing_ok=True)


# -- removal ------------------------------------------------------------------------------


def delete_document(holder: ServiceHolder, doc_id: str, upload_dir: Path) -> list[str]:
    with holder.lease() as service:
        folder = service.snapshot.folder
    source = indexed_sources(folder).get(doc_id)
    if source is None:
        raise ApiError(404, "document_not_found", f"no indexed document has the id {doc_id!r}")
    removed = remove_documents(folder, [doc_id])
    path = Path(source)
    if path.parent == upload_dir.resolve():
        path.unlink(missing_ok=True)
    holder.reload()
    return removed
