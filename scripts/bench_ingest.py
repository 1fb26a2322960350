"""Ingest benchmark: index a corpus with the real model and write what it cost.

    python scripts/bench_ingest.py [--corpus ../shared/eval/drcd/corpus.jsonl] [--limit N]

Writes ``results/bench_ingest.md`` (and ``.json``): chunks/s of the whole pipeline and of bare
``model.encode`` on the same chunks, seconds per stage, peak memory, index size per 1,000
chunks; then the same chunks encoded with torch dynamic int8 quantisation, with dense
recall (R@5, MRR@10) of both on the corpus's questions so speed is weighed against quality.
Run it by hand on an otherwise idle machine; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.embedder import SentenceTransformerEmbedder, UseEmbedder  # noqa: E402
from index.folder import open_snapshot  # noqa: E402
from index.pipeline import ingest  # noqa: E402
from index.summary import describe  # noqa: E402


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
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--no-cross", action="store_true", help="index without the USE model")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_ingest.md")
    args = parser.parse_args()

    import torch

    results: dict[str, object] = {
        "corpus": str(
            args.corpus.relative_to(ROOT.parent)
            if args.corpus.is_relative_to(ROOT.parent)
            else args.corpus
        ),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}",
        "batch_size": args.batch_size,
    }
    with tempfile.TemporaryDirectory() as tmp:
        docs_dir, folder = Path(tmp) / "docs", Path(tmp) / "index"
        docs_dir.mkdir()
        names = write_corpus(args.corpus, args.limit, docs_dir)

        t = time.perf_counter()
        embedder = SentenceTransformerEmbedder(batch_size=args.batch_size, threads=args.threads)
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
        qrows = [q for q in qrows if set(q["positive_ids"]) & in_corpus][: args.max_queries]
        questions = [q["question"] for q in qrows]
        gold = [set(q["positive_ids"]) for q in qrows]
        results["queries"] = len(qrows)

        for label, model in (("fp32", embedder), ("int8", None)):
            if model is None:
                model = SentenceTransformerEmbedder(
                    batch_size=args.batch_size, threads=args.threads, quantize=True
                )
            t = time.perf_counter()
            vectors = model.embed(texts, "passage")
            encode_s = time.perf_counter() - t
            t = time.perf_counter()
            qvec = model.embed(questions, "query")
            query_ms = (time.perf_counter() - t) * 1000 / len(questions)
            r5, mrr = dense_recall(doc_of_row, row_ids, vectors, qvec, gold)
            results[label] = {
                "encode_chunks_per_s": round(len(texts) / encode_s, 2),
                "query_ms_batched": round(query_ms, 2),
                "dense_R@5": round(r5, 3),
                "dense_MRR@10": round(mrr, 3),
            }
            if label == "fp32":
                agree = float(np.min(np.sum(vectors * stored, axis=1)))
                results["fp32"]["min_cosine_vs_stored"] = round(agree, 5)  # type: ignore[index]
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
    fp32, int8, stage = r["fp32"], r["int8"], r["stage_s"]
    return f"""# Ingest benchmark

Corpus `{r["corpus"]}`: {r["documents"]} documents -> {r["chunks"]} chunks. Machine: {r["machine"]}; batch size {r["batch_size"]}; second (cross-lingual) model: {r["cross_model"]}.

| measure | value |
|---|---|
| model load (incl. conversion if not cached) | {r["model_load_s"]} s |
| pipeline, end to end | {r["pipeline_s"]} s, **{r["pipeline_chunks_per_s"]} chunks/s** |
| bare `model.encode` (fp32), same chunks | **{fp32["encode_chunks_per_s"]} chunks/s** |
| bare USE encode, same chunks | {r.get("use_encode_chunks_per_s", "-")} chunks/s |
| stages (s) | load {stage["load"]}, clean {stage["clean"]}, chunk {stage["chunk"]}, embed {stage["embed"]}, store {stage["store"]} |
| peak memory (RSS) after ingest / overall | {r["peak_rss_mb_after_ingest"]} MB / {r["peak_rss_mb"]} MB |
| index on disk | {r["index_mb"]} MB, {r["index_bytes_per_1000_chunks"] / 2**20:.2f} MB per 1,000 chunks |
| re-run on the unchanged corpus | {r["rerun_chunks_embedded"]} chunks embedded, {r["rerun_s"]} s |

Speed against quality ({r["queries"]} questions, dense retrieval only, document level):

| encoder | chunks/s | query ms (batched) | R@5 | MRR@10 |
|---|---|---|---|---|
| fp32 (default) | {fp32["encode_chunks_per_s"]} | {fp32["query_ms_batched"]} | {fp32["dense_R@5"]} | {fp32["dense_MRR@10"]} |
| torch dynamic int8 | {int8["encode_chunks_per_s"]} | {int8["query_ms_batched"]} | {int8["dense_R@5"]} | {int8["dense_MRR@10"]} |

fp32 re-encode vs stored vectors, minimum cosine: {fp32["min_cosine_vs_stored"]}.
"""


if __name__ == "__main__":
    main()
