"""Evaluate retrieval, answers and abstention on the public sets in ../shared/eval.

    python scripts/eval.py [--part held_out|fit|all] [--sets drcd cmrc2018 xquad] [--limit N]

For each set it builds (or updates) an index of the corpus under ``.cache/eval/SET`` — one file
per corpus entry, named by its id, so a later run embeds nothing again — then, on the
HELD-OUT part by default (data/eval-splits.json; everything citeqa fits is fitted on the
other part), scores BM25, dense, the first-stage fusions and the second stage side by side
(R@1/5/10, MRR@10 over documents), checks every answer, and asks the index questions of the
other sets, which it cannot answer, to see how often citeqa rightly abstains; asks the set's
own questions again without their paragraphs (on-topic questions it cannot answer:
``evalsets.on_topic``); and asks the questions of data/reworded.jsonl written over the set's
paragraphs (worded away from the paragraph that answers them, or on its topic but not answered
by the set). Writes
``results/eval.md`` and ``results/eval.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.embedder import UseEmbedder, load_embedder  # noqa: E402
from index.folder import open_snapshot  # noqa: E402
from index.pipeline import ingest  # noqa: E402
from qa.evaluate import SECOND_STAGE, evaluate, standard_methods, table, weights_method  # noqa: E402
from qa.fitted import load_fitted  # noqa: E402
from qa.fitting.evalsets import (  # noqa: E402
    PARTS,
    SAMPLE_NEGATIVES,
    SETS,
    Layout,
    on_topic,
    read_part,
    read_reworded,
    read_sample_questions,
    read_splits,
)
from qa.query import detect_language  # noqa: E402
from qa.reader import shipped_reader  # noqa: E402
from qa.service import QAService  # noqa: E402

PATHS = Layout(ROOT)
EVAL = PATHS.eval_dir


# what a row of questions is: answerable, or which kind of question the index cannot answer
ANSWERABLE, OTHER, ON_TOPIC = "answerable", "other", "on-topic"
KINDS = {
    ANSWERABLE: "answerable, answered",
    OTHER: "another collection's, abstained",
    ON_TOPIC: "on-topic, cannot answer, abstained",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = [*SETS, "sample"]
    parser.add_argument("--sets", nargs="+", default=names, choices=names)
    parser.add_argument("--part", default="held_out", choices=PARTS)
    parser.add_argument("--limit", type=int, default=None, help="first N questions of a file")
    parser.add_argument(
        "--negatives", type=int, default=500, help="questions of another set, per file"
    )
    parser.add_argument("--grid", action="store_true", help="also score a grid of fusion weights")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "eval.md")
    args = parser.parse_args()
    splits = read_splits(PATHS.splits)
    embedder, use = load_embedder(), UseEmbedder()
    reader = shipped_reader()

    reports, abstention, timings = [], [], {}
    confidences: dict[tuple[str, str], list[float]] = defaultdict(list)
    thresholds = load_fitted().answer_at
    for name in (n for n in args.sets if n in SETS):
        folder = PATHS.index(name)
        ingest([PATHS.documents(name)], folder, embedder, cross=use)
        service = QAService(open_snapshot(folder), embedder, use, use, reader=reader)
        for source in SETS[name].questions:
            gold = read_part(EVAL, source, args.part, splits)[: args.limit]
            methods = standard_methods(service)
            if args.grid:
                for lex in (0.25, 0.5, 0.75, 1.0):
                    methods[f"z({lex} bm25 + e5)"] = weights_method({"lexical": lex, "dense": 1.0})
                for cross in (0.5, 0.75, 1.5):
                    methods[f"z(e5 + {cross} use)"] = weights_method({"dense": 1.0, "cross": cross})
            started = time.perf_counter()
            report = evaluate(service, gold, methods=methods)
            timings[source.label] = round(time.perf_counter() - started, 1)
            reports.append((source.label, report))
            abstention.append(
                (f"{source.label} on its own index", source.language, ANSWERABLE, report.answered,
                 len(report.confidence))
            )  # fmt: skip
            confidences[(source.language, ANSWERABLE)] += report.confidence
            print(source.label, json.dumps(report.methods[SECOND_STAGE]), flush=True)
            # the same questions without their paragraphs: on-topic, and now unanswerable
            gold = on_topic(EVAL, name, gold)[: args.negatives]
            if gold:
                neg = evaluate(service, gold, withhold_own=True)
                abstention.append(
                    (f"{source.label}, own paragraph left out (on-topic, cannot answer)",
                     source.language, ON_TOPIC, neg.answered, len(neg.confidence))
                )  # fmt: skip
                confidences[(source.language, ON_TOPIC)] += neg.confidence
        for source in SETS[name].negatives:
            gold = read_part(EVAL, source, args.part, splits)[: args.negatives]
            neg = evaluate(service, gold, methods={})
            abstention.append(
                (f"{source.label} on the {name} index (cannot answer)", source.language, OTHER,
                 neg.answered, len(neg.confidence))
            )  # fmt: skip
            confidences[(source.language, OTHER)] += neg.confidence
        reworded = read_reworded(PATHS.reworded, name, args.part) if PATHS.reworded.exists() else {}
        for (language, can), gold in sorted(reworded.items()):
            if can:  # written worded away from their paragraph
                label = f"{SETS[name].questions[0].label.split(' ')[0]} reworded ({language})"
                report = evaluate(service, gold)
                reports.append((label, report))
                abstention.append((label, language, ANSWERABLE, report.answered, len(gold)))
                confidences[(language, ANSWERABLE)] += report.confidence
            else:  # on the set's topics, but not in it
                label = f"on-topic questions the {name} index cannot answer ({language})"
                neg = evaluate(service, gold, methods={})
                abstention.append((label, language, ON_TOPIC, neg.answered, len(gold)))
                confidences[(language, ON_TOPIC)] += neg.confidence
        service.close()

    if "sample" in args.sets:  # the bundled government reports, with questions written from them
        ingest([PATHS.documents("sample")], PATHS.index("sample"), embedder, cross=use)
        service = QAService(open_snapshot(PATHS.index("sample")), embedder, use, use, reader=reader)
        answerable, unanswerable = read_sample_questions(PATHS.sample_questions, args.part)
        others = [g for f in SAMPLE_NEGATIVES for g in read_part(EVAL, f, args.part, splits)[:200]]
        for language in ("zh", "en"):
            label = f"sample ({language})"
            mine = [g for g in answerable if detect_language(g.question) == language]
            report = evaluate(service, mine)
            reports.append((label, report))
            abstention.append(
                (f"{label} on its own index", language, ANSWERABLE, report.answered, len(mine))
            )
            confidences[(language, ANSWERABLE)] += report.confidence
            theirs = [g for g in unanswerable + others if detect_language(g.question) == language]
            neg = evaluate(service, theirs, methods={})
            abstention.append(
                (f"{label}: questions it cannot answer", language, OTHER, neg.answered, len(theirs))
            )
            confidences[(language, OTHER)] += neg.confidence
        service.close()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "part": args.part,
        "methods": {label: r.methods for label, r in reports},
        "answer_hit_rate": {label: [r.answer_hit_rate, r.answers_checked] for label, r in reports},
        "answered": {label: [share, n] for label, _, _, share, n in abstention},
        "seconds": timings,
    }
    args.out.with_suffix(".json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    lines = [
        "# Evaluation",
        "",
        f"Part: **{args.part}** (data/eval-splits.json). R@k and MRR@10 are over documents; "
        f"`{SECOND_STAGE}` is what citeqa serves.",
        "",
        table(reports),
        "",
        "Answer hit rate (answered, and the answer text contains a gold answer; English "
        "questions are answered with the Chinese sentences, matched against `answers_zh`):",
        "",
    ]
    lines += [
        f"- {label}: {r.answer_hit_rate:.3f} of {r.answers_checked}"
        for label, r in reports
        if r.answer_hit_rate is not None
    ]
    lines += [
        "",
        "Abstention at the fitted thresholds (qa/fitted.json):",
        "",
        "| questions | language | answered | abstained | n |",
        "|---|---|---|---|---|",
    ]
    for label, language, _, share, n in abstention:
        if share is not None:
            lines.append(f"| {label} | {language} | {share:.3f} | {1 - share:.3f} | {n} |")
    for language in ("zh", "en"):
        for kind in KINDS:
            rows = [(s, n) for _, lang, k, s, n in abstention if lang == language and k == kind and s is not None]  # fmt: skip
            if rows:
                share = sum(s * n for s, n in rows) / sum(n for _, n in rows)
                lines.append(
                    f"\n{language}, {KINDS[kind]}: "
                    f"**{share if kind == ANSWERABLE else 1 - share:.3f}** "
                    f"of {sum(n for _, n in rows)}"
                )
    lines += [
        "",
        "The trade-off: share of answerable questions answered and of the others abstained on, "
        "as the threshold moves (the fitted threshold in bold):",
        "",
    ]
    for language in ("zh", "en"):
        yes = np.asarray(confidences[(language, ANSWERABLE)])
        kinds = [k for k in (OTHER, ON_TOPIC) if confidences[(language, k)]]
        if not len(yes) or not kinds:
            continue
        lines += [
            f"| {language} threshold | answerable answered | "
            + " | ".join(KINDS[k] for k in kinds)
            + " |",
            "|---" * (2 + len(kinds)) + "|",
        ]
        fitted_at = thresholds.get(language, 0.0)
        for t in sorted({*np.round(np.linspace(0.05, 0.95, 19), 2).tolist(), fitted_at}):
            cells = f"{np.mean(yes >= t):.3f} | " + " | ".join(
                f"{np.mean(np.asarray(confidences[(language, k)]) < t):.3f}" for k in kinds
            )
            label = f"**{t:.3f}**" if t == fitted_at else f"{t:.2f}"
            lines.append(f"| {label} | {cells} |")
        lines.append("")
    lines += ["", f"Seconds per question file: {timings}", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
