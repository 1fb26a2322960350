"""The OpenAI chat wire format for citeqa answers: a completion, or the chunks of a stream
(server-sent events ending with ``data: [DONE]``). The content is the cited answer followed by
the sources its markers point to; the citations also travel in a structured ``citations``
field, as in POST /v1/ask."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from api.errors import ApiError
from api.schemas import MAX_HISTORY_TURNS
from api.schemas_openai import MODEL_NAME, ChatMessage
from qa.answer import Answer
from qa.serialize import citation_dict

STREAM_PIECE = 24  # characters of content per streamed chunk
_MARKER = re.compile(r"\[(\d+)\]")
_SOURCES = {"simplified": "来源：", "traditional": "來源：", "none": "Sources:"}


def question_of(messages: Sequence[ChatMessage]) -> str:
    """The text of the last user message."""
    questions = user_texts(messages)
    if not questions:
        raise ApiError(422, "no_question", "the messages hold no user message to answer")
    return questions[-1]


def history_of(
    messages: Sequence[ChatMessage], *, turns: int = MAX_HISTORY_TURNS, chars: int | None = None
) -> list[str]:
    """The user messages before the last one, oldest first: what a follow-up leans on. Only
    the latest ``turns`` of them, holding at most ``chars`` characters, are read (a chat
    client sends the whole conversation, however long)."""
    earlier = user_texts(messages)[:-1][-turns:] if turns else []
    kept: list[str] = []
    for text in reversed(earlier):
        if chars is not None and sum(map(len, kept)) + len(text) > chars:
            break
        kept.append(text)
    return kept[::-1]


def user_texts(messages: Sequence[ChatMessage]) -> list[str]:
    out = []
    for message in messages:
        if message.role != "user":
            continue
        if isinstance(message.content, str):
            out.append(message.content)
        else:
            parts = [p.get("text", "") for p in message.content or [] if p.get("type") == "text"]
            out.append("\n".join(str(p) for p in parts))
    return out


def chat_models(collections: Sequence[str]) -> list[str]:
    """The chat model ids: citeqa (the default collection) and citeqa/NAME for each one."""
    return [MODEL_NAME, *(f"{MODEL_NAME}/{name}" for name in collections)]


def collection_of(model: str, collections: Sequence[str]) -> str | None:
    """The collection a chat model id reads (None: the default); 404 for another id."""
    if model == MODEL_NAME:
        return None
    name = model.removeprefix(f"{MODEL_NAME}/")
    if name != model and name in collections:
        return name
    raise ApiError(
        404,
        "model_not_found",
        f"no model {model!r} here; the models are {', '.join(map(repr, chat_models(collections)))}",
    )


def content_of(answer: Answer) -> str:
    """The answer, then one line per source its [n] markers cite."""
    cited = {int(n) for n in _MARKER.findall(answer.text)}
    lines = []
    for c in answer.citations:
        if c.n in cited:
            where = " › ".join(x for x in (c.title, c.section) if x)
            lines.append(f"[{c.n}] {where}" + (f", p. {c.page}" if c.page else ""))
    if not lines:
        return answer.text
    return f"{answer.text}\n\n{_SOURCES.get(answer.script, 'Sources:')}\n" + "\n".join(lines)


def _envelope(kind: str, model: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": kind,
        "created": int(time.time()),
        "model": model,
    }


def completion(answer: Answer, model: str = MODEL_NAME) -> dict[str, Any]:
    return {
        **_envelope("chat.completion", model),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content_of(answer)},
                "finish_reason": "stop",
            }
        ],
        "citations": [citation_dict(c) for c in answer.citations],
        "confidence": round(answer.confidence, 6),
        "abstained": answer.abstained,
        "searched": answer.searched,
        "question_type": answer.question_type,
    }


def stream(answer: Answer, model: str = MODEL_NAME) -> Iterator[str]:
    """Server-sent events in the OpenAI chunk format: the role, the content in pieces, a
    last chunk with finish_reason and the citations, then ``[DONE]``."""
    base = _envelope("chat.completion.chunk", model)

    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        chunk = {
            **base,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    content = content_of(answer)
    for start in range(0, len(content), STREAM_PIECE):
        yield event({"content": content[start : start + STREAM_PIECE]})
    yield event(
        {},
        "stop",
        citations=[citation_dict(c) for c in answer.citations],
        confidence=round(answer.confidence, 6),
        abstained=answer.abstained,
        searched=answer.searched,
        question_type=answer.question_type,
    )
    yield "data: [DONE]\n\n"
