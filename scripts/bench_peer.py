"""Side-by-side benchmark against the peer a user would otherwise pick: txtai, with the same e5
model folder, on the same corpora and questions.

    pip install -e '.[bench]'          # installs txtai
    python scripts/bench_peer.py [--questions 1000]

For each corpus (DRCD; XQuAD, asked in Chinese and in English) each system runs in a process of
its own: it builds an index of the corpus in a temporary folder (timed), answers the held-out
questions one at a time with k = 5 (timed each), and reports recall of the gold document at 1
and 5, its peak resident memory and the size of its index on disk. txtai is configured as its
documentation recommends for e5: the model folder as ``path``, the ``query: ``/``passage: ``
instructions, content stored; its defaults otherwise (Faiss, sentence-transformers on torch).
citeqa runs as shipped (`citeqa search`, second stage on). Writes ``results/bench_peer.md``
(and .json). Run it by hand on an otherwise idle machine; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import peak_rss_mb  # noqa: E402

from qa.fitting.evalsets import SETS, Layout, read_part, read_splits  # noqa: E402

PATHS = Layout(ROOT)
K = 5
SYSTEMS = ("citeqa", "txtai")
CORPORA = {"drcd": SETS["drcd"].questions, "xquad": SETS["xquad"].questions}


def disk_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def questions_of(corpus: str, limit: int) -> dict[str, list[tuple[str, frozenset[str]]]]:
    splits = read_splits(PATHS.splits)
    return {
        source.label: [
            (g.question, g.positive_ids)
            for g in read_part(PATHS.eval_dir, source, "held_out", splits)[:limit]
        ]
        for source in CORPORA[corpus]
    }


def unique(keys: list[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def run_queries(
    search: Any, questions: dict[str, list[tuple[str, frozenset[str]]]]
) -> dict[str, Any]:
    out = {}
    for label, items in questions.items():
        for question, _ in items[:5]:  # warm up
            search(question)
        times, at1, at5 = [], 0, 0
        for question, positives in items:
            started = time.perf_counter()
            docs = unique(search(question))
            times.append((time.perf_counter() - started) * 1000)
            at1 += bool(docs[:1] and docs[0] in positives)
            at5 += bool(set(docs[:K]) & positives)
        cuts = statistics.quantiles(times, n=100)
        out[label] = {
            "questions": len(items),
            "p50_ms": round(cuts[49], 1),
            "p95_ms": round(cuts[94], 1),
            "r_at_1": round(at1 / len(items), 4),
            "r_at_5": round(at5 / len(items), 4),
        }
    return out


def run_citeqa(docs: Path, work: Path, questions: dict[str, Any]) -> dict[str, Any]:
    from api.settings import embedders, get_settings, open_index
    from index.pipeline import ingest

    settings = get_settings()
    folder = work / "index"
    started = time.perf_counter()
    embedder, cross = embedders(settings)
    report = ingest([docs], folder, embedder, cross=cross)
    build_s = time.perf_counter() - started
    service = open_index(settings, folder)
    service.load()

    def search(question: str) -> list[str]:
        return [Path(c.source).stem for c in service.search(question, K).citations]

    results = run_queries(search, questions)
    service.close()
    return {
        "build_s": round(build_s, 1),
        "passages": report.chunks_written,
        "disk_mb": disk_mb(folder),
        "sets": results,
    }


def run_txtai(docs: Path, work: Path, questions: dict[str, Any]) -> dict[str, Any]:
    from txtai import Embeddings

    from index.e5_model import ensure_e5_model

    rows = [(p.stem, p.read_text(encoding="utf-8"), None) for p in sorted(docs.glob("*.txt"))]
    started = time.perf_counter()
    embeddings = Embeddings(
        path=str(ensure_e5_model()),
        content=True,
        instructions={"query": "query: ", "data": "passage: "},
    )
    embeddings.index(rows)
    build_s = time.perf_counter() - started
    embeddings.save(str(work / "txtai"))

    def search(question: str) -> list[str]:
        return [str(r["id"]) for r in embeddings.search(question, K)]

    results = run_queries(search, questions)
    return {
        "build_s": round(build_s, 1),
        "passages": len(rows),
        "disk_mb": disk_mb(work / "txtai"),
        "sets": results,
    }


def worker(system: str, corpus: str, limit: int) -> dict[str, Any]:
    docs = PATHS.documents(corpus)
    questions = questions_of(corpus, limit)
    with tempfile.TemporaryDirectory(prefix=f"citeqa-peer-{system}-") as tmp:
        run = run_citeqa if system == "citeqa" else run_txtai
        result = run(docs, Path(tmp), questions)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def report(results: dict[str, Any]) -> str:
    lines = [
        "# citeqa and txtai, side by side",
        "",
        f"Same e5 model folder, same corpora, held-out questions, k = {K}; each system in its "
        f"own process; {os.cpu_count()} cores. Build: indexing the corpus from its text files "
        "(txtai indexes each file as one passage, citeqa chunks it). Latency: one question at a "
        "time, after 5 warm-up questions. R@k: the gold document among the first k results.",
        "",
        "| corpus | system | build s | passages | passages/s | disk MB | peak RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for corpus, systems in results.items():
        for system, r in systems.items():
            lines.append(
                f"| {corpus} | {system} | {r['build_s']} | {r['passages']} "
                f"| {r['passages'] / r['build_s']:.1f} | {r['disk_mb']} | {r['peak_rss_mb']} |"
            )
    lines += [
        "",
        "| questions | system | n | p50 ms | p95 ms | R@1 | R@5 |",
        "|---|---|---|---|---|---|---|",
    ]
    for systems in results.values():
        labels = next(iter(systems.values()))["sets"]
        for label in labels:
            for system, r in systems.items():
                s = r["sets"][label]
                lines.append(
                    f"| {label} | {system} | {s['questions']} | {s['p50_ms']} | {s['p95_ms']} "
                    f"| {s['r_at_1']:.4f} | {s['r_at_5']:.4f} |"
                )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=1000, help="most questions per file")
    parser.add_argument("--corpora", nargs="+", default=list(CORPORA), choices=list(CORPORA))
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_peer.md")
    parser.add_argument("--worker", nargs=2, metavar=("SYSTEM", "CORPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker, args.questions)))
        return
    results: dict[str, dict[str, Any]] = {}
    for corpus in args.corpora:
        results[corpus] = {}
        for system in args.systems:
            run = subprocess.run(
                [sys.executable, __file__, "--worker", system, corpus,
                 "--questions", str(args.questions)],
                cwd=ROOT, capture_output=True, text=True,
            )  # fmt: skip
            if run.returncode != 0:
                raise SystemExit(f"{system} on {corpus} failed:\n{run.stderr[-3000:]}")
            results[corpus][system] = json.loads(run.stdout.strip().splitlines()[-1])
            print(corpus, system, json.dumps(results[corpus][system]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    text = report(results)
    args.out.write_text(text, encoding="utf-8")
    print(text + f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
