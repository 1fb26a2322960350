from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api import cli
from index.embedder import HashingEmbedder

runner = CliRunner()


@pytest.fixture(autouse=True)
def hashing_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_embedders", lambda model: (HashingEmbedder(32), HashingEmbedder(16)))


def test_index_then_info(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "idx"
    result = runner.invoke(cli.app, ["index", str(corpus), "--index", str(folder), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "3 files — 3 added, 0 updated, 0 unchanged, 0 removed, 0 skipped" in result.output

    again = runner.invoke(cli.app, ["index", str(corpus), "--index", str(folder), "--quiet"])
    assert "0 added, 0 updated, 3 unchanged" in again.output
    assert "0 chunks embedded" in again.output

    info = runner.invoke(cli.app, ["info", "--index", str(folder), "--json"])
    summary = json.loads(info.output)
    assert (summary["documents"], summary["model"], summary["dimension"]) == (3, "hashing-32", 32)
    assert sorted(d["title"] for d in summary["documents_list"])[0].startswith(
        "一、推动传统产业转型"
    )


def test_skipped_file_is_named_with_its_reason(corpus: Path, tmp_path: Path) -> None:
    (corpus / "notes.xyz").write_text("x", encoding="utf-8")
    result = runner.invoke(cli.app, ["index", str(corpus), "--index", str(tmp_path / "i"), "-q"])
    assert result.exit_code == 0
    assert "skipped" in result.output and "notes.xyz" in result.output


def test_errors_are_one_line_without_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["info", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "error: no citeqa index at" in result.output
    assert "Traceback" not in result.output

    bad = runner.invoke(
        cli.app, ["index", str(tmp_path / "missing"), "--index", str(tmp_path / "i")]
    )
    assert bad.exit_code == 1
    assert "no such file or folder" in bad.output


def test_remove_by_path(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "idx"
    runner.invoke(cli.app, ["index", str(corpus), "--index", str(folder), "-q"])
    result = runner.invoke(cli.app, ["remove", str(corpus / "green.txt"), "--index", str(folder)])
    assert result.exit_code == 0
    assert "removed 1 document(s)" in result.output
