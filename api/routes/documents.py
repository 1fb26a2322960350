"""GET /v1/documents, POST /v1/documents (upload, ingested in the background) and
DELETE /v1/documents/{id}: the write path, through index/pipeline.py as the CLI's index and
remove commands, one writer at a time."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Response, UploadFile

from api.deps import CallerDep, CollectionQuery, ServiceDep, StateDep, require_write_key
from api.routes.jobs import job_response
from api.schemas import ERRORS, DeleteResponse, DocumentsResponse, ErrorResponse, JobResponse
from api.tasks import delete_document, ingest_uploads
from api.uploads import stage_uploads
from qa.serialize import documents_dict

reads = APIRouter(prefix="/v1/documents", tags=["documents"])
writes = APIRouter(
    prefix="/v1/documents", tags=["documents"], dependencies=[Depends(require_write_key)]
)

DOC_ID = Path(pattern=r"^[0-9a-f]{16}$", description="a document id from GET /v1/documents")
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {
        "model": ErrorResponse,
        "description": "a read-only key, or no writer's key is configured on the server",
    },
    409: {"model": ErrorResponse, "description": "another process is writing to the index"},
    415: {"model": ErrorResponse, "description": "a file type that is not accepted"},
}


@reads.get("", response_model=DocumentsResponse, responses=ERRORS)
def list_documents(
    service: ServiceDep, state: StateDep, collection: CollectionQuery = None
) -> dict[str, Any]:
    """The documents in the index (of the collection named, or the default), by source."""
    return documents_dict(service, collection or state.default, list(state.collections))


@writes.post("", status_code=202, response_model=JobResponse, responses=WRITE_ERRORS)
def upload_documents(
    files: Annotated[list[UploadFile], File(min_length=1, description="one or more documents")],
    state: StateDep,
    caller: CallerDep,
    response: Response,
    collection: CollectionQuery = None,
) -> dict[str, Any]:
    """Upload files to index (.txt .md .html .pdf .docx by default). They are ingested in
    the background: poll the job. If any file cannot be indexed, none is added and the job
    says which file failed and why."""
    settings = state.settings
    target = state.collection(collection)
    job = state.jobs.create(
        "ingest", total=len(files), collection=target.name,
        caller=caller,
    )  # fmt: skip
    with state.jobs.discarded_on_error(job):
        staged = stage_uploads(
            files,
            job.folder / "incoming",
            max_files=settings.max_upload_files,
            max_bytes=settings.max_upload_bytes,
            allowed=settings.allowed_file_types,
        )
        state.upload_budget.take(caller, sum(s.size for s in staged))
        state.jobs.record(job, files=[s.as_params() for s in staged])
    state.jobs.start(
        job,
        lambda j: ingest_uploads(
            target.holder, j, staged, target.upload_dir, settings.max_upload_bytes
        ),
        writes=True,
    )
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_response(job)


@writes.delete(
    "/{doc_id}",
    response_model=DeleteResponse,
    responses={
        **WRITE_ERRORS,
        404: {"model": ErrorResponse, "description": "no document has this id"},
    },
)
async def remove_document(
    doc_id: Annotated[str, DOC_ID], state: StateDep, collection: CollectionQuery = None
) -> dict[str, Any]:
    """Remove a document from the index (after the writes queued before it)."""
    target = state.collection(collection)
    future = state.jobs.write(lambda: delete_document(target.holder, doc_id, target.upload_dir))
    return {"removed": await asyncio.wrap_future(future)}
