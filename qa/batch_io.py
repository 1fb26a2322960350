"""Question lists in and answer files out: .txt, .csv, .jsonl and .xlsx in; .jsonl, .csv,
.xlsx and a readable .md report out. A malformed row is reported by line number and skipped.

A spreadsheet cell is always a string or a number, never a formula: a text cell that starts
with =, +, -, @, a tab or a carriage return (a question or a quoted passage can) is written
with a single quote before it, as OWASP advises against CSV injection; a plain number such
as -3.5 is kept as it is, since it cannot call anything."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.decoding import decode_text
from index.errors import InvalidInput

QUESTION_SUFFIXES = (".txt", ".csv", ".jsonl", ".xlsx")
ANSWER_SUFFIXES = (".jsonl", ".csv", ".xlsx", ".md")


@dataclass(frozen=True)
class BatchQuestion:
    line: int  # line (or spreadsheet row) number in the input, 1-based
    id: str
    question: str


def read_questions(path: Path) -> tuple[list[BatchQuestion], list[tuple[int, str]]]:
    """The questions of ``path`` and (line, reason) for each row that could not be used."""
    suffix = path.suffix.lower()
    if suffix not in QUESTION_SUFFIXES:
        raise InvalidInput(
            f"{path}: cannot read questions from {suffix or 'a file without extension'}; use {', '.join(QUESTION_SUFFIXES)}"
        )
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    rows: list[tuple[int, str | None, Any]]
    if suffix == ".xlsx":
        rows = _xlsx_rows(path)
    else:
        text, _ = decode_text(path, path.read_bytes())
        rows = {".txt": _txt_rows, ".csv": _csv_rows, ".jsonl": _jsonl_rows}[suffix](text)
    candidates: list[BatchQuestion] = []
    problems: list[tuple[int, str]] = []
    for line, qid, question in rows:
        if isinstance(question, Exception):
            problems.append((line, str(question)))
        elif not isinstance(question, str) or not question.strip():
            problems.append((line, "the question is empty"))
        else:
            candidates.append(BatchQuestion(line, qid or str(line), question.strip()))
    repeats = repeated_ids([q.id for q in candidates])
    problems += [(candidates[i].line, why) for i, why in repeats.items()]
    questions = [q for i, q in enumerate(candidates) if i not in repeats]
    return questions, sorted(problems)


def repeated_ids(ids: Sequence[str]) -> dict[int, str]:
    """{position: why} for every id already used at an earlier position: a question list
    names each question once, so its answer can be found (and a batch resumed) by id."""
    seen: set[str] = set()
    repeats: dict[int, str] = {}
    for i, qid in enumerate(ids):
        if qid in seen:
            repeats[i] = f"the id {qid!r} was used on an earlier line"
        seen.add(qid)
    return repeats


def _txt_rows(text: str) -> list[tuple[int, str | None, Any]]:
    return [(n, None, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]


def _csv_rows(text: str) -> list[tuple[int, str | None, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = {c.strip().lower(): c for c in reader.fieldnames or []}
    if "question" not in columns:
        raise InvalidInput(
            f"the CSV has no 'question' column (its columns: {', '.join(reader.fieldnames or []) or 'none'})"
        )
    rows: list[tuple[int, str | None, Any]] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            rows.append(
                (
                    line,
                    None,
                    ValueError(
                        f"the row has {len(columns) + len(row[None])} cells, the header {len(columns)}"
                    ),
                )
            )  # type: ignore[index]
            continue
        qid = (row.get(columns.get("id", ""), "") or "").strip() or None
        rows.append((line, qid, row[columns["question"]]))
    return rows


def _jsonl_rows(text: str) -> list[tuple[int, str | None, Any]]:
    rows: list[tuple[int, str | None, Any]] = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            rows.append((n, None, ValueError(f"not JSON: {exc}")))
            continue
        if isinstance(value, str):
            rows.append((n, None, value))
        elif isinstance(value, dict) and "question" in value:
            qid = value.get("id")
            rows.append((n, None if qid is None else str(qid), value["question"]))
        else:
            rows.append((n, None, ValueError('expected a string or an object with a "question"')))
    return rows


def _xlsx_rows(path: Path) -> list[tuple[int, str | None, Any]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InvalidInput(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    values = sheet.iter_rows(values_only=True)
    header = [str(c).strip().lower() if c is not None else "" for c in next(values, ())]
    if "question" not in header:
        raise InvalidInput(
            f"{path}: the first row has no 'question' column (found: {', '.join(h for h in header if h) or 'nothing'})"
        )
    q_col, id_col = header.index("question"), header.index("id") if "id" in header else None
    rows: list[tuple[int, str | None, Any]] = []
    for n, row in enumerate(values, start=2):
        if not row or all(c is None for c in row):
            continue
        question = row[q_col] if q_col < len(row) else None
        qid = row[id_col] if id_col is not None and id_col < len(row) else None
        rows.append(
            (n, None if qid is None else str(qid), None if question is None else str(question))
        )
    return rows


def check_answer_path(path: Path) -> None:
    if path.suffix.lower() not in ANSWER_SUFFIXES:
        raise InvalidInput(
            f"{path}: cannot write answers as {path.suffix or 'a file without extension'}; use {', '.join(ANSWER_SUFFIXES)}"
        )


def write_answers(path: Path, records: Sequence[dict[str, Any]]) -> None:
    """Write result records (``{"id", "line", "question", "answer": {...}}`` or with
    ``"error"``) in the format of ``path``'s suffix; written aside, then renamed."""
    check_answer_path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        tmp.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
    elif suffix == ".csv":
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel opens it right
            writer = csv.writer(handle)
            writer.writerow(_FLAT_COLUMNS)
            writer.writerows(_flat(r) for r in records)
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(list(_FLAT_COLUMNS))
        for r in records:
            sheet.append(_flat(r))
        book.save(tmp)
    else:
        tmp.write_text(_markdown(records), encoding="utf-8")
    os.replace(tmp, path)


_FLAT_COLUMNS = ("id", "question", "answer", "abstained", "confidence", "citations", "error")


def _cite_line(c: dict[str, Any]) -> str:
    where = " › ".join(x for x in (c["title"], c.get("section")) if x)
    page = f", p. {c['page']}" if c.get("page") else ""
    return f"[{c['n']}] {where} ({c['source']}{page}, chars {c['char_start']}-{c['char_end']})"


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet cell that cannot be a formula: a string starting with a
    character that makes Excel or LibreOffice read a formula gets a single quote before it,
    unless it is a plain number (-3.5). Other values are returned as they are."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _flat(r: dict[str, Any]) -> list[Any]:
    a = r.get("answer") or {}
    cites = "\n".join(_cite_line(c) for c in a.get("citations", []))
    row = [
        r["id"],
        r["question"],
        a.get("answer", ""),
        a.get("abstained", ""),
        a.get("confidence", ""),
        cites,
        r.get("error", ""),
    ]
    return [safe_cell(v) for v in row]


def _markdown(records: Sequence[dict[str, Any]]) -> str:
    out = ["# Answers", ""]
    for r in records:
        out += [f"## {r['id']}. {r['question']}", ""]
        if "error" in r:
            out += [f"*Not answered: {r['error']}*", ""]
            continue
        a = r["answer"]
        out += [f"**{a['answer']}**" if not a["abstained"] else f"*{a['answer']}*", ""]
        for c in a["citations"]:
            quote = c["text"].replace("\n", " ")
            out += [f"- {_cite_line(c)}", f"  > {quote}"]
        out.append("")
    return "\n".join(out)
