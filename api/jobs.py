"""Background jobs: what is running, how far it got, and how it ended.

Question lists are answered on a reader thread; uploads and deletions go through one writer
thread, so the index has one writer at a time (and a second citeqa process writing to it is
refused by the index's own lock). Each job has a folder for its files and a row in the work
folder's job store (api/job_store.py), saved at every change, so jobs outlive the server:
``recover`` takes over the jobs a stopped server left (the app resumes what can be resumed),
and finished jobs are forgotten, with their files, beyond ``keep`` or after ``ttl_seconds``.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from api.callers import is_keyless
from api.errors import ApiError, domain_status
from api.job_store import JobRow, JobStore
from api.redact import Redactor
from index.errors import CiteqaError
from index.store import now

logger = logging.getLogger("citeqa.api")

JobKind = Literal["batch", "ingest"]
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "interrupted"]
FINISHED: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "interrupted"})
T = TypeVar("T")


class JobCancelled(CiteqaError):
    """Raised inside a job's work at its next check once it has been asked to stop."""


class JobFailed(CiteqaError):
    """A job ends in failure with a stable code, a message and what it found out."""

    def __init__(self, code: str, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.result = result


class JobInterrupted(JobFailed):
    """A job the server stopped during, which cannot be resumed (an upload being indexed):
    it ends ``interrupted``, its result saying what became of it."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__("interrupted", message, result)


@dataclass
class Job:
    id: str
    kind: JobKind
    folder: Path
    total: int = 0
    done: int = 0
    status: JobStatus = "queued"
    created_at: str = field(default_factory=now)
    started_at: str | None = None
    finished_at: str | None = None
    error: dict[str, str] | None = None
    result: dict[str, Any] | None = None
    collection: str | None = None
    # what the work needs to run again after a restart (a question list's k, an upload's files)
    params: dict[str, Any] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event, repr=False)
    cancelled: bool = False  # stop was asked by a client, not by the server stopping
    saver: Callable[[Job], None] | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def check_stop(self) -> None:
        """Raise JobCancelled if the job has been asked to stop (work calls this between
        steps it can stop after)."""
        if self.stop.is_set():
            raise JobCancelled(f"job {self.id} was stopped")

    def progress(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        self.done = done
        if self.saver is not None:
            self.saver(self)


class JobRegistry:
    def __init__(
        self, root: Path, *, keep: int = 100, readers: int = 1, max_active: int = 8,
        ttl_seconds: float | None = None, max_queued: int = 20_000, share: int | None = None,
        keyless_share: int | None = None,
    ) -> None:  # fmt: skip
        self.root = root
        self.keep, self.max_active, self.ttl_seconds = keep, max_active, ttl_seconds
        # jobs of a kind one caller may hold, and callers without a key together (None: all)
        self.share, self.keyless_share = share or max_active, keyless_share
        self.max_queued = max_queued  # questions one caller may have waiting in jobs
        self.store = JobStore(root)
        self.redact = Redactor({})  # the app's, which writes its folders as short names
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="citeqa-job")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="citeqa-writer")

    def create(
        self, kind: JobKind, total: int = 0, *, collection: str | None = None,
        params: dict[str, Any] | None = None, caller: str | None = None,
    ) -> Job:  # fmt: skip
        """A new queued job; ApiError 429 when ``max_active`` jobs of its kind are queued or
        running, when ``caller`` holds its share of them already (or the callers without a key
        theirs), or when ``caller``'s question lists would hold over ``max_queued``
        questions."""
        job_id = uuid.uuid4().hex
        folder = self.root / job_id
        with self._lock:
            unfinished = [j for j in self._jobs.values() if not j.finished]
            alike = [j for j in unfinished if j.kind == kind]  # lists do not hold up uploads
            self._check_slots(kind, alike, caller)
            if kind == "batch" and caller is not None:
                queued = sum(
                    j.total - j.done
                    for j in unfinished
                    if j.kind == "batch" and j.params.get("caller") == caller
                )
                if queued + total > self.max_queued:
                    raise ApiError(
                        429,
                        "too_many_queued_questions",
                        f"{queued:,} of your questions are waiting in jobs already, and "
                        f"{total:,} more would pass this server's limit of "
                        f"{self.max_queued:,}; wait for them, or cancel a job",
                    )
            folder.mkdir(parents=True)
            job = Job(job_id, kind, folder, total=total, collection=collection)
            job.params, job.saver = dict(params or {}), self._save
            if caller is not None:
                job.params["caller"] = caller
            self._jobs[job_id] = job
            forget = self._beyond_keeping()
        self._save(job)
        self._drop(forget)
        return job

    def _check_slots(self, kind: JobKind, alike: list[Job], caller: str | None) -> None:
        """ApiError 429 unless a job of ``kind`` by ``caller`` fits beside ``alike``."""
        what = "question lists" if kind == "batch" else "uploads"
        wait = "wait for one to finish or cancel one (DELETE /v1/jobs/ID)"
        if len(alike) >= self.max_active:
            raise ApiError(
                429, "too_many_jobs",
                f"{len(alike)} {what} are queued or running, this server's limit; {wait}",
            )  # fmt: skip
        if caller is None:
            return
        mine = sum(1 for j in alike if j.params.get("caller") == caller)
        if mine >= self.share:
            raise ApiError(
                429, "too_many_jobs",
                f"you have {mine} {what} queued or running, your share of this server's "
                f"{self.max_active} (CITEQA_MAX_ACTIVE_JOBS_PER_CALLER); {wait}",
            )  # fmt: skip
        if self.keyless_share is not None and is_keyless(caller):
            keyless = sum(1 for j in alike if is_keyless(str(j.params.get("caller", ""))))
            if keyless >= self.keyless_share:
                raise ApiError(
                    429, "too_many_jobs",
                    f"callers without an API key have {keyless} {what} queued or running, "
                    f"their share of this server's {self.max_active}; the rest are kept for "
                    f"callers with a key. Send one, or {wait}",
                )  # fmt: skip

    def _beyond_keeping(self) -> list[Job]:
        """Finished jobs past ``keep`` (the oldest) or older than ``ttl_seconds``, taken out
        of the registry (call with the lock held)."""
        finished = [j for j in self._jobs.values() if j.finished]
        forget = finished[: max(0, len(finished) - self.keep)]
        if self.ttl_seconds is not None:
            cutoff = datetime.now(UTC).timestamp() - self.ttl_seconds
            forget += [j for j in finished if j not in forget and _ended(j) < cutoff]
        for old in forget:
            del self._jobs[old.id]
        return forget

    def _drop(self, jobs: list[Job]) -> None:
        if jobs:
            self.store.delete([j.id for j in jobs])
        for old in jobs:
            shutil.rmtree(old.folder, ignore_errors=True)

    def _save(self, job: Job) -> None:
        self.store.save(
            JobRow(
                job.id, job.kind, job.status, self.store.owner, job.collection, job.params,
                job.total, job.done, job.created_at, job.started_at, job.finished_at, job.error,
                job.result,
            )
        )  # fmt: skip

    @contextmanager
    def discarded_on_error(self, job: Job) -> Iterator[None]:
        """Forget ``job`` (and its files) if the block fails before the job is started."""
        try:
            yield
        except BaseException:
            with self._lock:
                self._jobs.pop(job.id, None)
            self._drop([job])
            raise

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recover(self) -> list[Job]:
        """Take over the jobs of servers that stopped without finishing them: finished ones
        are kept (or forgotten, when expired), and the unfinished ones are returned, for the
        caller to run again or mark ``interrupted``. Job folders no job owns are removed."""
        taken = []
        with self._lock:
            for row in self.store.load():
                if row.id in self._jobs or not self.store.owner_gone(row.owner):
                    continue
                job = _job_of(row, self.root)
                job.saver = self._save
                self._jobs[job.id] = job
                taken.append(job)
            forget = self._beyond_keeping()
        for job in taken:
            if job not in forget:
                self._save(job)  # now this registry's
        self._drop(forget)
        known = {row.id for row in self.store.load()}
        for path in self.root.iterdir():
            if path.is_dir() and len(path.name) == 32 and path.name not in known:
                shutil.rmtree(path, ignore_errors=True)
        return [j for j in taken if j not in forget and not j.finished]

    def record(self, job: Job, **params: Any) -> None:
        """Add to what ``job`` needs to run again after a restart."""
        job.params.update(params)
        self._save(job)

    def start(self, job: Job, work: Callable[[Job], dict[str, Any]], *, writes: bool) -> None:
        """Run ``work(job)`` in the background; its return value becomes the job's result."""
        pool = self._writer if writes else self._readers
        pool.submit(self._run, job, work)

    def interrupt(self, job: Job, message: str, result: dict[str, Any] | None = None) -> None:
        """End a job a stopped server left half done, saying what became of it."""
        job.error = {"code": "interrupted", "message": message}
        job.result, job.finished_at, job.status = result, now(), "interrupted"
        self._save(job)

    def cancel(self, job: Job) -> None:
        """Stop ``job``: a queued one is cancelled at once and never starts; a running one
        stops at its next ``check_stop`` (a question list, between groups of questions)."""
        with self._lock:
            job.cancelled = True
            job.stop.set()
            if job.status == "queued":
                job.finished_at, job.status = now(), "cancelled"
        self._save(job)

    def forget(self, job: Job) -> None:
        """Drop a finished job and its files."""
        with self._lock:
            self._jobs.pop(job.id, None)
        self._drop([job])

    def write(self, work: Callable[[], T]) -> Future[T]:
        """Run ``work`` on the writer thread, after the writes queued before it."""
        return self._writer.submit(work)

    def _run(self, job: Job, work: Callable[[Job], dict[str, Any]]) -> None:
        with self._lock:
            if job.stop.is_set():  # cancelled while queued, or the server is stopping
                if job.cancelled and not job.finished:
                    job.finished_at, job.status = now(), "cancelled"
                return
            job.status, job.started_at = "running", now()
        self._save(job)
        status: JobStatus = "failed"
        try:
            job.result = self.redact.deep(work(job))
            status = "succeeded"
        except JobCancelled:  # by a client, or by the server stopping: queued for the next
            status = "cancelled" if job.cancelled else "queued"
        except JobInterrupted as exc:
            job.error = {"code": exc.code, "message": self.redact(str(exc))}
            job.result, status = self.redact.deep(exc.result), "interrupted"
        except JobFailed as exc:
            job.error = {"code": exc.code, "message": self.redact(str(exc))}
            job.result = self.redact.deep(exc.result)
        except CiteqaError as exc:
            job.error = {"code": domain_status(exc)[1], "message": self.redact(str(exc))}
        except Exception:
            logger.exception("job %s (%s) failed", job.id, job.kind)
            job.error = {
                "code": "internal_error",
                "message": "the job failed unexpectedly; it has been logged on the server",
            }
        finally:
            job.finished_at = None if status == "queued" else now()
            job.status = status  # last: a job seen finished has its result and times
            self._save(job)

    def shutdown(self) -> None:
        """Stop every job: a question list running now at its next group of questions (it
        is resumed when a server starts on this work folder again), an upload being indexed
        at its next file or batch of passages (it ends ``interrupted``, nothing of it added:
        it is all or nothing), and leave the queued jobs queued for the next server."""
        with self._lock:
            for job in self._jobs.values():
                if not job.finished:
                    job.stop.set()
        self._readers.shutdown(wait=True, cancel_futures=True)
        self._writer.shutdown(wait=True, cancel_futures=True)
        self.store.close()


def _ended(job: Job) -> float:
    return datetime.fromisoformat(job.finished_at or job.created_at).timestamp()


def _job_of(row: JobRow, root: Path) -> Job:
    return Job(
        row.id, cast(JobKind, row.kind), root / row.id, total=row.total, done=row.done,
        status=cast(JobStatus, row.status), created_at=row.created_at, started_at=row.started_at,
        finished_at=row.finished_at, error=row.error, result=row.result,
        collection=row.collection, params=row.params,
    )  # fmt: skip
