"""Description answers on invented policy notices (data/notices): does the answer quote the
measures asked about, or the notice's title, dateline or preamble?

    python scripts/eval_notices.py [--set notices|siblings|round3|…|round21|seeds]
        [--split held-out|fitting|all]

Indexes every set's notices as one collection into ``.cache/eval/notices`` (the sixteen of
``docs/``, both halves, and the look-alikes of ``siblings/`` and ``round3/`` … ``round21/``: the
same topics issued by other places, as a user's pile holds them), with the five real documents
of ``../shared/corpus/seeds`` that the ``seeds`` set asks about (long articles and a work
report; the sample corpus, so that set is for measuring only, its answers never read for
rules), and asks each question of the chosen set and half. For each question kind it reports how often the answer holds at least one
gold sentence, holds the whole gold answer, quotes only framing parts (title, dateline,
addressee, preamble, contact, closing), abstains, and cites the right notice first. Writes
``results/eval_notices.md`` and ``.json`` (``results/eval_notices_siblings.*`` for ``--set
siblings``, and so on).

The rules of ``index/roles.py`` and ``qa/describe.py`` were first written looking at the
fitting half (notices 01–08). Each later set was written blind — by someone who saw neither
citeqa's rules nor its answers — and its first run is its blind figure; what was drawn from a
set's failures afterwards is listed under "Use so far" in its README, and from then on its
figures are no longer blind.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.embedder import UseEmbedder, load_embedder  # noqa: E402
from index.glosses import without_glosses  # noqa: E402
from index.normalise import search_form  # noqa: E402
from index.pipeline import ingest  # noqa: E402
from index.roles import FRAMING, answer_sentences, role_of  # noqa: E402
from qa.service import QAService  # noqa: E402

NOTICES = ROOT / "data" / "notices"
QUESTION_SETS = {
    "notices": NOTICES, "siblings": NOTICES / "siblings", "round3": NOTICES / "round3",
    "round4": NOTICES / "round4", "round5": NOTICES / "round5", "round6": NOTICES / "round6",
    "round7": NOTICES / "round7", "round8": NOTICES / "round8", "round9": NOTICES / "round9",
    "round10": NOTICES / "round10", "round11": NOTICES / "round11", "round12": NOTICES / "round12",
    "round13": NOTICES / "round13", "round14": NOTICES / "round14", "round15": NOTICES / "round15",
    "round16": NOTICES / "round16", "round17": NOTICES / "round17", "round18": NOTICES / "round18",
    "round19": NOTICES / "round19", "round20": NOTICES / "round20",
    "round21": NOTICES / "round21", "seeds": NOTICES / "seeds",
}  # fmt: skip
# where a set's documents are, when not in its docs/ folder: the seeds set asks of the real
# documents of ../shared/corpus/seeds, which stay where they are
DOCS = {"seeds": ROOT.parent / "shared" / "corpus" / "seeds"}
_MARKER = re.compile(r"\[\d+\]")


def plain(text: str) -> str:
    """Text compared without markers, ellipses, whitespace, script or pinyin glosses (a gold
    copied from a glossed document, 產(chǎn)業, is compared as the index reads it, 產業)."""
    return "".join(search_form(without_glosses(_MARKER.sub("", text)).replace("…", "")).split())


def framing_only(answer: str) -> bool:
    """Every part the answer quotes is a framing part of a notice."""
    pieces = [p for p in _MARKER.split(answer.replace("…", "")) if p.strip()]
    parts = [p[a:b] for p in pieces for a, b in answer_sentences(p)]
    return bool(parts) and all(role_of(p) in FRAMING for p in parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="notices", choices=sorted(QUESTION_SETS))
    parser.add_argument("--split", default="held-out", choices=["held-out", "fitting", "all"])
    parser.add_argument("--index", type=Path, default=ROOT / ".cache" / "eval" / "notices")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    folder = QUESTION_SETS[args.set]
    suffix = "" if args.set == "notices" else f"_{args.set}"
    out = args.out or ROOT / "results" / f"eval_notices{suffix}.md"

    docs = [DOCS.get(name, path / "docs") for name, path in QUESTION_SETS.items()]
    ingest(docs, args.index, load_embedder(), cross=UseEmbedder())
    indexed = sum(len(list(d.glob("*.txt"))) for d in docs)
    questions = [json.loads(line) for line in (folder / "questions.jsonl").open(encoding="utf-8")]
    if args.split != "all":
        questions = [q for q in questions if q["split"] == args.split]
    service = QAService.open(args.index)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = []
    for q in questions:
        answer = service.ask(q["question"])
        said = plain(answer.text)
        gold = [plain(g) for g in q["gold"]]
        first = answer.citations[0].source if answer.citations else None
        row = {
            "id": q["id"],
            "kind": q["kind"],
            "question_type": answer.question_type,
            "abstained": answer.abstained,
            "holds_gold": not answer.abstained and any(g in said for g in gold),
            "whole_gold": not answer.abstained and all(g in said for g in gold),
            "framing_only": not answer.abstained and framing_only(answer.text),
            # the two sets' notices have different file names (tested)
            "right_first": first is not None and Path(first).name == q["doc"],
            "answer": answer.text,
        }
        rows.append(row)
        for group in (q["kind"], "all"):
            c = counts[group]
            c["questions"] += 1
            for key in ("abstained", "holds_gold", "whole_gold", "framing_only", "right_first"):
                c[key] += int(row[key])
    service.close()

    keys = ("holds_gold", "whole_gold", "framing_only", "abstained", "right_first")
    lines = [
        f"# Description answers on invented notices ({args.set}, {args.split}, `python "
        f"scripts/eval_notices.py --set {args.set} --split {args.split}`; {indexed} notices "
        "indexed)",
        "",
        "| questions | n | holds a gold sentence | whole gold answer | only framing | abstained "
        "| right notice first |",
        "|---|---|---|---|---|---|---|",
    ]
    for group, c in sorted(counts.items()):
        n = c["questions"]
        lines.append(f"| {group} | {n} | " + " | ".join(f"{c[k] / n:.3f}" for k in keys) + " |")
    lines += [
        "",
        "| id | kind | asked as | gold in | whole | answer |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        shown = r["answer"].replace("|", "/").replace("\n", " ")
        lines.append(
            f"| {r['id']} | {r['kind']} | {r['question_type']} | {int(r['holds_gold'])} | "
            f"{int(r['whole_gold'])} | {shown} |"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(
        json.dumps({"counts": counts, "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print("\n".join(lines[: 4 + len(counts)]))


if __name__ == "__main__":
    main()
