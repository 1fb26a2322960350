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
    assert summary["search"] == "exact"  # a small index
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


@pytest.fixture
def qa_index(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from index.folder import open_snapshot
    from qa.service import QAService

    folder = tmp_path / "idx"
    runner.invoke(cli.app, ["index", str(corpus), "--index", str(folder), "-q"])

    def service(index: Path | None) -> QAService:
        return QAService(
            open_snapshot(index or folder),
            HashingEmbedder(32),
            HashingEmbedder(16),
            HashingEmbedder(16),
            answer_at={},
        )

    monkeypatch.setattr(cli, "_service", service)
    return folder


def test_search_json_has_the_stable_shape(qa_index: Path) -> None:
    result = runner.invoke(
        cli.app, ["search", "煤炭产业占工业比重", "-k", "2", "--json", "--index", str(qa_index)]
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)["hits"]
    assert 1 <= len(hits) <= 2
    for key in ("text", "doc_id", "title", "source", "char_start", "char_end", "score", "signals"):
        assert key in hits[0]
    assert hits[0]["source"].endswith("coal.txt")


def test_ask_json_and_terminal(qa_index: Path) -> None:
    result = runner.invoke(
        cli.app, ["ask", "煤炭产业占工业比重下降到多少", "--json", "--index", str(qa_index)]
    )
    data = json.loads(result.output)
    assert data["answer"].startswith("2021年煤炭产业占工业比重下降到6.1%。[1]")
    assert data["citations"][0]["n"] == 1
    terminal = runner.invoke(
        cli.app, ["ask", "煤炭产业占工业比重下降到多少", "--explain", "--index", str(qa_index)]
    )
    assert terminal.exit_code == 0
    assert "answer" in terminal.output and "lexical #1" in terminal.output
    # the shipped fit orders Chinese passages by their answer sentences too, and says by how much
    assert "best answer sentence" in terminal.output


def test_a_follow_up_is_searched_with_the_earlier_question(qa_index: Path) -> None:
    args = ["那晋城呢？", "--after", "鹤壁的煤炭产业占比是多少？", "--index", str(qa_index)]
    for command in ("ask", "search"):
        data = json.loads(runner.invoke(cli.app, [command, *args, "--json"]).output)
        assert data["question"] == "那晋城呢？"
        assert data["searched"] == "晋城的煤炭产业占比是多少", data["searched"]
    terminal = runner.invoke(cli.app, ["ask", *args])
    assert terminal.exit_code == 0
    assert "searched as: 晋城的煤炭产业占比是多少" in terminal.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", ""], "the question is empty"),
        (["search", "煤炭", "-k", "0"], "k of 0 is out of range"),
        (["ask", "煤" * 10_000], "10,000 characters long"),
    ],
)
def test_bad_questions_get_one_line_errors(qa_index: Path, args: list[str], message: str) -> None:
    result = runner.invoke(cli.app, [*args, "--index", str(qa_index)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_batch_and_eval_commands(qa_index: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("煤炭产业占工业比重下降到多少\n人均公园绿地面积\n", encoding="utf-8")
    out = tmp_path / "answers.md"
    result = runner.invoke(
        cli.app, ["batch", str(questions), "-o", str(out), "-q", "--index", str(qa_index)]
    )
    assert result.exit_code == 0, result.output
    assert "2 of 2 questions answered" in result.output
    assert "6.1%" in out.read_text(encoding="utf-8")

    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {"question": "人均公园绿地面积", "positive_ids": ["green"], "answers": ["18.8平方米"]},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    result = runner.invoke(
        cli.app, ["eval", str(gold), "--index", str(qa_index), "-o", str(tmp_path / "eval.md")]
    )
    assert result.exit_code == 0, result.output
    assert "| bm25 | 1.000 / 1.000 / 1.000 / 1.000 |" in result.output
    assert "answer hit rate: 1.000 of 1 answers" in (tmp_path / "eval.md").read_text(
        encoding="utf-8"
    )


def test_ctrl_c_stops_a_batch_cleanly_and_the_next_run_carries_on(
    qa_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.batch

    questions = tmp_path / "q.txt"
    questions.write_text("\n".join(f"煤炭产业占工业比重{i}" for i in range(40)), encoding="utf-8")
    out = tmp_path / "answers.jsonl"
    real = qa.batch.QAService.ask_many
    calls = []

    def interrupted_after_one_group(self, items, k=5):  # type: ignore[no-untyped-def]
        if calls:
            raise KeyboardInterrupt
        calls.append(len(items))
        return real(self, items, k)

    monkeypatch.setattr(qa.batch.QAService, "ask_many", interrupted_after_one_group)
    args = ["batch", str(questions), "-o", str(out), "-q", "--index", str(qa_index)]
    stopped = runner.invoke(cli.app, args)
    assert stopped.exit_code == 130 and "Traceback" not in stopped.output
    assert (
        "answers so far are kept in" in stopped.output and "run the same command" in stopped.output
    )
    monkeypatch.setattr(qa.batch.QAService, "ask_many", real)
    again = runner.invoke(cli.app, args)
    assert (
        again.exit_code == 0
        and "40 of 40 questions answered (32 from an earlier run)" in again.output
    )


def test_index_on_a_ray_cluster_that_is_not_there_is_one_clear_line(
    corpus: Path, tmp_path: Path
) -> None:
    pytest.importorskip("ray")
    result = runner.invoke(
        cli.app, ["index", str(corpus), "--index", str(tmp_path / "i"), "--ray", "127.0.0.1:1"]
    )
    assert result.exit_code == 1
    assert "cannot reach a Ray cluster at 127.0.0.1:1" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "i").exists()
