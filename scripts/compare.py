"""What the scripts that measure one way of searching against another share
(eval_approximate.py, eval_milvus.py): how alike two services rank, and the table cells."""

from __future__ import annotations

from collections.abc import Mapping

from bench_scale_report import agreement_of

from qa.service import QAService

MEASURES = ("R@1", "R@5", "MRR@10")


def agreement(first: QAService, second: QAService, questions: list[str]) -> dict[str, float]:
    """bench_scale_report.agreement_of the two services' top 10 chunks for each question."""
    ranked: list[list[list[str]]] = [[], []]
    for start in range(0, len(questions), 64):
        queries = [first.parse(q) for q in questions[start : start + 64]]
        for mine, service in zip(ranked, (first, second), strict=True):
            mine += [
                [c.chunk.id for c in service.retriever.ranking(s, 10).chunks]
                for s in service.retriever.signals(queries)
            ]
    return agreement_of(*ranked)


def measure_cells(first: Mapping[str, float], second: Mapping[str, float]) -> str:
    """``a / b`` for each of MEASURES, then the largest drop from the first to the second."""
    drop = max(first[m] - second[m] for m in MEASURES)
    return " | ".join(f"{first[m]:.3f} / {second[m]:.3f}" for m in MEASURES) + f" | {drop:+.3f}"
