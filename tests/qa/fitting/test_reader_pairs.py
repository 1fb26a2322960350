from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace

from index.documents import Chunk
from qa.evaluate import GoldQuery
from qa.fitting.fit import Asked
from qa.fitting.reader_pairs import (
    Group,
    answer_cut,
    english_sentences,
    mine,
    trains_reader,
    with_answer_cut,
    with_foreign,
)
from qa.retrieve import Hit


def hit(doc: str, ordinal: int, text: str) -> Hit:
    return Hit(Chunk(doc, ordinal, text, text, 0, len(text)), ordinal, 0.0)


class Ranked:
    """A stand-in for a service whose ranking is fixed."""

    def __init__(self, hits: list[Hit]) -> None:
        self.retriever = SimpleNamespace(rank=lambda signals, k: hits[:k])


def asked(question: str, doc: str, answer: str) -> Asked:
    return Asked(GoldQuery(1, question, frozenset([doc]), (answer,)), None, True, "s")  # type: ignore[arg-type]


def test_the_positive_is_the_first_gold_chunk_holding_the_answer() -> None:
    hits = [hit("other", 0, "别的文字"), hit("gold", 0, "金的开头"), hit("gold", 1, "答案是42年")]
    hits += [hit(f"n{i}", 0, f"负例{i}") for i in range(8)]
    keys = {h.chunk.doc_id: h.chunk.doc_id for h in hits}
    groups, skipped = mine(
        Ranked(hits),
        [asked("几年", "gold", "42年")],
        keys,
        random.Random(0),
        kind="zh",
        negatives=4,
    )  # type: ignore[arg-type]
    assert skipped == 0 and len(groups) == 1
    g = groups[0]
    assert g.texts[0] == "答案是42年" and len(g.texts) == 5 and g.kind == "zh"
    assert g.answers == ("42年",)
    # negatives: other documents' chunks and the gold document's chunk without the answer
    assert set(g.texts[1:]) <= {h.chunk.text for h in hits} - {"答案是42年"}


def test_negatives_come_only_from_fitting_documents() -> None:
    hits = [hit("gold", 0, "答案是42年"), *(hit(f"held{i}", 0, f"留出{i}") for i in range(6))]
    hits += [hit(f"fit{i}", 0, f"拟合{i}") for i in range(3)]
    keys = {h.chunk.doc_id: h.chunk.doc_id for h in hits}
    fitting = frozenset(["gold", "fit0", "fit1", "fit2"])
    one = [asked("几年", "gold", "42年")]
    groups, _ = mine(
        Ranked(hits), one, keys, random.Random(0), kind="zh", negatives=3, fitting=fitting
    )  # type: ignore[arg-type]
    assert sorted(groups[0].texts[1:]) == ["拟合0", "拟合1", "拟合2"]
    # too few fitting negatives: the question is left out, not padded with held-out text
    groups, skipped = mine(
        Ranked(hits), one, keys, random.Random(0), kind="zh", negatives=4, fitting=fitting
    )  # type: ignore[arg-type]
    assert (groups, skipped) == ([], 1)


def test_a_question_without_an_answering_chunk_is_left_out() -> None:
    hits = [hit("gold", 0, "没有"), *(hit(f"n{i}", 0, f"负例{i}") for i in range(8))]
    keys = {h.chunk.doc_id: h.chunk.doc_id for h in hits}
    groups, skipped = mine(
        Ranked(hits), [asked("几年", "gold", "42年")], keys, random.Random(0), kind="zh"
    )  # type: ignore[arg-type]
    assert (groups, skipped) == ([], 1)


def test_foreign_passages_replace_the_last_negatives() -> None:
    groups = [Group("q1", ("pos", "a", "b", "c", "d"), "zh"), Group("q2", ("pos", "e", "f"), "en")]
    out = with_foreign(groups, {0: ["x", "y"]}, count=3)
    assert out[0] == Group("q1", ("pos", "a", "b", "x", "y"), "zh", 2)
    assert out[1] == groups[1]


PARAGRAPH = (
    "鹤壁市是河南省的一个地级市，位于太行山东麓。2023年全市煤炭在工业中的占比降到6.1%。"
    "全市推进清洁取暖改造，新建了多处公园绿地和城市步道，方便市民日常出行。"
)


def test_the_answer_cut_leaves_the_topic_without_the_answer() -> None:
    cut = answer_cut(PARAGRAPH, ["6.1%"])
    assert cut is not None and "6.1%" not in cut
    assert cut.startswith("鹤壁市是河南省") and cut.endswith("方便市民日常出行。")
    english = "Paris is big. It has 2 million people. The city has many parks, rivers and museums."
    assert (
        answer_cut(english, ["2 million"])
        == "Paris is big. The city has many parks, rivers and museums."
    )


def test_no_cut_when_nothing_or_too_little_would_be_left() -> None:
    assert answer_cut(PARAGRAPH, ["巴黎"]) is None  # no sentence holds the answer
    assert answer_cut(PARAGRAPH, ["鹤壁", "6.1%", "清洁"]) is None  # nothing left
    assert answer_cut("短句一。答案在这里，42年。", ["42年"]) is None  # too short a rest


def test_an_answer_cut_replaces_the_first_negative() -> None:
    groups = [
        Group("煤炭占比", (PARAGRAPH, "a", "b", "x"), "zh", 1, ("6.1%",)),
        Group("sentence", (PARAGRAPH, "a", "b"), "en_sentence"),  # no answers: as it was
    ]
    out = with_answer_cut(groups)
    assert out[0].texts[0] == PARAGRAPH and out[0].texts[2:] == ("b", "x")
    assert out[0].texts[1] == answer_cut(PARAGRAPH, ["6.1%"]) and out[0].foreign == 1
    assert out[1] == groups[1]


def test_a_group_reads_back_as_it_was_written() -> None:
    g = Group("问题", ("正", "负"), "written", 1, ("答案",))
    assert Group.from_dict(json.loads(json.dumps(g.to_dict()))) == g
    # groups cached before answers were kept read with none
    assert (
        Group.from_dict({"question": "q", "texts": ["a"], "kind": "zh", "foreign": 0}).answers == ()
    )


def test_a_third_of_the_questions_stay_out_of_training() -> None:
    shares = [trains_reader(f"问题{i}") for i in range(3000)]
    assert 0.64 < sum(shares) / len(shares) < 0.70
    assert trains_reader("问题1") == trains_reader("问题1")


def test_english_sentences_ask_for_fitting_paragraphs_only(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.en.jsonl"
    text = "The Panthers defense gave up just 308 points in the season. Short. The team led the league in interceptions with 24."
    rows = [{"id": "xquad-00-00", "text": text}, {"id": "xquad-01-00", "text": text}]
    corpus.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = english_sentences(corpus, frozenset(["xquad-00-00"]), random.Random(0))
    assert {g.positive_ids for g in out} == {frozenset(["xquad-00-00"])}
    assert sorted(g.question for g in out) == [
        "The Panthers defense gave up just 308 points in the season.",
        "The team led the league in interceptions with 24.",
    ]
