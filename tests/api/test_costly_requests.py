"""Requests that cost the server much each: one caller's embedding requests under way at
once, and the /mcp requests it holds open, are bounded; a silent /mcp event stream is closed
after the idle timeout. (Characters per embedding request: test_body_limits.py.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import numpy as np
from fastapi import FastAPI

from index.embedder import HashingEmbedder, Kind

KEY = "test-key-4f1c2b"


class SlowQueries(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__(64)
        self.inside = threading.Semaphore(0)

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if kind == "query":
            self.inside.release()
            time.sleep(1.0)
        return super().embed(texts, kind)


def test_one_caller_has_few_embedding_requests_under_way(
    make_app: Callable[..., FastAPI], open_index: Callable[..., Any], serve: Callable[..., Any]
) -> None:
    slow = SlowQueries()
    app = make_app(service=open_index(slow), max_embedding_requests_per_caller=1)
    body = {"model": "hashing-64", "input": ["煤炭依赖是怎么降下来的"]}
    with serve(app) as url, ThreadPoolExecutor(2) as pool:
        first = pool.submit(httpx.post, f"{url}/v1/embeddings", json=body, timeout=30)
        assert slow.inside.acquire(timeout=10)  # the first is being embedded
        second = httpx.post(f"{url}/v1/embeddings", json=body, timeout=30)
        keyed = pool.submit(
            httpx.post, f"{url}/v1/embeddings", json=body, timeout=30, headers={"X-API-Key": KEY}
        )
        assert first.result().status_code == 200
        assert keyed.result().status_code == 200  # another caller
    assert second.status_code == 429
    assert second.json()["error"] == {
        "code": "too_many_concurrent_requests",
        "message": "you have 1 embedding requests under way, this server's limit for one "
        "caller (CITEQA_MAX_EMBEDDING_REQUESTS_PER_CALLER); wait for one to end",
    }
    assert second.headers["Retry-After"] == "1"


def _stream(url: str, opened: threading.Event, headers: dict[str, str]) -> float:
    """Seconds a GET /mcp event stream stayed open."""
    started = time.monotonic()
    with httpx.stream(
        "GET", f"{url}/mcp", headers={"Accept": "text/event-stream", **headers}, timeout=20
    ) as response:
        assert response.status_code == 200
        opened.set()
        for _ in response.iter_bytes():
            pass
    return time.monotonic() - started


def test_a_silent_mcp_stream_is_closed_when_idle(
    make_app: Callable[..., FastAPI], serve: Callable[..., Any]
) -> None:
    with serve(make_app(mcp_idle_seconds=0.5)) as url:
        assert _stream(url, threading.Event(), {}) < 3


def test_one_caller_holds_few_mcp_streams(
    make_app: Callable[..., FastAPI], serve: Callable[..., Any]
) -> None:
    app = make_app(max_mcp_streams_per_caller=2, mcp_idle_seconds=2)
    with serve(app) as url, ThreadPoolExecutor(2) as pool:
        opened = [threading.Event(), threading.Event()]
        streams = [pool.submit(_stream, url, event, {}) for event in opened]
        assert all(event.wait(10) for event in opened)
        refused = httpx.get(f"{url}/mcp", headers={"Accept": "text/event-stream"}, timeout=10)
        assert refused.status_code == 429
        assert refused.json()["error"]["data"] == {"code": "too_many_streams"}
        assert refused.json()["error"]["message"] == (
            "you have 2 /mcp requests under way, this server's limit for one caller "
            "(CITEQA_MAX_MCP_STREAMS_PER_CALLER); wait for one to end"
        )
        keyed = threading.Event()
        other = pool.submit(_stream, url, keyed, {"X-API-Key": KEY})  # another caller
        assert all(s.result() < 5 for s in streams)  # closed when idle, slots given back
        assert keyed.wait(10) and other.result() < 5
        again = threading.Event()
        assert _stream(url, again, {}) < 5 and again.is_set()


def test_an_upload_that_unpacks_far_beyond_its_size_is_refused_by_name(
    client: Any, auth: dict[str, str], wait_for_job: Callable[..., dict[str, Any]]
) -> None:
    import io

    import docx

    document = docx.Document()
    line = "全市新建公园绿地十二处，人均公园绿地面积达到18.8平方米。" * 30
    for i in range(1500):
        document.add_paragraph(f"{i}{line}")
    data = io.BytesIO()
    document.save(data)
    files = [("files", ("bomb.docx", data.getvalue(), "application/octet-stream"))]
    job = wait_for_job(client, client.post("/v1/documents", files=files, headers=auth).json()["id"])
    assert job["status"] == "failed" and job["error"]["code"] == "ingest_failed"
    assert job["error"]["message"].startswith(
        "1 of 1 files could not be indexed, so none was added (bomb.docx: its "
    )
    assert "over the limit of 20 a byte" in job["error"]["message"]
    assert client.get("/v1/documents").json()["count"] == 3
