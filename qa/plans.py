"""A question about a year's plans ("鄹洨市2025年在办教育方面有哪些打算？") is answered by that
year's report of plans — a 政府工作报告, 工作要点 or 工作计划 whose title names the year — rather
than a news item on the same subject, which shares more of the question's words: a work report
gives each subject a paragraph among many.

When the question names a year and asks what is planned (打算, 安排, 计划, 重点工作, 要做), the
passages of such a report for the place the question names (``qa/places.elsewhere``) go before
the others, each group in its order. Drawn from the read notice sets (round13's p16-q1, round15's
g16-q1: the county's news item first, its work report second)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.normalise import search_form
from qa.cite import Citation, ScoredSentence
from qa.places import elsewhere
from qa.reorder import put_after

_YEAR = re.compile(r"(?:19|20)\d{2}年")
_ASKS_PLANS = re.compile(r"打算|安排|计划|部署|重点工作|要做|将做|准备做")
_PLANS = re.compile(r"工作报告|工作要点|工作计划|工作安排")


def plans_first(
    question: str, citations: Sequence[Citation], sentences: Sequence[ScoredSentence]
) -> tuple[list[Citation], list[ScoredSentence]]:
    """The passages of the named year's report of plans first, when ``question`` asks for a
    year's plans (see the module); else as they are."""
    form = search_form(question)
    years = set(_YEAR.findall(form))
    if not years or not _ASKS_PLANS.search(form):
        return list(citations), list(sentences)
    away = elsewhere(question, citations)
    plans = [
        not far and bool(_PLANS.search(title)) and any(y in title for y in years)
        for c, far in zip(citations, away, strict=True)
        for title in [search_form(c.title)]
    ]
    if not any(plans):
        return list(citations), list(sentences)
    return put_after(citations, sentences, [not p for p in plans])
