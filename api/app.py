"""The HTTP service: ``create_app(settings)`` builds the FastAPI app; its lifespan opens the
index and models once (or takes a service already opened, as tests do), and closes them.

    citeqa serve --index my-index   # or: uvicorn --factory --no-proxy-headers api.app:create_app
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager, suppress
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Security
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api.callers import ClientAddress, parse_networks
from api.collections import Collection, open_collections
from api.deps import AppState, embedding_slots, require_read_key, state_of
from api.errors import install_error_handlers, method_table
from api.holder import ServiceHolder
from api.hosts import AllowedHosts, allowed_hosts
from api.jobs import JobRegistry
from api.leftovers import sweep_uploads
from api.limits import BodyLimit, Limit, body_limits
from api.mcp_server import HttpEndpoint, build_mcp
from api.openapi import limited_openapi
from api.rate_limit import RateLimit
from api.redact import Redactor
from api.routes import chat, documents, embeddings, health, jobs, qa
from api.routes import collections as collection_routes
from api.settings import Settings, get_settings, open_index
from api.tasks import resume
from api.uploads import UploadBudget
from index.collections import check_models, index_folders
from qa.generate import AnswerWriter, LLMConfig
from qa.service import QAService

if TYPE_CHECKING:
    from mcp.server import MCPServer

logger = logging.getLogger("citeqa.api")

STATIC = Path(__file__).resolve().parent / "static"

DESCRIPTION = """Semantic search and cited answers over Chinese document collections.

Every error is `{"error": {"code": "...", "message": "..."}}`. Uploads and deletions need an
API key (`Authorization: Bearer KEY` or `X-API-Key: KEY`); reads need one when the server
requires it. `POST /v1/chat/completions` speaks the OpenAI chat API (model `citeqa`, or
`citeqa/NAME` for the collection NAME), `POST /v1/embeddings` OpenAI's embeddings API, and `/mcp`
the Model Context Protocol (streamable HTTP).
"""


def _version() -> str:
    try:
        return version("citeqa")
    except PackageNotFoundError:
        return "0.0.0"


def _open_warm(settings: Settings) -> QAService:
    """The index of ``settings`` with its models loaded, so the first request is not slow
    and /readyz means ready."""
    service = open_index(settings)
    try:
        service.load()
    except BaseException:
        service.close()
        raise
    return service


def lease_of(app: FastAPI, collection: str | None) -> AbstractContextManager[QAService]:
    """The current service of a running app's collection, leased as a route's would be."""
    return state_of(app).lease(collection)


def _open_all(settings: Settings) -> dict[str, QAService]:
    """Every index ``settings`` serves, by collection name, the first with its models loaded
    and the others sharing them."""
    found = index_folders(settings.served_indexes())
    check_models(found)
    (_, folder), more = found[0], found[1:]
    first = _open_warm(settings.model_copy(update={"index": folder}))
    try:
        services = open_collections(first, more)
    except BaseException:
        first.close()
        raise
    return {name: s for (name, _), s in zip(found, services, strict=True)}


def work_folder(settings: Settings, first_index: Path) -> Path:
    """Where jobs are kept: CITEQA_WORK_DIR, else the first index's ``jobs/``; an index that
    cannot be written to (a read-only mount) has its jobs kept in the user's state folder."""
    if settings.work_dir is not None:
        return settings.work_dir.resolve()
    inside = (first_index / "jobs").resolve()
    try:
        inside.mkdir(parents=True, exist_ok=True)
        return inside
    except OSError as exc:
        state = os.environ.get("XDG_STATE_HOME", "")
        base = Path(state) if os.path.isabs(state) else Path.home() / ".local" / "state"
        digest = hashlib.sha256(str(first_index.resolve()).encode()).hexdigest()[:16]
        outside = base / "citeqa" / "jobs" / f"{first_index.resolve().name}-{digest}"
        logger.warning("cannot keep jobs in %s (%s); keeping them in %s", inside, exc, outside)
        return outside


def _upload_dir(settings: Settings, service: QAService, name: str, several: bool) -> Path:
    """Where a collection keeps uploaded files: its index's uploads/ folder, or the
    configured folder (a subfolder per collection when there are several)."""
    if settings.upload_dir is None:
        return (service.snapshot.folder / "uploads").resolve()
    return (settings.upload_dir / name if several else settings.upload_dir).resolve()


def _take_over(state: AppState) -> None:
    """Carry on with the jobs a stopped server left (api/tasks.resume), then drop the upload
    files no document points at."""
    for job in state.jobs.recover():
        resume(state.jobs, job, state.collections, state.default, state.settings.max_upload_bytes)
    for collection in state.collections.values():
        with collection.holder.lease() as service:
            sources = [d.source for d in service.snapshot.store.documents(with_text=False)]
        sweep_uploads(collection.upload_dir, sources)


async def _watch(state: AppState, seconds: float) -> None:
    """Every ``seconds``, swap in what other processes wrote to the served indexes."""
    while True:
        await asyncio.sleep(seconds)
        for collection in state.collections.values():
            try:
                await run_in_threadpool(collection.holder.refresh)
            except Exception:  # a failed look must not end the watching
                logger.exception("could not look for changes to collection %s", collection.name)


def _redactor(state: AppState) -> Redactor:
    """Messages name the served folders relatively: an index by its collection's name, its
    uploads as NAME/uploads, the work folder as jobs."""
    places = {state.jobs.root: "jobs"}
    for name, collection in state.collections.items():
        with collection.holder.lease() as service:
            places[service.snapshot.folder] = name
        places[collection.upload_dir] = f"{name}/uploads"
    return Redactor(places)


def answer_writer(settings: Settings) -> AnswerWriter | None:
    if not settings.llm_base_url or not settings.llm_model:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return AnswerWriter(
        LLMConfig(settings.llm_base_url, settings.llm_model, key, settings.llm_timeout)
    )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How ``citeqa serve`` runs uvicorn: on the configured address, and with uvicorn's own
    reading of X-Forwarded-For off (it trusts 127.0.0.1 by default), so that the app alone
    decides whom to believe (CITEQA_TRUSTED_PROXIES)."""
    return {"host": settings.host, "port": settings.port, "proxy_headers": False}


def create_app(
    settings: Settings | None = None, *, service: QAService | None = None,
    collections: dict[str, QAService] | None = None,
) -> FastAPI:  # fmt: skip
    """The app. ``service`` (one) or ``collections`` (by name, the first the default): opened
    services to serve, which the app closes at shutdown; by default the lifespan opens the
    indexes of ``settings`` (``served_indexes``), loading the models once."""
    settings = settings or get_settings()
    mcp_endpoint = HttpEndpoint(settings)

    def make_mcp() -> MCPServer:
        server = build_mcp(
            lambda name: lease_of(app, name), settings, lambda: list(state_of(app).collections),
            lambda text: state_of(app).redact(text),
        )  # fmt: skip
        mcp_endpoint.attach(server)
        return server

    given = (
        {service.snapshot.folder.resolve().name: service} if service is not None else collections
    )
    if given is not None and not given:
        raise ValueError("create_app needs at least one collection")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if given:
            opened, mcp = given, await run_in_threadpool(make_mcp)
        else:  # the models load while the MCP SDK is imported, in another thread
            opened, mcp = await asyncio.gather(
                run_in_threadpool(_open_all, settings), run_in_threadpool(make_mcp)
            )
        for service in opened.values():  # the server's limits, which the service enforces
            service.limit(max_question_chars=settings.max_question_chars, max_k=settings.max_k)
        several = len(opened) > 1
        first = next(iter(opened.values())).snapshot.folder
        registry = JobRegistry(
            work_folder(settings, first),
            keep=settings.max_jobs,
            max_active=settings.max_active_jobs,
            ttl_seconds=settings.job_ttl_hours * 3600,
            max_queued=settings.max_queued_questions,
            share=settings.job_share(),
            keyless_share=settings.job_share() if settings.all_key_values() else None,
        )
        state = AppState(
            settings=settings,
            collections={
                name: Collection(name, ServiceHolder(s), _upload_dir(settings, s, name, several))
                for name, s in opened.items()
            },
            jobs=registry,
            writer=answer_writer(settings),
            embedding_slots=embedding_slots(settings),
            upload_budget=UploadBudget(settings.max_upload_bytes_per_hour),
        )
        state.redact = registry.redact = _redactor(state)
        app.state.citeqa = state
        await run_in_threadpool(_take_over, state)
        watching = (
            asyncio.create_task(_watch(state, settings.watch_seconds))
            if settings.watch_seconds
            else None
        )
        try:
            async with mcp.session_manager.run():
                yield
        finally:
            if watching is not None:  # waits for a look under way to end
                watching.cancel()
                with suppress(asyncio.CancelledError):
                    await watching
            app.state.citeqa = None
            await run_in_threadpool(state.jobs.shutdown)
            for collection in state.collections.values():
                collection.holder.close()
            if state.writer is not None:
                state.writer.close()

    # With keys required for reading, the schema is a read like any other, and the browser
    # pages that show it (/docs, /redoc) are off: they cannot send a key to fetch it.
    closed = settings.require_key_for_reads
    app = FastAPI(
        title="citeqa", version=_version(), description=DESCRIPTION, lifespan=lifespan,
        openapi_url=None if closed else "/openapi.json",
        docs_url=None if closed else "/docs", redoc_url=None if closed else "/redoc",
    )  # fmt: skip
    install_error_handlers(app)
    app.add_middleware(
        BodyLimit,
        limits=body_limits(settings),
        default=Limit(settings.max_body_bytes, "CITEQA_MAX_BODY_BYTES"),
    )
    if settings.rate_limit_per_minute:
        app.add_middleware(
            RateLimit, per_minute=settings.rate_limit_per_minute, keys=settings.all_key_values()
        )
    if settings.trusted_proxies:  # outside the rate limit: it decides who the caller is
        app.add_middleware(ClientAddress, trusted=parse_networks(settings.trusted_proxies))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
        )
    allowed = allowed_hosts(settings)
    if allowed is not None:  # outermost: a request for another host is answered by nothing
        app.add_middleware(AllowedHosts, allowed=allowed)
    # Reads declare (and check) a key only when the server requires one for reading.
    reads = [Security(require_read_key)] if settings.require_key_for_reads else []
    app.include_router(health.router)
    reading = (
        qa.router, jobs.router, documents.reads, collection_routes.router, chat.router,
        embeddings.router,
    )  # fmt: skip
    for router in reading:
        app.include_router(router, dependencies=reads)
    app.include_router(documents.writes)
    app.state.methods = method_table([health.router, *reading, documents.writes])
    app.openapi = limited_openapi(app, settings)  # type: ignore[method-assign]
    if closed:

        @app.get("/openapi.json", include_in_schema=False, dependencies=reads)
        def schema() -> dict[str, Any]:
            return app.openapi()

    # an ASGI app as the endpoint (Starlette passes it the raw request): exactly /mcp
    app.add_route(
        "/mcp",
        mcp_endpoint,  # type: ignore[arg-type]
        methods=["GET", "POST", "DELETE"],
        include_in_schema=False,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    return app
