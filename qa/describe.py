"""The answer to a description question (how, why, what measures) or a list question: not the
one sentence that shares the most words with it, but the run of the passage that answers it —
the items under the heading or the lead-in that matches best, or the paragraph that goes on
from the best sentence — in the passage's order, within a budget.

The block starts at the best sentence the answer may quote (``anchor``): at its heading or its
lead-in (``…措施如下：``) when it is an item of an enumeration, so that the enumeration is
given from its first item; at the anchor itself otherwise. It runs on through the passage until
the section ends (the next heading of the anchor's level or above, or a notice's framing part:
contact line, closing, dateline), the paragraph ends (a body anchor), or the budget is spent —
then the answer ends with "…" and the [n] to read on."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.folder import IndexStore
from index.roles import FRAMING
from qa.cite import Citation, ScoredSentence
from qa.retrieve import Hit

DESCRIBED = frozenset({"description", "list"})  # the question types answered by a block
MAX_ITEMS = 5  # items of an enumeration (or sentences, where it has none) an answer quotes
MAX_DESCRIPTION_CHARS = 600
# a description question's first passage is read with its neighbours, since an enumeration
# runs on past the chunk that matched (chunks hold ~200 characters): WIDEN chunks before and
# after each of its first WIDEN_TOP hits
WIDEN_TOP = 2
WIDEN = (-2, -1, 1, 2, 3)

_NUM = "一二三四五六七八九十百零〇两"
_LEVELS = (
    (1, re.compile(rf"^(?:#\s|第[{_NUM}\d]+[章篇部分]|[{_NUM}]+、)")),
    (2, re.compile(rf"^[（(][{_NUM}]+[）)]")),
    (3, re.compile(rf"^(?:[{_NUM}]+是|[（(]?\d{{1,2}}[）).．、]|[①-⑳]|第[{_NUM}]+[，,、])")),
)
_LEAD_IN_END = ("：", ":")


@dataclass(frozen=True)
class Description:
    """What a description answer quotes, in order, and whether its section goes on past it."""

    sentences: list[ScoredSentence]
    more: bool


def widened(hits: Sequence[Hit], store: IndexStore) -> list[Hit]:
    """``hits`` with the neighbours of the first WIDEN_TOP placed just after each, so that
    citing merges them into its passage (``qa/cite.merge_hits``); a neighbour that is a hit
    itself moves up with it."""
    top = list(hits[:WIDEN_TOP])
    places = [(h.chunk.doc_id, h.chunk.ordinal + d) for h in top for d in WIDEN]
    rows = store.rows_at(p for p in places if p[1] >= 0)
    stored = {s.row_id: s for s in store.chunks(sorted(set(rows.values())))}
    out: list[Hit] = []
    placed: set[int] = set()
    for h in top:
        out.append(h)
        placed.add(h.row_id)
        for d in WIDEN:
            row = rows.get((h.chunk.doc_id, h.chunk.ordinal + d))
            if row is None or row in placed or row not in stored:
                continue
            out.append(Hit(stored[row].chunk, row, h.score, script=stored[row].script))
            placed.add(row)
    return out + [h for h in hits[WIDEN_TOP:] if h.row_id not in placed]


def level(text: str) -> int:
    """The level of a heading or item by its marker: 1 (一、), 2 (（一）), 3 (一是, 1.), 4 none."""
    return next((n for n, pattern in _LEVELS if pattern.match(text.strip())), 4)


def describe(
    anchor: ScoredSentence,
    sentences: Sequence[ScoredSentence],
    citation: Citation,
    allowed: frozenset[str] = frozenset(),
) -> Description:
    """The block of ``citation`` that answers a description question from ``anchor`` on
    (``allowed``: the framing roles the question asks for, which do not end it)."""
    own = sorted((s for s in sentences if s.citation == anchor.citation), key=lambda s: s.span)
    at = next(i for i, s in enumerate(own) if s.span == anchor.span)
    start = _start(own, at)
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
        items = _items(chosen)
        if (
            chosen
            and i > at
            and (items >= MAX_ITEMS or length + len(s.text) > MAX_DESCRIPTION_CHARS)
        ):
            return Description(chosen, more=True)
        chosen.append(s)
        length += len(s.text)
    return Description(chosen, more=False)


def _items(chosen: Sequence[ScoredSentence]) -> int:
    """How many items ``chosen`` quotes: its enumeration's items (an item's further sentences
    are part of it), or its sentences where it has no enumeration (headings and lead-ins not
    counted)."""
    marked = sum(1 for c in chosen if c.role == "item")
    return marked or sum(
        1 for c in chosen if c.role != "heading" and not c.text.endswith(_LEAD_IN_END)
    )


def _start(own: Sequence[ScoredSentence], at: int) -> int:
    """Where the block of the anchor ``own[at]`` starts: an item's enumeration from its first
    item, with the heading or lead-in just before it."""
    if own[at].role != "item" and not (own[at].role == "heading" and level(own[at].text) == 3):
        return at
    start = at
    mark = level(own[at].text)
    while (
        start > 0
        and own[start - 1].role in ("item", "heading")
        and level(own[start - 1].text) == mark
    ):
        start -= 1
    if start > 0:
        before = own[start - 1]
        lead_in = before.text.endswith(_LEAD_IN_END) and before.role not in FRAMING
        if lead_in or (before.role == "heading" and level(before.text) < mark):
            start -= 1
    return start


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
    if (s.role == "heading" and level(s.text) <= heads) or (
        s.role == "item" and level(s.text) <= items_above
    ):
        return True
    if anchor.role == "body" and not anchor.text.endswith(_LEAD_IN_END):
        return "\n" in text[previous.span[1] : s.span[0]] or s.role == "heading"
    return False
