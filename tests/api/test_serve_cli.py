from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from api import cli
from index.embedder import HashingEmbedder
from index.pipeline import ingest


def test_serve_starts_uvicorn_with_the_app(
    index_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    result = CliRunner().invoke(
        cli.app, ["serve", "--index", str(index_folder), "--host", "127.0.0.1", "--port", "8123"]
    )
    assert result.exit_code == 0, result.output
    assert f"serving idx ({index_folder}) on http://127.0.0.1:8123" in result.output
    ((app, options),) = calls  # the app is built, not started: its lifespan loads the models
    assert isinstance(app, FastAPI)
    assert (options["host"], options["port"]) == ("127.0.0.1", 8123)


def test_serve_without_an_index_says_what_to_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.app, ["serve", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "error: no citeqa index at" in result.output and "citeqa index PATH" in result.output
    assert "Traceback" not in result.output
    bad_port = CliRunner().invoke(cli.app, ["serve", "--port", "70000"])
    assert bad_port.exit_code == 2


def test_serve_takes_several_indexes_or_a_folder_of_them(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(app))
    for name in ("reports", "policies"):
        ingest([corpus], tmp_path / "all" / name, HashingEmbedder(64))
    (tmp_path / "all" / "notes").mkdir()  # not an index: passed over

    several = [f"--index={tmp_path / 'all' / n}" for n in ("reports", "policies")]
    result = CliRunner().invoke(cli.app, ["serve", *several])
    assert result.exit_code == 0, result.output
    assert "serving reports (" in result.output and ", policies (" in result.output

    folder = CliRunner().invoke(cli.app, ["serve", "--index", str(tmp_path / "all")])
    assert folder.exit_code == 0, folder.output
    assert "serving policies (" in folder.output and ", reports (" in folder.output
    assert len(calls) == 2


def test_serve_refuses_indexes_it_cannot_serve_together(corpus: Path, tmp_path: Path) -> None:
    ingest([corpus], tmp_path / "a" / "docs", HashingEmbedder(64))
    ingest([corpus], tmp_path / "b" / "docs", HashingEmbedder(64))
    ingest([corpus], tmp_path / "other", HashingEmbedder(32))
    first = f"--index={tmp_path / 'a' / 'docs'}"

    same_name = CliRunner().invoke(cli.app, ["serve", first, f"--index={tmp_path / 'b' / 'docs'}"])
    assert same_name.exit_code == 1
    assert "two indexes are both named 'docs'" in same_name.output

    models = CliRunner().invoke(cli.app, ["serve", first, f"--index={tmp_path / 'other'}"])
    assert models.exit_code == 1
    assert "'other'" in models.output and "hashing-32" in models.output
    assert "one server loads one set of models" in models.output
    assert "Traceback" not in models.output + same_name.output
