"""What the scripts that measure one way of searching against another share
(eval_approximate.py, eval_milvus.py): a question file's row of both services' figures, how
alike they rank, the table cells, and writing the report."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from bench_scale_report import agreement_of

from qa.evaluate import SECOND_STAGE, GoldQuery, evaluate
from qa.fitting.evalsets import PARTS, SETS, Layout
from qa.service import QAService

MEASURES = ("R@1", "R@5", "MRR@10")
PATHS = Layout(Path(__file__).resolve().parents[1])


def arguments(doc: str, out: str) -> argparse.ArgumentParser:
    """The options both scripts take: which sets, which part, how many questions, and the
    report's path (``results/OUT``)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    names = [n for n in SETS if n != "sample"]
    parser.add_argument("--sets", nargs="+", default=names, choices=names)
    parser.add_argument("--part", default="held_out", choices=PARTS)
    parser.add_argument("--limit", type=int, default=None, help="first N questions of a file")
    parser.add_argument("--out", type=Path, default=PATHS.root / "results" / out)
    return parser


def built_index(name: str) -> Path:
    """The evaluation index of a set, which scripts/eval.py builds."""
    folder = PATHS.index(name)
    if not (folder / "manifest.json").exists():
        raise SystemExit(f"no index at {folder}; build it first: python scripts/eval.py")
    return folder


def agreement(first: QAService, second: QAService, questions: list[str]) -> dict[str, float]:
    """bench_scale_report.agreement_of the two services' top 10 chunks for each question."""
    ranked: list[list[list[str]]] = [[], []]
    for start in range(0, len(questions), 64):
        queries = [first.parse(q) for q in questions[start : start + 64]]
        for mine, service in zip(ranked, (first, second), strict=True):
            mine += [
                [c.chunk.id for c in service.retriever.ranking(s, 10).chunks]
                for s in service.retriever.signals(queries)
            ]
    return agreement_of(*ranked)


def measure_cells(first: Mapping[str, float], second: Mapping[str, float]) -> str:
    """``a / b`` for each of MEASURES, then the largest drop from the first to the second."""
    drop = max(first[m] - second[m] for m in MEASURES)
    return " | ".join(f"{first[m]:.3f} / {second[m]:.3f}" for m in MEASURES) + f" | {drop:+.3f}"


def compared(
    label: str,
    gold: Sequence[GoldQuery],
    services: Mapping[str, QAService],
    agreement_questions: int | None = None,
) -> dict[str, object]:
    """One question file's row: each of the two services' figures over documents for what
    citeqa serves (``evaluate``'s SECOND_STAGE) and its time a question (ms: ranking, and
    citing the first passages to order them), and how alike their second stages' top chunks
    are on the first ``agreement_questions`` questions (all by default)."""
    row: dict[str, object] = {"set": label, "questions": len(gold)}
    for name, service in services.items():
        started = time.perf_counter()
        row[name] = evaluate(service, gold, methods={}, answers=0).methods[SECOND_STAGE]
        row[f"{name}_ms"] = round((time.perf_counter() - started) * 1000 / max(len(gold), 1), 1)
    first, second = services.values()
    questions = [g.question for g in gold[:agreement_questions]]
    return row | agreement(first, second, questions)


def write_report(rows: list[dict[str, object]], out: Path, markdown: str) -> None:
    """The rows as ``out`` with the suffix .json, and the table as ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    out.write_text(markdown, encoding="utf-8")
    print(f"wrote {out}")


def table(
    title: str,
    about: str,
    rows: list[dict],
    names: tuple[str, str],
    shown: tuple[str, str],
    *,
    times: bool = False,
) -> str:  # type: ignore[type-arg]
    """The report: ``about`` under ``title``, then a row of each question file for the
    services the rows call ``names`` (headed ``shown``), with their times if ``times``."""
    a, b = shown
    head = " | ".join(f"{m} {a} / {b}" for m in MEASURES)
    head += f" | largest drop | same top 5 chunks | {a} top 10 kept"
    head += f" | ms {a} / {b} |" if times else " |"
    lines = [
        f"# {title}", "", about, "",
        f"| set | questions | {head}", "|---|---|" + "---|" * (len(MEASURES) + 3 + times),
    ]  # fmt: skip
    for r in rows:
        first, second = r[names[0]], r[names[1]]
        cells = f"{measure_cells(first, second)} | {r['same_top5']:.3f} | {r['top10_kept']:.3f}"
        if times:
            cells += f" | {r[names[0] + '_ms']} / {r[names[1] + '_ms']}"
        lines.append(f"| {r['set']} | {r['questions']} | {cells} |")
    return "\n".join(lines) + "\n"
