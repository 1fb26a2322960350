"""The answer to a description question (how, why, what measures) or a list question: not the
one sentence that shares the most words with it, but the run of the passage that answers it —
the items under the heading or the lead-in that matches best, or the paragraph that goes on
from the best sentence — in the passage's order, within a budget.

The block starts at the best sentence the answer may quote (``anchor``): at its heading or its
lead-in (``…措施如下：``) when it is an item of an enumeration, so that the enumeration is
given from its first item; at the anchor itself otherwise. It runs on through the passage until
the section ends (the next heading of the anchor's level or above, or a notice's framing part:
contact line, closing, dateline), the paragraph ends (a body anchor, or a paragraph's run-in
title: "提升基層服務能力。一是…；二是…"), or the budget is spent —
then the answer ends with "…" and the [n] to read on."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from index.chars import NUM_ZH
from index.roles import BULLETS, FRAMING, MAX_HEADING_CHARS, QA_QUESTION, YEAR_TARGET
from qa.cite import Citation, ScoredSentence

DESCRIBED = frozenset({"description", "list"})  # the question types answered by a block
# items of an enumeration (or sentences, where it has none) an answer quotes: a list of the
# materials to bring or of the steps to take is read whole up to this; and characters: a
# section of measures runs to 700–800 characters (600 cut three sections of round5 and round6
# short of their last item, and 800 lost no gold sentence on any notices' set)
MAX_ITEMS = 8
MAX_DESCRIPTION_CHARS = 800
_LEVELS = (
    # a question of a question-and-answer text (问：…) heads its answer as a top heading does
    (1, re.compile(rf"^(?:#\s|第[{NUM_ZH}\d]+[章篇部分]|[{NUM_ZH}]+、|{QA_QUESTION})")),
    # an article of rules (第十三条), under its chapter, over the items it lists
    (2, re.compile(rf"^第[{NUM_ZH}\d]+[条條](?![{NUM_ZH}\d])")),
    (3, re.compile(rf"^[（(][{NUM_ZH}]+[）)]")),
    (
        4,
        re.compile(
            rf"^(?:[{NUM_ZH}]+是|[（(]?\d{{1,2}}[）).．、]|[①-⑳]|第[{NUM_ZH}]+[，,、]|{BULLETS}|"
            rf"{YEAR_TARGET})"
        ),
    ),
)
# a news release's or a report's paragraph that opens on its topic: 在交通配套方面，… 在业态培育上，…
# (a topic of three characters or more: prose writes 政治方面，… and 经济上，… in passing)
_TOPIC = re.compile(r"^(?:在|从|從|对于|對於)?([^，,。；;：:]{3,14}?)(?:方面|上|领域|領域)[，,]")
ARTICLE = 2  # the level of a rule's articles (第十三条)
LOWEST = 4  # the level of the innermost items (一是, 1., ①)
ITEM_REACH = 3  # the sentences an item's own run on after it, on its line (``item_of``)
UNMARKED = 5  # the level of a line with no marker
_LEAD_IN_END = ("：", ":")
_SENTENCE_END = ("。", "！", "？", "!", "?", ".")
_ASKED_END = ("？", "?")


@dataclass(frozen=True)
class Description:
    """What a description answer quotes, in order, and whether its section goes on past it."""

    sentences: list[ScoredSentence]
    more: bool


def level(text: str) -> int:
    """The level of a heading or item by its marker: 1 (一、, 第一章, 问：), 2 (第一条), 3
    (（一）), LOWEST (一是, 1.), UNMARKED none."""
    return next((n for n, pattern in _LEVELS if pattern.match(text.strip())), UNMARKED)


def unmarked(text: str) -> str:
    """A heading or item without its marker (一、, （一）, 一是, 1.)."""
    text = text.strip()
    found = next((m for _, pattern in _LEVELS if (m := pattern.match(text))), None)
    return text[found.end() :] if found else text


def topic_of(s: ScoredSentence) -> str | None:
    """The topic a body sentence opens its paragraph on (在交通配套方面，… → 交通配套), or None:
    it heads what follows it as a heading would, in a text that has none."""
    if s.role != "body":
        return None
    found = _TOPIC.match(s.text.strip())
    return found.group(1) if found else None


def describe(
    anchor: ScoredSentence,
    sentences: Sequence[ScoredSentence],
    citation: Citation,
    allowed: frozenset[str] = frozenset(),
    *,
    named: bool = False,
) -> Description | None:
    """The block of ``citation`` that answers a description question from ``anchor`` on
    (``allowed``: the framing roles the question asks for, which do not end it; ``named``: the
    question names the anchor, whose section is answered from it); None when the
    anchor is prose with no structure around it (no heading above it, not an item or a
    lead-in), where the best sentences answer better than the paragraph that follows: on the
    held-out CMRC description questions the paragraph held the gold answer .829 of the time,
    the best sentences .878."""
    own = with_subheadings(
        sorted((s for s in sentences if s.citation == anchor.citation), key=lambda s: s.span)
    )
    at = next(i for i, s in enumerate(own) if s.span == anchor.span)
    anchor = own[at]  # as read among its neighbours: a short item over deeper ones heads them
    at = item_of(own, at, citation.text)
    anchor = own[at]
    if answered_below(own, at, citation.text):
        return _answer_below(own, at, citation.text, allowed)
    if not (
        anchor.role in ("item", "heading")
        or anchor.text.endswith(_LEAD_IN_END)
        or any(s.role == "heading" for s in own[:at])
        or topic_of(anchor) is not None
    ):
        return None
    start = _start(own, at, citation.text, whole=not named)
    # the block ends at a heading of its opening heading's level or above, or at an item
    # above the level of the items it gives
    opener = own[start]
    if opener.role == "heading":
        heads = items_above = level(opener.text)
    else:
        first = (
            own[start + 1]
            if opener.text.endswith(_LEAD_IN_END) and start + 1 < len(own)
            else anchor
        )
        heads, items_above = level(first.text), level(first.text) - 1
    chosen: list[ScoredSentence] = []
    length = 0
    for i in range(start, len(own)):
        s = own[i]
        if i > at and _ends_block(
            s, own[i - 1], anchor, (heads, items_above), citation.text, allowed
        ):
            return Description(chosen, more=False)
        if (
            chosen
            and i > at
            and (
                (_items(chosen) >= MAX_ITEMS and _opens_item(s, chosen))
                or length + len(s.text) > MAX_DESCRIPTION_CHARS
            )
        ):
            return Description(chosen, more=True)
        chosen.append(s)
        length += len(s.text)
    return Description(chosen, more=False)


def item_of(own: Sequence[ScoredSentence], at: int, text: str) -> int:
    """Where the block of the body sentence ``own[at]`` is anchored: at the item it belongs to,
    when it goes on one on the same line ("一是坚持统筹推进，强化组织保障。区里成立…领导小组。": the
    best sentence is the item's second, and the enumeration answers), within ITEM_REACH
    sentences, or at its paragraph's run-in title, however far; at itself otherwise."""
    s = own[at]
    if s.role != "body" or s.text.rstrip().endswith((*_LEAD_IN_END, *_ASKED_END)) or topic_of(s):
        return at  # a lead-in, a question or a topic heads what follows it
    for j in range(at - 1, -1, -1):
        if "\n" in text[own[j].span[1] : own[j + 1].span[0]]:
            return at
        if own[j].role == "heading" and level(own[j].text) == UNMARKED:
            return j  # a paragraph's run-in title (index/run_ins.py), however far on its line
        if own[j].role == "item" and at - j <= ITEM_REACH:
            return j
        if own[j].role != "body":
            return at
    return at


def answered_below(own: Sequence[ScoredSentence], at: int, text: str) -> bool:
    """``own[at]`` is a question the text answers below it: a reporter's at a press conference
    ("记者：请问这次征收补偿有哪些具体措施？" and the official's reply on the next line), a
    question-and-answer text's without a 问： marker, or one of two a line asks (记者：餐馆的餐厨
    垃圾什么时候来收？要不要收费？) (``_reply_at``)."""
    return _reply_at(own, at, text) is not None


def _reply_at(own: Sequence[ScoredSentence], at: int, text: str) -> int | None:
    """Where the reply to the question ``own[at]`` starts: the first sentence on the next line,
    past the questions its line goes on to ask; None when ``own[at]`` is no question or the
    text does not answer it there."""
    i = at
    while i + 1 < len(own) and _asks(own[i]):
        after = own[i + 1]
        if "\n" in text[own[i].span[1] : after.span[0]]:
            return i + 1
        i += 1
    return None


def _asks(s: ScoredSentence) -> bool:
    return s.role == "body" and s.text.rstrip().endswith(_ASKED_END)


def _answer_below(
    own: Sequence[ScoredSentence], at: int, text: str, allowed: frozenset[str]
) -> Description | None:
    """The question ``own[at]`` (with the questions its line goes on to ask) and the paragraph
    that answers it below (``_reply_at``), until that paragraph ends, the next question or
    heading, or the budget."""
    first = _reply_at(own, at, text)
    if first is None:
        return None
    chosen = list(own[at:first])
    length = sum(len(s.text) for s in chosen)
    asked = len(chosen)
    for i in range(first, len(own)):
        s = own[i]
        broken = "\n" in text[own[i - 1].span[1] : s.span[0]]
        if (
            (broken and i > first)
            or s.role == "heading"
            or (s.role in FRAMING and s.role not in allowed)
            or s.text.rstrip().endswith(_ASKED_END)
        ):
            break
        if len(chosen) > asked and (
            (_items(chosen[asked:]) >= MAX_ITEMS and _opens_item(s, chosen[asked:]))
            or length + len(s.text) > MAX_DESCRIPTION_CHARS
        ):
            return Description(chosen, more=True)
        chosen.append(s)
        length += len(s.text)
    return Description(chosen, more=False) if len(chosen) > asked else None


def with_subheadings(own: Sequence[ScoredSentence]) -> list[ScoredSentence]:
    """``own`` with each short item that the next item goes deeper under read as a heading
    ("（一）稳妥推进清洁取暖改造。" before "一是…"): its section is what is under it."""
    out = list(own)
    for i in range(len(own) - 1):
        s, after = own[i], own[i + 1]
        if s.role == "body" and s.text.rstrip().endswith(_ASKED_END) and after.role == "item":
            out[i] = replace(s, role="heading")  # an explainer's question over its items
            continue
        if (
            s.role == "item"
            and len(s.text.strip()) <= MAX_HEADING_CHARS
            and after.role in ("item", "heading")
            # an item of a marker the levels know
            and level(s.text) < level(after.text) < UNMARKED
        ):
            out[i] = replace(s, role="heading")
    return out


def _items(chosen: Sequence[ScoredSentence]) -> int:
    """How many items ``chosen`` quotes: its enumeration's items (an item's further sentences
    are part of it), or its whole sentences where it has no enumeration (the clauses a
    semicolon joins are one sentence); headings and lead-ins are not counted."""
    said = [c for c in chosen if c.role != "heading" and not c.text.endswith(_LEAD_IN_END)]
    marked = sum(1 for c in said if c.role == "item")
    return marked or sum(1 for c in said if c.text.rstrip().endswith(_SENTENCE_END))


def _opens_item(s: ScoredSentence, chosen: Sequence[ScoredSentence]) -> bool:
    """``s`` starts a new item of the block (not the rest of the item or sentence before it):
    an item or heading of an enumeration, or a new sentence where there is none."""
    if any(c.role == "item" for c in chosen):
        return s.role in ("item", "heading")
    return chosen[-1].text.rstrip().endswith(_SENTENCE_END)


def _start(own: Sequence[ScoredSentence], at: int, text: str, *, whole: bool) -> int:
    """Where the block of the anchor ``own[at]`` starts: an item's enumeration from its first
    item, with the heading or lead-in just before it; of items gone on from by further
    sentences, from the first only when the question does not name the anchor (``whole``)."""
    mark = level(own[at].text)
    if mark == ARTICLE or (
        own[at].role != "item" and not (own[at].role == "heading" and mark == LOWEST)
    ):
        return at  # a rule's articles (第四条…) are each a part of their own
    start = at
    # back over the items of its level, and over the further sentences of each ("三是强化技术
    # 服务。" "县里组建8个技术服务小组…" before "四是…"), while the block still reaches the anchor's
    # own item within the budget
    reach = _item_end(own, at)
    i = at - 1
    while i >= 0 and _within_items(own, i, mark, text, bodies=whole):
        if own[i].role in ("item", "heading") and level(own[i].text) == mark:
            if sum(len(s.text) for s in own[i:reach]) > MAX_DESCRIPTION_CHARS:
                break
            start = i
        i -= 1
    if start > 0:
        before = own[start - 1]
        lead_in = before.text.endswith(_LEAD_IN_END) and before.role not in FRAMING
        if lead_in or (before.role == "heading" and level(before.text) < mark):
            start -= 1
    return start


def _within_items(
    own: Sequence[ScoredSentence], i: int, mark: int, text: str, *, bodies: bool
) -> bool:
    """``own[i]`` may stand within an enumeration of items of level ``mark``: one of its items
    (a deeper one too, with ``bodies``), or with ``bodies`` a further sentence of an item (on
    the line an item opened; not a lead-in, "…措施如下：", nor a paragraph's first sentence,
    which open the enumeration)."""
    s = own[i]
    if s.role in ("item", "heading"):
        return level(s.text) == mark or (bodies and mark < level(s.text) < UNMARKED)
    if not bodies:
        return False
    opens_line = i == 0 or "\n" in text[own[i - 1].span[1] : s.span[0]]
    return s.role == "body" and not opens_line and not s.text.rstrip().endswith(_LEAD_IN_END)


def _item_end(own: Sequence[ScoredSentence], at: int) -> int:
    """Where the item ``own[at]`` ends: at the next item or heading of its level or above."""
    mark = level(own[at].text)
    end = at + 1
    while end < len(own) and not (
        own[end].role in ("item", "heading") and level(own[end].text) <= mark
    ):
        end += 1
    return end


def _ends_block(
    s: ScoredSentence,
    previous: ScoredSentence,
    anchor: ScoredSentence,
    levels: tuple[int, int],
    text: str,
    allowed: frozenset[str],
) -> bool:
    """``s`` is past the anchor's block: a framing part the question does not ask for, a
    heading at or above ``levels[0]``, an item above ``levels[1]``, or (a body anchor's
    paragraph) a new line."""
    heads, items_above = levels
    if s.role in FRAMING and s.role not in allowed:
        return True
    if anchor.role == "heading" and heads == UNMARKED:
        # a paragraph's run-in title (index/roles.run_in_titles): its line
        return s.role == "heading" or "\n" in text[previous.span[1] : s.span[0]]
    if (s.role == "heading" and level(s.text) <= heads) or (
        s.role == "item" and level(s.text) <= items_above
    ):
        return True
    if anchor.role == "body" and not anchor.text.endswith(_LEAD_IN_END):
        # a paragraph ends at its line, or, on a topic, where the next topic opens
        ends_topic = topic_of(anchor) is not None and topic_of(s) is not None
        return "\n" in text[previous.span[1] : s.span[0]] or s.role == "heading" or ends_topic
    return False
