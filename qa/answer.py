"""The short extractive answer: the best one to three sentences of the top passages, each
followed by the [n] of the passage it came from — or, when the calibrated confidence that the
passages answer the question is under the fitted threshold, a plain statement that nothing in
the documents answers it. Sentences are picked by the fitted sentence scorer
(``qa/sentences.py``); an English question gets the Chinese sentences quoted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from index.normalise import search_form
from index.roles import FRAMING
from qa.cite import Citation, ScoredSentence
from qa.describe import (
    DESCRIBED,
    MAX_DESCRIPTION_CHARS,
    Description,
    describe,
    level,
    unmarked,
)
from qa.enumerated import enumerated
from qa.goals import asks_goals, under_goals
from qa.headings import asks_several, items_of_kind, named_headings
from qa.paragraphs import paragraph_of
from qa.places import elsewhere
from qa.query import Query
from qa.question_type import QuestionType, asks_reason_or_name, framing_asked
from qa.quotes import MAX_ANSWER_CHARS, completed, never_alone, overlaps, to_replies
from qa.sentences import is_statement

MAX_SENTENCES = 3
_ITEM_END = ("。", "；", ";")
ANSWER_FROM_TOP = 3  # sentences come from the first this many passages
# one thing of several asked is answered by its best statement and, when the scorer is torn
# between two, the next one: a resident's wording is far from the notice's, and the best
# statement for one ask was the right one about half the time on the notices' sets (not
# blind); quoting the next one whose score reaches this share of the best's gained 3 gold
# sentences and 2 whole answers there (round3, round4, notices), and lost none
RUNNER_UP = 0.5
# … and up to this many in all: with the dense reading's order (qa/reread.py), a third gained
# 3 gold sentences and 4 whole answers of 308 description questions over the ten notice sets
# after the first, and lost none; answers grew by 16 characters on average (226, p90 385)
ASK_QUOTES = 3

NO_ANSWER = {
    "simplified": "文档中没有找到能回答这个问题的内容。",
    "traditional": "文件中沒有找到能回答這個問題的內容。",
    "none": "Nothing in the documents answers this question.",
}


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: list[Citation]
    abstained: bool
    confidence: float  # probability that the passages answer the question (qa/confidence.py)
    evidence: float  # the best passage's dense (e5) similarity, for reference
    language: str
    script: str
    rewritten_as: str | None = None  # what was searched, when a follow-up was rewritten
    question_type: QuestionType = "factoid"  # what kind of answer it asks for

    @property
    def searched(self) -> str:
        """What was searched: the question, or the follow-up's rewrite (qa/followup.py)."""
        return self.rewritten_as or self.question


def evidence_of(citations: Sequence[Citation]) -> float:
    """The highest dense similarity among the cited passages (0 when nothing was found)."""
    return max((c.signals["dense"].score for c in citations if "dense" in c.signals), default=0.0)


def compose_answer(
    query: Query,
    citations: list[Citation],
    sentences: Sequence[ScoredSentence],
    confidence: float,
    *,
    answer_at: float = 0.0,
    further_at: float = 1.0,
    asks: Sequence[Sequence[ScoredSentence]] = (),
) -> Answer:
    """Abstain when ``confidence`` is under ``answer_at``; otherwise quote the most probable
    statement of the top passages, and up to two more whose probability reaches
    ``further_at``. A question that asks several things (``asks``: the top passages'
    sentences scored for each, ``qa/asks.py``) gets its best statement and then the best for
    each thing, in the order asked; a description or list question, a block
    (``qa/describe.py``)."""
    evidence = evidence_of(citations)
    if not citations or confidence < answer_at:
        return Answer(
            query.text, NO_ANSWER[query.script], citations, True, confidence, evidence,
            query.language, query.script, question_type=query.kind,
        )  # fmt: skip
    # a passage of a document for another place than the one the question names is not
    # quoted, unless no other is there (qa/places.py)
    away = {c.n for c, far in zip(citations, elsewhere(query.text, citations), strict=True) if far}
    if away and len(away) < len(citations):
        sentences = [s for s in sentences if s.citation not in away]
        asks = [[s for s in part if s.citation not in away] for part in asks]
    by_n = {c.n: c for c in citations}
    # a question of the text's that an ask is worded like is answered by its reply
    asks = [to_replies(part, by_n) for part in asks]
    pool = sorted(
        (s for s in sentences if s.citation <= ANSWER_FROM_TOP and s.text.strip()),
        key=lambda s: -s.score,
    )
    # a title, dateline, addressee, preamble, contact line or closing is not quoted unless the
    # question asks for what it holds (or nothing else is there)
    allowed = framing_asked(query.text)
    pool = [s for s in pool if s.role not in FRAMING or s.role in allowed] or pool
    if (query.kind in DESCRIBED or asks) and not asks_goals(query.text):
        # a how or a resident's question: a plan's goals go after its measures (qa/goals.py)
        goals = under_goals(sentences)
        pool = sorted(pool, key=lambda s: (s.citation, s.span) in goals)
    joiner = " " if query.script == "none" else ""
    block = None
    # a question that asks for a kind of thing an enumeration's items are (哪几个阶段) is
    # answered by the enumeration, whatever its wording's type
    listed = items_of_kind(query.text, sentences, ANSWER_FROM_TOP) if pool else None
    kind: QuestionType = query.kind if query.kind in DESCRIBED or listed is None else "list"
    if kind in DESCRIBED and pool:
        # the section whose heading the question names, else the items of the kind it asks
        # for, else the best sentence's block
        headings = named_headings(query.text, sentences, ANSWER_FROM_TOP)
        named = (headings[0] if headings else None) or listed
        anchor = named or pool[0]
        # a heading the question names is answered from it, unless the question asks for
        # more parts than it names (the enumeration it stands in answers then)
        block = describe(
            anchor, sentences, by_n[anchor.citation], allowed,
            named=anchor is named and not asks_several(query.text, headings),
        )  # fmt: skip
        if block is not None and headings and named is headings[0]:
            block = _with_also_named(block, headings, sentences, by_n, allowed)
        if block is None and named is None and _measures_asked(query, several=bool(asks)):
            # the best sentence is prose (a news item's lead): the measures the passages
            # enumerate answer (qa/enumerated.py)
            block = enumerated(pool, sentences, by_n, allowed)
        if block is None and named is None:
            # prose: the best sentence's paragraph (qa/paragraphs.py)
            block = paragraph_of(pool[0], sentences, by_n[pool[0].citation], allowed)
        if block is not None and asks:
            block = _with_each_ask(block, asks, sentences, by_n, allowed)
    if block is not None:  # an enumeration, or a section under its heading
        last = len(block.sentences) - 1
        text = joiner.join(  # a block cut by its budget ends with "…" and the [n] to read on
            f"{s.text}{'…' if block.more and i == last else ''}[{s.citation}]"
            for i, s in enumerate(block.sentences)
        )
        return Answer(
            query.text, text, citations, False, confidence, evidence, query.language,
            query.script, question_type=kind,
        )  # fmt: skip
    # an item's title is said under it, and a question the text answers below it is not said
    never = never_alone(sentences, by_n)
    pool = [s for s in pool if (s.citation, s.span) not in never] or pool
    if query.kind not in DESCRIBED and asks:
        # the best statement for the whole question, then the best for each thing it asks
        chosen = _one_for_each(
            [pool, *([s for s in part if (s.citation, s.span) not in never] for part in asks)],
            allowed,
            runner_up=[False, *(True for _ in asks)],
        )
    else:
        chosen = _best(pool, further_at, allowed)
    if not chosen:  # no sentence in the top passages reads as a statement: quote the best one
        chosen = pool[:1]
    chosen = completed(chosen, sentences, by_n, titled=bool(asks))
    text = joiner.join(f"{s.text}[{s.citation}]" for s in chosen)
    return Answer(
        query.text, text, citations, False, confidence, evidence, query.language, query.script,
        question_type=query.kind,
    )  # fmt: skip


def _with_also_named(
    block: Description,
    headings: Sequence[ScoredSentence],
    sentences: Sequence[ScoredSentence],
    by_n: dict[int, Citation],
    allowed: frozenset[str],
) -> Description:
    """``block`` (under ``headings[0]``) with the sections of the other headings the question
    names at its level in its passage, in the passage's order, within the budget: 对收集存放和
    收运服务有哪些要求 names "（二）规范收集存放。" and "（三）统一收运服务。", and asks for both."""
    first = headings[0]
    mark = level(first.text)
    also = [
        h
        for h in headings[1:]
        if h.citation == first.citation and h.role == first.role and level(h.text) == mark
    ]
    if not also:
        return block
    parts = sorted(
        [
            (first.span, block),
            *(
                (h.span, describe(h, sentences, by_n[h.citation], allowed, named=True))
                for h in also
            ),
        ],
        key=lambda p: p[0],
    )
    said: list[ScoredSentence] = []
    length, more = 0, False
    for _, part in parts:
        if part is None:
            continue
        for x in part.sentences:
            if any(x.span == y.span for y in said):
                continue
            if said and length + len(x.text) > MAX_DESCRIPTION_CHARS:
                return Description(said, more=True)
            said.append(x)
            length += len(x.text)
        more = part.more
    return Description(said, more=more)


def _measures_asked(query: Query, *, several: bool) -> bool:
    """``query`` asks how, what measures or which ones in its own words (not an amount or a
    name an enumeration's kind of items was found for, ``items_of_kind``); asking one thing,
    not why or who (a reason or a name is said in prose). A question of ``several`` asks has
    each of them answered after the block as well (``_with_each_ask``)."""
    return query.kind in DESCRIBED and (
        several or not asks_reason_or_name(query.text, query.language)
    )


def _with_each_ask(
    block: Description,
    asks: Sequence[Sequence[ScoredSentence]],
    sentences: Sequence[ScoredSentence],
    by_n: dict[int, Citation],
    allowed: frozenset[str],
) -> Description:
    """``block`` followed by the best statement for each thing the question asks that it does
    not already quote: the block (of the heading the question names, or of its best sentence)
    answers one of a resident's several asks (得满足哪些条件？办登记证收不收钱？ names
    "一、登记条件", and asks about the fee too)."""
    never = never_alone(sentences, by_n)
    asks = [[s for s in part if (s.citation, s.span) not in never] for part in asks]
    extra = [
        e
        for e in completed(
            _one_for_each(asks, allowed, runner_up=[True] * len(asks)),
            sentences,
            by_n,
            titled=True,
        )  # fmt: skip
        if not any(e.citation == b.citation and overlaps(e.span, b.span) for b in block.sentences)
    ]
    return replace(block, sentences=[*block.sentences, *extra]) if extra else block


def _states(s: ScoredSentence) -> bool:
    """``s`` states something the answer may quote: a sentence (``is_statement``), or an item
    of an enumeration that ends like a sentence and holds a figure, however short
    ("（三）减免租金总额单户不超过10万元。" reads as a heading line by its length alone; the
    number of its marker is no figure: "18.放宽经营限制。" is an item's title)."""
    text = s.text.strip()
    # 问：…？ and a numbered question of a Q&A text (6.退休后还要交医保吗？) end like a sentence
    # but ask rather than state (prose's own questions are left to the scorer: a page of prose
    # asks "…是什么呢？" and answers in the same sentence as often as not)
    if s.role == "heading" or (s.role == "item" and text.endswith(("？", "?"))):
        return False
    return is_statement(text) or (
        s.role == "item" and text.endswith(_ITEM_END) and any(c.isdigit() for c in unmarked(text))
    )


def _best(
    pool: Sequence[ScoredSentence], further_at: float, allowed: frozenset[str]
) -> list[ScoredSentence]:
    """The most probable statement, and up to two more whose probability reaches
    ``further_at``, within MAX_ANSWER_CHARS."""
    chosen: list[ScoredSentence] = []
    length = 0
    for s in pool:
        if chosen and (s.score < further_at or len(chosen) == MAX_SENTENCES):
            break
        if chosen and length + len(s.text) > MAX_ANSWER_CHARS:
            continue
        # a title or a date line asked for is quoted although it is not a sentence
        if not (_states(s) or s.role in allowed):
            continue
        if any(_same(s.text, c.text) for c in chosen):
            continue
        chosen.append(s)
        length += len(s.text)
    return chosen


def _one_for_each(
    asks: Sequence[Sequence[ScoredSentence]],
    allowed: frozenset[str],
    *,
    runner_up: Sequence[bool] = (),
) -> list[ScoredSentence]:
    """The best statement of each list (a framing part only where ``allowed``) that an earlier
    list did not already give, while the answer stays within a description's length; where
    ``runner_up`` is true for a list, also its next statements, up to ASK_QUOTES in all, while
    they score at least RUNNER_UP of the best."""
    chosen: list[ScoredSentence] = []
    length = 0
    for k, scored in enumerate(asks):
        wanted = ASK_QUOTES if k < len(runner_up) and runner_up[k] else 1
        best: float | None = None
        for s in sorted(scored, key=lambda s: -s.score):
            if s.role in FRAMING and s.role not in allowed:
                continue
            if not (_states(s) or s.role in allowed):
                continue
            if any(_same(s.text, c.text) for c in chosen):
                continue
            if chosen and length + len(s.text) > MAX_DESCRIPTION_CHARS:
                break
            if best is not None and s.score < RUNNER_UP * best:
                break
            chosen.append(s)
            length += len(s.text)
            best = s.score if best is None else best
            wanted -= 1
            if not wanted:
                break
    return chosen


def _same(a: str, b: str) -> bool:
    """The same sentence, whatever its script (a report may be indexed in both)."""
    fa, fb = search_form(a), search_form(b)
    return fa in fb or fb in fa
