"""Draw paragraphs of the public sets for people to write questions over (data/reworded.jsonl):
paragraphs of one part of data/eval-splits.json, 150 to 700 characters, not yet written over
(in data/reworded.jsonl or the round waiting beside it, data/reworded-round2.jsonl),
drawn at random for a seed, in batches of JSON lines, one per writer.

    python scripts/draw_paragraphs.py --part fit --count drcd=90 cmrc2018=90 xquad=60 \
        --batches 6 --out .cache/written

Each line: set, id, title, text (and, for XQuAD, the English original the Chinese paragraph was
translated from). Writers never run citeqa on what they write.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.fitting.evalsets import Layout, read_splits  # noqa: E402

PATHS = Layout(ROOT)
SHORTEST, LONGEST = 150, 700


def _corpus(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    return {row["id"]: row for row in map(json.loads, path.open(encoding="utf-8"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("fit", "held_out"), required=True)
    parser.add_argument("--count", nargs="+", required=True, help="set=how many, e.g. drcd=90")
    parser.add_argument("--batches", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    splits = read_splits(PATHS.splits)
    written = {
        json.loads(line)["about"]
        for path in (PATHS.reworded, PATHS.reworded.with_name("reworded-round2.jsonl"))
        if path.exists()
        for line in path.open(encoding="utf-8")
    }
    rng = random.Random(args.seed)
    drawn = []
    for spec in args.count:
        name, _, count = spec.partition("=")
        corpus = _corpus(PATHS.eval_dir / name / "corpus.jsonl")
        english = _corpus(PATHS.eval_dir / name / "corpus.en.jsonl")
        ids = sorted(
            i for i in splits[name][args.part]
            if i in corpus and i not in written and SHORTEST <= len(corpus[i]["text"]) <= LONGEST
        )  # fmt: skip
        for i in rng.sample(ids, int(count)):
            row = {"set": name, "id": i, "title": corpus[i].get("title", ""),
                   "text": corpus[i]["text"]}  # fmt: skip
            if i in english:
                row["english_original"] = english[i]["text"]
            drawn.append(row)
    rng.shuffle(drawn)
    args.out.mkdir(parents=True, exist_ok=True)
    for b in range(args.batches):
        path = args.out / f"batch-{b + 1}.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for row in drawn[b :: args.batches]:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{path}: {len(drawn[b :: args.batches])} paragraphs")


if __name__ == "__main__":
    main()
