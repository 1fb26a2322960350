"""Per-caller limits (a request rate, questions waiting in jobs), and what a hostile caller
sends: names that are not file names, keys that must never reach the logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.rate_limit import RateLimit, caller_of

OTHER_KEY = "second-key-9a8b7c"


def test_the_token_bucket_refills_at_its_rate() -> None:
    limit = RateLimit(lambda *a: None, per_minute=60, keys=[])  # type: ignore[arg-type]
    assert [limit.wait_for("a", now=0.0) for _ in range(60)] == [0.0] * 60
    assert limit.wait_for("a", now=0.0) == pytest.approx(1.0)
    assert limit.wait_for("b", now=0.0) == 0.0  # each caller has its own
    assert limit.wait_for("a", now=2.0) == 0.0  # a token a second


def test_callers_are_told_apart_by_key_never_kept_in_the_clear() -> None:
    def scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
        return {"headers": headers, "client": ("10.0.0.7", 5000)}

    keys = ["k1", "k2"]
    bearer = caller_of(scope([(b"authorization", b"Bearer k1")]), keys)
    assert bearer == caller_of(scope([(b"x-api-key", b"k1")]), keys) and "k1" not in bearer
    assert bearer != caller_of(scope([(b"x-api-key", b"k2")]), keys)
    assert caller_of(scope([]), keys) == "ip:10.0.0.7"
    # a key the server does not have buys no fresh allowance: the caller is its address
    assert caller_of(scope([(b"x-api-key", b"made-up")]), keys) == "ip:10.0.0.7"


def test_a_caller_over_the_rate_limit_is_told_when_to_come_back(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(rate_limit_per_minute=3, api_keys=["test-key-4f1c2b", OTHER_KEY])
    with TestClient(app) as client:
        asks = [client.post("/v1/search", json={"question": "煤炭"}) for _ in range(4)]
        assert [r.status_code for r in asks] == [200, 200, 200, 429]
        refused = asks[-1]
        assert refused.json()["error"]["code"] == "rate_limited"
        assert "3 a minute" in refused.json()["error"]["message"]
        assert int(refused.headers["Retry-After"]) >= 1
        assert client.get("/healthz").status_code == 200  # never limited
        other = client.post(
            "/v1/search", json={"question": "煤炭"}, headers={"X-API-Key": OTHER_KEY}
        )
        assert other.status_code == 200  # another caller, another bucket
        made_up = client.post(
            "/v1/search", json={"question": "煤炭"}, headers={"X-API-Key": "made-up-key"}
        )
        assert made_up.status_code == 429  # no key of the server's: the same address


def test_questions_waiting_in_jobs_are_limited_per_caller(
    make_app: Callable[..., FastAPI],
) -> None:
    questions = [f"煤炭产业占工业比重{i}" for i in range(60)]
    app = make_app(max_queued_questions=100, api_keys=["test-key-4f1c2b", OTHER_KEY])
    with TestClient(app) as client:
        state = app.state.citeqa
        first = client.post("/v1/jobs", json={"questions": questions})
        assert first.status_code == 202
        job = state.jobs.get(first.json()["id"])
        job.status, job.done = "running", 0  # still waiting, as far as the limit is concerned
        second = client.post("/v1/jobs", json={"questions": questions})
        assert second.status_code == 429
        assert second.json()["error"]["code"] == "too_many_queued_questions"
        assert "over this server's limit of 100" in second.json()["error"]["message"] or (
            "limit of 100" in second.json()["error"]["message"]
        )
        mine = client.post(
            "/v1/jobs", json={"questions": questions}, headers={"X-API-Key": OTHER_KEY}
        )
        assert mine.status_code == 202


@pytest.mark.parametrize(
    "name",
    ["a\x00b.txt", "bad\x1b[31mred\x07.txt", "x" * 4_000 + ".txt", "报告\r\n第二行.txt"],
)
def test_upload_names_that_are_no_file_names_are_shown_safely(
    client: TestClient, auth: dict[str, str], wait_for_job: Callable[..., dict[str, Any]], name: str
) -> None:
    files = [("files", (name, "量子计算实验室设在高新区。".encode(), "text/plain"))]
    job = wait_for_job(client, client.post("/v1/documents", files=files, headers=auth).json()["id"])
    assert job["status"] == "succeeded", job
    shown = job["result"]["files"][0]["filename"]
    assert len(shown) <= 200 and not any(ord(ch) < 32 for ch in shown)
    sources = [d["source"] for d in client.get("/v1/documents").json()["documents"]]
    assert all(len(s) <= 200 and not any(ord(ch) < 32 for ch in s) for s in sources)


def test_keys_never_reach_the_logs(
    client: TestClient, auth: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = {"Authorization": "Bearer wrong-key-7d6e5f"}
    client.post("/v1/documents", files=[("files", ("a.txt", b"x", "text/plain"))], headers=auth)
    client.post("/v1/documents", files=[("files", ("a.txt", b"x", "text/plain"))], headers=wrong)
    client.delete("/v1/documents/0123456789abcdef", headers=auth)
    client.post("/v1/ask", json={"question": "煤炭"}, headers=auth)
    assert caplog.records  # the requests were logged at all
    assert "test-key-4f1c2b" not in caplog.text and "wrong-key-7d6e5f" not in caplog.text


def test_a_file_name_too_long_for_a_form_header_is_refused_clearly(
    client: TestClient, auth: dict[str, str]
) -> None:
    files = [("files", ("x" * 10_000 + ".txt", b"text", "text/plain"))]
    refused = client.post("/v1/documents", files=files, headers=auth)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "malformed_body"
    assert "over 8 KB" in refused.json()["error"]["message"]
