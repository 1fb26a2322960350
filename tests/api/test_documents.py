from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.job_store import JobStore
from index.embedder import HashingEmbedder, Kind

WaitForJob = Callable[..., dict[str, Any]]
QUANTUM = "量子计算实验室今年建成投用，配备了五十台超导量子处理器。"
QUANTUM_QUESTION = "量子计算实验室配备了多少台超导量子处理器"

# every test here runs on an embedded index and on one held in Milvus (Milvus Lite)
pytestmark = pytest.mark.parametrize("backend", ["embedded", "milvus"])


def documents(client: TestClient) -> dict[str, str]:
    """{file name: id} of the indexed documents."""
    return {
        d["source"].rsplit("/", 1)[-1]: d["id"]
        for d in client.get("/v1/documents").json()["documents"]
    }


def top_text(client: TestClient, question: str) -> str:
    return client.post("/v1/search", json={"question": question, "k": 1}).json()["hits"][0]["text"]


def test_upload_is_indexed_in_the_background(
    client: TestClient, auth: dict[str, str], wait_for_job: WaitForJob, tmp_path: Path
) -> None:
    files = [
        ("files", ("量子.txt", QUANTUM.encode("utf-8"), "text/plain")),
        ("files", ("notes.md", "# 港口\n\n港口吞吐量增长百分之十二。\n".encode(), "text/markdown")),
    ]
    response = client.post("/v1/documents", files=files, headers=auth)
    assert response.status_code == 202
    job = wait_for_job(client, response.json()["id"])
    assert job["kind"] == "ingest" and job["status"] == "succeeded", job
    assert (job["done"], job["total"]) == (2, 2)
    statuses = [(f["filename"], f["status"], f["reason"]) for f in job["result"]["files"]]
    assert statuses == [("量子.txt", "added", None), ("notes.md", "added", None)]
    assert job["result"]["added"] == 2

    ids = documents(client)
    assert len(ids) == 5
    assert QUANTUM in top_text(client, QUANTUM_QUESTION)  # the new index was swapped in
    stored = sorted(p.name for p in (tmp_path / "idx" / "uploads").iterdir())
    assert len(stored) == 2 and all(len(Path(n).stem) == 32 for n in stored)
    assert {Path(n).suffix for n in stored} == {".txt", ".md"}
    assert {f["doc_id"] for f in job["result"]["files"]} <= set(ids.values())

    again = client.post("/v1/documents", files=files[:1], headers=auth)
    repeat = wait_for_job(client, again.json()["id"])
    assert repeat["result"]["files"][0]["status"] == "unchanged"
    assert len(documents(client)) == 5


def test_a_failing_upload_names_the_file_and_leaves_the_index_as_it_was(
    client: TestClient, auth: dict[str, str], wait_for_job: WaitForJob, tmp_path: Path
) -> None:
    before = client.get("/v1/documents").json()
    files = [
        ("files", ("good.txt", QUANTUM.encode("utf-8"), "text/plain")),
        ("files", ("empty.txt", b"", "text/plain")),
        ("files", ("broken.pdf", b"this is not a PDF", "application/pdf")),
    ]
    job = wait_for_job(client, client.post("/v1/documents", files=files, headers=auth).json()["id"])
    assert job["status"] == "failed"
    assert job["error"]["code"] == "ingest_failed"
    message = job["error"]["message"]
    assert message.startswith("2 of 3 files could not be indexed, so none was added (empty.txt: ")
    assert "the file is empty (0 bytes)" in message and "broken.pdf: " in message
    files_report = {f["filename"]: f for f in job["result"]["files"]}
    assert files_report["good.txt"]["status"] == "not_added"
    assert files_report["empty.txt"] == {
        "filename": "empty.txt",
        "bytes": 0,
        "doc_id": None,
        "status": "failed",
        "reason": "the file is empty (0 bytes)",
    }
    assert client.get("/v1/documents").json() == before
    assert QUANTUM not in top_text(client, QUANTUM_QUESTION)
    assert list((tmp_path / "idx" / "uploads").iterdir()) == []


def test_file_names_never_become_paths(
    client: TestClient, auth: dict[str, str], wait_for_job: WaitForJob, tmp_path: Path
) -> None:
    names = ["../../../../evil-upload.txt", "..\\..\\evil-upload2.txt", "/etc/evil-upload3.txt"]
    files = [("files", (n, f"{QUANTUM}{i}".encode(), "text/plain")) for i, n in enumerate(names)]
    job = wait_for_job(client, client.post("/v1/documents", files=files, headers=auth).json()["id"])
    assert job["status"] == "succeeded", job
    assert [f["filename"] for f in job["result"]["files"]] == names  # kept as metadata only
    assert not list(tmp_path.rglob("evil-upload*"))
    assert not any(
        Path(root, f"evil-upload{n}.txt").exists()
        for root in ("/tmp", "/etc", "/")
        for n in ("", "2", "3")
    )
    sources = {d["source"] for d in client.get("/v1/documents").json()["documents"]}
    # an upload shows the client's file name without its folders, never a path
    assert {s for s in sources if "evil" in s} == {
        "evil-upload.txt", "evil-upload2.txt", "evil-upload3.txt"
    }  # fmt: skip


def test_upload_limits(
    make_app: Callable[..., FastAPI], auth: dict[str, str], tmp_path: Path
) -> None:
    app = make_app(max_upload_files=2, max_upload_bytes=100, allowed_file_types=".txt,.md")
    with TestClient(app) as client:

        def upload(files: Sequence[tuple[str, bytes]]) -> dict[str, Any]:
            response = client.post(
                "/v1/documents", files=[("files", f) for f in files], headers=auth
            )
            return {"status": response.status_code, **response.json()["error"]}

        assert upload([("a.txt", b"x")] * 3) == {
            "status": 422,
            "code": "too_many_files",
            "message": "3 files were uploaded at once; the limit is 2. Upload them in smaller groups.",
        }
        big = upload([("a.txt", b"x"), ("big.txt", b"y" * 101)])
        assert (big["status"], big["code"]) == (413, "file_too_large")
        assert big["message"].startswith("big.txt is over the upload limit of 100 bytes")
        assert upload([("report.pdf", b"%PDF")]) == {
            "status": 415,
            "code": "unsupported_file_type",
            "message": "report.pdf: '.pdf' files are not accepted; upload one of .md, .txt",
        }
        assert upload([("README", b"x")])["message"].startswith(
            "README: files without an extension are not accepted"
        )
        no_files = client.post("/v1/documents", headers=auth)
        assert no_files.status_code == 422
    # refused uploads leave no job behind, on disk or in the job store
    assert [p.name for p in (tmp_path / "jobs").iterdir() if p.is_dir()] == ["owners"]
    assert JobStore(tmp_path / "jobs").load() == []


def test_delete_a_document(
    client: TestClient, auth: dict[str, str], wait_for_job: WaitForJob, tmp_path: Path
) -> None:
    files = [("files", ("量子.txt", QUANTUM.encode("utf-8"), "text/plain"))]
    job = wait_for_job(client, client.post("/v1/documents", files=files, headers=auth).json()["id"])
    doc_id = job["result"]["files"][0]["doc_id"]
    assert len(list((tmp_path / "idx" / "uploads").iterdir())) == 1

    assert client.delete(f"/v1/documents/{doc_id}").status_code == 401
    response = client.delete(f"/v1/documents/{doc_id}", headers=auth)
    assert response.status_code == 200 and response.json() == {"removed": [doc_id]}
    assert doc_id not in documents(client).values()
    assert QUANTUM not in top_text(client, QUANTUM_QUESTION)
    assert list((tmp_path / "idx" / "uploads").iterdir()) == []  # the upload went with it

    coal = documents(client)["coal.txt"]
    assert client.delete(f"/v1/documents/{coal}", headers=auth).status_code == 200
    assert set(documents(client)) == {"green.txt", "jincheng.txt"}

    gone = client.delete(f"/v1/documents/{doc_id}", headers=auth)
    assert gone.status_code == 404
    assert gone.json()["error"] == {
        "code": "document_not_found",
        "message": f"no indexed document has the id {doc_id!r}",
    }
    assert client.delete("/v1/documents/..", headers=auth).status_code in (404, 422)
    bad = client.delete("/v1/documents/not-an-id", headers=auth)
    assert bad.status_code == 422 and "doc_id: String should match pattern" in bad.text


class GatedEmbedder(HashingEmbedder):
    """Holds every passage embedding (that is, any ingest) until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__(64)
        self.entered = threading.Event()
        self.release = threading.Event()

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if kind == "passage":
            self.entered.set()
            assert self.release.wait(30)
        return super().embed(texts, kind)


def test_searches_are_served_from_a_consistent_snapshot_during_a_write(
    make_app: Callable[..., FastAPI], open_index: Callable[..., Any], auth: dict[str, str],
    wait_for_job: WaitForJob,
) -> None:  # fmt: skip
    gate = GatedEmbedder()
    with TestClient(make_app(service=open_index(gate))) as client:
        before = client.get("/readyz").json()["generation"]
        files = [("files", ("量子.txt", QUANTUM.encode("utf-8"), "text/plain"))]
        job_id = client.post("/v1/documents", files=files, headers=auth).json()["id"]
        assert gate.entered.wait(30)  # the writer is now inside ingest, holding the index lock
        try:
            for _ in range(3):
                hits = client.post("/v1/search", json={"question": QUANTUM_QUESTION}).json()["hits"]
                assert hits and all(QUANTUM not in h["text"] for h in hits)
                assert (
                    client.post("/v1/ask", json={"question": "人均公园绿地面积"}).status_code == 200
                )
            assert len(documents(client)) == 3
            assert client.get(f"/v1/jobs/{job_id}", headers=auth).json()["status"] == "running"
        finally:
            gate.release.set()
        assert wait_for_job(client, job_id)["status"] == "succeeded"
        assert QUANTUM in top_text(client, QUANTUM_QUESTION)
        assert client.get("/readyz").json()["generation"] > before
