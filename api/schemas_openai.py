"""Request and response bodies of the OpenAI-compatible endpoints (/v1/chat/completions,
/v1/models). Fields citeqa does not use (temperature, max_tokens, ...) are accepted and
ignored, so any OpenAI chat client works unmodified."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from api.schemas import CitationOut
from qa.retrieve import MAX_K
from qa.service import DEFAULT_K

MODEL_NAME = "citeqa"


class ChatMessage(BaseModel):
    role: str = Field(max_length=50, description="system, user, assistant, ...")
    content: str | list[dict[str, Any]] | None = Field(
        None, description="text, or OpenAI content parts ({'type': 'text', 'text': ...})"
    )

    model_config = ConfigDict(extra="allow")


class ChatRequest(BaseModel):
    """Unknown fields (temperature, max_tokens, ...) are accepted and ignored."""

    model: str = Field(description=f"'{MODEL_NAME}'")
    messages: list[ChatMessage] = Field(
        min_length=1, description="the last user message is the question"
    )
    stream: StrictBool = Field(False, description="server-sent events in the OpenAI chunk format")
    k: StrictInt = Field(DEFAULT_K, ge=1, le=MAX_K, description="citeqa: passages to draw on")
    generate: StrictBool | None = Field(
        None, description="citeqa: write the answer with the configured LLM (see /v1/ask)"
    )

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "model": MODEL_NAME,
                    "messages": [{"role": "user", "content": "煤炭依赖是怎么降下来的"}],
                },
                {
                    "model": MODEL_NAME,
                    "messages": [{"role": "user", "content": "How did the city cut coal use?"}],
                    "stream": True,
                },
            ]
        },
    )


class ChatReply(BaseModel):
    role: Literal["assistant"]
    content: str


class ChatChoice(BaseModel):
    index: int
    message: ChatReply
    finish_reason: Literal["stop"]


class ChatResponse(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatChoice]
    citations: list[CitationOut] = Field(
        description="citeqa: the passages the answer's [n] markers point to"
    )
    confidence: float = Field(
        ge=0, le=1, description="citeqa: probability that the passages answer the question"
    )
    abstained: bool = Field(description="citeqa: true when nothing in the documents answers it")
    searched: str = Field(
        description="citeqa: what was searched: the last user message, or a follow-up "
        "rewritten from the earlier ones"
    )


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]
