"""Two-turn conversations over the sample corpus: is the follow-up answered from the right
passage when it is read against the first question, and is a follow-up that stands alone made
no worse?

    python scripts/eval_followups.py

The conversations (data/followup-conversations.jsonl) were written from the sample reports:
each names the document and a text its answer passage holds (in search form). For each, the
second question is searched alone and as rewritten by qa/followup.py; a hit is a cited passage
of that document holding that text. Writes ``results/followups.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.embedder import UseEmbedder, load_embedder  # noqa: E402
from index.folder import open_snapshot  # noqa: E402
from index.normalise import search_form  # noqa: E402
from index.pipeline import ingest  # noqa: E402
from qa.answer import Answer  # noqa: E402
from qa.fitting.evalsets import Layout  # noqa: E402
from qa.service import QAService  # noqa: E402

PATHS = Layout(ROOT)
CONVERSATIONS = ROOT / "data" / "followup-conversations.jsonl"


def rank_of(answer: Answer, doc: str, contains: str) -> int | None:
    """The position (from 1) of the first cited passage of ``doc`` holding ``contains``."""
    for i, c in enumerate(answer.citations, start=1):
        if Path(c.source).name.startswith(doc) and contains in search_form(c.text):
            return i
    return None


def group_of(row: dict) -> str:  # type: ignore[type-arg]
    script = "zh-Hant" if row["id"].startswith("hant") else row["language"]
    return f"{script}, {row['kind']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "followups.md")
    args = parser.parse_args()

    embedder, use = load_embedder(), UseEmbedder()
    folder = PATHS.index("sample")
    ingest([PATHS.documents("sample")], folder, embedder, cross=use)
    service = QAService(open_snapshot(folder), embedder, use, use)
    rows = [json.loads(line) for line in CONVERSATIONS.open(encoding="utf-8")]

    records = []
    for row in rows:
        *history, question = row["turns"]
        alone = service.ask(question, args.k)
        read = service.ask(question, args.k, history=history)
        records.append(
            {
                "id": row["id"],
                "group": group_of(row),
                "searched": read.searched or read.question,
                "alone_rank": rank_of(alone, row["doc"], row["contains"]),
                "read_rank": rank_of(read, row["doc"], row["contains"]),
                "alone_in_answer": row["contains"] in search_form(alone.text),
                "read_in_answer": row["contains"] in search_form(read.text),
                "read_abstained": read.abstained,
            }
        )
        print(records[-1], flush=True)
    service.close()

    groups: dict[str, list[dict]] = defaultdict(list)  # type: ignore[type-arg]
    for r in records:
        groups[r["group"]].append(r)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(records, indent=2, ensure_ascii=False))
    args.out.write_text(render(groups, records, args.k), encoding="utf-8")
    print(render(groups, records, args.k))


def _share(rows: list[dict], test) -> str:  # type: ignore[no-untyped-def,type-arg]
    return f"{sum(1 for r in rows if test(r))}/{len(rows)}"


def render(groups: dict, records: list[dict], k: int) -> str:  # type: ignore[type-arg]
    lines = [
        "# Follow-up questions",
        "",
        f"{len(records)} two-turn conversations over the sample corpus "
        "(data/followup-conversations.jsonl). The second question is asked alone, then with the "
        "first as history. Hit@1: the first cited passage is the answer passage; "
        f"hit@{k}: one of the {k} cited passages is; answer: the answer text holds the answer. "
        "The rewriting rules were written with these conversations in view, so the figures "
        "are optimistic; there is no held-out set of conversations.",
        "",
        f"| conversations | n | hit@1 alone | hit@1 read | hit@{k} alone | hit@{k} read "
        "| answer alone | answer read |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in sorted(groups):
        rows = groups[name]
        lines.append(
            f"| {name} | {len(rows)} "
            f"| {_share(rows, lambda r: r['alone_rank'] == 1)} "
            f"| {_share(rows, lambda r: r['read_rank'] == 1)} "
            f"| {_share(rows, lambda r: r['alone_rank'] is not None)} "
            f"| {_share(rows, lambda r: r['read_rank'] is not None)} "
            f"| {_share(rows, lambda r: r['alone_in_answer'])} "
            f"| {_share(rows, lambda r: r['read_in_answer'])} |"
        )
    lines += ["", "| id | searched | rank alone | rank read |", "|---|---|---|---|"]
    lines += [
        f"| {r['id']} | {r['searched']} | {r['alone_rank'] or '-'} | {r['read_rank'] or '-'} |"
        for r in records
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
