"""The report of scripts/bench_scale.py: its tables, how often approximate search agrees
with exact search, recall over the source documents, and the plot."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from index.derived import APPROXIMATE_FROM

K = 5


def report(rows: list[dict[str, Any]], questions: int) -> str:
    lines = [
        "# Scale: the embedded index, exact and approximate search, and Milvus Lite",
        "",
        f"Chunks: DRCD passages repeated with noisy copies of their vectors (see the script); "
        f"{questions} held-out DRCD questions, embedded once beforehand, k = {K}; "
        f"{os.cpu_count()} cores; each build and each search mode in its own process. Latency "
        "excludes embedding the question (about 10 ms). Exact: every chunk scored by every "
        "signal, all vectors in memory. Approximate: BM25 over every chunk, IVF-SQ8 candidates "
        "for each vector signal, the candidates scored from their stored vectors "
        "(index/derived.py); what citeqa does from "
        f"{APPROXIMATE_FROM:,} chunks on. R@k and MRR@10 are over the DRCD documents the "
        "passages found were copied from (the copies of a passage crowd each other as the "
        "index grows, so they fall with size for both).",
        "",
        "Building (a write to an index builds BM25 and the IVF indexes again; the IVF indexes "
        "then reuse the lists trained before, while they suit the index's size):",
        "",
        "| chunks | insert s | BM25 build s | IVF build s | IVF rebuild after a write s "
        "| build peak RSS MB | disk MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['chunks']:,} | {r['insert_s']} | {r['bm25_build_s']} | {r['ann_build_s']} "
            f"| {r['ann_rebuild_s']} | {r['build_peak_rss_mb']} | {r['exact']['disk_mb']} |"
        )
    lines += [
        "",
        "Serving:",
        "",
        "| chunks | search | open s | first pass p50 / p95 ms | search p50 / p95 ms "
        "| ask p50 / p95 ms | peak RSS MB | R@1 / R@5 / MRR@10 | same top 5 as exact "
        "| exact top 10 kept |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        for mode in ("exact", "approximate", "milvus"):
            if mode not in r:
                continue
            m = r[mode]
            agree = "— | —"
            if mode != "exact":
                both = r if mode == "approximate" else m
                agree = f"{both['same_top5']:.3f} | {both['top10_kept']:.3f}"
            lines.append(
                f"| {r['chunks']:,} | {mode} | {m['open_s']} | {m['first']['p50']} / "
                f"{m['first']['p95']} | {m['search']['p50']} / "
                f"{m['search']['p95']} | {m['ask']['p50']} / {m['ask']['p95']} "
                f"| {m['serve_peak_rss_mb']} | {m['R@1']:.3f} / {m['R@5']:.3f} / "
                f"{m['MRR@10']:.3f} | {agree} |"
            )
    copies = [r for r in rows if "milvus" in r]
    if copies:
        lines += [
            "",
            "Milvus Lite (``--milvus``): the index copied into Milvus Lite in a process of its "
            "own (index/milvus/copy_index.py: its chunks and vectors, nothing embedded again), then "
            "served from it as `citeqa index --milvus PATH.db` would make it: Milvus searches "
            "each signal's candidates, citeqa fuses them (qa/candidates.py). Milvus Lite runs "
            "inside the serving process, so its peak RSS holds Milvus' memory too.",
            "",
            "| chunks | copy s | copy peak RSS MB | disk MB |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['chunks']:,} | {r['milvus']['copy_s']} | {r['milvus']['copy_peak_rss_mb']} "
            f"| {r['milvus']['disk_mb']} |"
            for r in copies
        ]
    return "\n".join(lines) + "\n"


def agreement(exact: Path, approximate: Path) -> dict[str, float]:
    """``agreement_of`` the top passages the two serving runs wrote."""
    mine = json.loads(exact.read_text())["chunks"]
    theirs = json.loads(approximate.read_text())["chunks"]
    return agreement_of(mine, theirs)


def agreement_of(mine: list[list[Any]], theirs: list[list[Any]]) -> dict[str, float]:
    """How often approximate search gives exact search's top 5 passages in the same order
    (``mine``: exact search's top 10 for each question, best first; ``theirs``: approximate
    search's), and the share of exact search's top 10 that its top 10 holds."""
    same = sum(a[:5] == b[:5] for a, b in zip(mine, theirs, strict=True))
    kept = sum(len(set(a) & set(b)) / max(len(a), 1) for a, b in zip(mine, theirs, strict=True))
    n = max(len(mine), 1)
    return {"same_top5": round(same / n, 4), "top10_kept": round(kept / n, 4)}


def recall(ranked: Path, vectors: Path) -> dict[str, float]:
    """R@1, R@5 and MRR@10 over the DRCD documents the passages come from."""
    with np.load(vectors) as data:
        gold = [set(json.loads(str(g))) for g in data["gold"]]
    found = json.loads(ranked.read_text())["documents"]
    hits = {"R@1": 0.0, "R@5": 0.0, "MRR@10": 0.0}
    for docs, wanted in zip(found, gold, strict=True):
        order = list(dict.fromkeys(docs))  # documents in order of their best passage
        hits["R@1"] += bool(set(order[:1]) & wanted)
        hits["R@5"] += bool(set(order[:5]) & wanted)
        hits["MRR@10"] += next((1 / (i + 1) for i, d in enumerate(order[:10]) if d in wanted), 0)
    return {name: round(v / len(gold), 4) for name, v in hits.items()}


def plot(rows: list[dict[str, Any]], out: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = [r["chunks"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for mode, mark in (("exact", "o"), ("approximate", "s"), ("milvus", "d")):
        have = [r for r in rows if mode in r]  # Milvus Lite: the sizes it was run at
        label = "Milvus Lite" if mode == "milvus" else mode
        at = [r["chunks"] for r in have]
        left.plot(at, [r[mode]["search"]["p50"] for r in have], f"{mark}-", label=f"{label} p50")
        right.plot(
            at, [r[mode]["serve_peak_rss_mb"] for r in have], f"{mark}-", label=f"{label} serving"
        )
    right.plot(sizes, [r["build_peak_rss_mb"] for r in rows], "^--", label="building")
    left.set(xscale="log", yscale="log", xlabel="chunks", ylabel="ms", title="search latency")
    right.set(xscale="log", yscale="log", xlabel="chunks", ylabel="MB", title="peak RSS")
    left.legend()
    right.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    return True
