"""Scale benchmark of the embedded index: build time of the derived indexes, search latency,
peak memory and disk at 10k, 100k and (with --sizes) 1M chunks, searched exactly and
approximately (index/derived.py), and how often the two give the same top results; with
``--milvus SIZE...``, the indexes of those sizes copied into Milvus Lite (index/milvus/copy_index.py)
and served from there.

    python scripts/bench_scale.py [--sizes 10000 100000 1000000] [--questions 200] [--keep DIR]
                                  [--milvus 10000 100000]

Embedding a million chunks here is not possible (about 12 hours), so the chunks are real ones
repeated: the passages of the DRCD index (``.cache/eval/drcd``, built by scripts/eval.py), in
documents of their own titles, each copy's vectors those of its passage plus a little noise,
renormalised (a copy keeps its passage's text, so its stored sentence vectors still fit it).
The questions are held-out DRCD questions, embedded once with the real models before the
runs; each run looks their vectors up instead of embedding them, so the latencies are of
retrieval and answering alone (embedding a question adds about 10 ms whatever the size:
scripts/bench_qa.py). Every size is built in a process of its own and served in
two more (exact, approximate), so each peak of resident memory is its own. With ``--keep``,
the indexes are kept in DIR and a later run serves them again without building. Writes ``results/bench_scale.md`` (and .json) and, with
matplotlib installed (``pip install -e '.[bench]'``), ``results/bench_scale.png``.

Run it by hand on an otherwise idle machine; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from benchlib import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_scale_report import K, agreement, plot, recall, report  # noqa: E402

from index.embedder import Kind  # noqa: E402
from qa.fitting.evalsets import SETS, Layout, read_part, read_splits  # noqa: E402

PATHS = Layout(ROOT)
CHUNKS_PER_DOCUMENT = 50
SEARCHES = ("exact", "approximate", "milvus")
NOISE = 0.02  # the norm of a copy's vector's noise, against a unit vector


class LookupEmbedder:
    """An embedder that returns vectors computed before for the texts it will be given."""

    def __init__(self, name: str, vectors: dict[str, np.ndarray]) -> None:
        self.name = name
        self.vectors = vectors
        self.dimension = len(next(iter(vectors.values())))

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts])


def disk_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": round(cuts[49] * 1000, 1), "p95": round(cuts[94] * 1000, 1)}


# -- in the parent: the questions' vectors ----------------------------------------------------


def embed_questions(source: Path, count: int, out: Path) -> None:
    """Held-out DRCD questions and their vectors from the index's own models, to ``out``."""
    from api.settings import embedders, get_settings
    from index.folder import open_snapshot

    splits = read_splits(PATHS.splits)
    (questions_file,) = SETS["drcd"].questions
    gold = read_part(PATHS.eval_dir, questions_file, "held_out", splits)[:count]
    questions = [g.question for g in gold]
    snapshot = open_snapshot(source)
    snapshot.close()
    main, cross = embedders(get_settings(), snapshot.manifest.model)
    assert cross is not None and cross.name == snapshot.manifest.cross_model
    np.savez(
        out,
        questions=np.array(questions),
        dense=main.embed(questions, "query"),
        cross=cross.embed(questions, "query"),
        gold=np.array([json.dumps(sorted(g.positive_ids)) for g in gold]),
    )


# -- in each child: build one size and measure it --------------------------------------------


def build(source: Path, folder: Path, size: int) -> dict[str, float]:
    """An index of ``size`` chunks made of ``source``'s chunks repeated (see above)."""
    from index.derived import add_approximate, save_derived
    from index.documents import Chunk, DocumentRecord, content_hash
    from index.manifest import read_manifest, write_manifest
    from index.normalise import search_form
    from index.store import DB_NAME, Store, now

    manifest = read_manifest(source)
    assert manifest is not None and manifest.cross_model
    origin = Store(source / DB_NAME, readonly=True)
    ids, dense_m = origin.all_vectors(manifest.dimension)
    cross_ids, cross_m = origin.all_vectors(manifest.cross_dimension, "cross_vector")
    assert np.array_equal(ids, cross_ids)
    texts = [s.chunk.text for s in origin.chunks(ids.tolist())]
    sentence_blobs = origin.sentence_vectors({content_hash(t) for t in texts})
    origin.close()
    rng = np.random.default_rng(7)
    folder.mkdir(parents=True)
    write_manifest(folder, manifest)
    store = Store(folder / DB_NAME)
    started = time.perf_counter()
    n = len(texts)
    for first in range(0, size, CHUNKS_PER_DOCUMENT * 200):
        with store.transaction():
            for doc_start in range(
                first, min(size, first + CHUNKS_PER_DOCUMENT * 200), CHUNKS_PER_DOCUMENT
            ):
                count = min(CHUNKS_PER_DOCUMENT, size - doc_start)
                doc_id = f"{doc_start:016x}"
                picks = [(doc_start + j) % n for j in range(count)]
                body, chunks, hashes, sentences = "", [], [], {}
                for j, text in enumerate(texts[p] for p in picks):  # sentence vectors fit them
                    chunks.append(
                        Chunk(doc_id, j, text, search_form(text), len(body), len(body) + len(text))
                    )
                    body += text + "\n"
                    h = content_hash(text)
                    hashes.append(h)
                    blob = sentence_blobs.get(h)
                    if blob is not None:
                        sentences[h] = blob
                record = DocumentRecord(
                    doc_id, f"/synthetic/{doc_id}.txt", f"第{doc_start // CHUNKS_PER_DOCUMENT}号文件",
                    "text/plain", "utf-8", doc_id, body, (0,), count, now(), f"{doc_id}.txt",
                )  # fmt: skip
                store.put_document(
                    record, chunks, hashes, _noisy(dense_m[picks], rng), _noisy(cross_m[picks], rng),
                    sentences,
                )  # fmt: skip
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    save_derived(folder, store, manifest, approximate=False)
    bm25 = time.perf_counter() - started
    started = time.perf_counter()
    add_approximate(folder, store, manifest)
    ann = time.perf_counter() - started
    store.close()
    return {
        "insert_s": round(inserted, 1),
        "bm25_build_s": round(bm25, 1),
        "ann_build_s": round(ann, 1),
    }


def relist(folder: Path) -> dict[str, float]:
    """The approximate indexes built again as a write to the index builds them: with the
    lists the last build trained (index/ann.py)."""
    from index.derived import build_approximate, generation_folder
    from index.lexical import LexicalIndex
    from index.manifest import read_manifest
    from index.store import DB_NAME, Store

    store = Store(folder / DB_NAME, readonly=True)
    manifest = read_manifest(folder)
    assert manifest is not None
    saved = generation_folder(folder, store.generation())
    row_ids = LexicalIndex.load(saved / "lexical").row_ids
    started = time.perf_counter()
    build_approximate(store, manifest, row_ids, saved / "vectors")
    store.close()
    return {"ann_rebuild_s": round(time.perf_counter() - started, 1)}


def copy_milvus(source: Path, folder: Path) -> dict[str, float]:
    """The index at ``source`` copied into Milvus Lite (``folder``.db), its manifest in
    ``folder`` (index/milvus/copy_index.py: the same chunks and vectors)."""
    from index.milvus.copy_index import copy_to_milvus

    started = time.perf_counter()
    copy_to_milvus(source, folder, str(folder.with_suffix(".db")))
    return {"copy_s": round(time.perf_counter() - started, 1)}


def _noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(vectors.shape).astype(np.float32)
    noise *= NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
    out = vectors + noise
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def measure(
    folder: Path, source: Path, vectors: Path, rounds: int, search: str, ranked: Path
) -> dict[str, Any]:
    from index.folder import open_snapshot
    from qa.query import parse_query
    from qa.service import QAService

    data = np.load(vectors)
    questions = [str(q) for q in data["questions"]]
    started = time.perf_counter()
    # (an index held in Milvus is searched as Milvus searches it: ``search`` is for the others)
    mode = "auto" if search == "milvus" else search
    snapshot = open_snapshot(folder, search=mode)  # type: ignore[arg-type]
    opened = time.perf_counter() - started
    manifest = snapshot.manifest
    main = LookupEmbedder(manifest.model, dict(zip(questions, data["dense"], strict=True)))
    cross = LookupEmbedder(
        manifest.cross_model or "", dict(zip(questions, data["cross"], strict=True))
    )
    service = QAService(snapshot, main, cross, cross)
    timings: dict[str, list[float]] = {"first": [], "search": [], "ask": []}
    for q in questions:  # the first pass reads from disk what later ones find in memory
        t = time.perf_counter()
        service.search(q, K)
        timings["first"].append(time.perf_counter() - t)
    for i in range(rounds):
        q = questions[i % len(questions)]
        t = time.perf_counter()
        service.search(q, K)
        timings["search"].append(time.perf_counter() - t)
        t = time.perf_counter()
        service.ask(q, K)
        timings["ask"].append(time.perf_counter() - t)
    # every question's top 10 passages, and the DRCD documents their texts come from
    origin = origin_documents(source)
    tops = [service.retriever.search(parse_query(q), 10) for q in questions]
    ranked.write_text(
        json.dumps(
            {
                "chunks": [[f"{h.chunk.doc_id}:{h.chunk.ordinal}" for h in hits] for hits in tops],
                "documents": [[origin[h.chunk.text] for h in hits] for hits in tops],
            }
        )
    )
    service.close()
    return {"open_s": round(opened, 2)} | {name: percentiles(v) for name, v in timings.items()}


def one(args: argparse.Namespace) -> None:
    """(A child's work.) Build the index of ``--one`` chunks, or, with ``--serve``, open the
    one built and measure it: two processes, so each peak of memory is its own."""
    folder = Path(args.folder)
    if args.relist:
        result = relist(folder)
    elif args.copy_milvus:
        result = copy_milvus(folder, _milvus(folder)) | {"copy_peak_rss_mb": peak_rss_mb()}
    elif args.serve:
        served = _milvus(folder) if args.serve == "milvus" else folder
        result = measure(served, args.source, args.vectors, args.rounds, args.serve, args.ranked)
        stored = served.with_suffix(".db") if args.serve == "milvus" else folder
        result |= {"disk_mb": disk_mb(stored), "serve_peak_rss_mb": peak_rss_mb()}
    else:
        result = build(args.source, folder, args.one) | {"build_peak_rss_mb": peak_rss_mb()}
    print(json.dumps(result))


def _milvus(folder: Path) -> Path:
    """Where the Milvus Lite copy of the index at ``folder`` keeps its manifest."""
    return folder.with_name(f"{folder.name}-milvus")


# -- report -----------------------------------------------------------------------------------


def origin_documents(source: Path) -> dict[str, str]:
    """The DRCD document (its file's stem, as the gold answers name it) of each passage text."""
    from index.store import DB_NAME, Store

    store = Store(source / DB_NAME, readonly=True)
    key = {d.id: Path(d.source).stem for d in store.documents()}
    ids, _ = store.all_search_texts()
    out = {c.chunk.text: key[c.chunk.doc_id] for c in store.chunks(ids.tolist())}
    store.close()
    return out


def run(command: list[str], size: int) -> str:
    """A child's one line of JSON."""
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the run of {size:,} chunks failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=PATHS.cache / "drcd")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_scale.md")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--vectors", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help="keep the indexes in DIR, and reuse them")
    parser.add_argument(
        "--milvus", type=int, nargs="*", default=[], metavar="SIZE",
        help="also copy the indexes of these sizes into Milvus Lite, and serve them from it",
    )  # fmt: skip
    parser.add_argument("--serve", choices=SEARCHES, help=argparse.SUPPRESS)
    parser.add_argument("--copy-milvus", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ranked", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--relist", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args)
        return
    if not (args.source / "manifest.json").exists():
        raise SystemExit(f"no index at {args.source}; build it first: python scripts/eval.py")
    rows = []
    with tempfile.TemporaryDirectory(prefix="citeqa-scale-", dir=ROOT / ".cache") as tmp:
        vectors = Path(tmp) / "questions.npz"
        embed_questions(args.source, args.questions, vectors)
        for size in args.sizes:
            folder = (args.keep or Path(tmp)) / f"idx-{size}"
            command = [sys.executable, __file__, "--one", str(size), "--folder", str(folder),
                       "--vectors", str(vectors), "--source", str(args.source),
                       "--rounds", str(args.rounds)]  # fmt: skip
            built = folder.with_suffix(".build.json")
            if not (args.keep and built.exists()):
                shutil.rmtree(folder, ignore_errors=True)
                built.write_text(run(command, size))
            if "ann_rebuild_s" not in json.loads(built.read_text()):
                relisted = json.loads(run(command + ["--relist"], size))
                built.write_text(json.dumps(json.loads(built.read_text()) | relisted))
            row: dict[str, Any] = {"chunks": size} | json.loads(built.read_text())
            for search in ("exact", "approximate"):
                ranked = Path(tmp) / f"ranked-{size}-{search}.json"
                row[search] = json.loads(
                    run(command + ["--serve", search, "--ranked", str(ranked)], size)
                ) | recall(ranked, vectors)
            row |= agreement(
                *(Path(tmp) / f"ranked-{size}-{s}.json" for s in ("exact", "approximate"))
            )
            if size in args.milvus:
                row["milvus"] = json.loads(run(command + ["--copy-milvus"], size))
                ranked = Path(tmp) / f"ranked-{size}-milvus.json"
                row["milvus"] |= json.loads(
                    run(command + ["--serve", "milvus", "--ranked", str(ranked)], size)
                ) | recall(ranked, vectors)
                row["milvus"] |= agreement(Path(tmp) / f"ranked-{size}-exact.json", ranked)
            rows.append(row)
            print(json.dumps(row), flush=True)
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
            for copy in (_milvus(folder), _milvus(folder).with_suffix(".db")):
                shutil.rmtree(copy, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report(rows, args.questions), encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    drawn = plot(rows, args.out.with_suffix(".png"))
    print(f"wrote {args.out}" + (" and its plot" if drawn else " (no plot: matplotlib missing)"))


if __name__ == "__main__":
    main()
