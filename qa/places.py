"""The place a question names against the place a document is issued for: a question about
"璟州市" rent relief is not answered from 蘅州市's notice on the same relief, however alike
the two read.

A document's place is the one its title opens with when the title is an issuer's — a notice's
"璟州市國有資產監督管理委員會關於…", "中共澜湾市委…的通知": a 关于 or the kind of document it
is (通知, 意见, 方案 …, ``index/clean.DOCUMENT_KINDS``) before any comma — as its name without
the level ("璟州" for 璟州市, so a question that says "璟州" names it too). An article's title
("新竹市") or a paragraph's first words, which is what a document without a title line shows,
are not an issuer's: on the fitting part of DRCD, whose documents open with such words, reading
them as places moved 16 questions' first passage and put one right passage first fewer. A
question names a place when it holds the name of a place one of its passages' documents is
for. Then the passages of documents for another place go after the others: an order among
look-alikes that no similarity of question and passage can give, since the notices of two
places on one measure differ mostly in the place. A question that names no such place, and a
document whose title opens with no place, change nothing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from index.clean import DOCUMENT_KINDS
from index.normalise import search_form
from qa.cite import Citation, ScoredSentence

# a title that opens with a place: two or three characters, then its level (市, 縣 …),
# after "中共" for a party committee's notices
_OPENS_WITH_PLACE = re.compile(
    r"^(?:中共)?([\u4e00-\u9fff]{2,3}?)(?:自治区|自治州|自治县|特别行政区|省|市|县|区|州|镇|乡)"
)
# what makes a title an issuer's: a notice's "关于…", or the kind of document it names
_ISSUED = re.compile(rf"关于|{DOCUMENT_KINDS}")
_CLAUSE_END = re.compile(r"[，,。；;]")
# the characters of a title before its place that are not a place's, in search form
_NOT_PLACES = frozenset({"全市", "本市", "各市", "城市", "全县", "本县", "全省", "本省"})


def place_of(title: str) -> str | None:
    """The name of the place ``title`` opens with (search form, level dropped), or None."""
    form = search_form(title).strip()
    found = _OPENS_WITH_PLACE.match(form)
    clause = _CLAUSE_END.search(form)  # an issuer's title has no comma before its kind
    if not found or not _ISSUED.search(form, found.end(), clause.start() if clause else len(form)):
        return None
    name = found.group(1)
    if any(g in form[: found.end()] for g in _NOT_PLACES):
        return None
    return name


def elsewhere(question: str, citations: Sequence[Citation]) -> list[bool]:
    """For each citation, whether its document is for another place than the one
    ``question`` names (all False when it names no place of theirs)."""
    places = [place_of(c.title) for c in citations]
    asked = search_form(question)
    named = {p for p in places if p is not None and p in asked}
    return [bool(named) and p is not None and p not in named for p in places]


def by_place(
    question: str, citations: Sequence[Citation], sentences: Sequence[ScoredSentence]
) -> tuple[list[Citation], list[ScoredSentence]]:
    """The citations with those of documents for another place than the one ``question``
    names (``elsewhere``) put after the others (each group in its order, scores kept),
    numbered again from 1, and the sentences renumbered with them."""
    away = elsewhere(question, citations)
    order = sorted(range(len(citations)), key=lambda i: (away[i], i))
    if order == list(range(len(citations))):
        return list(citations), list(sentences)
    number = {citations[i].n: new for new, i in enumerate(order, start=1)}
    moved = [replace(citations[i], n=number[citations[i].n]) for i in order]
    renumbered = [
        replace(s, citation=number[s.citation]) for s in sentences if s.citation in number
    ]
    renumbered.sort(key=lambda s: s.citation)
    return moved, renumbered
