"""Batch answering with resume.

Every answered group of questions is appended to a journal beside the output
(``ANSWERS.partial.jsonl``) and flushed to disk, so an interrupted run loses at most the group
in flight; running the same command again answers only what the journal lacks. When all are
done, the output is written in its format (aside, then renamed) and the journal removed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.errors import InvalidInput
from qa.batch_io import BatchQuestion, check_answer_path, read_questions, write_answers
from qa.serialize import answer_dict
from qa.service import DEFAULT_K, QAService

GROUP = 32  # questions embedded together, and committed to the journal together


@dataclass
class BatchReport:
    questions: int = 0
    answered: int = 0
    resumed: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): unanswerable rows
    malformed: list[tuple[int, str]] = field(
        default_factory=list
    )  # (line, reason): unreadable rows


def journal_path(output: Path) -> Path:
    return output.with_name(output.name + ".partial.jsonl")


def _read_journal(path: Path) -> dict[str, dict[str, Any]]:
    """Records already answered; a torn last line (a crash mid-write) is ignored."""
    done: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                done[record["id"]] = record
            except (ValueError, KeyError, TypeError):
                continue
    return done


def run_batch(
    service: QAService,
    questions_path: Path,
    output: Path,
    *,
    k: int = DEFAULT_K,
    progress: Callable[[int, int], None] | None = None,
) -> BatchReport:
    """Answer every question of ``questions_path`` into ``output``. ``progress(done, total)``
    is called after each group."""
    check_answer_path(output)
    questions, malformed = read_questions(questions_path)
    if not questions:
        raise InvalidInput(
            f"{questions_path}: no questions to answer"
            + (f" ({len(malformed)} malformed rows)" if malformed else "")
        )
    report = BatchReport(questions=len(questions), malformed=malformed)
    journal = journal_path(output)
    asked = {q.id: q.question for q in questions}
    # resume only what was answered for the same question under the same id
    done = {
        qid: r for qid, r in _read_journal(journal).items() if asked.get(qid) == r.get("question")
    }
    report.resumed = len(done)
    todo = [q for q in questions if q.id not in done]
    if progress:
        progress(len(done), len(questions))
    output.parent.mkdir(parents=True, exist_ok=True)
    with journal.open("a", encoding="utf-8") as handle:
        for start in range(0, len(todo), GROUP):
            group = todo[start : start + GROUP]
            results = service.ask_many([q.question for q in group], k)
            for q, result in zip(group, results, strict=True):
                record = _record(q, result)
                done[q.id] = record
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
            if progress:
                progress(len(done), len(questions))
    records = [done[q.id] for q in questions]
    write_answers(output, records)
    journal.unlink()
    report.answered = sum(1 for r in records if "answer" in r)
    report.failed = [(r["line"], r["error"]) for r in records if "error" in r]
    return report


def _record(q: BatchQuestion, result: Any) -> dict[str, Any]:
    base = {"id": q.id, "line": q.line, "question": q.question}
    if isinstance(result, InvalidInput):
        return {**base, "error": str(result)}
    return {**base, "answer": answer_dict(result)}
