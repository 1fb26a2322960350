"""What `citeqa index` says and does when a run cannot do what was asked: an incremental run
keeps the chunk size the index was built with, another one is told the option to change,
and a run that could index no file fails; /docs, when off, does not send callers to itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import cli
from index.embedder import HashingEmbedder
from index.manifest import read_manifest

runner = CliRunner()


@pytest.fixture(autouse=True)
def hashing_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_embedders", lambda model: (HashingEmbedder(32), HashingEmbedder(16)))
    monkeypatch.delenv("CITEQA_CHUNK_SIZE", raising=False)
    cli.get_settings.cache_clear()


def _index(*args: str) -> object:
    return runner.invoke(cli.app, ["index", *args, "--quiet"])


def test_an_incremental_run_keeps_the_recorded_chunk_size(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "idx"
    first = _index(str(corpus), "--index", str(folder), "--chunk-size", "50")
    assert first.exit_code == 0, first.output
    (corpus / "more.txt").write_text("港口吞吐量增长了百分之十二。", encoding="utf-8")
    again = _index(str(corpus), "--index", str(folder))
    assert again.exit_code == 0, again.output
    assert "1 added, 0 updated, 3 unchanged" in again.output
    assert read_manifest(folder).chunk_size == 50


def test_a_chunk_size_mismatch_names_the_chunk_size_option(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "idx"
    assert _index(str(corpus), "--index", str(folder), "--chunk-size", "50").exit_code == 0
    other = _index(str(corpus), "--index", str(folder), "--chunk-size", "80")
    assert other.exit_code == 1
    message = " ".join(other.output.split())
    assert "built with chunk_size 50, but 80 was asked for" in message
    assert "Either use the same setting (--chunk-size 50) or rebuild" in message
    assert "--model" not in message


def test_a_run_that_indexes_no_file_fails(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.xyz").write_text("x", encoding="utf-8")
    (docs / "empty.txt").write_text("", encoding="utf-8")
    result = _index(str(docs), "--index", str(tmp_path / "idx"))
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "skipped" in output and "notes.xyz" in output and "empty.txt" in output
    assert "error: no file could be indexed: 2 skipped (named above, with why)" in output


def test_docs_when_off_do_not_point_to_themselves(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(require_key_for_reads=True)) as client:
        for page in ("/docs", "/redoc"):
            response = client.get(page)
            assert response.status_code == 404
            assert response.json()["error"] == {
                "code": "not_found",
                "message": f"no such endpoint: GET {page}; the API is described at "
                "/openapi.json, which needs an API key on this server (and /docs and /redoc "
                "are off: they cannot send one)",
            }
    with TestClient(make_app()) as client:
        assert client.get("/nowhere").json()["error"]["message"].endswith("; see /docs")
