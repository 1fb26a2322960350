"""A plan's goals ("一、工作目标 到2025年底，覆盖率达到80%…") say what it aims at, not how it
gets there: a how or what-measures question, and a resident's, is answered from its measures,
and its goals only when nothing else is there or the question asks for them (要达到哪些目标,
覆盖率达到多少). A question of one amount (a factoid) is left as it is: its figure may be a goal's.
Drawn from the read notice sets (round14's h14-q1, round15's g04-q2 quoting a goal first): one
whole answer more over the sets and none fewer; none of the public held-out parts' answers
changes (their passages have no goals' sections)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.normalise import search_form
from qa.cite import ScoredSentence
from qa.describe import LOWEST, level, unmarked

# a section of goals, by its heading's name (工作目标, 主要目标, 总体目标, 任务目标, 发展目标 …)
_GOALS = re.compile(r"^[\u4e00-\u9fff]{0,4}目标")
# a question that asks for a goal or how far a plan reaches
_ASKS_GOALS = re.compile(r"目标|指标|达到|预期|到\d{4}年")


def asks_goals(question: str) -> bool:
    """``question`` asks for a plan's goals or a figure it aims at."""
    return bool(_ASKS_GOALS.search(search_form(question)))


def under_goals(sentences: Sequence[ScoredSentence]) -> set[tuple[int, tuple[int, int]]]:
    """The (citation, span) of every sentence of ``sentences`` that stands in a section of
    goals: its heading (or an upper item that opens with the name, 一、工作目标到2026年底…) and
    what follows it up to the next heading or item of its level or above."""
    out: set[tuple[int, tuple[int, int]]] = set()
    by_citation: dict[int, list[ScoredSentence]] = {}
    for s in sentences:
        by_citation.setdefault(s.citation, []).append(s)
    for n, own in by_citation.items():
        within: int | None = None  # the level of the goals' heading being read, if any
        for s in sorted(own, key=lambda s: s.span):
            marked = s.role in ("heading", "item") and level(s.text) < LOWEST
            if marked and (within is None or level(s.text) <= within):
                named = search_form(unmarked(s.text))
                within = level(s.text) if _GOALS.match(named) else None
            if within is not None:
                out.add((n, s.span))
    return out
