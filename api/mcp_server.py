"""citeqa as a Model Context Protocol server: the tools ``search``, ``ask`` and
``list_documents``, whose results have the shapes of the JSON API (the same citation fields).

    citeqa mcp --index my-index        # over stdio, for a desktop assistant
    citeqa serve --index my-index      # also at /mcp, over streamable HTTP, with the API's keys

Built on the official SDK (``mcp``). The tools are thin: they check the server's limits and
call the same QAService as the HTTP routes, leased for the call so that a write swapping in a
new index does not close it under them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from api.errors import ApiError
from api.limits import check_history
from api.schemas import AskResponse, DocumentsResponse, SearchResponse
from api.security import check_key
from api.settings import Settings
from index.errors import CiteqaError
from qa.serialize import answer_dict, documents_dict, search_dict
from qa.service import DEFAULT_K, QAService

if TYPE_CHECKING:
    from mcp.server import MCPServer
    from starlette.types import ASGIApp, Receive, Scope, Send

Lease = Callable[[str | None], AbstractContextManager[QAService]]  # by collection name

INSTRUCTIONS = (
    "Search a collection of Chinese documents (government reports, policy texts, news; "
    "Simplified and Traditional) and answer questions from it with citations. Ask in Chinese "
    "or English. Each result cites its passages with document id, title, source, section, page "
    "and character offsets; an answer's [n] markers point to its citations. When an answer has "
    "abstained: true, nothing in the documents answers the question."
)


def build_mcp(
    lease: Lease, settings: Settings, names: Callable[[], list[str]],
    redact: Callable[[str], str] = str,
) -> MCPServer:  # fmt: skip
    """An MCP server whose tools read from the service ``lease`` gives for a collection
    (``names()``: the collections, the default first), within ``settings``' limits, its
    error messages passed through ``redact`` (the server's folders by short names). Made
    anew for every app: the SDK's session manager runs only once."""
    from mcp.server import MCPServer

    server = MCPServer("citeqa", instructions=INSTRUCTIONS, log_level="WARNING")

    @server.tool()
    def search(
        question: str, k: int = DEFAULT_K, doc_ids: list[str] | None = None,
        collection: str | None = None,
    ) -> SearchResponse:  # fmt: skip
        """The passages that best answer a question, best first, each with its citation
        (document, title, source, section, page, character offsets) and scores. doc_ids:
        search only these documents (ids from list_documents). collection: which collection
        to search, when the server has several (list_documents names them)."""
        with _service(lease, collection, redact) as service:
            wanted = set(doc_ids) if doc_ids is not None else None
            return SearchResponse.model_validate(
                search_dict(service.search(question, k, doc_ids=wanted))
            )

    @server.tool()
    def ask(
        question: str, k: int = DEFAULT_K, history: list[str] | None = None,
        collection: str | None = None,
    ) -> AskResponse:  # fmt: skip
        """A short answer quoted from the documents, with [n] markers pointing to its
        citations, a confidence in [0, 1], and abstained: true when nothing answers it.
        history: the conversation's earlier questions, oldest first, so that a follow-up such
        as 那晋城呢？ keeps their topic. collection: as for search."""
        with _service(lease, collection, redact) as service:
            check_history(history or (), settings)
            return AskResponse.model_validate(
                answer_dict(service.ask(question, k, history=history or ()))
            )

    @server.tool()
    def list_documents(collection: str | None = None) -> DocumentsResponse:
        """The documents in a collection (the default one unless named): id, title, number
        of passages and source; and the names of all collections served."""
        with _service(lease, collection, redact) as service:
            listed = documents_dict(service, collection or names()[0], names())
            return DocumentsResponse.model_validate(listed)

    return server


@contextmanager
def _service(
    lease: Lease, collection: str | None, redact: Callable[[str], str]
) -> Iterator[QAService]:
    """The leased service, with citeqa's errors (the server's limits among them) turned into
    tool errors that the client reads."""
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        with lease(collection) as service:
            yield service
    except ApiError as exc:
        raise ToolError(redact(exc.message)) from exc
    except CiteqaError as exc:
        raise ToolError(redact(str(exc))) from exc


def run_stdio(service: QAService, settings: Settings) -> None:
    """Serve ``service`` over stdin/stdout until the client closes it."""

    name = service.snapshot.folder.resolve().name

    @contextmanager
    def lease(collection: str | None) -> Iterator[QAService]:
        if collection not in (None, name):
            raise ApiError(
                404, "collection_not_found", f"no collection {collection!r} here; the one "
                f"collection is {name}",
            )  # fmt: skip
        yield service

    build_mcp(lease, settings, lambda: [name]).run(transport="stdio")


class HttpEndpoint:
    """/mcp over streamable HTTP, stateless and answering in JSON, behind the API's read-key
    rule. The app mounts it when it is made; its MCP server is attached while the app starts
    (``attach``, which imports the SDK: done beside the model loading, not before it), and
    until then it answers 503."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._app: ASGIApp | None = None

    def attach(self, server: MCPServer) -> None:
        """Serve ``server``; its session manager must run while the app serves (the app's
        lifespan enters ``server.session_manager.run()``)."""
        from mcp.server.streamable_http_manager import StreamableHTTPASGIApp

        # The SDK checks the Host header against the address listened on (DNS-rebinding
        # protection) when that is a loopback address; with CITEQA_ALLOWED_HOSTS set, the
        # app's own check (api/hosts.py) is the one.
        from mcp.server.transport_security import TransportSecuritySettings

        security = (
            TransportSecuritySettings(enable_dns_rebinding_protection=False)
            if self.settings.allowed_hosts
            else None
        )
        server.streamable_http_app(
            stateless_http=True, json_response=True, host=self.settings.host,
            transport_security=security,
        )  # fmt: skip
        from api.mcp_limits import StreamLimits

        streams = StreamLimits(
            StreamableHTTPASGIApp(server.session_manager), self.settings, _refuse
        )
        self._app = ReadKey(streams, self.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            starting = ApiError(503, "not_ready", "the service is starting or stopping")
            await _refuse(starting)(scope, receive, send)
            return
        await self._app(scope, receive, send)


class ReadKey:
    """Lets a request through when the server does not require a key for reads, or when it
    presents one of the server's keys; otherwise a JSON-RPC error the MCP client reports."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.settings.require_key_for_reads:
            try:
                check_key(_key(scope), self.settings.all_key_values(), action="this server")
            except ApiError as exc:
                await _refuse(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _key(scope: Scope) -> str | None:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    if headers.get("x-api-key", "").strip():
        return headers["x-api-key"].strip()
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _refuse(exc: ApiError) -> Any:
    from starlette.responses import JSONResponse

    body = {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32001, "message": exc.message, "data": {"code": exc.code}},
    }
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
