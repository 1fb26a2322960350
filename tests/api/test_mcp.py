"""The MCP server, driven by the official SDK's own client: over stdio (``citeqa mcp`` as a
subprocess) and over streamable HTTP at /mcp of a server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

pytestmark = pytest.mark.slow  # real MCP servers: a subprocess, uvicorn

ROOT = Path(__file__).resolve().parents[2]
COAL = "煤炭产业占工业比重下降到多少"
TOOLS = {"search", "ask", "list_documents"}


async def _exercise(client: Client) -> dict[str, Any]:
    """List the tools, then call each; what came back, by tool."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    search = await client.call_tool("search", {"question": COAL, "k": 2})
    ask = await client.call_tool("ask", {"question": COAL})
    docs = await client.call_tool("list_documents", {})
    follow_up = await client.call_tool(
        "ask", {"question": "那晋城呢？", "history": ["鹤壁的煤炭产业占比是多少？"]}
    )
    too_long = await client.call_tool("search", {"question": "煤" * 5000})
    named = await client.call_tool("search", {"question": COAL, "k": 2, "collection": "idx"})
    unknown = await client.call_tool("search", {"question": COAL, "collection": "nope"})
    bad_k = await client.call_tool("ask", {"question": COAL, "k": 500})
    return {
        "tools": tools, "search": search, "ask": ask, "docs": docs, "follow_up": follow_up,
        "too_long": too_long, "bad_k": bad_k, "named": named, "unknown": unknown,
    }  # fmt: skip


def _check(seen: dict[str, Any]) -> None:
    assert set(seen["tools"]) == TOOLS
    assert seen["tools"]["search"].input_schema["required"] == ["question"]

    search = seen["search"]
    assert not search.is_error
    hits = search.structured_content["hits"]
    assert 1 <= len(hits) <= 2
    first = hits[0]
    for field in ("n", "text", "doc_id", "title", "source", "section", "page", "char_start",
                  "char_end", "score", "signals"):  # fmt: skip
        assert field in first, field
    assert first["source"].endswith("coal.txt") and "6.1%" in first["text"]

    ask = seen["ask"].structured_content
    assert ask["answer"].startswith("2021年煤炭产业占工业比重下降到6.1%。[1]")
    assert ask["citations"][0]["n"] == 1 and 0.0 <= ask["confidence"] <= 1.0
    assert "6.1%" in seen["ask"].content[0].text  # the same result as text, for any client

    docs = seen["docs"].structured_content
    assert docs["count"] == 3
    assert {Path(d["source"]).name for d in docs["documents"]} == {
        "coal.txt", "green.txt", "jincheng.txt"
    }  # fmt: skip

    assert seen["follow_up"].structured_content["searched"] == "晋城的煤炭产业占比是多少"

    assert seen["named"].structured_content["hits"] == seen["search"].structured_content["hits"]
    for name, says in (
        ("too_long", "5,000 characters long"), ("bad_k", "k of 500 is over"),
        ("unknown", "no collection 'nope' here"),
    ):  # fmt: skip
        result = seen[name]
        assert result.is_error, name
        assert says in result.content[0].text, result.content[0].text


def test_citeqa_mcp_over_stdio(index_folder: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=[str(ROOT / "tests" / "api" / "mcp_stdio_server.py"), "--index", str(index_folder)],
        env={"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "")},
        cwd=str(ROOT),
    )

    async def run() -> dict[str, Any]:
        async with Client(params) as client:
            return await _exercise(client)

    _check(asyncio.run(run()))


def _over_http(url: str, headers: dict[str, str]) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
        ):
            return await _exercise(client)

    return asyncio.run(run())


def test_serve_mounts_mcp_over_http_with_the_api_keys(
    make_app: Callable[..., FastAPI], serve: Callable[[FastAPI], Any], auth: dict[str, str]
) -> None:
    with serve(make_app(require_key_for_reads=True)) as url:
        _check(_over_http(url, auth))
        _check(_over_http(url, {"X-API-Key": auth["Authorization"].split()[1]}))
        for headers, says in (({}, "needs an API key"), ({"X-API-Key": "wrong"}, "not valid")):
            with pytest.raises(BaseExceptionGroup) as refused:
                _over_http(url, headers)
            error = refused.value
            while isinstance(error, BaseExceptionGroup):
                error = error.exceptions[0]
            assert isinstance(error, MCPError) and says in error.message, error


def test_mcp_needs_no_key_when_reads_are_open(
    make_app: Callable[..., FastAPI], serve: Callable[[FastAPI], Any]
) -> None:
    with serve(make_app()) as url:
        _check(_over_http(url, {}))
