"""Train the reader (qa/reader.py) on the FITTING parts of the public sets and write
qa/reader.safetensors.

    nohup python scripts/fit_reader.py > .cache/reader/fit.log 2>&1 &   # ~65 min on 2 cores

1. Mine groups (once; kept in .cache/reader/groups.jsonl): each fitting question of DRCD, CMRC
   2018 and XQuAD (Chinese and English) asked of its set's index through citeqa's first and
   second stage; the positive is the best-ranked gold chunk holding a gold answer, 7 negatives
   are drawn from its top 20 chunks of fitting documents; in 30% of the groups 3 negatives
   are the top chunks an index of another set gives (of its fitting documents); self-supervised English groups ask for a fitting XQuAD paragraph with a
   sentence of its English original; the fitting half of the questions written worded away
   from their paragraphs (data/reworded.jsonl) make groups of their own. In every group of an
   answerable question one negative is the positive cut of its answer's sentences
   (``with_answer_cut``). A pass reads English and written groups three times, sentence
   groups twice (``REPEATS``): there are a tenth as many English questions as Chinese ones. A
   third of the questions is left out (``trains_reader``): scripts/fit_ranker.py fits what
   reads the reader's scores on them.
2. Train (qa/fitting/reader_fit.py), checkpointing every 50 steps into .cache/reader/: run the
   same command again to resume. Deterministic for --seed.

Never reads held-out questions, the sample corpus or ../shared/corpus.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.e5_model import ensure_e5_model  # noqa: E402
from index.embedder import UseEmbedder, load_embedder  # noqa: E402
from index.folder import open_snapshot  # noqa: E402
from index.pipeline import ingest  # noqa: E402
from qa.fitting import fit  # noqa: E402
from qa.fitting.evalsets import SAFE, SETS, Layout, read_part, read_reworded, read_splits  # noqa: E402
from qa.fitting.reader_fit import Recipe, train  # noqa: E402
from qa.fitting.reader_pairs import (  # noqa: E402
    Group,
    english_sentences,
    foreign_texts,
    mine,
    trains_reader,
    with_answer_cut,
    with_foreign,
)
from qa.reader import READER_WEIGHTS  # noqa: E402
from qa.service import QAService  # noqa: E402

PATHS = Layout(ROOT)
WORK = ROOT / ".cache" / "reader"
FOREIGN_SHARE = 0.3
# how often a pass reads a group of each kind
REPEATS = {"zh": 1, "en": 3, "en_sentence": 2, "written": 3}
FOREIGN = {"drcd": ("cmrc2018", "xquad"), "cmrc2018": ("drcd", "xquad"), "xquad": ("drcd", "cmrc2018")}  # fmt: skip


def log(*parts: object) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]", *parts, flush=True)


def mine_groups(seed: int) -> list[Group]:
    splits = read_splits(PATHS.splits)
    embedder, use = load_embedder(), UseEmbedder()
    services = {}
    for name in SETS:
        folder = PATHS.index(name)
        ingest([PATHS.documents(name)], folder, embedder, cross=use)
        services[name] = QAService(open_snapshot(folder), embedder, use, use)
    rng = random.Random(seed)
    keys = {name: fit.doc_keys(s.snapshot.store) for name, s in services.items()}
    fitting = {name: frozenset(SAFE.sub("_", i) for i in splits[name]["fit"]) for name in SETS}
    groups: list[Group] = []
    for name, spec in SETS.items():
        service = services[name]
        files = [(source.language, read_part(PATHS.eval_dir, source, "fit", splits), True)
                 for source in spec.questions]  # fmt: skip
        if name == "xquad":
            english = PATHS.eval_dir / "xquad" / "corpus.en.jsonl"
            sentences = english_sentences(english, fitting["xquad"], rng)
            files.append(("en_sentence", sentences, False))
        for kind, gold, needs_answer in files:
            gold = [g for g in gold if trains_reader(g.question)]
            asked = fit.ask_all(service, gold, answerable=True, source=name)
            mined, skipped = mine(
                service, asked, keys[name], rng, kind=kind, needs_answer=needs_answer,
                fitting=fitting[name],
            )  # fmt: skip
            chosen = [i for i in range(len(mined)) if rng.random() < FOREIGN_SHARE]
            others = FOREIGN[name]
            replacements = {}
            for j, other in enumerate(others):
                part = [i for n, i in enumerate(chosen) if n % len(others) == j]
                questions = [mined[i].question for i in part]
                texts = foreign_texts(services[other], questions, keys[other], fitting[other])
                replacements.update(zip(part, texts, strict=True))
            groups += with_foreign(mined, replacements)
            log(f"{name} {kind}: {len(mined)} groups ({skipped} questions without a positive)")
    for name in SETS:  # the written questions, after the public ones: those stay as they were
        written = read_reworded(PATHS.reworded, name, "fit")
        gold = [g for (_, answerable), part in sorted(written.items()) if answerable for g in part]
        gold = [g for g in gold if trains_reader(g.question)]
        asked = fit.ask_all(services[name], gold, answerable=True, source=name)
        mined, skipped = mine(
            services[name], asked, keys[name], rng, kind="written", fitting=fitting[name]
        )
        groups += mined
        log(f"{name} written: {len(mined)} groups ({skipped} questions without a positive)")
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=Recipe.steps)
    parser.add_argument("--layers", type=int, default=Recipe.layers)
    parser.add_argument("--seed", type=int, default=Recipe.seed)
    parser.add_argument("--out", type=Path, default=READER_WEIGHTS)
    parser.add_argument("--mine-only", action="store_true", help="mine the groups and stop")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    cached = WORK / f"groups-{args.seed}.jsonl"
    if cached.exists():
        groups = [Group.from_dict(json.loads(line)) for line in cached.open(encoding="utf-8")]
        log(f"{len(groups)} groups from {cached}")
    else:
        groups = mine_groups(args.seed)
        tmp = cached.with_name(cached.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            for g in groups:
                f.write(json.dumps(g.to_dict(), ensure_ascii=False) + "\n")
        tmp.replace(cached)
        log(f"wrote {len(groups)} groups to {cached}")
    if args.mine_only:
        return
    cut = with_answer_cut(groups)
    log(f"{sum(a != b for a, b in zip(cut, groups, strict=True))} groups with an answer cut")
    epoch = [g for g in cut for _ in range(REPEATS[g.kind])]
    recipe = replace(Recipe(), steps=args.steps, layers=args.layers, seed=args.seed)
    log(f"training on {len(epoch)} groups a pass: {recipe}")
    train(epoch, ensure_e5_model(), WORK, args.out, recipe, say=log)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
