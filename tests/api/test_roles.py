"""Read keys and write keys: a read-only key (CITEQA_READ_KEYS) reads wherever reads need a
key but cannot upload or delete; and a job belongs to the caller that made it, so another
caller cannot see, download or delete it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

READER = "reader-key-3c2d1e"
WRITER = "test-key-4f1c2b"  # the test server's key (conftest)
OTHER_WRITER = "second-writer-5e6f7a"
FILES = [("files", ("a.txt", "港口吞吐量增长".encode(), "text/plain"))]


def _key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def closed(make_app: Callable[..., FastAPI]) -> Any:
    app = make_app(require_key_for_reads=True, api_keys=[WRITER, OTHER_WRITER], read_keys=READER)
    with TestClient(app) as client:
        yield client


def test_a_read_key_reads_but_cannot_write(closed: TestClient) -> None:
    reader = _key(READER)
    assert closed.post("/v1/ask", json={"question": "煤炭"}, headers=reader).status_code == 200
    assert closed.get("/v1/documents", headers=reader).status_code == 200
    assert closed.get("/v1/documents", headers={"X-API-Key": READER}).status_code == 200
    for response in (
        closed.post("/v1/documents", files=FILES, headers=reader),
        closed.delete("/v1/documents/0123456789abcdef", headers={"X-API-Key": READER}),
    ):
        assert response.status_code == 403
        assert response.json()["error"] == {
            "code": "read_only_key",
            "message": "this API key may read but not change the index; uploads and "
            "deletions need a key from CITEQA_API_KEYS",
        }
    assert closed.post("/v1/documents", files=FILES, headers=_key(WRITER)).status_code == 202
    assert closed.post("/v1/ask", json={"question": "煤炭"}).status_code == 401


def test_read_keys_alone_open_reads_and_leave_writes_disabled(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(require_key_for_reads=True, api_keys=[], read_keys=READER)
    with TestClient(app) as client:
        assert client.post("/v1/search", json={"question": "煤炭"}, headers=_key(READER)).is_success
        refused = client.post("/v1/documents", files=FILES, headers=_key(READER))
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "writes_disabled"


def test_a_job_belongs_to_the_caller_that_made_it(
    closed: TestClient, wait_for_job: Callable[..., dict[str, Any]]
) -> None:
    made = closed.post("/v1/jobs", json={"questions": ["煤炭产业占工业比重"]}, headers=_key(READER))
    assert made.status_code == 202
    job_id = made.json()["id"]
    assert wait_for_job(closed, job_id, headers=_key(READER))["status"] == "succeeded"
    not_yours = {
        "code": "job_not_found",
        "message": f"no job {job_id!r} here (finished jobs are kept for a while)",
    }
    for other in (_key(WRITER), _key(OTHER_WRITER)):
        for method, path in [
            ("GET", f"/v1/jobs/{job_id}"),
            ("GET", f"/v1/jobs/{job_id}/results?format=csv"),
            ("DELETE", f"/v1/jobs/{job_id}"),
        ]:
            response = closed.request(method, path, headers=other)
            assert response.status_code == 404, (method, path)
            assert response.json()["error"] == not_yours
    assert closed.get(f"/v1/jobs/{job_id}/results", headers=_key(READER)).status_code == 200
    upload = closed.post("/v1/documents", files=FILES, headers=_key(WRITER)).json()["id"]
    assert wait_for_job(closed, upload, headers=_key(WRITER))["status"] == "succeeded"
    assert closed.get(f"/v1/jobs/{upload}", headers=_key(OTHER_WRITER)).status_code == 404
    assert closed.delete(f"/v1/jobs/{upload}", headers=_key(READER)).status_code == 404
    assert closed.delete(f"/v1/jobs/{job_id}", headers=_key(READER)).status_code == 200


def test_keyless_jobs_belong_to_their_address(make_app: Callable[..., FastAPI]) -> None:
    app = make_app()
    with TestClient(app, client=("198.51.100.1", 1)) as mine:
        job_id = mine.post("/v1/jobs", json={"questions": ["煤炭"]}).json()["id"]
        assert mine.get(f"/v1/jobs/{job_id}").status_code == 200
        theirs = TestClient(app, client=("198.51.100.2", 1))  # the same running app
        assert theirs.get(f"/v1/jobs/{job_id}").status_code == 404
        assert theirs.delete(f"/v1/jobs/{job_id}").status_code == 404
        assert mine.get(f"/v1/jobs/{job_id}").status_code == 200
