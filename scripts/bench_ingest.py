"""Ingest benchmark: index a corpus with the real model and write what it cost.

    python scripts/bench_ingest.py [--corpus ../shared/eval/drcd/corpus.jsonl] [--limit N]

Writes ``results/bench_ingest.md`` (and ``.json``): chunks/s of the whole pipeline and of bare
encode on the same chunks, seconds per stage, peak memory, index size per 1,000 chunks; then
the same chunks encoded by each runtime (ONNX Runtime, torch) in float32 and int8, with dense
recall (R@5, MRR@10) on the corpus's held-out questions, so speed is weighed against quality.
Run it by hand on an otherwise idle machine; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.embedder import (  # noqa: E402
    Embedder,
    SentenceTransformerEmbedder,
    UseEmbedder,
    load_embedder,
)
from index.folder import open_snapshot  # noqa: E402
from index.pipeline import ingest  # noqa: E402
from index.summary import describe  # noqa: E402
from qa.fitting.evalsets import Layout, read_splits  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_corpus(corpus: Path, limit: int | None, dest: Path) -> dict[str, str]:
    """One .txt file per corpus paragraph; returns file stem -> corpus id."""
    names: dict[str, str] = {}
    with corpus.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            if limit is not None and n >= limit:
                break
            doc = json.loads(line)
            stem = f"{n:05d}"
            (dest / f"{stem}.txt").write_text(doc["text"], encoding="utf-8")
            names[stem] = doc["id"]
    return names


def onnx_int8(batch_size: int, threads: int | None) -> Embedder:
    import logging

    from index.e5_model import E5_MODEL_NAME, ensure_e5_model
    from index.onnx_runtime import OnnxEmbedder, quantize_onnx

    logging.getLogger().setLevel(logging.ERROR)  # the quantiser's notes on fused operators
    folder = ensure_e5_model()
    return OnnxEmbedder(
        folder, name=E5_MODEL_NAME + "+int8", batch_size=batch_size, threads=threads,
        model_file=quantize_onnx(folder).relative_to(folder),
    )  # fmt: skip


def dense_recall(
    doc_of_row: dict[int, str], row_ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray,
    positives: list[set[str]],
) -> tuple[float, float]:  # fmt: skip
    """R@5 and MRR@10 at document level, a document scoring its best chunk."""
    scores = queries @ vectors.T
    hits5, rr = 0, 0.0
    for q, gold in enumerate(positives):
        ranked: list[str] = []
        for i in np.argsort(-scores[q]):
            doc = doc_of_row[int(row_ids[i])]
            if doc not in ranked:
                ranked.append(doc)
            if len(ranked) == 10:
                break
        hits5 += any(d in gold for d in ranked[:5])
        rr += next((1 / (r + 1) for r, d in enumerate(ranked) if d in gold), 0.0)
    return hits5 / len(positives), rr / len(positives)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT.parent / "shared/eval/drcd/corpus.jsonl"
    )
    parser.add_argument(
        "--queries", type=Path, default=None, help="default: queries.jsonl beside the corpus"
    )
    parser.add_argument("--limit", type=int, default=None, help="index only the first N paragraphs")
    parser.add_argument("--max-queries", type=int, default=1000)
    parser.add_argument(
        "--all-questions", action="store_true", help="not only the held-out part (other corpora)"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--no-cross", action="store_true", help="index without the USE model")
    parser.add_argument("--runtime", default="auto", choices=["auto", "onnx", "torch"])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_ingest.md")
    args = parser.parse_args()

    import onnxruntime
    import torch

    results: dict[str, object] = {
        "corpus": str(
            args.corpus.relative_to(ROOT.parent)
            if args.corpus.is_relative_to(ROOT.parent)
            else args.corpus
        ),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"onnxruntime {onnxruntime.__version__}",
        "batch_size": args.batch_size,
        "runtime": args.runtime,
    }
    with tempfile.TemporaryDirectory() as tmp:
        docs_dir, folder = Path(tmp) / "docs", Path(tmp) / "index"
        docs_dir.mkdir()
        names = write_corpus(args.corpus, args.limit, docs_dir)

        t = time.perf_counter()
        embedder = load_embedder(
            batch_size=args.batch_size, threads=args.threads, runtime=args.runtime
        )
        cross = None if args.no_cross else UseEmbedder(threads=args.threads)
        results["model_load_s"] = round(time.perf_counter() - t, 2)
        results["cross_model"] = cross.name if cross else "none"

        report = ingest([docs_dir], folder, embedder, cross=cross)
        summary = describe(folder)
        results |= {
            "documents": report.added,
            "chunks": report.chunks_written,
            "pipeline_s": round(report.seconds, 1),
            "pipeline_chunks_per_s": round(report.chunks_written / report.seconds, 2),
            "stage_s": {k: round(v, 2) for k, v in report.stage_seconds.items()},
            "peak_rss_mb_after_ingest": round(peak_rss_mb()),
            "index_bytes_per_1000_chunks": summary["bytes_per_1000_chunks"],
            "index_mb": round((summary["database_bytes"] + summary["derived_bytes"]) / 2**20, 1),
        }
        rerun = ingest([docs_dir], folder, embedder, cross=cross)
        results["rerun_chunks_embedded"] = rerun.chunks_embedded
        results["rerun_s"] = round(rerun.seconds, 2)

        snapshot = open_snapshot(folder)
        row_ids, stored = snapshot.store.all_vectors(snapshot.manifest.dimension)
        chunks = snapshot.store.chunks(row_ids.tolist())
        texts = [c.chunk.text for c in chunks]
        corpus_id = {d.id: names[Path(d.source).stem] for d in snapshot.store.documents()}
        doc_of_row = {c.row_id: corpus_id[c.chunk.doc_id] for c in chunks}

        queries_path = args.queries or args.corpus.with_name("queries.jsonl")
        in_corpus = set(names.values())
        qrows = [json.loads(line) for line in queries_path.open(encoding="utf-8")]
        held_out = read_splits(Layout(ROOT).splits)["drcd"]["held_out"]
        qrows = [
            q for q in qrows
            if set(q["positive_ids"]) & in_corpus
            and (args.all_questions or set(q["positive_ids"]) <= held_out)
        ][: args.max_queries]  # fmt: skip
        questions = [q["question"] for q in qrows]
        gold = [set(q["positive_ids"]) for q in qrows]
        results["queries"] = len(qrows)

        variants: dict[str, Callable[[], Embedder]] = {
            "onnx fp32": lambda: load_embedder(batch_size=args.batch_size, threads=args.threads),
            "torch fp32": lambda: SentenceTransformerEmbedder(
                batch_size=args.batch_size, threads=args.threads
            ),
            "onnx int8": lambda: onnx_int8(args.batch_size, args.threads),
            "torch int8": lambda: SentenceTransformerEmbedder(
                batch_size=args.batch_size, threads=args.threads, quantize=True
            ),
        }
        results["encoders"] = {}
        for label, make in variants.items():
            model = make()
            t = time.perf_counter()
            vectors = model.embed(texts, "passage")
            encode_s = time.perf_counter() - t
            t = time.perf_counter()
            qvec = model.embed(questions, "query")
            query_ms = (time.perf_counter() - t) * 1000 / len(questions)
            single = [time.perf_counter()]
            for q in questions[:200]:
                model.embed([q], "query")
                single.append(time.perf_counter())
            r5, mrr = dense_recall(doc_of_row, row_ids, vectors, qvec, gold)
            results["encoders"][label] = {  # type: ignore[index]
                "encode_chunks_per_s": round(len(texts) / encode_s, 2),
                "query_ms_batched": round(query_ms, 2),
                "query_ms_single_p50": round(float(np.median(np.diff(single))) * 1000, 2),
                "dense_R@5": round(r5, 4),
                "dense_MRR@10": round(mrr, 4),
                "min_cosine_vs_stored": round(float(np.min(np.sum(vectors * stored, axis=1))), 5),
            }
            print(label, results["encoders"][label], flush=True)  # type: ignore[index]
        if cross is not None:
            t = time.perf_counter()
            cross.embed(texts, "passage")
            results["use_encode_chunks_per_s"] = round(len(texts) / (time.perf_counter() - t), 1)
        results["peak_rss_mb"] = round(peak_rss_mb())
        snapshot.close()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    args.out.write_text(render(results), encoding="utf-8")
    print(render(results))


def render(r: dict) -> str:  # type: ignore[type-arg]
    enc, stage = r["encoders"], r["stage_s"]
    rows = "\n".join(
        f"| {label} | {e['encode_chunks_per_s']} | {e['query_ms_single_p50']} "
        f"| {e['query_ms_batched']} | {e['dense_R@5']} | {e['dense_MRR@10']} "
        f"| {e['min_cosine_vs_stored']} |"
        for label, e in enc.items()
    )
    return f"""# Ingest benchmark

Corpus `{r["corpus"]}`: {r["documents"]} documents -> {r["chunks"]} chunks. Machine: {r["machine"]}; batch size {r["batch_size"]} rows (on ONNX Runtime also at most 1,024 padded tokens); second (cross-lingual) model: {r["cross_model"]}; main model on the `{r["runtime"]}` runtime.

| measure | value |
|---|---|
| model load (incl. conversion if not cached) | {r["model_load_s"]} s |
| pipeline, end to end | {r["pipeline_s"]} s, **{r["pipeline_chunks_per_s"]} chunks/s** |
| bare encode of the default runtime, same chunks | **{enc["onnx fp32" if r["runtime"] != "torch" else "torch fp32"]["encode_chunks_per_s"]} chunks/s** |
| bare USE encode, same chunks | {r.get("use_encode_chunks_per_s", "-")} chunks/s |
| stages (s) | load {stage["load"]}, clean {stage["clean"]}, chunk {stage["chunk"]}, embed {stage["embed"]}, store {stage["store"]} |
| peak memory (RSS) after ingest / overall | {r["peak_rss_mb_after_ingest"]} MB / {r["peak_rss_mb"]} MB |
| index on disk | {r["index_mb"]} MB, {r["index_bytes_per_1000_chunks"] / 2**20:.2f} MB per 1,000 chunks |
| re-run on the unchanged corpus | {r["rerun_chunks_embedded"]} chunks embedded, {r["rerun_s"]} s |

Runtimes and precisions ({r["queries"]} held-out questions, dense retrieval only, document level; "embed" of the pipeline also includes the USE passage and sentence vectors):

| encoder | chunks/s | one question p50 ms | query ms (batched) | R@5 | MRR@10 | min cosine vs stored |
|---|---|---|---|---|---|---|
{rows}
"""


if __name__ == "__main__":
    main()
