"""Paragraph titles written into the text: a short sentence that names what its paragraph says,
with no marker before it ("提升基層服務能力。一是實施鄉鎮衛生院提質工程…"; "服药全程督导。患者确诊后，
村医每天上门…").

Where the page keeps its lines, such a title opens its line (``run_in_titles``, at ingest).
Where it was published as one line, or copied with its paragraphs run together, nothing but the
series shows them: several short sentences, each followed by the longer ones of its paragraph
(``titles_in_series``, over each chunk at ingest and again over a cited passage, which has more
room to show a series: a chunk holds one or two). Read as headings, the paragraph under one is what a description question
about it is answered by, and the title is not quoted alone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.roles import Role

# a paragraph's run-in title: a short sentence with no clause, no figure, that opens its line
MAX_RUN_IN_CHARS = 16
_NOT_IN_TITLE = re.compile(r"[，,；;：:、\d]")
# … or, in a series within a line: of at most MAX_SERIES_CHARS characters, a phrase of two to
# eight characters, or a four-character phrase and another joined by a comma (名师授课，按需点单。
# 送苗上门，打通最后一公里。), quotation marks allowed (把“两卡”源头管住。); a closing quotation mark
# the sentence split left before it is not its own
MAX_SERIES_CHARS = 14
MIN_SERIES = 3
_PHRASE = r"[\u4e00-\u9fff“”「」‘’『』]{2,8}"
_SERIES_TITLE = re.compile(rf"(?:{_PHRASE}|[\u4e00-\u9fff]{{4}}[，,]{_PHRASE})。")
_LEFT_OVER = '”’」』" \u3000'
_ENDS = "。！？!?；;：:”’」』"  # what the sentence before a title within a line ends with


def run_in_titles(
    text: str,
    spans: list[tuple[int, int]],
    roles: list[Role],
    *,
    opens_line: bool,
    line_goes_on: bool,
) -> list[Role]:
    """``roles`` with each run-in title read as a heading: a work report titles its
    paragraphs with a short sentence that the paragraph goes on from ("提升基層服務能力。一是實施
    鄉鎮衛生院提質工程…；二是…"), and what the paragraph says is what stands under it. A body
    sentence is one when it opens its line, holds at most MAX_RUN_IN_CHARS characters, no
    clause mark and no figure, ends with 。, and its line goes on after it (in this text, or
    in the next passage when it ends this one: ``line_goes_on``)."""
    out = list(roles)
    for i, ((a, b), role) in enumerate(zip(spans, roles, strict=True)):
        head = text[a:b].strip()
        if role != "body" or not head.endswith("。") or len(head) > MAX_RUN_IN_CHARS:
            continue
        if _NOT_IN_TITLE.search(head):
            continue
        before = text[:a].rstrip(" \t\u3000")
        if not (before.endswith("\n") or (not before and opens_line)):
            continue
        rest = text[b:]
        line = rest.split("\n", 1)[0].strip()
        if line or ("\n" not in rest and line_goes_on):
            out[i] = "heading"
    return out


def titles_in_series(
    text: str, spans: Sequence[tuple[int, int]], roles: Sequence[Role]
) -> list[Role]:
    """``roles`` (of the sentences ``spans`` of a passage's ``text``, in order) with the run-in
    titles of paragraphs run together read as headings: body sentences of the form of a title
    (``_SERIES_TITLE``) within a line, each followed by a longer body sentence that is not one,
    when the passage holds MIN_SERIES of them or more. Fewer are prose that happens to be
    short; a short line of a page whose lines were broken is not within one."""
    out = list(roles)
    texts = [text[a:b] for a, b in spans]

    def titled(i: int) -> bool:
        return (
            roles[i] == "body"
            and _within_line(text, spans[i][0])
            and bool(_SERIES_TITLE.fullmatch(texts[i].strip(_LEFT_OVER)))
        )

    found = [
        i
        for i in range(len(texts) - 1)
        if titled(i)
        and len(texts[i].strip(_LEFT_OVER)) <= MAX_SERIES_CHARS
        and roles[i + 1] in ("body", "item")
        and not titled(i + 1)
        and len(texts[i + 1].strip()) > len(texts[i].strip())
    ]
    if len(found) < MIN_SERIES:
        return out
    for i in found:
        out[i] = "heading"
    return out


def _within_line(text: str, start: int) -> bool:
    """What stands before ``start`` on its line, spaces aside, ends a sentence or a lead-in."""
    j = start - 1
    while j >= 0 and text[j] in " \t\u3000":
        j -= 1
    return j >= 0 and text[j] in _ENDS
