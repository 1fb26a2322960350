"""Where an index held in Milvus lives: the connection, and its three collections.

``citeqa index --milvus URI`` keeps an index's chunks, documents and search in Milvus; the
index folder then holds only its manifest (the URI and the collections' prefix, never a
token: that comes from ``CITEQA_MILVUS_TOKEN``). The URI is either a local path ending in
``.db``, which runs Milvus Lite inside the process, or ``http(s)://host:port``, a Milvus
server (standalone, a cluster, or Milvus Lite's ``milvus-lite server``).

```
{prefix}_chunks      a row per chunk: its text, citation, script, e5 and USE vectors, and
                     its BM25 term weights as a sparse vector (index/sparse.py)
{prefix}_documents   a row per 16,000 characters of each document's text; the first
                     holds the document's record
{prefix}_meta        one row: the generation, and the token frequencies BM25's idf needs
```

Every collection is read with Strong consistency: a write is seen by the next read.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from index.errors import BackendError, InvalidInput

TOKEN_ENV = "CITEQA_MILVUS_TOKEN"
KINDS = ("chunks", "documents", "meta")
_IN = 1000  # values of one ``in [...]`` filter
_PAGE = 4096  # rows of one query; more are read by an iterator
TEXT_PART = 16_000  # characters a documents row holds: at most 64,000 bytes of UTF-8
MAX_VARCHAR = 65_535
_PREFIX = re.compile(r"[^A-Za-z0-9_]")


def normalise_uri(uri: str) -> str:
    """The URI as the manifest keeps it: a Milvus Lite file made absolute (the index is then
    found from any working directory), a server's URI as given."""
    uri = uri.strip()
    if uri.startswith(("http://", "https://", "tcp://")):
        return uri.rstrip("/")
    if not uri.endswith(".db"):
        raise InvalidInput(
            f"--milvus {uri!r} is neither a Milvus Lite file (a path ending in .db) nor a "
            "server's URI (http://HOST:19530)"
        )
    return str(Path(uri).expanduser().resolve())


def is_lite_file(uri: str) -> bool:
    return uri.endswith(".db") and not uri.startswith(("http://", "https://", "tcp://"))


def collection_prefix(folder: Path) -> str:
    """A prefix for a new index's collections: the folder's name and a random part, so two
    indexes never share collections in one Milvus."""
    name = _PREFIX.sub("_", folder.resolve().name)[:40] or "index"
    return f"citeqa_{name}_{os.urandom(4).hex()}"


def connect(uri: str) -> Any:
    """A MilvusClient for ``uri``; BackendError, naming it, when Milvus cannot be reached or
    pymilvus is not installed."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise BackendError(
            f"the index is held in Milvus ({uri}) but pymilvus is not installed; install "
            "citeqa with its Milvus extra: pip install 'citeqa[milvus]'"
        ) from exc
    # pymilvus logs each failed call with its traceback; citeqa tells the failure itself
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    options: dict[str, Any] = {}
    if is_lite_file(uri):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
        # pymilvus pings every 10 s; Milvus Lite's server takes one in 5 minutes and answers
        # more with a GOAWAY that gRPC prints
        options["grpc_options"] = {"grpc.keepalive_time_ms": 300_000}
        # Milvus Lite's server in this process logs each call it lacks (pymilvus asks for
        # some and does without them) as an error with a traceback
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    try:
        return MilvusClient(uri=uri, token=os.environ.get(TOKEN_ENV, ""), timeout=30, **options)
    except Exception as exc:  # pymilvus raises its own and grpc's errors
        raise BackendError(
            f"cannot reach Milvus at {uri} ({_reason(exc)}); start it, or check the URI and "
            f"the token in {TOKEN_ENV}"
        ) from exc


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc).strip().splitlines()[0][:300]


def create_collections(
    client: Any, prefix: str, dimension: int, cross_dimension: int, lite: bool
) -> None:
    """Create the index's collections (those missing). A Milvus Lite file searches its vectors
    exhaustively (FLAT: it is for collections of some hundred thousand chunks); a server
    with HNSW graphs."""
    from pymilvus import DataType

    if not client.has_collection(f"{prefix}_chunks"):
        s = client.create_schema(auto_id=False)
        s.add_field("row_id", DataType.INT64, is_primary=True)
        # place: "doc_id:ordinal", where a passage's neighbours are looked up by
        names = (("chunk_id", 64), ("doc_id", 64), ("place", 96), ("text_hash", 64), ("script", 16))
        for name, length in names:
            s.add_field(name, DataType.VARCHAR, max_length=length)
        for name in ("text", "search_text", "sentences"):
            s.add_field(name, DataType.VARCHAR, max_length=MAX_VARCHAR)
        for name in ("ordinal", "char_start", "char_end", "length"):
            s.add_field(name, DataType.INT64)
        s.add_field("draw", DataType.FLOAT)  # uniform in [0, 1): the sample stats are taken on
        s.add_field("cite", DataType.JSON)  # section, page
        s.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
        if cross_dimension:
            s.add_field("cross", DataType.FLOAT_VECTOR, dim=cross_dimension)
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        params = client.prepare_index_params()
        dense: dict[str, Any] = (
            {"index_type": "FLAT"}
            if lite
            else {"index_type": "HNSW", "params": {"M": 32, "efConstruction": 256}}
        )
        for name in ("dense", "cross") if cross_dimension else ("dense",):
            params.add_index(name, metric_type="IP", **dense)
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        _create(client, f"{prefix}_chunks", s, params)
    if not client.has_collection(f"{prefix}_documents"):
        s = client.create_schema(auto_id=False)
        s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=96)
        s.add_field("doc_id", DataType.VARCHAR, max_length=64)
        s.add_field("part", DataType.INT64)
        s.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR)
        s.add_field("record", DataType.JSON)
        s.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field
        params = client.prepare_index_params()
        params.add_index("unused", index_type="FLAT", metric_type="L2")
        _create(client, f"{prefix}_documents", s, params)
    if not client.has_collection(f"{prefix}_meta"):
        s = client.create_schema(auto_id=False)
        s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=32)
        s.add_field("df", DataType.SPARSE_FLOAT_VECTOR)
        s.add_field("state", DataType.JSON)
        params = client.prepare_index_params()
        params.add_index("df", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        _create(client, f"{prefix}_meta", s, params)


class Collections:
    """The collections of one index in one Milvus: the client, and the reads every part of
    the index makes of them."""

    def __init__(self, uri: str, prefix: str) -> None:
        self.uri = uri
        self.prefix = prefix
        self.client = connect(uri)

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except BackendError:
            raise
        except Exception as exc:
            if type(exc).__module__.split(".")[0] not in ("pymilvus", "grpc"):
                raise
            detail = str(getattr(exc, "message", None) or exc).splitlines()[0][:300]
            raise BackendError(f"Milvus at {self.uri} refused a request: {detail}") from exc

    def collection(self, kind: str) -> str:
        return f"{self.prefix}_{kind}"

    def query(self, kind: str, where: str, fields: list[str]) -> list[dict[str, Any]]:
        """Every row matching ``where``, however many (one call for up to ``_PAGE``)."""
        with self.errors():
            first = list(
                self.client.query(
                    self.collection(kind), filter=where, output_fields=fields, limit=_PAGE
                )
            )
            if len(first) < _PAGE:
                return first
            it = self.client.query_iterator(
                self.collection(kind), batch_size=4096, filter=where, output_fields=fields
            )
            rows: list[dict[str, Any]] = []
            try:
                while batch := it.next():
                    rows.extend(batch)
            finally:
                it.close()
        return rows

    def query_in(
        self, kind: str, field: str, values: Sequence[Any], fields: list[str], also: str = ""
    ) -> list[dict[str, Any]]:
        """``query`` for the rows whose ``field`` is one of ``values`` (and ``also``)."""
        rows: list[dict[str, Any]] = []
        values = list(values)
        for i in range(0, len(values), _IN):
            part = values[i : i + _IN]
            listed = quoted(part) if isinstance(part[0], str) else str([int(v) for v in part])
            rows += self.query(kind, f"{field} in {listed}{also}", fields)
        return rows

    def delete_in(self, kind: str, field: str, values: Sequence[str]) -> None:
        for i in range(0, len(values), _IN):
            listed = quoted(list(values[i : i + _IN]))
            self.client.delete(self.collection(kind), filter=f"{field} in {listed}")


def _create(client: Any, name: str, schema: Any, params: Any) -> None:
    """A collection with its indexes, loaded. The indexes of an empty collection are made at
    once: pymilvus is told not to poll for them (half a second an index)."""
    client.create_collection(name, schema=schema, consistency_level="Strong")
    client.create_index(name, params, sync=False)
    client.load_collection(name)


def drop_collections(client: Any, prefix: str) -> None:
    for kind in KINDS:
        if client.has_collection(f"{prefix}_{kind}"):
            client.drop_collection(f"{prefix}_{kind}")


def quoted(values: list[str] | set[str] | tuple[str, ...]) -> str:
    """A list of strings for a Milvus filter (``doc_id in [...]``)."""
    return (
        "["
        + ", ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
        + "]"
    )
