"""Background question lists: POST /v1/jobs, GET /v1/jobs/{id} (progress) and
GET /v1/jobs/{id}/results (JSONL, CSV, XLSX or Markdown, as `citeqa batch` writes them)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse

from api.deps import CallerDep, StateDep
from api.errors import ApiError
from api.jobs import Job
from api.limits import check_questions
from api.routes.qa import numbered
from api.schemas import ERRORS, ErrorResponse, JobRequest, JobResponse
from api.tasks import answer_question_list, export_answers, write_question_list

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

MEDIA_TYPES = {
    "jsonl": "application/x-ndjson; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "no such job"}
}


def job_response(job: Job) -> dict[str, Any]:
    links = {"self": f"/v1/jobs/{job.id}"}
    if job.kind == "batch" and job.status == "succeeded":
        for fmt in MEDIA_TYPES:
            links[fmt] = f"/v1/jobs/{job.id}/results?format={fmt}"
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "error": job.error,
        "result": job.result,
        "cancelling": job.stop.is_set() and not job.finished,
        "links": links,
    }


def find_job(state: StateDep, job_id: str, caller: str) -> Job:
    """The job ``job_id`` if ``caller`` made it (a job made before jobs had owners is
    anyone's); 404 otherwise, the same as for no job at all."""
    job = state.jobs.get(job_id)
    if job is None or job.params.get("caller", caller) != caller:
        raise ApiError(
            404, "job_not_found", f"no job {job_id!r} here (finished jobs are kept for a while)"
        )
    return job


@router.post("", status_code=202, response_model=JobResponse, responses=ERRORS)
def create_job(
    body: JobRequest, state: StateDep, caller: CallerDep, response: Response
) -> dict[str, Any]:
    """Answer a long list of questions in the background; poll the job, then download."""
    settings = state.settings
    target = state.collection(body.collection)
    holder = target.holder
    pairs = numbered(body.questions)
    check_questions(len(pairs), settings, most=settings.max_job_questions)
    with holder.lease() as service:
        service.check_k(body.k)  # refused now, not when the job runs
    job = state.jobs.create(
        "batch", total=len(pairs), collection=target.name, params={"k": body.k},
        caller=caller,
    )  # fmt: skip
    with state.jobs.discarded_on_error(job):
        write_question_list(job, pairs)
    state.jobs.start(job, lambda j: answer_question_list(holder, j, body.k), writes=False)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_response(job)


@router.get("/{job_id}", response_model=JobResponse, responses=NOT_FOUND)
def get_job(job_id: str, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """A job's status and progress; when it has failed, why (for uploads: which file). Only
    the caller that made a job (its key, or its address) sees it."""
    return job_response(find_job(state, job_id, caller))


@router.delete(
    "/{job_id}",
    response_model=JobResponse,
    responses={
        **NOT_FOUND,
        409: {"model": ErrorResponse, "description": "an upload being indexed cannot stop"},
    },
)
def cancel_job(
    job_id: str, state: StateDep, caller: CallerDep, response: Response
) -> dict[str, Any]:
    """Cancel a queued or running job, or forget a finished one and its files. A question
    list stops after the group of questions it is on (202; poll until `cancelled`); a queued
    job is cancelled at once (200); an upload stops only before it starts, since indexing it
    is all-or-nothing."""
    job = find_job(state, job_id, caller)
    if job.finished:
        state.jobs.forget(job)
        return job_response(job)
    if job.kind == "ingest" and job.status == "running":
        raise ApiError(
            409,
            "job_not_cancellable",
            f"job {job_id} is indexing its upload, which is all-or-nothing; wait for it, then "
            "DELETE /v1/documents/ID what you do not want",
        )
    state.jobs.cancel(job)
    response.status_code = 200 if job.finished else 202  # a queued job is cancelled at once
    return job_response(job)


@router.get(
    "/{job_id}/results",
    response_class=FileResponse,
    responses={
        200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "the answers"},
        **NOT_FOUND,
        409: {"model": ErrorResponse, "description": "the job has no results (yet)"},
    },
)
def job_results(
    job_id: str,
    state: StateDep,
    caller: CallerDep,
    fmt: Annotated[Literal["jsonl", "csv", "xlsx", "md"], Query(alias="format")] = "jsonl",
) -> FileResponse:
    """The answers of a finished question-list job, one record per question."""
    job = find_job(state, job_id, caller)
    if job.kind != "batch":
        raise ApiError(
            409, "no_results", f"job {job_id} is an upload; its status lists each file's result"
        )
    if job.status != "succeeded":
        raise ApiError(
            409,
            "job_not_finished" if not job.finished else "job_failed",
            f"job {job_id} is {job.status}; results can be downloaded once it has succeeded",
        )
    path = export_answers(job, fmt)
    return FileResponse(path, media_type=MEDIA_TYPES[fmt], filename=f"answers-{job_id[:8]}.{fmt}")
