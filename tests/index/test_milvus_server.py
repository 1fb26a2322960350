"""An index in a Milvus server (Milvus Lite's server mode, started by the test on 127.0.0.1
and stopped by it): two citeqa servers on it answer alike, and see each other's writes."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from index.embedder import HashingEmbedder
from index.errors import BackendError
from index.folder import open_snapshot
from index.pipeline import IngestOptions, ingest
from tests.api.conftest import AUTH, hashing_server, stop
from tests.conftest import SEEDS

QUESTIONS = (
    "煤炭产业占工业比重下降到多少",
    "晉城培育了哪些產業集群",
    "How did Changzhi cut coal dependence?",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def milvus_lite_server(data: Path) -> Iterator[str]:
    """``milvus-lite server`` on 127.0.0.1; its URI. Stopped on leaving."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "Milvus did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@pytest.mark.slow
def test_two_servers_on_one_milvus_answer_alike_and_see_each_others_writes(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "idx"
    with milvus_lite_server(tmp_path / "milvus") as uri:
        report = ingest(
            [SEEDS], folder, HashingEmbedder(64), IngestOptions(milvus=uri),
            cross=HashingEmbedder(32),
        )  # fmt: skip
        assert report.added == 5
        # a second machine needs only a copy of the manifest
        elsewhere = tmp_path / "elsewhere" / "idx"
        elsewhere.mkdir(parents=True)
        (elsewhere / "manifest.json").write_bytes((folder / "manifest.json").read_bytes())
        with (
            hashing_server(folder, tmp_path / "jobs-a", 0.0) as (a, _),
            hashing_server(elsewhere, tmp_path / "jobs-b", 0.0) as (b, _),
        ):
            for question in QUESTIONS:
                body = {"question": question, "k": 5}
                one = httpx.post(f"{a}/v1/ask", json=body, headers=AUTH, timeout=30)
                two = httpx.post(f"{b}/v1/ask", json=body, headers=AUTH, timeout=30)
                assert one.status_code == two.status_code == 200
                first, second = one.json(), two.json()
                for answer in (first, second):
                    answer.pop("timing_ms", None)
                assert first == second and first["citations"]
            # a document uploaded to one server is answered by the other
            upload = httpx.post(
                f"{a}/v1/documents", headers=AUTH, timeout=30,
                files={"files": ("lab.txt", "量子计算实验室配备了五十台超导量子处理器。".encode())},
            )  # fmt: skip
            assert upload.status_code == 202, upload.text
            job = upload.json()["id"]
            deadline = time.monotonic() + 30
            while httpx.get(f"{a}/v1/jobs/{job}", headers=AUTH).json()["status"] != "succeeded":
                assert time.monotonic() < deadline, "the upload did not finish"
                time.sleep(0.1)
            deadline = time.monotonic() + 10
            while True:
                found = httpx.post(
                    f"{b}/v1/search", json={"question": "超导量子处理器", "k": 1}, headers=AUTH
                ).json()
                if found["hits"] and "量子" in found["hits"][0]["text"]:
                    break
                assert time.monotonic() < deadline, "the other server did not see the upload"
                time.sleep(0.2)
    # Milvus stopped: a clear error, naming it
    with pytest.raises(BackendError, match="127.0.0.1"):
        open_snapshot(folder)
