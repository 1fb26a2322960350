"""Query benchmark: in-process latency of search and ask, and batch throughput.

    python scripts/bench_qa.py [--index .cache/eval/drcd] [--questions 200]

Uses an index built by scripts/eval.py (DRCD: 2,000 paragraphs, a few thousand chunks) and
questions from the same set, Chinese and English. Writes ``results/bench_qa.md`` (and .json).
Run it by hand on an otherwise idle machine; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.summary import describe  # noqa: E402
from qa.batch import run_batch  # noqa: E402
from qa.service import QAService  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {
        "p50": round(cuts[49], 1),
        "p95": round(cuts[94], 1),
        "mean": round(statistics.fmean(samples), 1),
    }


def time_each(fn, questions: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for q in questions:
        start = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - start) * 1000)
    return out


def stages(service, questions: list[str]) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    """p50/p95 of each step of ``ask``, one question at a time: embedding and whole-index
    scoring, the first stage alone, the first with the second stage, citing (with the
    answer-sentence scorer), the passages' order by their sentences, the reader (with the
    share of questions it read), and confidence with composing the answer."""
    import copy

    from qa.reorder import by_sentences

    plain = copy.copy(service.retriever)  # the same retriever without the second stage
    plain.second_stage = False
    times: dict[str, list[float]] = {
        k: []
        for k in (
            "signals",
            "first stage",
            "first + second stage",
            "cite + sentences",
            "passage order",
            "reader",
            "confidence + answer",
        )
    }
    read = 0

    def clock(key: str, fn, *args):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        out = fn(*args)
        times[key].append((time.perf_counter() - start) * 1000)
        return out

    for q in questions:
        query = service.parse(q)
        (sig,) = clock("signals", service.retriever.signals, [query])
        clock("first stage", plain.rank, sig, 5)
        hits = clock("first + second stage", service.retriever.rank, sig, 5)
        cited = clock("cite + sentences", service.citations_for, sig, hits)
        weight = service.fitted.sentence_weight.get(query.language, 0.0)
        citations, sentences = clock("passage order", by_sentences, *cited, weight)
        citations, sentences = clock("reader", service.read, query, citations, sentences)
        read += any(c.reader is not None for c in citations)
        clock("confidence + answer", service.compose, query, citations, sentences)
    out: dict[str, dict[str, float]] = {k: percentiles(v) for k, v in times.items()}
    out["reader"]["read_share"] = round(read / len(questions), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=ROOT / ".cache" / "eval" / "drcd")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--batch", type=int, default=500, help="questions in the batch run")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_qa.md")
    args = parser.parse_args()

    zh = [
        json.loads(line)["question"]
        for line in (EVAL / "drcd" / "queries.jsonl").open(encoding="utf-8")
    ]
    en = [
        json.loads(line)["question"]
        for line in (EVAL / "xquad" / "queries.en.jsonl").open(encoding="utf-8")
    ]
    started = time.perf_counter()
    service = QAService.open(args.index)
    service.load()
    load_s = time.perf_counter() - started
    for q in zh[:5] + en[:5]:  # warm up: first calls load lazy resources
        service.ask(q)
    n = args.questions
    results: dict[str, object] = {
        "index": describe(args.index)["chunks"],
        "open_s": round(load_s, 1),
    }
    for label, qs in (("zh", zh[100 : 100 + n]), ("en", en[100 : 100 + n])):
        results[f"search_{label}_ms"] = percentiles(time_each(lambda q: service.search(q, 5), qs))
        results[f"ask_{label}_ms"] = percentiles(time_each(lambda q: service.ask(q, 5), qs))
        results[f"stages_{label}_ms"] = stages(service, qs)
    with tempfile.TemporaryDirectory() as tmp:
        questions = Path(tmp) / "q.txt"
        questions.write_text("\n".join(zh[1000 : 1000 + args.batch]), encoding="utf-8")
        start = time.perf_counter()
        report = run_batch(service, questions, Path(tmp) / "a.jsonl")
        seconds = time.perf_counter() - start
    results["batch"] = {
        "questions": report.questions,
        "seconds": round(seconds, 1),
        "questions_per_s": round(report.questions / seconds, 2),
    }

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2))
    lines = [
        "# Query benchmark",
        "",
        f"Index: {results['index']} chunks ({args.index.name}); opening it with its models: {results['open_s']} s. {n} questions per row, in process (no HTTP), k = 5.",
        "",
        "| call | p50 ms | p95 ms | mean ms |",
        "|---|---|---|---|",
    ]
    for key in ("search_zh_ms", "search_en_ms", "ask_zh_ms", "ask_en_ms"):
        p = results[key]
        lines.append(f"| {key[:-3].replace('_', ' ')} | {p['p50']} | {p['p95']} | {p['mean']} |")  # type: ignore[index]
    lines += [
        "",
        "Where `ask` spends its time, step by step (p50 / p95 ms); the second stage costs the "
        "difference between its two rows:",
        "",
        "| step | zh | en |",
        "|---|---|---|",
    ]
    for step in results["stages_zh_ms"]:  # type: ignore[attr-defined]
        zh_p, en_p = results["stages_zh_ms"][step], results["stages_en_ms"][step]  # type: ignore[index]
        lines.append(f"| {step} | {zh_p['p50']} / {zh_p['p95']} | {en_p['p50']} / {en_p['p95']} |")
    zh_r, en_r = results["stages_zh_ms"]["reader"], results["stages_en_ms"]["reader"]  # type: ignore[index]
    lines += [
        "",
        f"The reader read the first passages of {zh_r['read_share']:.0%} of the Chinese and "
        f"{en_r['read_share']:.0%} of the English questions (the others' first passage scored "
        "above its fitted gate). The English questions are XQuAD's, which the DRCD index cannot "
        "answer.",
    ]
    b = results["batch"]
    lines += [
        "",
        f"Batch: {b['questions']} Chinese questions in {b['seconds']} s = **{b['questions_per_s']} questions/s**.",
        "",
    ]  # type: ignore[index]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
