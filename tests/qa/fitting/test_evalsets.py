"""Where the evaluation inputs and indexes live, and the corpus files written for indexing."""

from __future__ import annotations

import json
from pathlib import Path

from qa.evaluate import GoldQuery
from qa.fitting.evalsets import Layout, on_topic, read_reworded, read_splits

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
    """data/reworded.jsonl and the second round waiting beside it (reworded-round2.jsonl, all
    fitting paragraphs): each answer stands in its paragraph, each paragraph is in the part the
    line names, and no question repeats across the two."""
    splits = read_splits(ROOT / "data" / "eval-splits.json")
    texts = {}
    for name in splits:
        for line in (ROOT.parent / "shared" / "eval" / name / "corpus.jsonl").open(
            encoding="utf-8"
        ):
            row = json.loads(line)
            texts[(name, row["id"])] = "".join(row["text"].split())
    rows = [json.loads(line) for line in (ROOT / "data" / "reworded.jsonl").open(encoding="utf-8")]
    waiting = [
        json.loads(line)
        for line in (ROOT / "data" / "reworded-round2.jsonl").open(encoding="utf-8")
    ]
    assert {r["part"] for r in waiting} == {"fit"}
    both = rows + waiting
    assert len({r["question"] for r in both}) == len(both)
    assert not {r["about"] for r in rows} & {r["about"] for r in waiting}
    for r in both:
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


def test_on_topic_questions_are_those_whose_article_goes_on_without_their_answer(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "toy" / "corpus.jsonl"
    corpus.parent.mkdir()
    rows = [
        {"id": "a-1", "title": "恆河", "text": "恆河在赫爾德瓦爾出山。"},
        {"id": "a-2", "title": "恆河", "text": "恆河流經瓦拉納西。"},
        {"id": "a-3", "title": "恆河", "text": "瓦拉納西是聖城，恆河兩岸有河壇。"},
        {"id": "b-1", "title": "梵文", "text": "梵語的研究由德國學者開創。"},
    ]
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")

    def gold(line: int, doc: str, *answers: str) -> GoldQuery:
        return GoldQuery(line, f"問題{line}", frozenset({doc}), answers)

    questions = [
        gold(1, "a-1", "赫爾德瓦爾"),  # its siblings speak of the Ganges, not of where it leaves
        gold(2, "a-2", "瓦拉納西"),  # a sibling says it too: still answerable without a-2
        gold(3, "b-1", "德國"),  # no other paragraph of its article: off the index's topics
        gold(4, "a-3"),  # no answer to check the siblings against
    ]
    assert [g.line for g in on_topic(tmp_path, "toy", questions)] == [1]
