"""Each ask's best sentences read again by the dense model (qa/reread.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa.answer import ASK_QUOTES, compose_answer
from qa.cite import Citation, ScoredSentence
from qa.query import parse_query
from qa.reread import REREAD_DEPTH, reread
from qa.retrieve import SignalScore

ASK = "学校能帮忙看到那么晚吗？"
OTHER_ASK = "要不要另外交钱？"
QUESTION = "我经常六点多才下班，学校能帮忙看到那么晚吗？要不要另外交钱？"
LATE = "对家长确有接送困难的学生，学校应当提供延时托管服务，结束时间一般不晚于18:30。"
WORDS = "学校对参加课后服务的教师实行弹性上下班，可以安排其在上午晚到校。"
FEES = "低保家庭学生免收课后服务费。"


class Meaning:
    """An embedder that places each known text on a chosen direction (unknown texts far off),
    and records what it was asked to embed."""

    def __init__(self, directions: dict[str, Sequence[float]]) -> None:
        self.directions = {t: np.asarray(v, dtype=np.float32) for t, v in directions.items()}
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        self.embedded.extend(texts)
        rows = [self.directions.get(t, np.array([0.0, 0.0, 1.0], np.float32)) for t in texts]
        return np.array([r / np.linalg.norm(r) for r in rows], dtype=np.float32)


def sentence(text: str, score: float, *, citation: int = 1, at: int = 0, role: str = "body"):
    return ScoredSentence(citation, text, score, role=role, span=(at, at + len(text)))  # type: ignore[arg-type]


def test_the_dense_reading_deals_the_scores_in_its_order() -> None:
    """The scorer prefers the sentence that shares the ask's words; the one the dense model
    reads as meaning the ask takes the best score, and the scorer's choice the next."""
    embedder = Meaning({ASK: [1, 0, 0], OTHER_ASK: [0, 1, 0], LATE: [1, 0, 0], WORDS: [0, 0.2, 1],
                        FEES: [0, 1, 0]})  # fmt: skip
    question = np.array([0.7, 0.7, 0.0], np.float32)
    late, words, fees = (
        sentence(LATE, 0.30, at=40),
        sentence(WORDS, 0.45),
        sentence(FEES, 0.2, at=90),
    )
    first, second = reread(
        embedder, question, [(ASK, [words, late, fees]), (OTHER_ASK, [words, late, fees])], top=3
    )
    assert [s.score for s in first] == [0.30, 0.45, 0.2]  # LATE, then WORDS, then FEES
    assert [s.score for s in second] == [0.30, 0.2, 0.45]  # FEES, then WORDS, then LATE
    # the order of the sentences is kept, and so is each one's place
    assert [s.span for s in first] == [words.span, late.span, fees.span]
    # every sentence is embedded once for all the asks
    assert sorted(embedder.embedded.count(t) for t in (LATE, WORDS, FEES)) == [1, 1, 1]


def test_the_dense_choice_is_quoted_in_place_of_the_last_the_scorer_would_quote() -> None:
    runner = "课后服务由学校统一组织实施。"
    filler = "课后服务以学生自愿参加为原则。"
    embedder = Meaning({ASK: [1, 0, 0], LATE: [1, 0, 0], WORDS: [0, 0.2, 1], runner: [0, 0, 1],
                        filler: [0, 0, 1]})  # fmt: skip
    opening = "本市全面推行课后服务。"
    text = opening + WORDS + runner + filler + LATE
    at = {t: text.index(t) for t in (opening, WORDS, runner, filler, LATE)}
    whole = [
        sentence(t, p, at=at[t])
        for t, p in ((opening, 0.9), (WORDS, 0.2), (runner, 0.1), (filler, 0.08), (LATE, 0.05))
    ]
    ask = [
        sentence(t, p, at=at[t])
        for t, p in ((opening, 0.01), (WORDS, 0.45), (runner, 0.40), (filler, 0.35), (LATE, 0.30))
    ]
    cites = [
        Citation(
            1, "d", "t", "s", None, None, 0, 1, text, None, 1.0, {"dense": SignalScore(1, 0.9, 2.0)}
        )
    ]
    how = parse_query(QUESTION)
    before = compose_answer(how, cites, whole, 0.9, answer_at=0.5, asks=[ask])
    assert ASK_QUOTES == 3 and filler in before.text and LATE not in before.text
    [read] = reread(embedder, np.array([1.0, 0.0, 0.0], np.float32), [(ASK, ask)], top=3)
    after = compose_answer(how, cites, whole, 0.9, answer_at=0.5, asks=[read])
    assert LATE in after.text and filler not in after.text
    assert WORDS in after.text and runner in after.text


def test_a_choice_the_two_readings_share_changes_nothing() -> None:
    embedder = Meaning({ASK: [1, 0, 0], OTHER_ASK: [0, 1, 0], LATE: [1, 0, 0], WORDS: [0, 1, 0]})
    question = np.array([1.0, 0.0, 0.0], np.float32)
    scored = [sentence(LATE, 0.6, at=40), sentence(WORDS, 0.45)]
    first, _ = reread(embedder, question, [(ASK, scored), (OTHER_ASK, scored)], top=3)
    assert first == scored


def test_only_the_best_quotable_sentences_of_the_first_passages_are_read() -> None:
    embedder = Meaning({ASK: [1, 0, 0], OTHER_ASK: [0, 1, 0]})
    question = np.array([1.0, 0.0, 0.0], np.float32)
    body = [
        sentence(f"第{i}句说了一件事。", 0.5 - i / 100, at=20 * i) for i in range(REREAD_DEPTH + 2)
    ]
    title = sentence("关于课后服务的通知", 0.9, at=500, role="title")
    far = sentence(LATE, 0.8, citation=4)
    scored = [*body, title, far]
    reread(embedder, question, [(ASK, scored), (OTHER_ASK, scored)], top=3)
    read = set(embedder.embedded) - {ASK, OTHER_ASK}
    assert read == {s.text for s in body[:REREAD_DEPTH]}


def test_sentences_the_model_reads_alike_keep_their_scores() -> None:
    embedder = Meaning({})  # every text on one direction
    question = np.array([0.0, 0.0, 1.0], np.float32)
    scored = [sentence(LATE, 0.3, at=40), sentence(WORDS, 0.45)]
    out, _ = reread(embedder, question, [(ASK, scored), (OTHER_ASK, scored)], top=3)
    assert out == scored
