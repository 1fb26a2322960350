"""What routes are given: the app's state, the current service (leased for the request), the
optional answer writer, and the API-key checks. Tests replace any of these through
``app.dependency_overrides``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.callers import CallerSlots, caller_of
from api.collections import Collection, pick
from api.errors import ApiError
from api.jobs import JobRegistry
from api.redact import Redactor
from api.security import check_key, key_matches
from api.settings import Settings
from api.uploads import UploadBudget
from qa.generate import AnswerWriter
from qa.service import QAService


@dataclass
class AppState:
    """Everything the lifespan opened, kept on ``app.state.citeqa``: the collections (one
    per index served; the first is the default), the jobs, the optional answer writer."""

    settings: Settings
    collections: dict[str, Collection]
    jobs: JobRegistry
    writer: AnswerWriter | None
    redact: Redactor = field(default_factory=lambda: Redactor({}))
    embedding_slots: CallerSlots = field(default_factory=lambda: embedding_slots(None))
    upload_budget: UploadBudget = field(default_factory=lambda: UploadBudget(0))

    @property
    def default(self) -> str:
        return next(iter(self.collections))

    def collection(self, name: str | None = None) -> Collection:
        """The collection ``name`` (the default when None); 404 for an unknown name."""
        return pick(self.collections, self.default, name)

    def lease(self, name: str | None = None) -> AbstractContextManager[QAService]:
        """The current service of a collection, held while the context lasts."""
        return self.collection(name).holder.lease()


def embedding_slots(settings: Settings | None) -> CallerSlots:
    most = settings.max_embedding_requests_per_caller if settings is not None else 2
    return CallerSlots(
        most, code="too_many_concurrent_requests", what="embedding requests",
        setting="CITEQA_MAX_EMBEDDING_REQUESTS_PER_CALLER",
    )  # fmt: skip


def get_state(request: Request) -> AppState:
    return state_of(request.app)


def state_of(app: Any) -> AppState:
    """What the app's lifespan opened; 503 while it starts or stops."""
    state: AppState | None = getattr(app.state, "citeqa", None)
    if state is None:
        raise ApiError(503, "not_ready", "the service is starting or stopping; try again shortly")
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


CollectionQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="the collection to read (GET /v1/collections); the default one if unset",
    ),
]


def get_service(state: StateDep, collection: CollectionQuery = None) -> Iterator[QAService]:
    """The current service of the collection the query names, held for the whole request:
    a write swapping in a new one does not close it under us."""
    with state.lease(collection) as service:
        yield service


ServiceDep = Annotated[QAService, Depends(get_service)]


def get_writer(state: StateDep) -> AnswerWriter | None:
    return state.writer


WriterDep = Annotated[AnswerWriter | None, Depends(get_writer)]

_bearer = HTTPBearer(auto_error=False, description="an API key: Authorization: Bearer KEY")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
HeaderDep = Annotated[str | None, Security(_header)]


def _key(bearer: HTTPAuthorizationCredentials | None, header: str | None) -> str | None:
    if header:
        return header.strip()
    return bearer.credentials.strip() if bearer and bearer.credentials.strip() else None


def require_read_key(settings: SettingsDep, bearer: BearerDep, header: HeaderDep) -> None:
    """Reads need a key (a writer's or a reader's) only when the server says so
    (CITEQA_REQUIRE_KEY_FOR_READS)."""
    if settings.require_key_for_reads:
        check_key(_key(bearer, header), settings.all_key_values(), action="this server")


def require_write_key(settings: SettingsDep, bearer: BearerDep, header: HeaderDep) -> None:
    """Writes (uploads, deletions) always need a writer's key (CITEQA_API_KEYS); a read-only
    key is told it cannot write."""
    key = _key(bearer, header)
    if key is not None and settings.key_values() and key_matches(key, settings.read_key_values()):
        raise ApiError(
            403, "read_only_key",
            "this API key may read but not change the index; uploads and deletions need a "
            "key from CITEQA_API_KEYS",
        )  # fmt: skip
    check_key(key, settings.key_values(), action="changing the index")


def get_caller(request: Request, settings: SettingsDep) -> str:
    """Who is asking (api/callers.py): its key, or its address."""
    return caller_of(request.scope, settings.all_key_values())


CallerDep = Annotated[str, Depends(get_caller)]
