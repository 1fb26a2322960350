from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from api import cli


def test_serve_starts_uvicorn_with_the_app(
    index_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    result = CliRunner().invoke(
        cli.app, ["serve", "--index", str(index_folder), "--host", "127.0.0.1", "--port", "8123"]
    )
    assert result.exit_code == 0, result.output
    assert f"serving {index_folder} on http://127.0.0.1:8123" in result.output
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
