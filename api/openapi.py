"""The OpenAPI schema, with this server's limits written into it (k, question length, list
sizes), so that what the schema allows is what the server accepts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.settings import Settings


def apply_limits(schema: dict[str, Any], settings: Settings) -> None:
    models = schema.get("components", {}).get("schemas", {})
    for name in ("SearchRequest", "AskRequest", "BatchRequest", "JobRequest", "ChatRequest"):
        fields = models.get(name, {}).get("properties", {})
        if "k" in fields:
            fields["k"]["maximum"] = settings.max_k
        if "question" in fields:
            fields["question"]["maxLength"] = settings.max_question_chars
    for name, most in (
        ("BatchRequest", settings.max_batch),
        ("JobRequest", settings.max_job_questions),
    ):
        fields = models.get(name, {}).get("properties", {})
        if "questions" in fields:
            fields["questions"]["maxItems"] = most


def limited_openapi(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """A replacement for ``app.openapi``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            apply_limits(schema, settings)
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi
