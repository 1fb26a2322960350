"""Each ask of a question of several reads its own passage of the first document
(qa/ask_passages.py); a question of the text's own passes its score on to its reply
(qa/quotes.to_replies)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from index.documents import Chunk
from qa.ask_passages import asked_reach, for_each_ask
from qa.asks import asks
from qa.cite import Citation, ScoredSentence
from qa.query import Query
from qa.quotes import to_replies
from qa.retrieve import Hit
from qa.service import QAService
from tests.qa.conftest import scored


def citation(n: int, text: str, chunk: str) -> Citation:
    return Citation(n, "d", "t", "s", None, None, 0, len(text), text, None, 1.0 - n / 10,
                    chunk_ids=(chunk,))  # fmt: skip


def hit(ordinal: int, text: str) -> Hit:
    return Hit(Chunk("d", ordinal, text, text, 0, len(text)), ordinal, 0.5)


def cite_hits(hits: list[Hit]) -> tuple[list[Citation], list[ScoredSentence]]:
    """What the service's ``citations_for`` gives: a passage for each hit, its one sentence."""
    cited = [citation(i, h.chunk.text, h.chunk.id) for i, h in enumerate(hits, start=1)]
    return cited, [ScoredSentence(c.n, c.text, 0.3, span=(0, len(c.text))) for c in cited]


def test_an_asks_own_passage_goes_just_after_the_passages_the_answer_reads() -> None:
    held, far = hit(0, "补助每人每年600元。"), hit(7, "电子券自发放之日起6个月内有效。")
    citations = [
        citation(1, held.chunk.text, held.chunk.id),
        *(citation(n, f"第{n}段。", f"c{n}") for n in (2, 3, 4, 5)),
    ]
    sentences = [ScoredSentence(c.n, c.text, 0.5, span=(0, len(c.text))) for c in citations]
    found = {"能补多少钱？": [held], "券多久有效？": [far, held], "还有吗？": []}
    searched: list[tuple[str, str]] = []

    def search(ask: str, doc: str) -> list[Hit]:
        searched.append((ask, doc))
        return found[ask]

    asked = list(found)
    cited, said = for_each_ask(citations, sentences, asked, search, cite_hits, read=3)
    assert searched == [(ask, "d") for ask in asked]  # within the first passage's document
    # the first ask's passage is read already; the second's comes fourth, marked with its ask
    assert [c.text for c in cited] == [
        "补助每人每年600元。", "第2段。", "第3段。", far.chunk.text, "第4段。", "第5段。",
    ]  # fmt: skip
    assert [c.n for c in cited] == [1, 2, 3, 4, 5, 6]
    assert [c.for_ask for c in cited] == [None, None, None, "券多久有效？", None, None]
    assert cited[3].score == citations[0].score
    # every sentence goes with its passage's new number
    assert [(s.citation, s.text) for s in said] == [(c.n, c.text) for c in cited]
    assert asked_reach(cited, 3) == 4
    assert asked_reach(citations, 3) == 3
    # nothing new to read, or one ask only: as it was
    for parts in (["能补多少钱？", "还有吗？"], ["券多久有效？"]):
        assert for_each_ask(citations, sentences, parts, search, cite_hits, read=3) == (
            citations, sentences,
        )  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        # a press conference, a line each
        "记者：福寿螺个头大，有人捡回家吃，这样安全吗？\n"
        "局长：福寿螺可能携带寄生虫，严禁捕捞食用。\n记者：捡螺有补助吗？",
        # a question-and-answer page copied as one line
        "问：福寿螺个头大，有人捡回家吃，这样安全吗？答：福寿螺可能携带寄生虫，严禁捕捞食用。"
        "问：捡螺有补助吗？",
    ],
)
def test_a_question_of_the_texts_passes_its_score_to_its_reply(text: str) -> None:
    sentences = scored(text, {"这样安全吗": 0.6, "寄生虫": 0.1, "补助": 0.3})
    by_n = {1: citation(1, text, "c1")}
    raised = {s.text: s.score for s in to_replies(sentences, by_n)}
    reply = next(t for t in raised if "寄生虫" in t)
    assert raised[reply] == 0.6
    # the questions keep theirs; the last, which nothing answers, passes nothing on
    assert [raised[t] for t in raised if "？" in t] == [0.6, 0.3]
    # a reply that scores more than its question keeps its own score
    kept = scored(text, {"这样安全吗": 0.2, "寄生虫": 0.5})
    assert to_replies(kept, by_n) == kept


def test_each_ask_is_searched_within_the_first_document_and_read_with_its_passage(
    service: QAService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the service (the sample index): each ask is searched alone within the first
    passage's document, and a passage found for an ask is read with the first passages when
    the asks are scored, which a passage after them is not."""
    service.answer_at = {"zh": 0.0, "en": 0.0}
    searched: list[tuple[str, set[str] | None]] = []
    search = service.retriever.search

    def spy(query: Query, k: int, *, doc_ids: set[str] | None = None) -> list[Hit]:
        searched.append((query.text, doc_ids))
        return search(query, k, doc_ids=doc_ids)

    monkeypatch.setattr(service.retriever, "search", spy)
    question = "煤炭产业占工业比重下降到多少？高新技术产业占比提高至多少？"
    signals = service.retriever.signals([service.parse(question)])[0]
    citations, sentences = service.passages(signals, 5)
    first = citations[0].doc_id
    assert searched == [(ask, {first}) for ask in asks(question, "zh")]
    assert all(c.doc_id == first for c in citations if c.for_ask is not None)
    # a passage after the first three is read for the asks only when it was found for one
    # (the sample index gives three passages: a fourth is the third again, numbered 4)
    third = citations[2]
    fourth = 4
    sentences = [*sentences, *(replace(s, citation=fourth) for s in sentences if s.citation == 3)]
    plain = [*(replace(c, for_ask=None) for c in citations[:3]), replace(third, n=fourth)]
    marked = [replace(c, for_ask="高新技术产业占比提高至多少？" if c.n == fourth else None)
              for c in plain]  # fmt: skip
    for cited, read in ((plain, False), (marked, True)):
        scored = service.score_asks(signals.query, cited, sentences)
        assert any(s.citation == fourth for s in scored[0]) is read
        assert all(s.citation <= fourth for part in scored for s in part)
