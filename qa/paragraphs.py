"""A description question answered from prose: the paragraph its best sentence stands in.

A press conference's reply, a news release's or a practice article's paragraph says how
something is done in a few sentences, none of them a heading or an item (许文涛：外墙脱落隐患由
业主委员会…组织维修…。维修费用原则上由全体业主共同承担…。维修完成前，物业要…设置警戒线…。),
and the question (是如何组织维修的) is answered by the paragraph, not by its best sentence and
two others from elsewhere that share the question's words. So when a description question's
best sentence is prose with nothing to read it as a block by (``qa/describe.describe`` and
``enumerated`` give none), the answer is that sentence's paragraph — the run of sentences
between the line breaks around it — when the passage holds it whole (a line break on either
side: an encyclopedia's passage, one paragraph cut into chunks, is not), it has two to
MAX_SENTENCES sentences and at most MAX_CHARS characters; framing parts are left out."""

from __future__ import annotations

from collections.abc import Sequence

from index.roles import FRAMING
from qa.cite import Citation, ScoredSentence
from qa.describe import Description

MAX_SENTENCES = 5
MAX_CHARS = 400


def paragraph_of(
    anchor: ScoredSentence,
    sentences: Sequence[ScoredSentence],
    citation: Citation,
    allowed: frozenset[str] = frozenset(),
) -> Description | None:
    """The paragraph of ``citation`` that ``anchor`` stands in (see the module), or None."""
    text = citation.text
    start = text.rfind("\n", 0, anchor.span[0])
    end = text.find("\n", anchor.span[1])
    if start < 0 or end < 0:  # the passage does not hold the paragraph whole
        return None
    own = sorted(
        (
            s
            for s in sentences
            if s.citation == anchor.citation
            and start < s.span[0]
            and s.span[1] <= end
            and s.text.strip()
            and (s.role not in FRAMING or s.role in allowed)
        ),
        key=lambda s: s.span,
    )
    if not 2 <= len(own) <= MAX_SENTENCES or sum(len(s.text) for s in own) > MAX_CHARS:
        return None
    if any(s.role in ("heading", "item") for s in own):  # a block's, not prose
        return None
    return Description(own, more=False)
