"""Jobs outlive the server: a finished job's results can still be downloaded after a restart,
a question list the server was answering when it was killed resumes from its journal, an
upload it was indexing ends ``interrupted`` with nothing half-added, and finished jobs expire."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.job_store import JobRow, JobStore
from api.uploads import StagedFile
from index.pipeline import file_hash
from tests.api.conftest import hashing_server

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = [f"煤炭产业占工业比重下降到多少{i}" for i in range(256)]  # eight groups of 32


def _until(get: Callable[[], dict[str, Any]], status: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = get()
        if job["status"] == status:
            return job
        time.sleep(0.05)
    raise AssertionError(f"the job did not become {status} in {timeout} s: {job}")


def test_a_finished_job_and_its_results_survive_a_restart(
    make_app: Callable[..., FastAPI], wait_for_job: Callable[..., dict[str, Any]]
) -> None:
    with TestClient(make_app()) as client:
        job_id = client.post("/v1/jobs", json={"questions": QUESTIONS[:3]}).json()["id"]
        done = wait_for_job(client, job_id)
        answers = client.get(f"/v1/jobs/{job_id}/results").text
    with TestClient(make_app()) as client:
        again = client.get(f"/v1/jobs/{job_id}").json()
        assert again["status"] == "succeeded" and again["result"] == done["result"]
        assert client.get(f"/v1/jobs/{job_id}/results").text == answers
        table = client.get(f"/v1/jobs/{job_id}/results?format=csv")
        assert table.status_code == 200
        assert [row[0] for row in csv.reader(io.StringIO(table.text.lstrip("\ufeff")))] == [
            "id",
            "1",
            "2",
            "3",
        ]


@pytest.mark.slow
def test_finished_jobs_expire_and_folders_no_job_owns_are_removed(
    make_app: Callable[..., FastAPI], wait_for_job: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    with TestClient(make_app()) as client:
        job_id = client.post("/v1/jobs", json={"questions": QUESTIONS[:2]}).json()["id"]
        wait_for_job(client, job_id)
    stray = tmp_path / "jobs" / ("f" * 32)  # a job folder whose row was never written
    stray.mkdir()
    time.sleep(1.1)
    with TestClient(make_app(job_ttl_hours=1 / 3600)) as client:
        assert client.get(f"/v1/jobs/{job_id}").status_code == 404
    assert not (tmp_path / "jobs" / job_id).exists() and not stray.exists()


def _stopped_upload(tmp_path: Path, status: str, files: dict[str, bytes]) -> str:
    """The row and staged files an upload job leaves when its server is killed."""
    store = JobStore(tmp_path / "jobs")
    job_id = "a" * 32
    incoming = tmp_path / "jobs" / job_id / "incoming"
    incoming.mkdir(parents=True)
    staged = []
    for i, (name, data) in enumerate(files.items()):
        path = incoming / f"{i:04d}{Path(name).suffix}"
        path.write_bytes(data)
        staged.append(StagedFile(name, path, len(data), file_hash(path)).as_params())
    started = None if status == "queued" else "2026-01-01T00:00:00+00:00"
    store.save(
        JobRow(
            job_id, "ingest", status, "gone-server", "idx", {"files": staged}, len(files), 0,
            "2026-01-01T00:00:00+00:00", started, None, None, None,
        )
    )  # fmt: skip
    store.close()
    return job_id


def test_an_upload_being_indexed_when_the_server_died_ends_interrupted_with_nothing_half_added(
    make_app: Callable[..., FastAPI], tmp_path: Path, index_folder: Path
) -> None:
    files = {"lab.txt": "量子计算实验室设在高新区。".encode(), "b.txt": "第二份文件。".encode()}
    job_id = _stopped_upload(tmp_path, "running", files)
    with TestClient(make_app()) as client:
        job = client.get(f"/v1/jobs/{job_id}").json()
        docs = client.get("/v1/documents").json()["documents"]
    assert job["status"] == "interrupted" and job["error"]["code"] == "interrupted"
    assert "none of its files was added" in job["error"]["message"]
    assert [f["status"] for f in job["result"]["files"]] == ["not_added", "not_added"]
    assert len(docs) == 3  # the tiny corpus, nothing of the upload
    assert not list((tmp_path / "jobs" / job_id / "incoming").iterdir())  # nothing staged left
    assert not (index_folder / "uploads").exists() or not list((index_folder / "uploads").iterdir())


def test_an_upload_queued_when_the_server_stopped_is_indexed_by_the_next(
    make_app: Callable[..., FastAPI], tmp_path: Path, wait_for_job: Callable[..., dict[str, Any]]
) -> None:
    job_id = _stopped_upload(tmp_path, "queued", {"lab.txt": "量子计算实验室设在高新区。".encode()})
    with TestClient(make_app()) as client:
        job = wait_for_job(client, job_id)
        assert job["status"] == "succeeded" and job["result"]["added"] == 1
        titles = [d["source"] for d in client.get("/v1/documents").json()["documents"]]
    assert len(titles) == 4


@pytest.mark.slow
def test_a_question_list_running_when_the_server_is_killed_resumes_after_a_restart(
    index_folder: Path, tmp_path: Path
) -> None:
    work = tmp_path / "jobs"
    with hashing_server(index_folder, work, slow=0.3) as (url, proc):
        job_id = httpx.post(f"{url}/v1/jobs", json={"questions": QUESTIONS}).json()["id"]
        get = lambda: httpx.get(f"{url}/v1/jobs/{job_id}").json()  # noqa: E731
        deadline = time.monotonic() + 30
        while get()["done"] < 64 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with hashing_server(index_folder, work, slow=0.0) as (url, _):
        get = lambda: httpx.get(f"{url}/v1/jobs/{job_id}").json()  # noqa: E731
        job = _until(get, "succeeded")
        assert job["result"]["questions"] == len(QUESTIONS) == job["result"]["answered"]
        assert job["result"]["resumed"] >= 64  # what was answered before the kill is kept
        lines = httpx.get(f"{url}/v1/jobs/{job_id}/results").text.splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == len(set(ids)) == len(QUESTIONS)  # each once: none lost, none twice


@pytest.mark.slow
def test_sigterm_stops_the_server_within_seconds_and_the_next_resumes_its_list(
    index_folder: Path, tmp_path: Path
) -> None:
    work = tmp_path / "jobs"
    with hashing_server(index_folder, work, slow=0.3) as (url, proc):
        job_id = httpx.post(f"{url}/v1/jobs", json={"questions": QUESTIONS}).json()["id"]
        _until(lambda: httpx.get(f"{url}/v1/jobs/{job_id}").json(), "running")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        assert time.monotonic() - started < 5
    with hashing_server(index_folder, work, slow=0.0) as (url, _):
        job = _until(lambda: httpx.get(f"{url}/v1/jobs/{job_id}").json(), "succeeded")
        assert job["result"]["answered"] == len(QUESTIONS)


def test_jobs_of_an_index_that_cannot_be_written_to_are_kept_in_the_state_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Any]
) -> None:
    from api.app import work_folder

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    settings = make_settings(work_dir=None)
    writable = tmp_path / "idx"
    writable.mkdir()
    assert work_folder(settings, writable) == (writable / "jobs").resolve()
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder would be: mkdir fails, as on a read-only mount")
    kept = work_folder(settings, blocked)
    assert kept.parent == tmp_path / "state" / "citeqa" / "jobs"
    assert kept.name.startswith("blocked-")
    assert (
        work_folder(make_settings(work_dir=tmp_path / "w"), blocked) == (tmp_path / "w").resolve()
    )
