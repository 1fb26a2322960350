from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from index.embedder import HashingEmbedder
from index.folder import open_snapshot
from index.pipeline import IngestOptions, ingest
from qa.service import QAService

KEY = "test-key-4f1c2b"
ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": f"Bearer {KEY}"}


def open_test_service(folder: Path, main: HashingEmbedder | None = None) -> QAService:
    """The index at ``folder`` with the hashing embedders it was built with; no abstaining
    (hashing similarities are low)."""
    cross = HashingEmbedder(32)
    return QAService(open_snapshot(folder), main or HashingEmbedder(64), cross, cross, answer_at={})


@pytest.fixture
def backend() -> str:
    """Where ``index_folder`` holds its index: "embedded", or "milvus" (Milvus Lite in this
    process) in a module that parametrizes ``backend``."""
    return "embedded"


@pytest.fixture
def index_folder(corpus: Path, tmp_path: Path, backend: str) -> Path:
    """The tiny corpus (coal.txt, green.txt, sub/jincheng.txt) indexed with hashing embedders."""
    folder = tmp_path / "idx"
    milvus = str(tmp_path / "milvus.db") if backend == "milvus" else None
    ingest(
        [corpus], folder, HashingEmbedder(64), IngestOptions(milvus=milvus),
        cross=HashingEmbedder(32),
    )  # fmt: skip
    return folder


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "work_dir": tmp_path / "jobs",
        "api_keys": [KEY],
        "allowed_hosts": ["testserver", "localhost", "127.0.0.1", "[::1]"],  # TestClient's too
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def make_app(index_folder: Path, tmp_path: Path) -> Callable[..., FastAPI]:
    """An app over the tiny index; keyword arguments override settings."""

    def make(service: QAService | None = None, **overrides: Any) -> FastAPI:
        return create_app(
            settings_for(tmp_path, **overrides), service=service or open_test_service(index_folder)
        )

    return make


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings of a test server (keyword arguments override them)."""
    return lambda **overrides: settings_for(tmp_path, **overrides)


@pytest.fixture
def open_test() -> Callable[[Path], QAService]:
    """Opens any index built with the tests' hashing embedders."""
    return open_test_service


@pytest.fixture
def client(make_app: Callable[..., FastAPI]) -> Iterator[TestClient]:
    with TestClient(make_app()) as c:
        yield c


@pytest.fixture
def auth() -> dict[str, str]:
    """Headers with the test server's API key."""
    return dict(AUTH)


@pytest.fixture
def open_index(index_folder: Path) -> Callable[..., QAService]:
    """Opens a new service over the tiny index (as the CLI would, with hashing embedders;
    optionally with the given main embedder)."""
    return lambda main=None: open_test_service(index_folder, main)


@pytest.fixture
def wait_for_job() -> Callable[..., dict[str, Any]]:
    return _wait_for_job


@pytest.fixture
def serve() -> Callable[[FastAPI], Any]:
    return serving


def _wait_for_job(
    client: TestClient, job_id: str, timeout: float = 30.0, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """The job once it has finished, read as its owner: the test key (uploads need it), or
    no key (a question list sent without one) when it is not the key's."""
    if headers is None:
        keyed = client.get(f"/v1/jobs/{job_id}", headers=AUTH).status_code != 404
        headers = dict(AUTH) if keyed else {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


@contextmanager
def serving(app: FastAPI, **options: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn on 127.0.0.1 (a free port) in a thread, with uvicorn's
    ``options``; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@contextmanager
def hashing_server(
    index: Path, work: Path, slow: float
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """tests/api/hashing_server.py as its own process on 127.0.0.1; stopped on leaving."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/api/hashing_server.py"), str(index), str(work),
         str(port), str(slow)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield url, proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process a test started: asked to end, then killed after 20 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
