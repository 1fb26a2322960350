"""Several collections in one server: each request reads the collection it names (or the
first), and a question to one never cites another."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from api.app import create_app
from index.embedder import HashingEmbedder
from index.pipeline import ingest

PARKS_Q = "人均公园绿地面积达到多少"
COAL_Q = "煤炭产业占工业比重下降到多少"


@pytest.fixture
def two_collections(
    corpus: Path, tmp_path: Path, make_settings: Callable[..., Any], open_test: Callable[..., Any]
) -> Callable[..., FastAPI]:
    """ "reports" holds coal.txt, "parks" holds green.txt; reports is the default."""
    folders = {}
    for name, file in (("reports", "coal.txt"), ("parks", "green.txt")):
        folders[name] = tmp_path / "indexes" / name
        ingest([corpus / file], folders[name], HashingEmbedder(64), cross=HashingEmbedder(32))

    def make(**overrides: Any) -> FastAPI:
        services = {name: open_test(folder) for name, folder in folders.items()}
        return create_app(make_settings(**overrides), collections=services)

    return make


@pytest.fixture
def client(two_collections: Callable[..., FastAPI]) -> Iterator[TestClient]:
    with TestClient(two_collections()) as c:
        yield c


def _sources(body: dict[str, Any], key: str = "citations") -> set[str]:
    return {Path(c["source"]).name for c in body[key]}


def test_each_request_reads_the_collection_it_names(client: TestClient) -> None:
    listed = client.get("/v1/collections").json()["collections"]
    assert [(c["name"], c["model"], c["default"], c["documents"]) for c in listed] == [
        ("reports", "citeqa/reports", True, 1), ("parks", "citeqa/parks", False, 1)
    ]  # fmt: skip

    for question, name, file in ((PARKS_Q, "parks", "green.txt"), (COAL_Q, "reports", "coal.txt")):
        for other in ("reports", "parks"):
            body = {"question": question, "collection": other}
            hits = _sources(client.post("/v1/search", json=body).json(), "hits")
            asked = _sources(client.post("/v1/ask", json=body).json())
            expected = (
                {file} if other == name else {"coal.txt" if other == "reports" else "green.txt"}
            )
            assert hits == asked == expected, (question, other)

    default = client.post("/v1/search", json={"question": PARKS_Q}).json()
    assert _sources(default, "hits") == {"coal.txt"}  # the default is reports

    batch = client.post("/v1/batch", json={"questions": [COAL_Q], "collection": "parks"}).json()
    assert _sources(batch["results"][0]["answer"]) == {"green.txt"}

    docs = client.get("/v1/documents", params={"collection": "parks"}).json()
    assert [Path(d["source"]).name for d in docs["documents"]] == ["green.txt"]
    assert docs["collection"] == "parks" and docs["collections"] == ["reports", "parks"]


def test_chat_models_name_the_collections(client: TestClient) -> None:
    models = [m["id"] for m in client.get("/v1/models").json()["data"]]
    assert models == ["citeqa", "citeqa/reports", "citeqa/parks", "hashing-64"]
    assert client.get("/v1/models/citeqa/parks").json()["id"] == "citeqa/parks"
    for model, file in (("citeqa/parks", "green.txt"), ("citeqa", "coal.txt")):
        body = {"model": model, "messages": [{"role": "user", "content": PARKS_Q}]}
        reply = client.post("/v1/chat/completions", json=body).json()
        assert reply["model"] == model and _sources(reply) == {file}
    missing = client.post(
        "/v1/chat/completions",
        json={"model": "citeqa/none", "messages": [{"role": "user", "content": PARKS_Q}]},
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"


def test_an_unknown_collection_is_404_naming_the_others(client: TestClient) -> None:
    for reply in (
        client.post("/v1/search", json={"question": COAL_Q, "collection": "nope"}),
        client.post("/v1/jobs", json={"questions": [COAL_Q], "collection": "nope"}),
        client.get("/v1/documents", params={"collection": "nope"}),
    ):
        assert reply.status_code == 404
        assert reply.json()["error"] == {
            "code": "collection_not_found",
            "message": "no collection 'nope' here; the collections are reports, parks",
        }


def test_writes_go_to_the_collection_named(
    client: TestClient, auth: dict[str, str], wait_for_job: Callable[..., dict[str, Any]]
) -> None:
    upload = client.post(
        "/v1/documents", params={"collection": "parks"}, headers=auth,
        files=[("files", ("trees.txt", "全市新增造林面积三万亩，森林覆盖率达到百分之三十。".encode(), "text/plain"))],
    )  # fmt: skip
    assert upload.status_code == 202, upload.text
    assert wait_for_job(client, upload.json()["id"])["status"] == "succeeded"
    names = {
        c: {Path(d["source"]).name for d in client.get("/v1/documents", params={"collection": c}).json()["documents"]}
        for c in ("reports", "parks")
    }  # fmt: skip
    assert len(names["parks"]) == 2 and names["reports"] == {"coal.txt"}

    job = client.post("/v1/jobs", json={"questions": ["森林覆盖率达到多少"], "collection": "parks"})
    assert wait_for_job(client, job.json()["id"])["status"] == "succeeded"
    results = client.get(f"/v1/jobs/{job.json()['id']}/results").text
    assert "森林覆盖率" in results and "coal.txt" not in results


@pytest.mark.slow
def test_mcp_tools_take_the_collection(
    two_collections: Callable[..., FastAPI], serve: Callable[[FastAPI], Any]
) -> None:
    async def run(url: str) -> tuple[Any, Any]:
        async with (
            httpx2.AsyncClient(timeout=30) as http,
            Client(streamable_http_client(f"{url}/mcp", http_client=http)) as mcp,
        ):
            found = await mcp.call_tool("search", {"question": PARKS_Q, "collection": "parks"})
            docs = await mcp.call_tool("list_documents", {"collection": "nope"})
            return found, docs

    with serve(two_collections()) as url:
        found, docs = asyncio.run(run(url))
    assert {Path(h["source"]).name for h in found.structured_content["hits"]} == {"green.txt"}
    assert docs.is_error and "no collection 'nope' here" in docs.content[0].text


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
@pytest.mark.slow
def test_the_web_page_offers_the_collections(
    two_collections: Callable[..., FastAPI], serve: Callable[[FastAPI], Any]
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with serve(two_collections()) as url, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.goto(url + "/")
            select = page.locator("#collection")
            expect(select).to_be_visible()
            expect(select.locator("option")).to_have_text(
                ["reports (1 documents)", "parks (1 documents)"]
            )
            page.fill("#question", PARKS_Q)
            page.click("#ask")
            expect(page.locator("#passage-1 .text")).to_contain_text("煤炭")  # the default
            select.select_option("parks")
            page.click("#ask")
            expect(page.locator("#passage-1 .text")).to_contain_text("公园绿地")
        finally:
            browser.close()


def test_the_server_opens_every_index_with_one_set_of_models(
    corpus: Path, tmp_path: Path, make_settings: Callable[..., Any],
    open_test: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    import api.app

    root = tmp_path / "all"
    for name, file in (("reports", "coal.txt"), ("parks", "green.txt")):
        ingest([corpus / file], root / name, HashingEmbedder(64), cross=HashingEmbedder(32))
    opened: list[Path] = []

    def open_index(settings: Any) -> Any:  # what loads the models: once
        opened.append(settings.index)
        return open_test(settings.index)

    monkeypatch.setattr(api.app, "open_index", open_index)
    settings = make_settings(indexes=f"{root / 'reports'},{root / 'parks'}")  # as in the env
    with TestClient(create_app(settings)) as client:
        state = client.app.state.citeqa  # type: ignore[attr-defined]
        services = [c.holder.current for c in state.collections.values()]
        assert list(state.collections) == ["reports", "parks"] and opened == [root / "reports"]
        assert services[0].retriever.embedder is services[1].retriever.embedder
        hits = client.post("/v1/search", json={"question": PARKS_Q, "collection": "parks"})
        assert _sources(hits.json(), "hits") == {"green.txt"}


def test_any_folder_name_names_a_collection(corpus: Path, tmp_path: Path) -> None:
    from index.collections import CollectionError, index_folders

    for name in ("报告索引", "my reports"):
        ingest([corpus / "coal.txt"], tmp_path / "ok" / name, HashingEmbedder(64))
    assert [n for n, _ in index_folders([tmp_path / "ok"])] == ["my reports", "报告索引"]
    ingest([corpus / "coal.txt"], tmp_path / "bad" / ".hidden", HashingEmbedder(64))
    with pytest.raises(CollectionError, match="not starting with a space or a dot"):
        index_folders([tmp_path / "bad" / ".hidden"])
