from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from index.errors import InvalidInput
from qa import batch as batch_module
from qa.batch import journal_path, run_batch
from qa.batch_io import read_questions
from qa.service import QAService

QUESTIONS = ["煤炭产业占工业比重下降到多少", "人均公园绿地面积是多少", "晉城培育了什麼產業集群"]


def write_inputs(tmp_path: Path) -> dict[str, Path]:
    paths = {s: tmp_path / f"questions{s}" for s in (".txt", ".csv", ".jsonl", ".xlsx")}
    paths[".txt"].write_text("\n".join(QUESTIONS) + "\n\n", encoding="utf-8")
    with paths[".csv"].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "question"])
        writer.writerows([[f"q{i}", q] for i, q in enumerate(QUESTIONS)])
    paths[".jsonl"].write_text(
        "\n".join(
            json.dumps({"id": f"q{i}", "question": q}, ensure_ascii=False)
            for i, q in enumerate(QUESTIONS)
        ),
        encoding="utf-8",
    )
    book = Workbook()
    book.active.append(["Question", "ID"])
    for i, q in enumerate(QUESTIONS):
        book.active.append([q, f"q{i}"])
    book.save(paths[".xlsx"])
    return paths


@pytest.mark.parametrize("suffix", [".txt", ".csv", ".jsonl", ".xlsx"])
def test_each_question_format_reads_the_same_questions(tmp_path: Path, suffix: str) -> None:
    questions, problems = read_questions(write_inputs(tmp_path)[suffix])
    assert [q.question for q in questions] == QUESTIONS
    assert problems == []
    if suffix != ".txt":
        assert [q.id for q in questions] == ["q0", "q1", "q2"]


def test_malformed_rows_are_reported_by_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "煤炭"}\nnot json\n{"id": 1}\n{"id": "a", "question": "公园"}\n{"id": "a", "question": "再问"}\n"直接的问题"\n',
        encoding="utf-8",
    )
    questions, problems = read_questions(path)
    assert [(q.line, q.id, q.question) for q in questions] == [
        (1, "1", "煤炭"),
        (4, "a", "公园"),
        (6, "6", "直接的问题"),
    ]
    assert [line for line, _ in problems] == [2, 3, 5]
    assert "not JSON" in problems[0][1] and "used on an earlier line" in problems[2][1]


def test_csv_without_question_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text("id,text\n1,煤炭\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no 'question' column \\(its columns: id, text\\)"):
        read_questions(path)


def test_gbk_csv_from_excel_is_read(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_bytes("question\n煤炭产业占工业比重下降到多少\n".encode("gbk"))
    assert [q.question for q in read_questions(path)[0]] == [QUESTIONS[0]]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx", ".md"])
def test_each_answer_format(service: QAService, tmp_path: Path, suffix: str) -> None:
    service.answer_at = {"zh": 0.0, "en": 0.0}
    out = tmp_path / f"answers{suffix}"
    report = run_batch(service, write_inputs(tmp_path)[".csv"], out, k=3)
    assert (report.questions, report.answered, report.resumed) == (3, 3, 0)
    assert not journal_path(out).exists()
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in rows] == ["q0", "q1", "q2"]
        assert rows[0]["answer"]["answer"].startswith("2021年煤炭产业占工业比重下降到6.1%。[1]")
        assert (
            rows[0]["answer"]["citations"][0]["char_end"]
            > rows[0]["answer"]["citations"][0]["char_start"]
        )
    elif suffix == ".csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
        assert rows[1]["question"] == QUESTIONS[1] and "[1]" in rows[1]["answer"]
        assert "green.txt" in rows[1]["citations"]
    elif suffix == ".xlsx":
        sheet = load_workbook(out).active
        assert [c.value for c in sheet[1]] == [
            "id",
            "question",
            "answer",
            "abstained",
            "confidence",
            "citations",
            "error",
        ]
        assert sheet.cell(row=4, column=1).value == "q2"
    else:
        text = out.read_text(encoding="utf-8")
        assert "## q0. 煤炭产业占工业比重下降到多少" in text and "> " in text


def test_interrupted_batch_resumes_where_it_stopped(
    service: QAService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("\n".join(f"问题{i}：煤炭产业占比" for i in range(5)), encoding="utf-8")
    out = tmp_path / "answers.jsonl"
    monkeypatch.setattr(batch_module, "GROUP", 2)
    real_ask_many, calls = service.ask_many, []

    def failing_ask_many(qs, k):  # type: ignore[no-untyped-def]
        calls.append(list(qs))
        if len(calls) == 2:
            raise KeyboardInterrupt  # the user pressed Ctrl-C during the second group
        return real_ask_many(qs, k)

    monkeypatch.setattr(service, "ask_many", failing_ask_many)
    with pytest.raises(KeyboardInterrupt):
        run_batch(service, questions, out)
    assert not out.exists()
    assert len(journal_path(out).read_text(encoding="utf-8").splitlines()) == 2

    monkeypatch.setattr(
        service, "ask_many", lambda qs, k: (calls.append(list(qs)), real_ask_many(qs, k))[1]
    )
    report = run_batch(service, questions, out)
    assert report.resumed == 2 and report.answered == 5
    assert calls[2:] == [["问题2：煤炭产业占比", "问题3：煤炭产业占比"], ["问题4：煤炭产业占比"]]
    assert [json.loads(line)["line"] for line in out.read_text(encoding="utf-8").splitlines()] == [
        1,
        2,
        3,
        4,
        5,
    ]


def test_bad_question_in_a_batch_is_an_error_row_not_a_stop(
    service: QAService, tmp_path: Path
) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"question": "煤" * 5000}) + "\n" + json.dumps({"question": "公园"}),
        encoding="utf-8",
    )
    report = run_batch(service, questions, tmp_path / "a.jsonl")
    assert report.answered == 1
    assert report.failed[0][0] == 1 and "5,000 characters long" in report.failed[0][1]


def test_unknown_formats_are_refused(service: QAService, tmp_path: Path) -> None:
    (tmp_path / "q.txt").write_text("煤炭", encoding="utf-8")
    with pytest.raises(InvalidInput, match="cannot write answers as .pdf"):
        run_batch(service, tmp_path / "q.txt", tmp_path / "a.pdf")
    with pytest.raises(InvalidInput, match="cannot read questions from .docx"):
        run_batch(service, tmp_path / "q.docx", tmp_path / "a.jsonl")
