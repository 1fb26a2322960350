"""The server's own limits (each a setting), checked before any work is done: how many
questions or texts one request may carry, and the request body cap that stops an oversized
upload before it is read in full. A question's length and its k are limits of the service
(qa/), which the app gives the server's settings; api/errors.py maps its refusals."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError, error_response
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
    for i, text in enumerate(texts):
        if not text.strip():
            raise ApiError(422, "invalid_input", f"input[{i}] is empty")
        if len(text) > settings.max_embedding_chars:
            raise ApiError(
                422, "input_too_long",
                f"input[{i}] is {len(text):,} characters long; this server's limit is "
                f"{settings.max_embedding_chars:,} (the model reads its first 512 tokens)",
            )  # fmt: skip


def max_upload_request_bytes(settings: Settings) -> int:
    """The largest upload request: every file at its largest, plus room for the form."""
    return settings.max_upload_files * (settings.max_upload_bytes + 64 * 1024) + 1024 * 1024


def max_json_request_bytes(settings: Settings) -> int:
    """The largest other request: the longest job list of the longest questions, as UTF-8."""
    per_question = settings.max_question_chars * 4 + 256
    return max(1024 * 1024, settings.max_job_questions * per_question)


class BodyLimit:
    """Refuse a request body over its limit with 413: by its Content-Length before reading
    it, or while reading one sent without a length. Uploads (``upload_path``) have their own,
    larger limit."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, upload_bytes: int, upload_path: str
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.upload_path = upload_path

    @staticmethod
    def _error(limit: int) -> ApiError:
        return ApiError(
            413,
            "request_too_large",
            f"the request body is over this server's limit of {limit:,} bytes",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_bytes if scope["path"] == self.upload_path else self.max_bytes
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > limit:
            error = self._error(limit)
            await error_response(413, error.code, error.message)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise self._error(limit)
            return message

        await self.app(scope, counted, send)
