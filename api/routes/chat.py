"""POST /v1/chat/completions and GET /v1/models: citeqa as an OpenAI-compatible model, so a
chat tool plugs it in with a base URL and a key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from api.chat import chat_models, collection_of, completion, history_of, question_of, stream
from api.deps import AppState, SettingsDep, StateDep, WriterDep
from api.errors import ApiError
from api.routes.qa import ANSWER_HEADER, answer_question
from api.schemas import ERRORS, ErrorResponse
from api.schemas_openai import ChatRequest, ChatResponse, ModelList, ModelOut

router = APIRouter(prefix="/v1", tags=["openai"])


@router.post(
    "/chat/completions",
    response_model=ChatResponse,
    responses={
        **ERRORS,
        200: {"content": {"text/event-stream": {}}, "description": "with stream: true"},
        404: {"model": ErrorResponse, "description": "a model other than citeqa or citeqa/NAME"},
    },
)
def chat_completions(
    body: ChatRequest, state: StateDep, settings: SettingsDep, writer: WriterDep,
    response: Response,
) -> Any:  # fmt: skip
    """The last user message is the question, read against the earlier user messages when it
    is a follow-up (那晋城呢？; the `searched` field says what was searched); the reply is the cited answer followed by its
    sources, with the citations also in `citations`. `stream: true` sends server-sent events
    in the OpenAI chunk format, ending with `data: [DONE]`."""
    collection = collection_of(body.model, list(state.collections))
    question = question_of(body.messages)
    with state.lease(collection) as service:
        answer, how = answer_question(
            service, writer, settings, question, body.k, body.generate,
            history_of(body.messages, chars=settings.max_history_chars),
        )  # fmt: skip
    if body.stream:
        return StreamingResponse(
            stream(answer, body.model),
            media_type="text/event-stream",
            headers={ANSWER_HEADER: how, "Cache-Control": "no-cache"},
        )
    response.headers[ANSWER_HEADER] = how
    return completion(answer, body.model)


@router.get("/models", response_model=ModelList)
def list_models(state: StateDep) -> dict[str, Any]:
    """citeqa (the default collection), citeqa/NAME for each collection, and the indexes'
    embedding model (for /v1/embeddings)."""
    return {"object": "list", "data": list(_models(state).values())}


@router.get(
    "/models/{model_id:path}", response_model=ModelOut, responses={404: {"model": ErrorResponse}}
)
def get_model(model_id: str, state: StateDep) -> dict[str, Any]:
    models = _models(state)
    if model_id not in models:
        raise ApiError(
            404, "model_not_found", f"no model {model_id!r} here; the models are {sorted(models)}"
        )
    return models[model_id]


def _models(state: AppState) -> dict[str, dict[str, Any]]:
    with state.lease() as service:
        embedding = service.snapshot.manifest.model
    ids = [*chat_models(list(state.collections)), embedding]
    return {i: {"id": i, "object": "model", "created": 0, "owned_by": "citeqa"} for i in ids}
