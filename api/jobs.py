"""Background jobs: what is running, how far it got, and how it ended.

Question lists are answered on a reader thread; uploads and deletions go through one writer
thread, so the index has one writer at a time (and a second citeqa process writing to it is
refused by the index's own lock). Jobs live in memory; each has a folder for its files, and
the oldest finished jobs are forgotten (with their files) beyond ``keep``.
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
from pathlib import Path
from typing import Any, Literal, TypeVar

from api.errors import ApiError, domain_status
from index.errors import CiteqaError
from index.store import now

logger = logging.getLogger("citeqa.api")

JobKind = Literal["batch", "ingest"]
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
T = TypeVar("T")


class JobCancelled(CiteqaError):
    """Raised inside a job's work at its next check once it has been asked to stop."""


class JobFailed(CiteqaError):
    """A job ends in failure with a stable code, a message and what it found out."""

    def __init__(self, code: str, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.result = result


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
    stop: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed", "cancelled")

    def check_stop(self) -> None:
        """Raise JobCancelled if the job has been asked to stop (work calls this between
        steps it can stop after)."""
        if self.stop.is_set():
            raise JobCancelled(f"job {self.id} was cancelled")

    def progress(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        self.done = done


class JobRegistry:
    def __init__(
        self, root: Path, *, keep: int = 100, readers: int = 1, max_active: int = 8
    ) -> None:
        self.root = root
        self.keep, self.max_active = keep, max_active
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="citeqa-job")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="citeqa-writer")

    def create(self, kind: JobKind, total: int = 0) -> Job:
        """A new queued job; ApiError 429 when ``max_active`` jobs are queued or running."""
        job_id = uuid.uuid4().hex
        folder = self.root / job_id
        with self._lock:
            active = sum(1 for j in self._jobs.values() if not j.finished)
            if active >= self.max_active:
                raise ApiError(
                    429,
                    "too_many_jobs",
                    f"{active} jobs are queued or running, this server's limit; wait for one "
                    "to finish or cancel one (DELETE /v1/jobs/ID)",
                )
            folder.mkdir(parents=True)
            job = Job(job_id, kind, folder, total=total)
            self._jobs[job_id] = job
            finished = [j for j in self._jobs.values() if j.finished]
            forget = finished[: max(0, len(finished) - self.keep)]
            for old in forget:
                del self._jobs[old.id]
        for old in forget:
            shutil.rmtree(old.folder, ignore_errors=True)
        return job

    @contextmanager
    def discarded_on_error(self, job: Job) -> Iterator[None]:
        """Forget ``job`` (and its files) if the block fails before the job is started."""
        try:
            yield
        except BaseException:
            with self._lock:
                self._jobs.pop(job.id, None)
            shutil.rmtree(job.folder, ignore_errors=True)
            raise

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def start(self, job: Job, work: Callable[[Job], dict[str, Any]], *, writes: bool) -> None:
        """Run ``work(job)`` in the background; its return value becomes the job's result."""
        pool = self._writer if writes else self._readers
        pool.submit(self._run, job, work)

    def cancel(self, job: Job) -> None:
        """Stop ``job``: a queued one is cancelled at once and never starts; a running one
        stops at its next ``check_stop`` (a question list, between groups of questions)."""
        with self._lock:
            job.stop.set()
            if job.status == "queued":
                job.finished_at, job.status = now(), "cancelled"

    def forget(self, job: Job) -> None:
        """Drop a finished job and its files."""
        with self._lock:
            self._jobs.pop(job.id, None)
        shutil.rmtree(job.folder, ignore_errors=True)

    def write(self, work: Callable[[], T]) -> Future[T]:
        """Run ``work`` on the writer thread, after the writes queued before it."""
        return self._writer.submit(work)

    def _run(self, job: Job, work: Callable[[Job], dict[str, Any]]) -> None:
        with self._lock:
            if job.stop.is_set():  # cancelled while queued
                if not job.finished:
                    job.finished_at, job.status = now(), "cancelled"
                return
            job.status, job.started_at = "running", now()
        status: JobStatus = "failed"
        try:
            job.result = work(job)
            status = "succeeded"
        except JobCancelled:
            status = "cancelled"
        except JobFailed as exc:
            job.error, job.result = {"code": exc.code, "message": str(exc)}, exc.result
        except CiteqaError as exc:
            job.error = {"code": domain_status(exc)[1], "message": str(exc)}
        except Exception:
            logger.exception("job %s (%s) failed", job.id, job.kind)
            job.error = {
                "code": "internal_error",
                "message": "the job failed unexpectedly; it has been logged on the server",
            }
        finally:
            job.finished_at = now()
            job.status = status  # last: a job seen finished has its result and times

    def shutdown(self) -> None:
        """Stop the question lists running now at their next group of questions, let a write
        that has begun finish (it is all-or-nothing), and drop the queued jobs."""
        with self._lock:
            for job in self._jobs.values():
                if job.kind == "batch" or job.status == "queued":
                    job.stop.set()
        self._readers.shutdown(wait=True, cancel_futures=True)
        self._writer.shutdown(wait=True, cancel_futures=True)
