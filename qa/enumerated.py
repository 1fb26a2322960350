"""The measures a passage enumerates, for a how or what-measures question whose best sentence
is prose (``qa/describe.describe`` gives it no block): a news item's lead, a press conference's
opening, which share the question's words, while the measures follow as 一是…二是…, （一）…, 1. …
or paragraphs opening on their topics (在源头管控方面，…)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qa.cite import Citation, ScoredSentence
from qa.describe import (
    MAX_DESCRIPTION_CHARS,
    Description,
    describe,
    item_of,
    level,
    topic_of,
    with_subheadings,
)

# items (or paragraphs opening on their topics) a passage's enumeration holds to answer a how or
# what-measures question in the place of its best sentence, when that is prose
MIN_ENUMERATED = 3


def enumerated(
    pool: Sequence[ScoredSentence],
    sentences: Sequence[ScoredSentence],
    by_n: Mapping[int, Citation],
    allowed: frozenset[str] = frozenset(),
) -> Description | None:
    """The measures a passage enumerates, for a how or what-measures question whose best
    sentence is prose with no structure around it (``describe`` gives None): a news item's
    lead ("2024年以来，荨圳县把沿街店招提升作为…"), a press conference's opening ("为此，县政府出台了
    《…方案》"), which share the question's words, while the measures follow as 一是…二是…,
    （一）…, 1. … or paragraphs opening on their topics (在源头管控方面，…). The enumeration of at
    least MIN_ENUMERATED items that one of ``pool``'s sentences (best first) belongs to, from its
    first item on; of paragraphs on topics, each one's opening sentence, within the budget.
    None when no sentence of ``pool`` is in one."""
    for best in pool:
        citation = by_n.get(best.citation)
        if citation is None:
            continue
        own = with_subheadings(
            sorted((s for s in sentences if s.citation == best.citation), key=lambda s: s.span)
        )
        at = next((i for i, s in enumerate(own) if s.span == best.span), None)
        if at is None:
            continue
        at = item_of(own, at, citation.text)
        topical = topic_of(own[at]) is not None
        if not topical and own[at].role != "item":
            continue
        members = _members(own, at, topical)
        if len(members) < MIN_ENUMERATED:
            continue
        if not topical:
            return describe(own[members[0]], sentences, citation, allowed)
        said: list[ScoredSentence] = []
        length = 0
        for i in members:
            if said and length + len(own[i].text) > MAX_DESCRIPTION_CHARS:
                return Description(said, more=True)
            said.append(own[i])
            length += len(own[i].text)
        return Description(said, more=False)
    return None


def _members(own: Sequence[ScoredSentence], at: int, topical: bool) -> list[int]:
    """Where the items of the enumeration ``own[at]`` is an item of stand in ``own``: the items
    of its level (or the sentences opening on a topic) before and after it, up to a heading or
    an item of a level above."""
    mark = level(own[at].text)

    def member(s: ScoredSentence) -> bool:
        return topic_of(s) is not None if topical else s.role == "item" and level(s.text) == mark

    def stops(s: ScoredSentence) -> bool:
        return s.role == "heading" or (not topical and s.role == "item" and level(s.text) < mark)

    found = [at]
    for step in (-1, 1):
        i = at + step
        while 0 <= i < len(own) and not stops(own[i]):
            if member(own[i]):
                found.append(i)
            i += step
    return sorted(found)
