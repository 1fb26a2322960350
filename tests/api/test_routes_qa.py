from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import cli
from qa.service import QAService

WaitForJob = Callable[..., dict]

COAL = "煤炭产业占工业比重下降到多少"

# every test here runs on an embedded index and on one held in Milvus (Milvus Lite)
pytestmark = pytest.mark.parametrize("backend", ["embedded", "milvus"])


def test_health_and_readiness(client: TestClient, backend: str) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready == {
        "status": "ready",
        "model": "hashing-64",
        "documents": 3,
        "chunks": ready["chunks"],
        "generation": ready["generation"],
        "search": "exact" if backend == "embedded" else "milvus",
        "llm": False,
        "collections": ["idx"],
    }
    assert ready["chunks"] >= 3


def test_ask_gives_what_the_cli_gives(
    client: TestClient, open_index: Callable[[], QAService], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_service", lambda index: open_index())
    for question in (COAL, "晉城培育了什麼產業集群", "How much park green space per person?"):
        by_cli = CliRunner().invoke(cli.app, ["ask", question, "-k", "3", "--json"])
        assert by_cli.exit_code == 0, by_cli.output
        response = client.post("/v1/ask", json={"question": question, "k": 3})
        assert response.status_code == 200
        assert response.headers["X-Citeqa-Answer"] == "extractive"
        assert response.json() == json.loads(by_cli.output)
    assert (
        client.post("/v1/ask", json={"question": COAL})
        .json()["answer"]
        .startswith("2021年煤炭产业占工业比重下降到6.1%。[1]")
    )


def test_search_gives_what_the_cli_gives(
    client: TestClient, open_index: Callable[[], QAService], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_service", lambda index: open_index())
    by_cli = CliRunner().invoke(cli.app, ["search", COAL, "-k", "2", "--json"])
    data = client.post("/v1/search", json={"question": COAL, "k": 2}).json()
    assert data == json.loads(by_cli.output)
    assert data["language"] == "zh"
    top = data["hits"][0]
    assert top["source"].endswith("coal.txt") and top["n"] == 1
    start, end = top["highlight"]
    assert "6.1%" in top["text"][start:end]
    assert set(top["signals"]) == {"lexical", "dense", "cross"}


def test_search_only_in_some_documents(client: TestClient) -> None:
    docs = {
        d["source"].rsplit("/", 1)[-1]: d["id"]
        for d in client.get("/v1/documents").json()["documents"]
    }
    assert set(docs) == {"coal.txt", "green.txt", "jincheng.txt"}
    hits = client.post(
        "/v1/search", json={"question": COAL, "k": 5, "doc_ids": [docs["green.txt"]]}
    ).json()["hits"]
    assert hits and {h["doc_id"] for h in hits} == {docs["green.txt"]}


def test_traditional_question_quotes_in_traditional(client: TestClient) -> None:
    answer = client.post("/v1/ask", json={"question": "煤炭產業佔工業比重下降到多少"}).json()
    assert answer["answer"].startswith("2021年煤炭產業佔工業比重下降到6.1%。[1]")
    assert "一是降低煤炭依賴。" in answer["citations"][0]["text"]


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        (
            {"question": "", "k": 3},
            422,
            "validation_error",
            "question: String should have at least 1",
        ),
        ({"question": "   "}, 422, "validation_error", "question: the question is empty"),
        (
            {"question": COAL, "k": "3"},
            422,
            "validation_error",
            "k: Input should be a valid integer",
        ),
        ({"question": COAL, "k": 0}, 422, "validation_error", "k: Input should be greater than"),
        (
            {"question": COAL, "k": 50},
            422,
            "k_too_large",
            "k of 50 is over the limit of 20",
        ),
        (
            {"question": COAL, "k": 10**9},
            422,
            "k_too_large",
            "k of 1000000000 is over the limit of 20",
        ),
        (
            {"question": "煤" * 300},
            422,
            "question_too_long",
            "300 characters long; the limit is 200",
        ),
        ({"question": COAL, "colour": "red"}, 422, "validation_error", "colour: Extra inputs"),
        ({"k": 3}, 422, "validation_error", "question: Field required"),
    ],
)
def test_bad_requests_get_a_code_and_a_message(
    make_app: Callable[..., FastAPI], body: dict, status: int, code: str, words: str
) -> None:
    with TestClient(make_app(max_question_chars=200)) as client:
        response = client.post("/v1/ask", json=body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert words in response.json()["error"]["message"]


def test_malformed_json_unknown_paths_and_methods(client: TestClient) -> None:
    broken = client.post(
        "/v1/search", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422 and broken.json()["error"]["code"] == "validation_error"
    missing = client.get("/v1/nothing")
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "code": "not_found",
        "message": "no such endpoint: GET /v1/nothing; see /docs",
    }
    wrong = client.get("/v1/ask")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
    put = client.put("/v1/documents")
    assert put.headers["Allow"] == "GET, POST"
    assert put.json()["error"]["message"] == "/v1/documents does not accept PUT; it takes GET, POST"


def test_unexpected_errors_leave_no_trace(
    make_app: Callable[..., FastAPI], open_index: Callable[..., QAService],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals at /srv/citeqa")

    service = open_index()
    monkeypatch.setattr(service, "search", broken)
    app = make_app(service)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/v1/search", json={"question": COAL})
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "an unexpected error occurred; it has been logged on the server",
        }
    }
    assert "secret" not in response.text and "Traceback" not in response.text


def test_oversized_bodies_are_refused(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(max_job_questions=100, max_question_chars=100, max_upload_bytes=1000)
    with TestClient(app) as client:
        big = json.dumps({"question": "煤" * 800_000}).encode()  # 2.4 MB, over 64 KB
        declared = client.post(
            "/v1/search", content=big, headers={"Content-Type": "application/json"}
        )
        streamed = client.post(  # no Content-Length: counted while it is read
            "/v1/search",
            content=iter([big[:1_000_000], big[1_000_000:]]),
            headers={"Content-Type": "application/json"},
        )
        upload = client.post(
            "/v1/documents", files=[("files", ("a.txt", b"x" * 12_000_000))]
        )  # over 10 files of 1000 bytes
    for response in (declared, streamed, upload):
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "request_too_large"
    assert "over this server's limit of 65,536 bytes for POST /v1/search" in declared.text
    assert "limit of 1,713,936 bytes for POST /v1/documents (set by" in upload.text


def test_batch_answers_each_question_in_its_place(client: TestClient) -> None:
    response = client.post(
        "/v1/batch",
        json={"questions": [COAL, {"id": "park", "question": "人均公园绿地面积"}, "  "], "k": 2},
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["id"], r["line"]) for r in results] == [("1", 1), ("park", 2), ("3", 3)]
    assert results[0]["answer"]["answer"].startswith("2021年煤炭产业占工业比重下降到6.1%。[1]")
    assert "18.8平方米" in results[1]["answer"]["answer"]
    assert results[2]["answer"] is None and "the question is empty" in results[2]["error"]


def test_batch_limits(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(max_batch=2, max_question_chars=10)) as client:
        too_many = client.post("/v1/batch", json={"questions": ["a", "b", "c"]})
        twice = client.post(
            "/v1/batch",
            json={"questions": [{"id": "x", "question": "a"}, {"id": "x", "question": "b"}]},
        )
        long = client.post("/v1/batch", json={"questions": ["煤" * 11, "煤炭"]}).json()["results"]
        schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert too_many.status_code == 422
    assert too_many.json()["error"] == {
        "code": "too_many_questions",
        "message": "3 questions were sent; the limit here is 2. Send a longer list to POST /v1/jobs",
    }
    assert [r.get("error") for r in twice.json()["results"]] == [
        None,
        "the id 'x' was used on an earlier line",
    ]
    assert long[0]["error"].startswith("the question is 11 characters long; the limit is 10")
    assert long[1]["answer"] is not None
    # the schema says what this server accepts
    assert schema["BatchRequest"]["properties"]["questions"]["maxItems"] == 2
    assert schema["JobRequest"]["properties"]["questions"]["maxItems"] == 10_000
    assert schema["AskRequest"]["properties"]["k"]["maximum"] == 20
    assert schema["AskRequest"]["properties"]["question"]["maxLength"] == 10


def test_job_answers_in_the_background_and_results_download(
    client: TestClient, wait_for_job: WaitForJob
) -> None:
    created = client.post(
        "/v1/jobs", json={"questions": [COAL, {"id": "park", "question": "人均公园绿地面积"}]}
    )
    assert created.status_code == 202
    job = created.json()
    assert created.headers["Location"] == f"/v1/jobs/{job['id']}"
    assert (job["kind"], job["total"]) == ("batch", 2)

    done = wait_for_job(client, job["id"])
    assert done["status"] == "succeeded" and done["done"] == 2
    assert done["result"] == {
        "questions": 2,
        "answered": 2,
        "resumed": 0,
        "not_answered": [],
        "malformed": [],
    }

    lines = client.get(done["links"]["jsonl"]).text.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == ["1", "park"]
    assert records[0]["answer"]["answer"].startswith("2021年煤炭产业占工业比重下降到6.1%。[1]")

    response = client.get(f"/v1/jobs/{job['id']}/results?format=csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "id", "question", "answer", "abstained", "confidence", "citations", "error",
    ]  # fmt: skip
    assert rows[2][0] == "park" and "18.8平方米" in rows[2][2]


def test_job_errors(client: TestClient) -> None:
    assert client.get("/v1/jobs/nope").json()["error"]["code"] == "job_not_found"
    assert client.get("/v1/jobs/nope/results").status_code == 404
    bad_format = client.get("/v1/jobs/nope/results?format=exe")
    assert bad_format.status_code == 422
    assert "format: Input should be" in bad_format.json()["error"]["message"]
