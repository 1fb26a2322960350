"""An index held in Milvus against the embedded one, on each public set's held-out questions.

    python scripts/eval_milvus.py [--sets drcd cmrc2018 xquad] [--part held_out]

Each evaluation index (scripts/eval.py builds them) is copied into Milvus Lite with its
vectors (index/milvus_copy.py: nothing is embedded again, so the two differ only in how they
are searched), then both rank every question: the embedded index scores every chunk, the
Milvus one fuses the candidates Milvus finds for each signal (qa/candidates.py). Writes
``results/eval_milvus.md`` (and .json) with R@1, R@5 and MRR@10 over documents, how often
the two give the same top 5 chunks (on the first ``--agreement`` questions of a file), and
each one's time a question.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compare import MEASURES, agreement, measure_cells  # noqa: E402

import qa.candidates  # noqa: E402
from index.embedder import UseEmbedder, load_embedder  # noqa: E402
from index.folder import open_snapshot  # noqa: E402
from index.milvus_copy import copy_to_milvus  # noqa: E402
from qa.evalsets import PARTS, SETS, Layout, read_part, read_splits  # noqa: E402
from qa.evaluate import SECOND_STAGE, evaluate  # noqa: E402
from qa.service import QAService  # noqa: E402

PATHS = Layout(ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = [n for n in SETS if n != "sample"]
    parser.add_argument("--sets", nargs="+", default=names, choices=names)
    parser.add_argument("--part", default="held_out", choices=PARTS)
    parser.add_argument("--limit", type=int, default=None, help="first N questions of a file")
    parser.add_argument(
        "--candidates", type=int, default=None, help="each signal's, in Milvus (default: citeqa's)"
    )
    parser.add_argument(
        "--agreement", type=int, default=300, help="questions of a file compared chunk by chunk"
    )
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "eval-milvus")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "eval_milvus.md")
    args = parser.parse_args()
    if args.candidates:
        qa.candidates.REMOTE_CANDIDATES = args.candidates
    splits = read_splits(PATHS.splits)
    embedder, use = load_embedder(), UseEmbedder()
    shutil.rmtree(args.work, ignore_errors=True)
    rows = []
    for name in args.sets:
        folder = PATHS.index(name)
        if not (folder / "manifest.json").exists():
            raise SystemExit(f"no index at {folder}; build it first: python scripts/eval.py")
        started = time.perf_counter()
        copy_to_milvus(folder, args.work / name, str(args.work / f"{name}.db"))
        copied = time.perf_counter() - started
        embedded = QAService(open_snapshot(folder), embedder, use, use)
        milvus = QAService(open_snapshot(args.work / name), embedder, use, use)
        for source in SETS[name].questions:
            gold = read_part(PATHS.eval_dir, source, args.part, splits)[: args.limit]
            row: dict[str, object] = {"set": source.label, "questions": len(gold)}
            row["copy_s"] = round(copied, 1)
            for label, service in (("embedded", embedded), ("milvus", milvus)):
                started = time.perf_counter()
                report = evaluate(service, gold, methods={}, answers=0)
                row[label] = report.methods[SECOND_STAGE]
                row[f"{label}_ms"] = round((time.perf_counter() - started) * 1000 / len(gold), 1)
            row |= agreement(embedded, milvus, [g.question for g in gold[: args.agreement]])
            rows.append(row)
            print(json.dumps(row), flush=True)
        embedded.close()
        milvus.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    args.out.write_text(markdown(rows, args.part), encoding="utf-8")
    print(f"wrote {args.out}")


def markdown(rows: list[dict], part: str) -> str:  # type: ignore[type-arg]
    lines = [
        "# An index held in Milvus (Milvus Lite) against the embedded index, on the public sets",
        "",
        f"Part: **{part}** (data/eval-splits.json); the second stage (what citeqa serves), over "
        "documents. The same chunks and vectors in both (index/milvus_copy.py); the chunks "
        "compared on the first questions of each file; ms: the time a question of the "
        "evaluation, ranking only, on this machine (scripts/eval_milvus.py).",
        "",
        "| set | questions | " + " | ".join(f"{m} embedded / Milvus" for m in MEASURES)
        + " | largest drop | same top 5 chunks | embedded top 10 kept | ms embedded / Milvus |",
        "|---|---|" + "---|" * (len(MEASURES) + 4),
    ]  # fmt: skip
    for r in rows:
        a, b = r["embedded"], r["milvus"]
        lines.append(
            f"| {r['set']} | {r['questions']} | {measure_cells(a, b)} | {r['same_top5']:.3f} "
            f"| {r['top10_kept']:.3f} | {r['embedded_ms']} / {r['milvus_ms']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
