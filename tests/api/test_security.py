from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.security import key_matches
from api.settings import Settings

ASK = {"question": "人均公园绿地面积"}
CHAT = {"model": "citeqa", "messages": [{"role": "user", "content": "人均公园绿地面积"}]}


def test_keys_are_compared_in_full() -> None:
    keys = ["alpha-key", "beta-key"]
    assert key_matches("beta-key", keys)
    assert not key_matches("beta-ke", keys)
    assert not key_matches("beta-key ", keys)
    assert not key_matches("", keys)
    assert not key_matches("any", [])


def test_writes_need_a_valid_key(client: TestClient, auth: dict[str, str]) -> None:
    files = [("files", ("a.txt", "港口吞吐量增长".encode(), "text/plain"))]
    missing = client.post("/v1/documents", files=files)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert missing.json()["error"] == {
        "code": "missing_api_key",
        "message": "changing the index needs an API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
    }
    wrong = client.post("/v1/documents", files=files, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == {
        "code": "invalid_api_key",
        "message": "the API key is not valid for this server",
    }
    basic = client.post("/v1/documents", files=files, headers={"Authorization": "Basic eDp5"})
    assert basic.json()["error"]["code"] == "missing_api_key"
    assert client.post("/v1/documents", files=files, headers=auth).status_code == 202
    key = auth["Authorization"].split()[1]
    assert client.post("/v1/documents", files=files, headers={"X-API-Key": key}).status_code == 202
    assert client.delete("/v1/documents/0123456789abcdef").status_code == 401


def test_reads_are_open_unless_the_server_requires_a_key(
    client: TestClient, make_app: Callable[..., FastAPI], auth: dict[str, str]
) -> None:
    assert client.post("/v1/ask", json=ASK).status_code == 200
    with TestClient(make_app(require_key_for_reads=True)) as closed:
        for method, path, body in [
            ("POST", "/v1/ask", ASK),
            ("POST", "/v1/search", ASK),
            ("POST", "/v1/batch", {"questions": ["x"]}),
            ("POST", "/v1/jobs", {"questions": ["x"]}),
            ("GET", "/v1/jobs/abc", None),
            ("GET", "/v1/documents", None),
            ("POST", "/v1/chat/completions", CHAT),
            ("GET", "/v1/models", None),
            ("GET", "/v1/collections", None),
            ("POST", "/v1/embeddings", {"model": "hashing-64", "input": "x"}),
            ("GET", "/openapi.json", None),
        ]:
            response = closed.request(method, path, json=body)
            assert response.status_code == 401, path
            assert response.json()["error"]["code"] == "missing_api_key"
        assert closed.post("/v1/ask", json=ASK, headers=auth).status_code == 200
        for open_path in ("/", "/healthz", "/readyz", "/static/app.js"):
            assert closed.get(open_path).status_code == 200, open_path
        schema = closed.get("/openapi.json", headers=auth)
        assert schema.status_code == 200 and "/v1/ask" in schema.json()["paths"]
        for page in ("/docs", "/redoc"):  # they cannot send a key to fetch the schema
            assert closed.get(page).status_code == 404, page


def test_without_configured_keys_writes_are_disabled(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(api_keys=[])) as client:
        response = client.delete("/v1/documents/0123456789abcdef", headers={"X-API-Key": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "writes_disabled"
    assert "set CITEQA_API_KEYS" in response.json()["error"]["message"]


def test_cors_is_closed_by_default_and_opens_per_origin(
    client: TestClient, make_app: Callable[..., FastAPI]
) -> None:
    preflight = {
        "Origin": "https://chat.example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    closed = client.options("/v1/ask", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    assert (
        "access-control-allow-origin"
        not in client.post(
            "/v1/ask", json=ASK, headers={"Origin": "https://chat.example.org"}
        ).headers
    )
    with TestClient(make_app(cors_origins="https://chat.example.org")) as opened:
        allowed = opened.options("/v1/ask", headers=preflight)
        other = opened.options("/v1/ask", headers={**preflight, "Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://chat.example.org"
    assert "access-control-allow-origin" not in other.headers


def test_server_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CITEQA_API_KEYS", "key-one-7, key-two-8")
    monkeypatch.setenv("CITEQA_CORS_ORIGINS", "https://a.example,https://b.example")
    monkeypatch.setenv("CITEQA_ALLOWED_FILE_TYPES", "TXT,.pdf")
    monkeypatch.setenv("CITEQA_PORT", "9123")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.key_values() == ["key-one-7", "key-two-8"]
    assert "key-one-7" not in repr(settings)
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.allowed_file_types == [".pdf", ".txt"]
    assert (settings.port, settings.host, settings.require_key_for_reads) == (
        9123,
        "127.0.0.1",
        False,
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"require_key_for_reads": True},
            "require_key_for_reads is on but no api_keys or read_keys are set",
        ),
        ({"allowed_file_types": [".exe"]}, "citeqa cannot read .exe files"),
        ({"llm_base_url": "http://127.0.0.1:1/v1"}, "llm_base_url is set but llm_model is not"),
        ({"max_k": 500}, "max_k"),
    ],
)
def test_inconsistent_settings_are_refused(values: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, **values)  # type: ignore[call-arg]
