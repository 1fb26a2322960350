"""The invented notices of data/notices (scripts/eval_notices.py): every gold answer is quoted
from its notice, and the sets can be told apart by file name in one collection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTICES = Path(__file__).resolve().parents[2] / "data" / "notices"
SETS = {
    "notices": NOTICES,
    "siblings": NOTICES / "siblings",
    "round3": NOTICES / "round3",
    "round4": NOTICES / "round4",
    "round5": NOTICES / "round5",
    "round6": NOTICES / "round6",
    "round7": NOTICES / "round7",
    "round8": NOTICES / "round8",
    "round9": NOTICES / "round9",
    "round10": NOTICES / "round10",
    "round11": NOTICES / "round11",
    "round12": NOTICES / "round12",
    "round13": NOTICES / "round13",
    "round14": NOTICES / "round14",
    "round15": NOTICES / "round15",
    "round16": NOTICES / "round16",
    "round17": NOTICES / "round17",
    "round18": NOTICES / "round18",
    "round19": NOTICES / "round19",
    "round20": NOTICES / "round20",
    "round21": NOTICES / "round21",
    "seeds": NOTICES / "seeds",
}
# the seeds set asks of the real documents of ../shared/corpus/seeds, where they stay
DOCS = {"seeds": NOTICES.parents[2] / "shared" / "corpus" / "seeds"}


def _questions(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_gold_answer_is_quoted_from_its_notice(name: str) -> None:
    folder = SETS[name]
    questions = _questions(folder)
    assert questions
    assert len({q["id"] for q in questions}) == len(questions)
    for q in questions:
        text = (DOCS.get(name, folder / "docs") / str(q["doc"])).read_text(encoding="utf-8")
        gold = q["gold"]
        assert isinstance(gold, list) and gold, q["id"]
        missing = [g for g in gold if g not in text]
        assert not missing, (q["id"], missing)
        assert q["kind"] in {"description", "list", "factoid"}
        assert q["split"] in {"fitting", "held-out"}


def test_the_sets_notices_have_different_names() -> None:
    names = [p.name for n, f in SETS.items() for p in DOCS.get(n, f / "docs").glob("*.txt")]
    # the first set's 16, the siblings' 24, round3's 18, rounds 4–21's 16 each, the 5 seeds
    assert len(names) == 16 + 24 + 18 + 18 * 16 + 5
    assert len(set(names)) == len(names)


def test_the_sets_questions_have_different_ids() -> None:
    ids = [q["id"] for folder in SETS.values() for q in _questions(folder)]
    assert len(set(ids)) == len(ids)
