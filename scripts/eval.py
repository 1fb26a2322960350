"""Evaluate retrieval and answers on every public set in ../shared/eval.

    python scripts/eval.py [--sets drcd cmrc2018 xquad] [--answers 500] [--limit N]

For each set it builds (or updates) an index of the corpus under ``.cache/eval/SET`` — one file
per corpus entry, named by its id, so a later run embeds nothing again — then scores BM25,
dense, the usual fusions and the language-adaptive default side by side (R@1/5/10, MRR@10),
checks the answers of the first ``--answers`` questions, and measures how the evidence score
separates answerable questions from questions asked of the wrong corpus (the abstain
threshold). Writes ``results/eval.md`` and ``results/eval.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.embedder import SentenceTransformerEmbedder, UseEmbedder  # noqa: E402
from index.pipeline import ingest  # noqa: E402
from qa.answer import ABSTAIN_BELOW  # noqa: E402
from qa.evaluate import evaluate, read_gold, standard_methods, table, weights_method  # noqa: E402
from qa.service import open_service  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
# set -> query files (file, label, language); then questions of other sets, asked of this set's
# index, standing for questions it cannot answer (file of a set, language)
SETS: dict[str, tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]] = {
    "drcd": (
        [("queries.jsonl", "DRCD (Trad)", "zh")],
        [("cmrc2018", "queries.jsonl", "zh"), ("xquad", "queries.en.jsonl", "en")],
    ),
    "cmrc2018": (
        [("queries.jsonl", "CMRC (Simp)", "zh")],
        [("drcd", "queries.jsonl", "zh"), ("xquad", "queries.en.jsonl", "en")],
    ),
    "xquad": (
        [("queries.zh.jsonl", "XQuAD zh", "zh"), ("queries.en.jsonl", "XQuAD en->zh", "en")],
        [("drcd", "queries.jsonl", "zh")],
    ),
}
SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def build_index(name: str, folder: Path) -> None:
    docs = ROOT / ".cache" / "eval" / f"{name}-docs"
    docs.mkdir(parents=True, exist_ok=True)
    with (EVAL / name / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            path = docs / f"{SAFE.sub('_', row['id'])}.txt"
            if not path.exists():
                path.write_text(row["text"], encoding="utf-8")
    started = time.perf_counter()
    report = ingest([docs], folder, SentenceTransformerEmbedder(), cross=UseEmbedder())
    print(
        f"{name}: {report.added} added, {report.chunks_embedded} chunks embedded in {time.perf_counter() - started:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument(
        "--answers", type=int, default=500, help="check answers of the first N questions"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="use only the first N questions of a file"
    )
    parser.add_argument(
        "--negatives", type=int, default=500, help="questions from another set, for abstaining"
    )
    parser.add_argument("--split", default=None, help="only questions of this split (e.g. dev)")
    parser.add_argument("--grid", action="store_true", help="also score a grid of fusion weights")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "eval.md")
    args = parser.parse_args()

    reports, evidence, timings = [], {}, {}
    for name in args.sets:
        folder = ROOT / ".cache" / "eval" / name
        build_index(name, folder)
        service = open_service(folder)
        files, negative_files = SETS[name]
        for filename, label, language in files:
            gold, bad = read_gold(EVAL / name / filename)
            for line, reason in bad:
                print(f"{label}: line {line} skipped: {reason}")
            if args.split:
                raw = [json.loads(line) for line in (EVAL / name / filename).open(encoding="utf-8")]
                keep = {i + 1 for i, r in enumerate(raw) if r.get("split") == args.split}
                gold = [g for g in gold if g.line in keep]
            # the corpus files were named with SAFE ids; name the positives the same way
            gold = [
                replace(g, positive_ids=frozenset(SAFE.sub("_", p) for p in g.positive_ids))
                for g in gold
            ]
            gold = gold[: args.limit]
            started = time.perf_counter()
            methods = standard_methods(service)
            if args.grid:
                for lex in (0.25, 0.5, 0.75, 1.0, 1.5):
                    methods[f"z({lex} bm25 + e5)"] = weights_method({"lexical": lex, "dense": 1.0})
                    methods[f"z({lex} bm25 + e5 + 0.5 use)"] = weights_method(
                        {"lexical": lex, "dense": 1.0, "cross": 0.5}
                    )
                for cross in (0.5, 0.75, 1.5, 2.0):
                    methods[f"z(e5 + {cross} use)"] = weights_method({"dense": 1.0, "cross": cross})
                    methods[f"z(0.1 bm25 + e5 + {cross} use)"] = weights_method(
                        {"lexical": 0.1, "dense": 1.0, "cross": cross}
                    )
            report = evaluate(service, gold, methods=methods, answers=args.answers)
            timings[label] = round(time.perf_counter() - started, 1)
            reports.append((label, report))
            print(
                label,
                json.dumps(report.methods["default (by language)"]),
                report.answer_hit_rate,
                flush=True,
            )
            evidence[label] = (language, report.evidence)
        for negative_set, filename, language in negative_files:
            negatives, _ = read_gold(EVAL / negative_set / filename)
            neg = evaluate(
                service,
                negatives[: args.negatives],
                methods={"dense (e5)": lambda s: s.scores["dense"]},
            )
            label = f"{name} index, {negative_set}/{filename} (cannot answer)"
            evidence[label] = (language, neg.evidence)
        service.close()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "methods": {label: r.methods for label, r in reports},
        "answer_hit_rate": {label: [r.answer_hit_rate, r.answers_checked] for label, r in reports},
        "evidence_percentiles": {
            label: {p: round(float(np.percentile(v, p)), 4) for p in (1, 2, 5, 10, 50)}
            for label, (_, v) in evidence.items()
            if v
        },
        "answered_share": {
            label: round(float(np.mean(np.asarray(v) >= ABSTAIN_BELOW[lang])), 4)
            for label, (lang, v) in evidence.items()
            if v
        },
        "seconds": timings,
    }
    args.out.with_suffix(".json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    lines = [
        "# Evaluation",
        "",
        table(reports),
        "",
        "Answer hit rate (the answer text contains a gold answer):",
        "",
    ]
    lines += [
        f"- {label}: {r.answer_hit_rate:.3f} of {r.answers_checked}"
        for label, r in reports
        if r.answer_hit_rate is not None
    ]
    lines += [
        "",
        "Evidence score (best passage's e5 cosine) percentiles:",
        "",
        "| questions | p1 | p2 | p5 | p10 | p50 |",
        "|---|---|---|---|---|---|",
    ]
    for label, ps in data["evidence_percentiles"].items():
        lines.append(f"| {label} | " + " | ".join(str(ps[p]) for p in (1, 2, 5, 10, 50)) + " |")
    lines += [
        "",
        f"Share answered at the abstain thresholds in use ({ABSTAIN_BELOW}); the rest get "
        "'nothing in the documents answers this':",
        "",
        "| questions | answered |",
        "|---|---|",
    ]
    lines += [f"| {label} | {share:.3f} |" for label, share in data["answered_share"].items()]
    lines += ["", f"Seconds per question file: {timings}", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
