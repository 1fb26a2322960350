"""What the background jobs do, through the same qa/ and index/ code as the CLI: answer a
question list (qa.batch.run_batch), ingest uploads (index.pipeline.ingest) and remove a
document (index.pipeline.remove_documents). After a write, the service is reopened on the
index's new state and swapped in; requests already running keep their snapshot.

An upload is all or nothing (``IngestOptions.all_or_nothing``, the same rule as
``citeqa index --all-or-nothing``): when any file cannot be ingested, the job reports which
file and why, and nothing was added.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.collections import Collection
from api.errors import ApiError
from api.holder import ServiceHolder
from api.jobs import Job, JobCancelled, JobFailed, JobInterrupted, JobRegistry
from api.uploads import StagedFile, keep_upload, kept_path
from index.chunking import ChunkingOptions
from index.folder import open_store, storage_errors
from index.pipeline import IngestOptions, NothingAdded, document_id, ingest, remove_documents
from qa.batch import run_batch
from qa.batch_io import write_answers
from qa.service import DEFAULT_K

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
        "resumed": report.resumed,  # answered before a restart, taken from the journal
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
        self.job.check_stop()  # the server is stopping: before the one commit, nothing added

    def chunks_embedded(self, count: int) -> None:
        self.job.check_stop()

    def building_search_indexes(self) -> None:
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
    store = open_store(folder, readonly=True)
    try:
        return {doc_id: source for source, (doc_id, _) in store.file_hashes().items()}
    finally:
        store.close()


def ingest_uploads(
    holder: ServiceHolder, job: Job, staged: Sequence[StagedFile], upload_dir: Path,
    max_file_bytes: int,
) -> dict[str, Any]:  # fmt: skip
    """Index the staged files all or nothing (index/pipeline's rule: one transaction, made
    only when every file can be read); a file this upload brought is kept only if indexed."""
    with holder.lease() as service:
        folder, manifest = service.snapshot.folder, service.snapshot.manifest
        embedder, cross = service.retriever.embedder, service.retriever.cross
    before = set(indexed_sources(folder))
    with storage_errors(upload_dir):
        kept = [_Kept(s, *keep_upload(s, upload_dir)) for s in staged]
    options = IngestOptions(
        chunking=ChunkingOptions(manifest.chunk_size, manifest.chunk_overlap),
        max_file_bytes=max_file_bytes,
        all_or_nothing=True,
        names={str(k.path): k.staged.shown for k in kept},  # shown, not the stored name
    )
    try:
        ingest([k.path for k in kept], folder, embedder, options, _JobProgress(job), cross)
    except NothingAdded as exc:
        _drop_new_files(kept, before)
        failures = dict(exc.failures)
        files = [_file_report(k, failures.get(str(k.path)), before, added=False) for k in kept]
        failed = [f for f in files if f["status"] == "failed"]
        names = "; ".join(f"{f['filename']}: {f['reason']}" for f in failed)
        raise JobFailed(
            "ingest_failed",
            f"{len(failed)} of {len(files)} files could not be indexed, so none was added "
            f"({names})",
            {"files": files},
        ) from exc
    except JobCancelled as exc:  # only the server stops a running upload
        _drop_new_files(kept, before)
        for s in staged:
            s.path.unlink(missing_ok=True)
        files = [_file_report(k, None, before, added=False) for k in kept]
        raise JobInterrupted(
            "the server stopped while indexing this upload, before it was added; none of its "
            "files was added (an upload is all or nothing): upload them again",
            {"files": files, "added": 0, "unchanged": 0},
        ) from exc
    except BaseException:
        _drop_new_files(kept, before)
        raise
    holder.reload()
    files = [_file_report(k, None, before, added=True) for k in kept]
    added = sum(1 for f in files if f["status"] == "added")
    return {"files": files, "added": added, "unchanged": len(files) - added}


def _file_report(
    kept: _Kept, failure: str | None, before: set[str], *, added: bool
) -> dict[str, Any]:
    if failure:
        status = "failed"
    elif kept.doc_id in before:
        status = "unchanged"
    else:
        status = "added" if added else "not_added"
    return {
        "filename": kept.staged.filename,
        "bytes": kept.staged.size,
        "doc_id": kept.doc_id if status in ("added", "unchanged") else None,
        "status": status,
        "reason": failure,
    }


def _drop_new_files(kept: Sequence[_Kept], before: set[str]) -> None:
    """Remove the files this upload brought into the upload folder (nothing was added)."""
    for k in kept:
        if k.new_file and k.doc_id not in before:
            k.path.unlink(missing_ok=True)


# -- after a restart -----------------------------------------------------------------------


def resume(
    jobs: JobRegistry, job: Job, collections: Mapping[str, Collection], default: str,
    max_file_bytes: int,
) -> None:  # fmt: skip
    """Carry on with a job a stopped server left unfinished: a question list goes on from its
    journal, an upload that had not started is indexed, and an upload that had started ends
    ``interrupted``, saying which of its files are in the index (all or none: its write is
    one transaction)."""
    collection = collections.get(job.collection or default)
    if collection is None:
        jobs.interrupt(
            job,
            f"the server stopped before this job finished, and it no longer serves the "
            f"collection {job.collection!r}; send the job again",
        )
        return
    holder = collection.holder
    if job.kind == "batch":
        k = int(job.params.get("k", DEFAULT_K))
        jobs.start(job, lambda j: answer_question_list(holder, j, k), writes=False)
        return
    staged = [StagedFile.from_params(f) for f in job.params.get("files", [])]
    if job.status == "queued" and staged and all(s.path.exists() for s in staged):
        jobs.start(
            job,
            lambda j: ingest_uploads(holder, j, staged, collection.upload_dir, max_file_bytes),
            writes=True,
        )
        return
    jobs.interrupt(job, *_interrupted_upload(collection, job, staged))


def _interrupted_upload(
    collection: Collection, job: Job, staged: Sequence[StagedFile]
) -> tuple[str, dict[str, Any]]:
    """What became of an upload whose server stopped while indexing it; its staged files,
    and the kept files that did not make it into the index, are removed."""
    with collection.holder.lease() as service:
        indexed = set(indexed_sources(service.snapshot.folder))
    files = []
    for s in staged:
        kept = kept_path(s, collection.upload_dir)
        doc_id = document_id(str(kept))
        there = doc_id in indexed
        if not there:
            kept.unlink(missing_ok=True)
        s.path.unlink(missing_ok=True)
        files.append({
            "filename": s.filename, "bytes": s.size, "doc_id": doc_id if there else None,
            "status": "added" if there else "not_added", "reason": None,
        })  # fmt: skip
    added = sum(1 for f in files if f["status"] == "added")
    message = "the server stopped while indexing this upload; " + (
        "its files were all added before it stopped"
        if staged and added == len(files)
        else "none of its files was added (an upload is all or nothing): upload them again"
    )
    return message, {"files": files, "added": added, "unchanged": 0}


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
