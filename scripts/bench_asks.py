"""What reading each ask again costs (qa/reread.py): in-process latency of ask for the notice
questions that ask several things, with each ask's best sentences read by e5 and without, and
without each ask's own passage searched (qa/ask_passages.py); and
what ranking the named place's notices too costs (``qa/places.with_named_place``): ask for the notice
questions that name a place, with it and without.

    python scripts/bench_asks.py [--index .cache/eval/notices] [--rounds 2]

Uses the index scripts/eval_notices.py builds (every notice set as one collection) and the
questions of every set that ``qa/asks.py`` cuts into two or more asks. The two ways alternate
round by round, each over every question, after a warm-up. Writes ``results/bench_asks.md``
(and .json). Run it by hand on an otherwise idle machine; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qa.service  # noqa: E402
from qa.asks import asks  # noqa: E402
from qa.cite import Citation, ScoredSentence  # noqa: E402
from qa.places import named_documents  # noqa: E402
from qa.retrieve import Hit  # noqa: E402

NOTICES = ROOT / "data" / "notices"


def unread(
    embedder: object,
    vector: object,
    parts: Sequence[tuple[str, Sequence[ScoredSentence]]],
    *,
    top: int,
) -> list[list[ScoredSentence]]:
    """Each ask's sentences as the scorer left them (the reread skipped)."""
    return [list(scored) for _, scored in parts]


def unsearched(
    citations: list[Citation], sentences: list[ScoredSentence], *_: object, **__: object
) -> tuple[list[Citation], list[ScoredSentence]]:
    """The passages as they are (no ask searched alone for its own passage)."""
    return citations, sentences


def unplaced(
    question: str,
    places: object,
    rank: object,
    hits: list[Hit],
    depth: int,
    doc_ids: set[str] | None = None,
) -> list[Hit]:
    """The ranking's hits as they are (the named place's notices not ranked too)."""
    return hits


def timed(service: qa.service.QAService, questions: Sequence[str], times: list[float]) -> None:
    for q in questions:
        start = time.perf_counter()
        service.ask(q)
        times.append((time.perf_counter() - start) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=ROOT / ".cache" / "eval" / "notices")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_asks.md")
    args = parser.parse_args()
    if not args.index.exists():
        sys.exit(f"no index at {args.index}: run python scripts/eval_notices.py first")
    questions = [
        json.loads(line)["question"]
        for path in sorted(NOTICES.glob("**/questions.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    several = [q for q in questions if asks(q, "zh")]
    service = qa.service.QAService.open(args.index)
    read = qa.service.reread
    for q in several[:5]:  # warm-up: sessions, caches
        service.ask(q)
    each = qa.service.for_each_ask
    ways = (
        ("reread", read, each),
        ("scorer only", unread, each),
        ("reread, no ask's own passage", read, unsearched),
    )
    times: dict[str, list[float]] = {label: [] for label, _, _ in ways}
    for _ in range(args.rounds):
        for label, fn, searched in ways:
            qa.service.reread = fn  # type: ignore[assignment]
            qa.service.for_each_ask = searched  # type: ignore[assignment]
            timed(service, several, times[label])
    qa.service.reread, qa.service.for_each_ask = read, each
    named = [q for q in questions if named_documents(q, service.places)]
    placed = qa.service.with_named_place
    for _ in range(args.rounds):
        for label, ranked in (("place ranked", placed), ("place not ranked", unplaced)):
            qa.service.with_named_place = ranked  # type: ignore[assignment]
            timed(service, named, times.setdefault(label, []))
    qa.service.with_named_place = placed
    service.close()
    rows = {
        label: {
            "p50": round(statistics.median(t), 1),
            "p90": round(statistics.quantiles(t, n=10)[-1], 1),
            "mean": round(statistics.fmean(t), 1),
        }
        for label, t in times.items()
    }
    lines = [
        "# Reading each ask again (`python scripts/bench_asks.py`)",
        "",
        f"{len(several)} notice questions of several asks (of {len(questions)}), "
        f"{args.rounds} rounds each, in process, k = 5; index {args.index.name}.",
        "",
        "| ask | p50 ms | p90 ms | mean ms |",
        "|---|---|---|---|",
        *(
            f"| {label} | {r['p50']} | {r['p90']} | {r['mean']} |"
            for label, r in rows.items()
            if "place" not in label
        ),
        "",
        f"{len(named)} notice questions that name a place, {args.rounds} rounds each:",
        "",
        "| ask | p50 ms | p90 ms | mean ms |",
        "|---|---|---|---|",
        *(
            f"| {label} | {r['p50']} | {r['p90']} | {r['mean']} |"
            for label, r in rows.items()
            if "place" in label
        ),
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
