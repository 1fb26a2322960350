"""GET /v1/collections: the indexes this server serves, each a collection that requests name
with ``collection`` (or the chat model ``citeqa/NAME``); the first is the default."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import StateDep
from api.schemas import CollectionsResponse
from api.schemas_openai import MODEL_NAME

router = APIRouter(prefix="/v1", tags=["documents"])


@router.get("/collections", response_model=CollectionsResponse)
def list_collections(state: StateDep) -> dict[str, Any]:
    """The collections, the default first, with their sizes."""
    out = []
    for name, collection in state.collections.items():
        with collection.holder.lease() as service:
            stats = service.snapshot.store.stats()
        out.append(
            {
                "name": name,
                "model": f"{MODEL_NAME}/{name}",
                "default": name == state.default,
                "documents": stats.documents,
                "chunks": stats.chunks,
            }
        )
    return {"collections": out}
