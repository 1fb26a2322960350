"""Which approximate vector index proposes a big index's candidates: IVF with 8-bit codes,
IVF with product quantisation, and HNSW with 8-bit codes, on the e5 vectors of an index.

    python scripts/bench_ann.py INDEX [--candidates 200] [--questions 200]

INDEX is an index of many chunks, such as one that ``scripts/bench_scale.py --keep DIR``
leaves (``DIR/idx-100000``). The questions are DRCD questions of the fitting part (this
chooses the index kind and its settings; the held-out parts then report what the choice
costs: scripts/eval_approximate.py), embedded with the real model. For each kind it measures what a candidate list needs: the share of exact search's top
10 found among the ``--candidates`` it returns, its latency on one thread, its build time and
its bytes per vector. Writes ``results/bench_ann.md`` (and .json). Run it by hand on an
otherwise idle machine; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.manifest import read_manifest  # noqa: E402
from index.store import DB_NAME, Store  # noqa: E402
from qa.fitting.evalsets import SETS, Layout, read_part, read_splits  # noqa: E402

PATHS = Layout(ROOT)


def questions(count: int, model: str) -> np.ndarray:
    from api.settings import embedders, get_settings

    (source,) = SETS["drcd"].questions
    gold = read_part(PATHS.eval_dir, source, "fit", read_splits(PATHS.splits))[:count]
    main, _ = embedders(get_settings(), model)
    return np.asarray(main.embed([g.question for g in gold], "query"), dtype=np.float32)


def kinds(d: int, n: int) -> dict[str, tuple[Any, list[tuple[str, Any]]]]:
    """Each kind: the index, and the settings to search it with (5% and 10% of the lists)."""
    import faiss

    lists = round(4 * np.sqrt(n))
    probes = [(f"nprobe {round(lists * f)}", round(lists * f)) for f in (0.05, 0.10)]
    sq8 = faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(d), d, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    pq = faiss.IndexIVFPQ(faiss.IndexFlatIP(d), d, lists, 48, 8, faiss.METRIC_INNER_PRODUCT)
    hnsw = faiss.IndexHNSWSQ(d, faiss.ScalarQuantizer.QT_8bit, 32, faiss.METRIC_INNER_PRODUCT)
    return {
        f"IVF{lists}-SQ8": (sq8, probes),
        f"IVF{lists}-PQ48": (pq, probes),
        "HNSW32-SQ8": (hnsw, [("efSearch 128", 128), ("efSearch 256", 256)]),
    }


def main() -> None:
    import faiss

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_ann.md")
    args = parser.parse_args()
    manifest = read_manifest(args.index)
    if manifest is None:
        raise SystemExit(f"no index at {args.index}")
    store = Store(args.index / DB_NAME, readonly=True)
    _, vectors = store.all_vectors(manifest.dimension)
    store.close()
    asked = questions(args.questions, manifest.model)
    faiss.omp_set_num_threads(1)
    n, d = vectors.shape
    exact = np.argsort(-(vectors @ asked.T), axis=0)[:10].T
    rows = []
    for name, (index, settings) in kinds(d, n).items():
        started = time.perf_counter()
        sample = np.random.default_rng(0).choice(
            n, min(n, 80 * round(4 * np.sqrt(n))), replace=False
        )
        index.train(vectors[np.sort(sample)])
        index.add(vectors)
        built = time.perf_counter() - started
        size = len(faiss.serialize_index(index)) / n
        for label, value in settings:
            if "nprobe" in label:
                index.nprobe = value
            else:
                index.hnsw.efSearch = value
            seconds, found = [], []
            for q in asked:
                t = time.perf_counter()
                _, ids = index.search(q[None], args.candidates)
                seconds.append(time.perf_counter() - t)
                found.append(set(ids[0].tolist()))
            kept = float(np.mean([len(set(e) & f) / 10 for e, f in zip(exact, found, strict=True)]))
            rows.append(
                {"kind": name, "setting": label, "top10_kept": round(kept, 4),
                 "p50_ms": round(statistics.median(seconds) * 1000, 2),
                 "build_s": round(built, 1), "bytes_per_vector": round(size)}
            )  # fmt: skip
            print(json.dumps(rows[-1]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Candidates from approximate vector indexes",
        "",
        f"{n:,} e5 vectors of {args.index.name}, {len(asked)} DRCD questions of the fitting part, "
        f"{args.candidates} candidates a question, one thread "
        "(`scripts/bench_ann.py`). Kept: the share of exact search's top 10 among them.",
        "",
        "| index | setting | exact top 10 kept | p50 ms | build s | bytes per vector |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['kind']} | {r['setting']} | {r['top10_kept']:.3f} | {r['p50_ms']} | "
        f"{r['build_s']} | {r['bytes_per_vector']} |"
        for r in rows
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
