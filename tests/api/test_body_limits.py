"""Every route has a body limit of its own, checked while the body comes in and before it is
parsed: small for search, ask and chat, sized by their own limits for batches and
embeddings, and the large job and upload limits only for jobs and uploads. A request's
history of earlier questions is bounded in turns and characters."""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.limits import BodyLimit, Limit, body_limits
from api.settings import Settings
from tests.api.conftest import hashing_server

JSON = {"Content-Type": "application/json"}


def _search_body(size: int) -> bytes:
    """A /v1/search body of about ``size`` bytes, padded with a history of empty objects."""
    count = max(0, (size - 40) // 4)
    return json.dumps({"question": "煤炭", "history": [{}] * count}).encode()


def test_search_ask_and_chat_bodies_are_small(make_app: Callable[..., FastAPI]) -> None:
    body = _search_body(70_000)  # over 64 KB; a job of the same size is welcome
    with TestClient(make_app()) as client:
        for path in ("/v1/search", "/v1/ask", "/mcp", "/v1/collections"):
            refused = client.post(path, content=body, headers=JSON)
            assert refused.status_code == 413, path
            assert refused.json()["error"] == {
                "code": "request_too_large",
                "message": "the request body is over this server's limit of 65,536 bytes for "
                f"POST {path} (set by CITEQA_MAX_BODY_BYTES)",
            }
        streamed = client.post(  # no Content-Length: counted while it is read
            "/v1/search", content=iter([body[:40_000], body[40_000:]]), headers=JSON
        )
        assert streamed.status_code == 413
        assert "65,536 bytes for POST /v1/search" in streamed.json()["error"]["message"]
        job = client.post("/v1/jobs", content=body, headers=JSON)
        assert job.status_code == 422 and job.json()["error"]["code"] == "validation_error"
        chat = json.dumps(
            {"model": "citeqa", "messages": [{"role": "user", "content": "煤" * 300_000}]}
        ).encode()
        refused = client.post("/v1/chat/completions", content=chat, headers=JSON)
        assert refused.status_code == 413
        assert refused.json()["error"]["message"] == (
            "the request body is over this server's limit of 262,144 bytes for POST "
            "/v1/chat/completions (set by CITEQA_MAX_CHAT_BODY_BYTES)"
        )


def test_batch_and_embedding_bodies_are_sized_by_their_own_limits(
    make_app: Callable[..., FastAPI],
) -> None:
    settings = Settings(_env_file=None, max_batch=2, max_question_chars=10)  # type: ignore[call-arg]
    limits = body_limits(settings)
    assert limits["/v1/batch"].bytes == 2 * (10 * 6 + 256) + 64 * 1024
    assert limits["/v1/embeddings"].bytes == 20_000 * 6 + 256 * 64 + 64 * 1024
    assert limits["/v1/jobs"].bytes == 10_000 * (10 * 4 + 256)
    app = make_app(max_batch=2, max_question_chars=10, max_embedding_total_chars=1000)
    with TestClient(app) as client:
        batch = client.post(
            "/v1/batch", content=json.dumps({"questions": ["x" * 70_000]}), headers=JSON
        )
        assert batch.status_code == 413
        assert batch.json()["error"]["message"] == (
            "the request body is over this server's limit of 66,168 bytes for POST /v1/batch "
            "(set by CITEQA_MAX_BATCH × CITEQA_MAX_QUESTION_CHARS)"
        )
        embeddings = client.post(
            "/v1/embeddings",
            content=json.dumps({"model": "hashing-64", "input": ["x" * 100_000]}),
            headers=JSON,
        )
        assert embeddings.status_code == 413
        assert (
            "for POST /v1/embeddings (set by CITEQA_MAX_EMBEDDING_INPUTS"
            in (embeddings.json()["error"]["message"])
        )
        over = client.post(
            "/v1/embeddings", json={"model": "hashing-64", "input": ["煤炭" * 300, "港口" * 300]}
        )
        assert over.status_code == 422
        assert over.json()["error"] == {
            "code": "too_many_characters",
            "message": "the texts hold 1,200 characters together; this server embeds at most "
            "1,000 in one request (CITEQA_MAX_EMBEDDING_TOTAL_CHARS): send them in several "
            "requests",
        }


def test_a_body_is_refused_while_it_streams_in_before_it_is_read_in_full() -> None:
    chunk, sent = b"x" * 16_384, []
    read: list[int] = []

    async def receive() -> dict[str, Any]:
        sent.append(len(chunk))
        more = len(sent) < 2_500  # a 40 MB body, sent without a length
        return {"type": "http.request", "body": chunk, "more_body": more}

    async def app(scope: Any, receive: Any, send: Any) -> None:  # reads like request.body()
        while True:
            message = await receive()
            read.append(len(message["body"]))
            if not message["more_body"]:
                break

    limit = BodyLimit(app, limits={}, default=Limit(65_536, "CITEQA_MAX_BODY_BYTES"))
    scope = {"type": "http", "method": "POST", "path": "/v1/search", "headers": []}

    async def noop(message: Any) -> None:
        pass

    import asyncio

    with pytest.raises(Exception) as refused:
        asyncio.run(limit(scope, receive, noop))
    assert getattr(refused.value, "code", None) == "request_too_large"
    assert sum(sent) <= 65_536 + len(chunk)  # stopped at the limit: 80 KB of 40 MB read
    assert sum(read) <= 65_536


@pytest.mark.parametrize(
    ("history", "code", "message"),
    [
        (["煤炭"] * 21, "validation_error", "history: List should have at most 20 items"),
        ([{}] * 3, "validation_error", "history.0: Input should be a valid string"),
        (
            ["煤" * 900] * 10,
            "history_too_long",
            "history holds 9,000 characters; this server reads at most 8,000 "
            "(CITEQA_MAX_HISTORY_CHARS): send only the latest questions, a follow-up leans on "
            "the ones just before it",
        ),
    ],
)
def test_history_is_bounded_in_turns_and_characters(
    client: TestClient, history: list[Any], code: str, message: str
) -> None:
    for path in ("/v1/search", "/v1/ask"):
        refused = client.post(path, json={"question": "那晋城呢？", "history": history})
        assert refused.status_code == 422, path
        assert refused.json()["error"]["code"] == code
        assert refused.json()["error"]["message"].startswith(message)


def test_a_long_chat_is_read_by_its_latest_questions(client: TestClient) -> None:
    messages = []
    for i in range(40):
        messages += [
            {"role": "user", "content": f"第{i}个问题：" + "煤" * 500},
            {"role": "assistant", "content": "答"},
        ]
    messages.append({"role": "user", "content": "人均公园绿地面积"})
    reply = client.post("/v1/chat/completions", json={"model": "citeqa", "messages": messages})
    assert reply.status_code == 200, reply.text


def test_chat_history_keeps_the_latest_turns_within_the_characters() -> None:
    from api.chat import history_of
    from api.schemas_openai import ChatMessage

    texts = [f"q{i}" + "x" * 98 for i in range(30)] + ["last"]  # 100 characters each
    messages = [ChatMessage(role="user", content=t) for t in texts]
    assert history_of(messages) == texts[10:30]  # the latest 20 turns
    assert history_of(messages, chars=350) == texts[27:30]
    assert history_of(messages, chars=0) == []


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    (line,) = [x for x in status.splitlines() if x.startswith("VmRSS:")]
    return int(line.split()[1]) / 1024


def _send_big(port: int, chunked: bool) -> bytes:
    """POST /v1/search with a 40 MB body (declared, or chunked without a length), sending
    until the server answers; the first line of its answer."""
    size = 40 * 1024 * 1024
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            f"POST /v1/search HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\n{length}\r\n\r\n".encode()
        )
        piece = b"{}, " * 16_384
        sent = 0
        sock.setblocking(False)
        while sent < size:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
            try:
                sock.sendall(frame)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        sock.setblocking(True)
        answer = b""
        while b"\r\n" not in answer:
            answer += sock.recv(4096)
        return answer.split(b"\r\n")[0]


@pytest.mark.slow
def test_forty_megabyte_bodies_are_refused_before_they_are_read(
    index_folder: Path, tmp_path: Path
) -> None:
    with hashing_server(index_folder, tmp_path / "work", slow=0.0) as (url, proc):
        port = int(url.rsplit(":", 1)[1])
        before = _rss_mb(proc.pid)
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda i: _send_big(port, chunked=i % 2 == 1), range(4)))
        after = _rss_mb(proc.pid)
    assert answers == [b"HTTP/1.1 413 Request Entity Too Large"] * 4
    assert after - before < 150, (before, after)
