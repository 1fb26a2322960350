"""What approximate search costs in quality: each public set's held-out questions, ranked as a
small index ranks them (every chunk scored) and as a big one does (candidates from BM25 and
the IVF indexes, qa/candidates.py), side by side.

    python scripts/eval_approximate.py [--sets drcd cmrc2018 xquad] [--part held_out]

The evaluation indexes hold some thousand chunks each, below the size from which citeqa
searches approximately (index/derived.py), so their approximate indexes are built in memory
here with the rule a big index is built by: about 4·√n lists, 5% of them probed. At these
sizes 5% of the lists is a few hundred chunks, fewer than at a million, so the figures bound
the loss from the candidates' side only; scripts/bench_scale.py measures how often the top
results at a million chunks are those of exact search. Needs the indexes scripts/eval.py
builds. Writes ``results/eval_approximate.md`` (and .json).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compare import MEASURES, agreement, measure_cells  # noqa: E402

from index.embedder import UseEmbedder, load_embedder  # noqa: E402
from index.folder import approximated, open_snapshot  # noqa: E402
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
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "eval_approximate.md")
    args = parser.parse_args()
    splits = read_splits(PATHS.splits)
    embedder, use = load_embedder(), UseEmbedder()
    rows = []
    for name in args.sets:
        folder = PATHS.index(name)
        if not (folder / "manifest.json").exists():
            raise SystemExit(f"no index at {folder}; build it first: python scripts/eval.py")
        exact = QAService(open_snapshot(folder), embedder, use, use)
        approximate = exact.with_snapshot(approximated(exact.snapshot))
        for source in SETS[name].questions:
            gold = read_part(PATHS.eval_dir, source, args.part, splits)[: args.limit]
            row: dict[str, object] = {"set": source.label, "questions": len(gold)}
            for label, service in (("exact", exact), ("approximate", approximate)):
                report = evaluate(service, gold, methods={}, answers=0)
                row[label] = report.methods[SECOND_STAGE]
            row |= agreement(exact, approximate, [g.question for g in gold])
            rows.append(row)
            print(json.dumps(row), flush=True)
        exact.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    args.out.write_text(markdown(rows, args.part), encoding="utf-8")
    print(f"wrote {args.out}")


def markdown(rows: list[dict], part: str) -> str:  # type: ignore[type-arg]
    lines = [
        "# Approximate search against exact, on the public sets",
        "",
        f"Part: **{part}** (data/eval-splits.json); the second stage (what citeqa serves), over "
        "documents. Approximate: candidates from BM25 and IVF-SQ8 indexes built in memory "
        "(scripts/eval_approximate.py).",
        "",
        "| set | questions | " + " | ".join(f"{m} exact / approximate" for m in MEASURES)
        + " | largest drop | same top 5 chunks | exact top 10 kept |",
        "|---|---|" + "---|" * (len(MEASURES) + 3),
    ]  # fmt: skip
    for r in rows:
        exact, approx = r["exact"], r["approximate"]
        lines.append(
            f"| {r['set']} | {r['questions']} | {measure_cells(exact, approx)} "
            f"| {r['same_top5']:.3f} "
            f"| {r['top10_kept']:.3f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
