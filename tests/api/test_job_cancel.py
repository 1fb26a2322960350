"""Cancelling jobs: DELETE /v1/jobs/ID stops a question list after its current group, drops a
queued job before it starts, and forgets a finished one; shutting down stops running lists
(queued again, for the next server to resume: tests/api/test_durable_jobs.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from qa.service import QAService

QUESTIONS = [f"煤炭产业占工业比重下降到多少{i}" for i in range(320)]  # ten groups of 32


@pytest.fixture
def make_slow_app(
    make_app: Callable[..., FastAPI], open_index: Callable[..., QAService],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., FastAPI]:  # fmt: skip
    """Apps whose service takes 0.2 s a group of questions (keywords: settings)."""

    def make(**overrides: Any) -> FastAPI:
        service = open_index()
        ask_many = service.ask_many

        def slow(questions: Any, k: int = 5) -> Any:
            time.sleep(0.2)
            return ask_many(questions, k)

        monkeypatch.setattr(service, "ask_many", slow)
        return make_app(service, **overrides)

    return make


@pytest.fixture
def slow_app(make_slow_app: Callable[..., FastAPI]) -> FastAPI:
    return make_slow_app()


def _until(client: TestClient, job_id: str, status: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] == status:
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not become {status}: {job}")


@pytest.mark.slow
def test_a_running_question_list_stops_after_its_group(slow_app: FastAPI) -> None:
    with TestClient(slow_app) as client:
        job_id = client.post("/v1/jobs", json={"questions": QUESTIONS}).json()["id"]
        _until(client, job_id, "running")
        cancel = client.delete(f"/v1/jobs/{job_id}")
        assert cancel.status_code == 202 and cancel.json()["cancelling"] is True
        job = _until(client, job_id, "cancelled")
        assert 0 <= job["done"] < job["total"] == len(QUESTIONS)
        assert job["cancelling"] is False and job["finished_at"]
        results = client.get(f"/v1/jobs/{job_id}/results")
        assert results.status_code == 409 and "cancelled" in results.json()["error"]["message"]


@pytest.mark.slow
def test_a_queued_job_never_starts_and_a_finished_one_is_forgotten(slow_app: FastAPI) -> None:
    with TestClient(slow_app) as client:
        first = client.post("/v1/jobs", json={"questions": QUESTIONS[:64]}).json()["id"]
        queued = client.post("/v1/jobs", json={"questions": QUESTIONS[:32]}).json()["id"]
        cancelled = client.delete(f"/v1/jobs/{queued}")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        _until(client, first, "succeeded")
        job = client.get(f"/v1/jobs/{queued}").json()
        assert job["status"] == "cancelled" and job["started_at"] is None and job["done"] == 0

        forgotten = client.delete(f"/v1/jobs/{first}")
        assert forgotten.status_code == 200 and forgotten.json()["status"] == "succeeded"
        assert client.get(f"/v1/jobs/{first}").status_code == 404
        assert client.delete(f"/v1/jobs/{first}").json()["error"]["code"] == "job_not_found"


@pytest.mark.slow
def test_shutting_down_stops_a_running_question_list(slow_app: FastAPI) -> None:
    client = TestClient(slow_app)
    client.__enter__()
    job_id = client.post("/v1/jobs", json={"questions": QUESTIONS * 10}).json()["id"]  # ~20 s
    _until(client, job_id, "running")
    state = slow_app.state.citeqa
    job = state.jobs.get(job_id)
    started = time.monotonic()
    client.__exit__(None, None, None)
    assert time.monotonic() - started < 2  # one group, not the whole list
    assert job is not None and job.status == "queued"  # for the next server to resume
    assert 0 <= job.done < job.total


@pytest.mark.slow
def test_jobs_beyond_the_active_limit_are_refused_and_lists_do_not_hold_up_uploads(
    make_slow_app: Callable[..., FastAPI], auth: dict[str, str]
) -> None:
    # one caller here, allowed every slot (by default it may hold half of them)
    app = make_slow_app(max_active_jobs=2, max_active_jobs_per_caller=2)
    with TestClient(app) as client:
        first, second = (
            client.post("/v1/jobs", json={"questions": QUESTIONS}).json()["id"] for _ in range(2)
        )
        third = client.post("/v1/jobs", json={"questions": QUESTIONS[:1]})
        assert third.status_code == 429
        assert third.json()["error"]["code"] == "too_many_jobs"
        assert "2 question lists are queued or running" in third.json()["error"]["message"]
        files = [("files", ("lab.txt", "量子计算实验室设在高新区。".encode(), "text/plain"))]
        upload = client.post("/v1/documents", files=files, headers=auth)
        assert upload.status_code == 202  # an upload has its own budget
        assert client.delete(f"/v1/jobs/{second}").json()["status"] == "cancelled"  # was queued
        assert client.post("/v1/jobs", json={"questions": QUESTIONS[:1]}).status_code == 202
        client.delete(f"/v1/jobs/{first}")
