"""A server asked to stop (SIGTERM: uvicorn ends the app's lifespan) while it indexes an
upload stops at the upload's next file or batch of passages, within seconds, and the job ends
``interrupted`` saying that none of its files was added (an upload is all or nothing)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient

from index.embedder import HashingEmbedder, Kind

PASSAGES = 40  # batches of 64 passages, 0.25 s each: 10 s of embedding


class SlowEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__(64)
        self.batches = 0
        self.embedding = threading.Event()

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if kind == "passage":
            self.batches += 1
            self.embedding.set()
            time.sleep(0.25)
        return super().embed(texts, kind)


def _big_file() -> bytes:
    lines = [
        f"第{i}段：全市新建公园绿地{i}处，人均公园绿地面积达到{i}平方米。" * 4
        for i in range(64 * PASSAGES)
    ]
    return "\n\n".join(lines).encode("utf-8")


def test_a_stopping_server_interrupts_an_upload_within_seconds(
    make_app: Callable[..., FastAPI], open_index: Callable[..., Any], auth: dict[str, str],
) -> None:  # fmt: skip
    slow = SlowEmbedder()
    app = make_app(service=open_index(slow))
    files = [
        ("files", ("big.txt", _big_file(), "text/plain")),
        ("files", ("b.txt", "港口".encode(), "text/plain")),
    ]
    with TestClient(app) as client:
        job_id = client.post("/v1/documents", files=files, headers=auth).json()["id"]
        assert slow.embedding.wait(30)
        state = app.state.citeqa
        folder = state.jobs.root / job_id
        started = time.monotonic()
    # leaving the client ran the lifespan's end, as SIGTERM does under uvicorn
    assert time.monotonic() - started < 5
    assert slow.batches < PASSAGES  # it stopped before embedding everything
    with TestClient(make_app()) as client:  # the next server on the same work folder
        job = client.get(f"/v1/jobs/{job_id}", headers=auth).json()
        assert job["status"] == "interrupted"
        assert job["error"] == {
            "code": "interrupted",
            "message": "the server stopped while indexing this upload, before it was added; "
            "none of its files was added (an upload is all or nothing): upload them again",
        }
        assert [(f["filename"], f["status"]) for f in job["result"]["files"]] == [
            ("big.txt", "not_added"), ("b.txt", "not_added"),
        ]  # fmt: skip
        assert job["result"]["added"] == 0
        assert client.get("/v1/documents").json()["count"] == 3  # the index as it was
        uploads = state.collection().upload_dir
        assert not uploads.exists() or not any(uploads.iterdir())
        assert not (folder / "incoming").exists() or not any((folder / "incoming").iterdir())
