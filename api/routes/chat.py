"""POST /v1/chat/completions and GET /v1/models: citeqa as an OpenAI-compatible model, so a
chat tool plugs it in with a base URL and a key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from api.chat import check_model, completion, history_of, question_of, stream
from api.deps import ServiceDep, SettingsDep, WriterDep
from api.errors import ApiError
from api.routes.qa import ANSWER_HEADER, answer_question
from api.schemas import ERRORS, ErrorResponse
from api.schemas_openai import MODEL_NAME, ChatRequest, ChatResponse, ModelList, ModelOut
from qa.service import QAService

router = APIRouter(prefix="/v1", tags=["openai"])

_MODEL = {"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "citeqa"}


@router.post(
    "/chat/completions",
    response_model=ChatResponse,
    responses={
        **ERRORS,
        200: {"content": {"text/event-stream": {}}, "description": "with stream: true"},
        404: {"model": ErrorResponse, "description": "a model other than citeqa"},
    },
)
def chat_completions(
    body: ChatRequest, service: ServiceDep, settings: SettingsDep, writer: WriterDep,
    response: Response,
) -> Any:  # fmt: skip
    """The last user message is the question, read against the earlier user messages when it
    is a follow-up (那晋城呢？; the `searched` field says what was searched); the reply is the cited answer followed by its
    sources, with the citations also in `citations`. `stream: true` sends server-sent events
    in the OpenAI chunk format, ending with `data: [DONE]`."""
    check_model(body.model)
    question = question_of(body.messages)
    answer, how = answer_question(
        service, writer, settings, question, body.k, body.generate, history_of(body.messages)
    )
    if body.stream:
        return StreamingResponse(
            stream(answer),
            media_type="text/event-stream",
            headers={ANSWER_HEADER: how, "Cache-Control": "no-cache"},
        )
    response.headers[ANSWER_HEADER] = how
    return completion(answer)


@router.get("/models", response_model=ModelList)
def list_models(service: ServiceDep) -> dict[str, Any]:
    """citeqa (the chat model) and the index's embedding model (for /v1/embeddings)."""
    return {"object": "list", "data": _models(service)}


@router.get(
    "/models/{model_id}", response_model=ModelOut, responses={404: {"model": ErrorResponse}}
)
def get_model(model_id: str, service: ServiceDep) -> dict[str, Any]:
    models = {m["id"]: m for m in _models(service)}
    if model_id not in models:
        raise ApiError(
            404, "model_not_found", f"no model {model_id!r} here; the models are {sorted(models)}"
        )
    return models[model_id]


def _models(service: QAService) -> list[dict[str, Any]]:
    embedding = {**_MODEL, "id": service.snapshot.manifest.model}
    return [_MODEL, embedding]
