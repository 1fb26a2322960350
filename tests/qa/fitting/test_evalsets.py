"""Where the evaluation inputs and indexes live, and the corpus files written for indexing."""

from __future__ import annotations

import json
from pathlib import Path

from qa.fitting.evalsets import Layout, read_reworded, read_splits

ROOT = Path(__file__).resolve().parents[3]


def test_layout_names_each_sets_files_and_index(tmp_path: Path) -> None:
    root = tmp_path / "main"
    corpus = tmp_path / "shared" / "eval" / "toy" / "corpus.jsonl"
    corpus.parent.mkdir(parents=True)
    rows = [{"id": "a/1", "text": "煤炭占比下降。"}, {"id": "b 2", "text": "新兴产业。"}]
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    layout = Layout(root)
    docs = layout.documents("toy")
    assert docs == root / ".cache" / "eval" / "toy-docs"
    assert sorted(p.name for p in docs.iterdir()) == ["a_1.txt", "b_2.txt"]
    assert (docs / "a_1.txt").read_text(encoding="utf-8") == "煤炭占比下降。"
    assert layout.documents("sample") == root / "data" / "sample"
    assert layout.index("toy") == root / ".cache" / "eval" / "toy"


def test_reworded_questions_are_read_by_set_part_language_and_answerability(
    tmp_path: Path,
) -> None:
    rows = [
        {"set": "drcd", "part": "fit", "language": "zh", "answerable": True,
         "question": "恆河在哪裡出山？", "positive_ids": ["6007-3"], "answers": ["赫爾德瓦爾"]},
        {"set": "drcd", "part": "held_out", "language": "en", "answerable": True,
         "question": "Where does the Ganges leave the hills?", "positive_ids": ["1/2"],
         "answers": ["x"]},
        {"set": "drcd", "part": "fit", "language": "zh", "answerable": False,
         "question": "恆河每年有多少遊客？", "positive_ids": [], "answers": []},
        {"set": "xquad", "part": "fit", "language": "zh", "answerable": True,
         "question": "q", "positive_ids": ["xquad-00-00"], "answers": ["a"]},
    ]  # fmt: skip
    path = tmp_path / "reworded.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    fit = read_reworded(path, "drcd", "fit")
    assert set(fit) == {("zh", True), ("zh", False)}
    assert fit[("zh", True)][0].positive_ids == frozenset({"6007-3"})
    assert fit[("zh", True)][0].answers == ("赫爾德瓦爾",)
    assert fit[("zh", False)][0].positive_ids == frozenset()
    held = read_reworded(path, "drcd", "held_out")
    assert held[("en", True)][0].positive_ids == frozenset({"1_2"})  # named as the index's files
    assert len(read_reworded(path, "drcd", "all")) == 3


def test_the_shipped_reworded_questions_are_sound() -> None:
    """data/reworded.jsonl: each answer stands in its paragraph, each paragraph is in the part
    the line names, and no question repeats."""
    splits = read_splits(ROOT / "data" / "eval-splits.json")
    texts = {}
    for name in splits:
        for line in (ROOT.parent / "shared" / "eval" / name / "corpus.jsonl").open(
            encoding="utf-8"
        ):
            row = json.loads(line)
            texts[(name, row["id"])] = "".join(row["text"].split())
    rows = [json.loads(line) for line in (ROOT / "data" / "reworded.jsonl").open(encoding="utf-8")]
    assert len({r["question"] for r in rows}) == len(rows)
    for r in rows:
        assert r["about"] in splits[r["set"]][r["part"]], r
        if r["answerable"]:
            assert r["positive_ids"] == [r["about"]] and r["answers"], r
            assert all("".join(a.split()) in texts[(r["set"], r["about"])] for a in r["answers"]), r
        else:
            assert r["positive_ids"] == [] and r["answers"] == [], r
    for part in ("fit", "held_out"):
        mine = [r for r in rows if r["part"] == part]
        assert (
            sum(r["answerable"] for r in mine) >= 100
            and sum(not r["answerable"] for r in mine) >= 20
        )
