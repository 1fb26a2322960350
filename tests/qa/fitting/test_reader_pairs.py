from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace

from index.documents import Chunk
from qa.evaluate import GoldQuery
from qa.fitting.fit import Asked
from qa.fitting.reader_pairs import Group, english_sentences, mine, trains_reader, with_foreign
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
