"""What approximate search costs in quality: each public set's held-out questions, ranked as a
small index ranks them (every chunk scored) and as a big one does (candidates from BM25 and
the IVF indexes, qa/candidates.py), side by side.

    python scripts/eval_approximate.py [--sets drcd cmrc2018 xquad] [--part held_out]

The evaluation indexes hold some thousand chunks each, below the size from which citeqa
searches approximately (index/derived.py), so their approximate indexes are built in memory
here with the rule a big index is built by: about 4·√n lists, 5% of them probed. At these
sizes 5% of the lists is a few hundred chunks, fewer than at a million, so the figures bound
the loss from the candidates' side only; scripts/bench_scale.py measures how often the top
results at a million chunks are those of exact search. Needs the indexes scripts/eval.py
builds. Writes ``results/eval_approximate.md`` (and .json).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compare import PATHS, arguments, built_index, compared, table, write_report  # noqa: E402

from index.embedder import UseEmbedder, load_embedder  # noqa: E402
from index.folder import approximated, open_snapshot  # noqa: E402
from qa.fitting.evalsets import SETS, read_part, read_splits  # noqa: E402
from qa.service import QAService  # noqa: E402


def main() -> None:
    args = arguments(__doc__, "eval_approximate.md").parse_args()
    splits = read_splits(PATHS.splits)
    embedder, use = load_embedder(), UseEmbedder()
    rows = []
    for name in args.sets:
        folder = built_index(name)
        exact = QAService(open_snapshot(folder), embedder, use, use)
        approximate = exact.with_snapshot(approximated(exact.snapshot))
        for source in SETS[name].questions:
            gold = read_part(PATHS.eval_dir, source, args.part, splits)[: args.limit]
            services = {"exact": exact, "approximate": approximate}
            rows.append(compared(source.label, gold, services))
            print(json.dumps(rows[-1]), flush=True)
        exact.close()
    write_report(rows, args.out, markdown(rows, args.part))


def markdown(rows: list[dict], part: str) -> str:  # type: ignore[type-arg]
    about = (
        f"Part: **{part}** (data/eval-splits.json); what citeqa serves (the second stage, its "
        "first passages ordered by their answer sentences), over documents; the same top 5 "
        "chunks: the second stage's. Approximate: candidates from BM25 and IVF-SQ8 indexes "
        "built in memory (scripts/eval_approximate.py)."
    )
    title = "Approximate search against exact, on the public sets"
    return table(title, about, rows, ("exact", "approximate"), ("exact", "approximate"))


if __name__ == "__main__":
    main()
