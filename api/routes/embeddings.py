"""POST /v1/embeddings: the index's own e5 model behind OpenAI's embeddings API, so a chat
front-end that does its own retrieval can point its embedding client here."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
from fastapi import APIRouter

from api.deps import CallerDep, ServiceDep, SettingsDep, StateDep
from api.errors import ApiError
from api.limits import check_embedding_inputs
from api.schemas import ERRORS, ErrorResponse
from api.schemas_openai import EmbeddingRequest, EmbeddingResponse
from qa.embeddings import embed_texts

router = APIRouter(prefix="/v1", tags=["openai"])


@router.post(
    "/embeddings",
    response_model=EmbeddingResponse,
    responses={
        **ERRORS,
        404: {"model": ErrorResponse, "description": "another model, or collection"},
    },
)
def embeddings(
    body: EmbeddingRequest, service: ServiceDep, settings: SettingsDep, state: StateDep,
    caller: CallerDep,
) -> Any:  # fmt: skip
    """Vectors of the texts from the model the index was built with (L2-normalised float32).
    A text is embedded with e5's query prompt unless `input_type` or a leading "passage: "
    says it is a passage (see the request schema)."""
    manifest = service.snapshot.manifest
    if body.model != manifest.model:
        raise ApiError(
            404, "model_not_found",
            f"no embedding model {body.model!r} here; this index's is {manifest.model!r}",
        )  # fmt: skip
    if body.dimensions is not None and body.dimensions != manifest.dimension:
        raise ApiError(
            422, "invalid_input",
            f"dimensions of {body.dimensions} is not offered; {manifest.model!r} gives "
            f"{manifest.dimension}",
        )  # fmt: skip
    texts = [body.input] if isinstance(body.input, str) else body.input
    check_embedding_inputs(texts, settings)
    with state.embedding_slots.hold(caller):  # one caller cannot take every thread
        vectors, tokens = embed_texts(service.retriever.embedder, texts, body.input_type)
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": encode(v, body.encoding_format)}
            for i, v in enumerate(vectors)
        ],
        "model": manifest.model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def encode(vector: np.ndarray, encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector]
