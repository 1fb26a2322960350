from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from qa.generate import (
    AnswerWriter,
    GenerationError,
    LLMConfig,
    keep_known_markers,
    prompt_messages,
    write_or_keep,
)
from qa.service import QAService

COAL = "煤炭产业占工业比重下降到多少"
REPLY = "煤炭产业占比降到6.1%[1]，高新技术占比47.7% [2][9]。另见【3】与[1, 12]。"


@contextmanager
def fake_llm(reply: str, status: int = 200) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A tiny OpenAI-compatible chat endpoint on 127.0.0.1; yields its base URL and the
    requests it received."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(
                {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
            )
            message = {"role": "assistant", "content": reply}
            payload = (
                {
                    "id": "c1",
                    "object": "chat.completion",
                    "choices": [{"index": 0, "message": message}],
                }
                if status == 200
                else {"error": {"message": "overloaded"}}
            )
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A[1] B[7] C[2]", "A[1] B C[2]"),
        ("甲[1,2]乙[2、9]丙【3】丁［1］", "甲[1][2]乙[2]丙丁[1]"),
        ("only [8] here [ 9 ]", "only here"),
        ("keep [1][1] and year [2021]", "keep [1] and year"),
    ],
)
def test_only_markers_of_given_passages_are_kept(text: str, expected: str) -> None:
    assert keep_known_markers(text, {1, 2}) == expected


def test_the_llm_writes_from_the_passages_it_is_given(open_index: Callable[..., QAService]) -> None:
    answer = open_index().ask(COAL, 2)
    assert [c.n for c in answer.citations] == [1, 2]
    with fake_llm(REPLY) as (url, seen):
        writer = AnswerWriter(LLMConfig(url, "tiny-model", api_key="llm-key", timeout=5))
        written = writer.write(answer)
        writer.close()
    assert written.text == "煤炭产业占比降到6.1%[1]，高新技术占比47.7% [2]。另见与[1]。"
    assert written.citations == answer.citations and not written.abstained
    (request,) = seen
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer llm-key"
    assert request["body"]["model"] == "tiny-model" and request["body"]["temperature"] == 0
    assert request["body"]["messages"] == prompt_messages(answer)
    user = request["body"]["messages"][1]["content"]
    assert f"[1] {answer.citations[0].title}" in user and answer.citations[1].text in user
    assert user.endswith(f"Question: {COAL}")


def test_failures_of_the_llm_keep_the_extractive_answer(
    open_index: Callable[..., QAService],
) -> None:
    answer = open_index().ask(COAL, 3)
    with (
        fake_llm("I cannot say [5].") as (url, _),
        pytest.raises(GenerationError, match="cited none of the passages"),
    ):
        AnswerWriter(LLMConfig(url, "m", timeout=5)).write(answer)
    with fake_llm(REPLY, status=503) as (url, _):
        writer = AnswerWriter(LLMConfig(url, "m", timeout=5))
        with pytest.raises(GenerationError, match="answered HTTP 503"):
            writer.write(answer)
        assert write_or_keep(writer, answer) == (answer, False)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(GenerationError, match="could not reach the LLM"):
        AnswerWriter(LLMConfig(f"http://127.0.0.1:{port}/v1", "m", timeout=2)).write(answer)


def test_an_abstained_answer_is_not_sent(open_index: Callable[..., QAService]) -> None:
    answer = replace(open_index().ask(COAL, 3), abstained=True, text="文档中没有找到…")
    with fake_llm(REPLY) as (url, seen):
        assert AnswerWriter(LLMConfig(url, "m")).write(answer) is answer
    assert seen == []


def test_ask_and_chat_use_the_configured_llm(make_app: Callable[..., FastAPI]) -> None:
    with fake_llm(REPLY) as (url, seen):
        app = make_app(llm_base_url=url, llm_model="tiny-model", llm_api_key="llm-key")
        with TestClient(app) as client:
            assert client.get("/readyz").json()["llm"] is True
            response = client.post("/v1/ask", json={"question": COAL, "k": 2})
            assert response.headers["X-Citeqa-Answer"] == "generated"
            assert (
                response.json()["answer"]
                == "煤炭产业占比降到6.1%[1]，高新技术占比47.7% [2]。另见与[1]。"
            )
            plain = client.post("/v1/ask", json={"question": COAL, "k": 2, "generate": False})
            assert plain.headers["X-Citeqa-Answer"] == "extractive"
            assert plain.json()["answer"].startswith("2021年煤炭产业占工业比重下降到6.1%。[1]")
            chat = client.post(
                "/v1/chat/completions",
                json={"model": "citeqa", "k": 2, "messages": [{"role": "user", "content": COAL}]},
            ).json()
            assert chat["choices"][0]["message"]["content"].startswith("煤炭产业占比降到6.1%[1]")
    assert len(seen) == 2


def test_a_failing_llm_falls_back_to_the_extractive_answer(
    make_app: Callable[..., FastAPI],
) -> None:
    with (
        fake_llm(REPLY, status=500) as (url, seen),
        TestClient(make_app(llm_base_url=url, llm_model="m")) as client,
    ):
        response = client.post("/v1/ask", json={"question": COAL})
    assert seen and response.status_code == 200
    assert response.headers["X-Citeqa-Answer"] == "extractive"
    assert response.json()["answer"].startswith("2021年煤炭产业占工业比重下降到6.1%。[1]")


def test_asking_for_generation_without_an_llm_is_a_clear_error(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": COAL, "generate": True})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "llm_not_configured"
