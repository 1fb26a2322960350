"""An index held in Milvus against the embedded one, on each public set's held-out questions.

    python scripts/eval_milvus.py [--sets drcd cmrc2018 xquad] [--part held_out]

Each evaluation index (scripts/eval.py builds them) is copied into Milvus Lite with its
vectors (index/milvus/copy_index.py: nothing is embedded again, so the two differ only in how they
are searched), then both rank every question: the embedded index scores every chunk, the
Milvus one fuses the candidates Milvus finds for each signal (qa/candidates.py). Writes
``results/eval_milvus.md`` (and .json) with R@1, R@5 and MRR@10 over documents, how often
the two give the same top 5 chunks (on the first ``--agreement`` questions of a file), and
each one's time a question.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compare import PATHS, arguments, built_index, compared, table, write_report  # noqa: E402

import qa.candidates  # noqa: E402
from index.embedder import UseEmbedder, load_embedder  # noqa: E402
from index.folder import open_snapshot  # noqa: E402
from index.milvus.copy_index import copy_to_milvus  # noqa: E402
from qa.fitting.evalsets import SETS, read_part, read_splits  # noqa: E402
from qa.service import QAService  # noqa: E402


def main() -> None:
    parser = arguments(__doc__, "eval_milvus.md")
    parser.add_argument(
        "--candidates", type=int, default=None, help="each signal's, in Milvus (default: citeqa's)"
    )
    parser.add_argument(
        "--agreement", type=int, default=300, help="questions of a file compared chunk by chunk"
    )
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "eval-milvus")
    args = parser.parse_args()
    if args.candidates:
        qa.candidates.REMOTE_CANDIDATES = args.candidates
    splits = read_splits(PATHS.splits)
    embedder, use = load_embedder(), UseEmbedder()
    shutil.rmtree(args.work, ignore_errors=True)
    rows = []
    for name in args.sets:
        folder = built_index(name)
        started = time.perf_counter()
        copy_to_milvus(folder, args.work / name, str(args.work / f"{name}.db"))
        copied = time.perf_counter() - started
        embedded = QAService(open_snapshot(folder), embedder, use, use)
        milvus = QAService(open_snapshot(args.work / name), embedder, use, use)
        for source in SETS[name].questions:
            gold = read_part(PATHS.eval_dir, source, args.part, splits)[: args.limit]
            services = {"embedded": embedded, "milvus": milvus}
            row = {"copy_s": round(copied, 1)} | compared(
                source.label, gold, services, args.agreement
            )
            rows.append(row)
            print(json.dumps(row), flush=True)
        embedded.close()
        milvus.close()
    write_report(rows, args.out, markdown(rows, args.part))


def markdown(rows: list[dict], part: str) -> str:  # type: ignore[type-arg]
    about = (
        f"Part: **{part}** (data/eval-splits.json); what citeqa serves (the second stage, its "
        "first passages ordered by their answer sentences), over documents. The same chunks "
        "and vectors in both (index/milvus/copy_index.py); the second stage's top chunks compared "
        "on the first questions of each file; ms: the time a question of the evaluation "
        "(ranking, and citing the first 5 passages to order them; no answer is composed), "
        "on this machine (scripts/eval_milvus.py)."
    )
    title = "An index held in Milvus (Milvus Lite) against the embedded index, on the public sets"
    names, shown = ("embedded", "milvus"), ("embedded", "Milvus")
    return table(title, about, rows, names, shown, times=True)


if __name__ == "__main__":
    main()
