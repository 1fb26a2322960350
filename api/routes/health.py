"""GET /healthz (the process answers) and GET /readyz (index and models loaded)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.callers import caller_of, is_keyless
from api.errors import ApiError
from api.schemas import ErrorResponse, HealthResponse, ReadyResponse
from index.folder import search_of

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse)
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    response_model_exclude_none=True,
    responses={503: {"model": ErrorResponse, "description": "not loaded (yet)"}},
)
def readyz(request: Request) -> dict[str, Any]:
    """The index and its models are loaded and answer questions. When reads need a key, a
    request without one is told only that (`{"status": "ready"}`), not what is served."""
    state = getattr(request.app.state, "citeqa", None)
    if state is None or any(c.holder.current is None for c in state.collections.values()):
        raise ApiError(503, "not_ready", "the index and models are not loaded (yet)")
    settings = state.settings
    if settings.require_key_for_reads and is_keyless(
        caller_of(request.scope, settings.all_key_values())
    ):
        return {"status": "ready"}
    with state.lease() as service:
        stats = service.snapshot.store.stats()
        return {
            "status": "ready",
            "model": service.snapshot.manifest.model,
            "documents": stats.documents,
            "chunks": stats.chunks,
            "generation": service.snapshot.generation,
            "search": search_of(service.snapshot),
            "llm": state.writer is not None,
            "collections": list(state.collections),
        }
