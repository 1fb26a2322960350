"""The server's own limits (each a setting), checked before any work is done: how many
questions or texts one request may carry, and the body limit of each route, which stops an
oversized request before it is read in full or parsed. A question's length and its k are limits of the service
(qa/), which the app gives the server's settings; api/errors.py maps its refusals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError, error_response
from api.schemas import MAX_HISTORY_TURNS
from api.settings import Settings


def check_questions(count: int, settings: Settings, *, most: int) -> None:
    """A question list's size against the limit ``most`` of where it was sent. (A question's
    length and k are the service's to check, with the server's limits: qa/service.py.)"""
    if count > most:
        raise ApiError(
            422,
            "too_many_questions",
            f"{count:,} questions were sent; the limit here is {most:,}"
            + (
                ". Send a longer list to POST /v1/jobs"
                if most == settings.max_batch < settings.max_job_questions
                else ""
            ),
        )


def check_history(history: Sequence[str], settings: Settings) -> None:
    """A request's earlier questions within this server's limits: at most MAX_HISTORY_TURNS
    of them (the request schemas say so too), holding at most CITEQA_MAX_HISTORY_CHARS."""
    if len(history) > MAX_HISTORY_TURNS:
        raise ApiError(
            422, "history_too_long",
            f"history holds {len(history):,} questions; this server reads at most "
            f"{MAX_HISTORY_TURNS}: send only the latest ones",
        )  # fmt: skip
    chars = sum(len(h) for h in history)
    if chars > settings.max_history_chars:
        raise ApiError(
            422, "history_too_long",
            f"history holds {chars:,} characters; this server reads at most "
            f"{settings.max_history_chars:,} (CITEQA_MAX_HISTORY_CHARS): send only the "
            "latest questions, a follow-up leans on the ones just before it",
        )  # fmt: skip


def check_embedding_inputs(texts: list[str], settings: Settings) -> None:
    """The texts of one POST /v1/embeddings within this server's limits."""
    if not texts:
        raise ApiError(422, "invalid_input", "input is an empty list; give at least one text")
    if len(texts) > settings.max_embedding_inputs:
        raise ApiError(
            422, "too_many_inputs",
            f"{len(texts):,} texts in one request; this server's limit is "
            f"{settings.max_embedding_inputs:,}",
        )  # fmt: skip
    total = sum(len(t) for t in texts)
    if total > settings.max_embedding_total_chars:
        raise ApiError(
            422, "too_many_characters",
            f"the texts hold {total:,} characters together; this server embeds at most "
            f"{settings.max_embedding_total_chars:,} in one request "
            "(CITEQA_MAX_EMBEDDING_TOTAL_CHARS): send them in several requests",
        )  # fmt: skip
    for i, text in enumerate(texts):
        if not text.strip():
            raise ApiError(422, "invalid_input", f"input[{i}] is empty")
        if len(text) > settings.max_embedding_chars:
            raise ApiError(
                422, "input_too_long",
                f"input[{i}] is {len(text):,} characters long; this server's limit is "
                f"{settings.max_embedding_chars:,} (the model reads its first 512 tokens)",
            )  # fmt: skip


JSON_BYTES_PER_CHAR = 6  # a character escaped as \uXXXX, as many JSON encoders write it
_ROOM = 64 * 1024  # for the rest of a request: field names, ids, k, collection


@dataclass(frozen=True)
class Limit:
    """A request body's most bytes, and the settings that set it (for the message)."""

    bytes: int
    settings: str


def max_upload_request_bytes(settings: Settings) -> int:
    """The largest upload request: every file at its largest, plus room for the form."""
    return settings.max_upload_files * (settings.max_upload_bytes + 64 * 1024) + 1024 * 1024


def max_json_request_bytes(settings: Settings) -> int:
    """The largest job request: the longest job list of the longest questions, as UTF-8."""
    per_question = settings.max_question_chars * 4 + 256
    return max(1024 * 1024, settings.max_job_questions * per_question)


def max_batch_request_bytes(settings: Settings) -> int:
    """The largest POST /v1/batch: its most questions at their longest, escaped."""
    per_question = settings.max_question_chars * JSON_BYTES_PER_CHAR + 256
    return settings.max_batch * per_question + _ROOM


def max_embedding_request_bytes(settings: Settings) -> int:
    """The largest POST /v1/embeddings: its most characters, escaped, and a little for each
    text."""
    chars = min(
        settings.max_embedding_inputs * settings.max_embedding_chars,
        settings.max_embedding_total_chars,
    )
    return chars * JSON_BYTES_PER_CHAR + settings.max_embedding_inputs * 64 + _ROOM


def body_limits(settings: Settings) -> dict[str, Limit]:
    """The body limit of each path that takes more than ``settings.max_body_bytes`` (or
    less): uploads and jobs, the big ones, are theirs alone."""
    return {
        "/v1/documents": Limit(
            max_upload_request_bytes(settings), "CITEQA_MAX_UPLOAD_FILES × CITEQA_MAX_UPLOAD_BYTES"
        ),
        "/v1/jobs": Limit(
            max_json_request_bytes(settings),
            "CITEQA_MAX_JOB_QUESTIONS × CITEQA_MAX_QUESTION_CHARS",
        ),
        "/v1/batch": Limit(
            max_batch_request_bytes(settings), "CITEQA_MAX_BATCH × CITEQA_MAX_QUESTION_CHARS"
        ),
        "/v1/embeddings": Limit(
            max_embedding_request_bytes(settings),
            "CITEQA_MAX_EMBEDDING_INPUTS × CITEQA_MAX_EMBEDDING_CHARS, at most "
            "CITEQA_MAX_EMBEDDING_TOTAL_CHARS",
        ),
        "/v1/chat/completions": Limit(settings.max_chat_body_bytes, "CITEQA_MAX_CHAT_BODY_BYTES"),
    }


class BodyLimit:
    """Refuse a request body over its path's limit with 413 ``request_too_large``: by its
    Content-Length before reading it, or while reading one sent without a length, so no
    oversized body is read in full or parsed. A path not in ``limits`` has ``default``."""

    def __init__(self, app: ASGIApp, *, limits: dict[str, Limit], default: Limit) -> None:
        self.app = app
        self.limits = limits
        self.default = default

    @staticmethod
    def _error(limit: Limit, scope: Scope) -> ApiError:
        return ApiError(
            413,
            "request_too_large",
            f"the request body is over this server's limit of {limit.bytes:,} bytes for "
            f"{scope.get('method', 'POST')} {scope['path']} (set by {limit.settings})",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"].rstrip("/") or "/", self.default)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > limit.bytes:
            error = self._error(limit, scope)
            await error_response(413, error.code, error.message)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.bytes:
                    raise self._error(limit, scope)
            return message

        await self.app(scope, counted, send)
