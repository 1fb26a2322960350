"""Per-caller limits (a request rate, questions waiting in jobs), and what a hostile caller
sends: names that are not file names, keys that must never reach the logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import uvicorn_options
from api.callers import caller_of, client_address, forwarded_chain, parse_networks
from api.errors import ApiError
from api.jobs import JobRegistry
from api.rate_limit import RateLimit
from api.settings import Settings
from api.uploads import UploadBudget

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


@pytest.mark.parametrize(
    ("peer", "headers", "trusted", "caller"),
    [
        ("127.0.0.1", {b"x-forwarded-for": b"6.6.6.6"}, [], "127.0.0.1"),  # none trusted
        ("10.0.0.2", {b"x-forwarded-for": b"6.6.6.6"}, ["127.0.0.1"], "10.0.0.2"),
        ("10.0.0.2", {b"x-forwarded-for": b"203.0.113.9"}, ["10.0.0.0/8"], "203.0.113.9"),
        # a client's own X-Forwarded-For comes first; the proxy appends the address it saw
        ("10.0.0.2", {b"x-forwarded-for": b"6.6.6.6, 203.0.113.9"}, ["10.0.0.0/8"], "203.0.113.9"),
        ("10.0.0.2", {b"x-forwarded-for": b"203.0.113.9, 10.0.0.5"}, ["10.0.0.0/8"], "203.0.113.9"),
        ("10.0.0.2", {b"forwarded": b'for="[2001:db8::1]:4711";proto=https'}, ["10.0.0.2"],
         "2001:db8::1"),
        ("10.0.0.2", {b"forwarded": b"for=6.6.6.6, for=198.51.100.4"}, ["10.0.0.2"],
         "198.51.100.4"),
        ("10.0.0.2", {b"x-forwarded-for": b"not-an-address"}, ["10.0.0.2"], "10.0.0.2"),
        ("10.0.0.2", {}, ["10.0.0.2"], "10.0.0.2"),
    ],
)  # fmt: skip
def test_forwarded_headers_count_only_from_a_trusted_proxy(
    peer: str, headers: dict[bytes, bytes], trusted: list[str], caller: str
) -> None:
    chain = forwarded_chain(headers)
    assert client_address(peer, chain, parse_networks(trusted)) == caller


def test_a_bad_trusted_proxy_is_refused(make_settings: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="'10.0.0.300' is not an IP address or network"):
        make_settings(trusted_proxies="10.0.0.300")


def test_a_forged_x_forwarded_for_buys_no_fresh_allowance(
    make_app: Callable[..., FastAPI], serve: Callable[..., Any]
) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    options = {k: v for k, v in uvicorn_options(settings).items() if k not in ("host", "port")}
    with serve(make_app(rate_limit_per_minute=2), **options) as url:
        codes = [
            httpx.post(
                f"{url}/v1/search", json={"question": "煤炭"},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            ).status_code
            for i in range(3)
        ]  # fmt: skip
    assert codes == [200, 200, 429]
    # behind a trusted proxy, the address it saw is the caller
    with serve(make_app(rate_limit_per_minute=2, trusted_proxies="127.0.0.1"), **options) as url:
        codes = [
            httpx.post(
                f"{url}/v1/search", json={"question": "煤炭"},
                headers={"X-Forwarded-For": f"6.6.6.6, 198.51.100.{i // 2}"},
            ).status_code
            for i in range(6)
        ]  # fmt: skip
    assert codes == [200, 200, 200, 200, 200, 200]


def test_no_caller_holds_more_than_its_share_of_job_slots(tmp_path: Any) -> None:
    jobs = JobRegistry(tmp_path / "jobs", max_active=8, share=4, keyless_share=4)
    try:
        for _ in range(4):
            jobs.create("batch", 1, caller="ip:198.51.100.1")
        with pytest.raises(ApiError) as mine:
            jobs.create("batch", 1, caller="ip:198.51.100.1")
        assert (mine.value.status_code, mine.value.code) == (429, "too_many_jobs")
        assert mine.value.message == (
            "you have 4 question lists queued or running, your share of this server's 8 "
            "(CITEQA_MAX_ACTIVE_JOBS_PER_CALLER); wait for one to finish or cancel one "
            "(DELETE /v1/jobs/ID)"
        )
        with pytest.raises(ApiError) as keyless:  # another address, but keyless too
            jobs.create("batch", 1, caller="ip:198.51.100.2")
        assert keyless.value.message.startswith(
            "callers without an API key have 4 question lists queued or running, their share "
            "of this server's 8; the rest are kept for callers with a key. Send one, or wait"
        )
        jobs.create("ingest", 1, caller="ip:198.51.100.1")  # uploads have slots of their own
        for _ in range(4):  # a key holder still finds its slots
            jobs.create("batch", 1, caller="key:abc")
        with pytest.raises(ApiError) as full:
            jobs.create("batch", 1, caller="key:def")
        assert full.value.message.startswith("8 question lists are queued or running")
    finally:
        jobs.shutdown()


def test_a_key_holder_is_not_starved_by_a_keyless_caller(
    make_app: Callable[..., FastAPI], auth: dict[str, str]
) -> None:
    app = make_app(max_active_jobs=8)
    with TestClient(app, client=("198.51.100.7", 4000)) as client:
        app.state.citeqa.jobs.start = lambda *a, **k: None  # every job stays queued
        codes = [
            client.post("/v1/jobs", json={"questions": ["煤炭"]}).status_code for _ in range(8)
        ]
        assert codes == [202] * 4 + [429] * 4
        keyed = client.post("/v1/jobs", json={"questions": ["煤炭"]}, headers=auth)
        assert keyed.status_code == 202


def test_a_caller_uploads_at_most_its_budget_an_hour() -> None:
    budget = UploadBudget(3 * 1024 * 1024)
    budget.take("key:a", 2 * 1024 * 1024, now=0.0)
    with pytest.raises(ApiError) as over:
        budget.take("key:a", 1536 * 1024, now=600.0)
    assert (over.value.status_code, over.value.code) == (429, "upload_budget_exceeded")
    assert over.value.message == (
        "you uploaded 2.0 MB in the last hour and this upload is 1.5 MB; this server takes "
        "3.0 MB an hour from one caller (CITEQA_MAX_UPLOAD_BYTES_PER_HOUR). Try again in 50 min"
    )
    assert over.value.headers == {"Retry-After": "3000"}
    budget.take("key:b", 1536 * 1024, now=600.0)  # another caller
    budget.take("key:a", 1536 * 1024, now=3601.0)  # an hour later
    UploadBudget(0).take("key:a", 10**12)  # no limit


def test_uploads_past_the_budget_are_refused(
    make_app: Callable[..., FastAPI], auth: dict[str, str]
) -> None:
    app = make_app(max_upload_bytes_per_hour=60, api_keys=["test-key-4f1c2b", OTHER_KEY])
    files = [
        ("files", ("a.txt", "港口吞吐量增长了百分之十二。".encode(), "text/plain"))
    ]  # 42 bytes
    with TestClient(app) as client:
        assert client.post("/v1/documents", files=files, headers=auth).status_code == 202
        refused = client.post("/v1/documents", files=files, headers=auth)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "upload_budget_exceeded"
        assert refused.json()["error"]["message"].startswith(
            "you uploaded 42 bytes in the last hour and this upload is 42 bytes; this server "
            "takes 60 bytes an hour"
        )
        other = client.post("/v1/documents", files=files, headers={"X-API-Key": OTHER_KEY})
        assert other.status_code == 202
