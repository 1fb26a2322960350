"""Allowed hosts: a loopback server answers to the loopback names only, so a page that
points its own name at this machine (DNS rebinding) gets nothing; and /readyz tells a caller
without a key, where reads need one, only whether the server is ready."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.hosts import allowed_hosts, host_allowed

READER = "reader-key-3c2d1e"
REFUSED = {
    "code": "host_not_allowed",
    "message": "this server does not answer to the host 'evil.example:8000'; it answers to "
    "localhost, 127.0.0.1, [::1] (CITEQA_ALLOWED_HOSTS)",
}


@pytest.mark.parametrize(
    ("host", "allowed", "ok"),
    [
        ("localhost:8000", ["localhost"], True), ("LOCALHOST.", ["localhost"], True),
        ("[::1]:8000", ["[::1]"], True), ("127.0.0.1", ["127.0.0.1"], True),
        ("api.example:8443", ["api.example:8443"], True),
        ("api.example:80", ["api.example:8443"], False),
        ("localhost.evil.example", ["localhost"], False), ("evil.example", ["localhost"], False),
    ],
)  # fmt: skip
def test_host_names_match_at_any_port_or_the_one_given(
    host: str, allowed: list[str], ok: bool
) -> None:
    assert host_allowed(host, allowed) is ok


def test_loopback_names_are_the_default_only_on_loopback(make_settings: Callable[..., Any]) -> None:
    assert allowed_hosts(make_settings(allowed_hosts=[])) == ["localhost", "127.0.0.1", "[::1]"]
    assert allowed_hosts(make_settings(allowed_hosts=[], host="::1")) == [
        "localhost", "127.0.0.1", "[::1]",
    ]  # fmt: skip
    assert allowed_hosts(make_settings(allowed_hosts=[], host="0.0.0.0")) is None
    assert allowed_hosts(make_settings(allowed_hosts="*")) is None
    assert allowed_hosts(make_settings(allowed_hosts="Citeqa.Internal,x:9")) == [
        "citeqa.internal", "x:9",
    ]  # fmt: skip


def test_a_loopback_server_answers_only_to_loopback_names(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(allowed_hosts=[])
    with TestClient(app, base_url="http://evil.example:8000") as evil:
        for method, path in [
            ("GET", "/"), ("GET", "/healthz"), ("GET", "/v1/documents"),
            ("POST", "/v1/search"), ("POST", "/mcp"), ("GET", "/openapi.json"),
        ]:  # fmt: skip
            refused = evil.request(method, path, json={"question": "煤炭"})
            assert refused.status_code == 421, path
            assert refused.json()["error"] == REFUSED
        for name in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000", "localhost"):
            good = TestClient(app, base_url=f"http://{name}")
            assert good.post("/v1/search", json={"question": "煤炭"}).status_code == 200, name


def test_a_server_bound_elsewhere_or_told_any_answers_to_any_name(
    make_app: Callable[..., FastAPI],
) -> None:
    for overrides in ({"allowed_hosts": [], "host": "0.0.0.0"}, {"allowed_hosts": "*"}):
        with TestClient(make_app(**overrides), base_url="http://evil.example:8000") as client:
            assert client.get("/v1/documents").status_code == 200


def test_the_host_check_holds_over_the_wire(
    make_app: Callable[..., FastAPI], serve: Callable[..., Any]
) -> None:
    with serve(make_app(allowed_hosts=[])) as url:
        port = url.rsplit(":", 1)[1]
        assert httpx.get(f"{url}/v1/documents").status_code == 200
        mcp = httpx.post(f"{url}/mcp", json={}, headers={"Host": f"localhost:{port}"}, timeout=5)
        assert mcp.status_code != 421
        forged = httpx.get(f"{url}/v1/documents", headers={"Host": "evil.example:8000"})
        assert forged.status_code == 421 and forged.json()["error"] == REFUSED


def test_readyz_says_only_ready_without_a_key_where_reads_need_one(
    make_app: Callable[..., FastAPI], auth: dict[str, str]
) -> None:
    with TestClient(make_app(require_key_for_reads=True, read_keys=READER)) as client:
        assert client.get("/readyz").json() == {"status": "ready"}
        assert client.get("/readyz", headers={"X-API-Key": "made-up"}).json() == {"status": "ready"}
        for headers in (auth, {"X-API-Key": READER}):
            full = client.get("/readyz", headers=headers).json()
            assert full["status"] == "ready" and full["collections"] == ["idx"]
            assert full["documents"] == 3
    with TestClient(make_app()) as client:  # reads open: all of it, as before
        assert client.get("/readyz").json()["documents"] == 3
