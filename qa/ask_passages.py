"""A question of several asks reads, for each ask, the first document's passage that answers it.

A resident asks two things of one notice (券能顶掉多少钱？券领下来以后是不是啥时候用都行？), and
the passages found for the whole question are those that share most of its words — usually the
ones about the first ask, or one section read twice. The second ask's answer stands elsewhere
in the same notice (its validity under 办理程序, not under 抵扣标准) and was never among the
passages the answer reads. So each ask is searched again, alone, within the first passage's
document (``Retriever.search`` with its ``doc_ids``), and the chunk that ranks first for it,
when none of the passages the answer reads holds it already, becomes a passage of its own
(``Citation.for_ask``), just after them: what ``qa/answer.py`` quotes for an ask is read from
those passages and these (``asked_reach``), while the answer's block still comes from the
first passages alone.

Only the first passage's document is searched: it is the one asked about for nearly every
question (right first 98% over the notice sets), and reaching into others would bring the
look-alike notices of other places back in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from qa.cite import Citation, ScoredSentence
from qa.reorder import in_sequence
from qa.retrieve import Hit
from qa.sections import Cite, Cited

Search = Callable[[str, str], Sequence[Hit]]  # an ask's hits within a document, best first


def for_each_ask(
    citations: list[Citation],
    sentences: list[ScoredSentence],
    parts: Sequence[str],
    search: Search,
    cite: Cite,
    *,
    read: int,
) -> Cited:
    """``citations`` with the chunk that ranks first for each of the asks ``parts`` within the
    first passage's document (``search``) put just after the first ``read`` passages when none
    of them holds it, in the order asked and marked with their ask; numbered again from 1, the
    sentences with them. Fewer than two asks: as they were."""
    if len(parts) < 2 or not citations:
        return citations, sentences
    held = {i for c in citations[:read] for i in c.chunk_ids}
    new: list[tuple[str, Hit]] = []
    for ask in parts:
        hits = search(ask, citations[0].doc_id)
        if hits and hits[0].chunk.id not in held:
            new.append((ask, hits[0]))
            held.add(hits[0].chunk.id)
    if not new:
        return citations, sentences
    asked = {hit.chunk.id: ask for ask, hit in new}
    added, said = cite([hit for _, hit in new])
    top = max(c.n for c in citations)  # the new passages' numbers until all are renumbered
    added = [
        replace(c, n=top + c.n, score=citations[0].score, for_ask=asked.get(c.chunk_ids[0]))
        for c in added
    ]
    said = [replace(s, citation=top + s.citation) for s in said]
    return in_sequence([*citations[:read], *added, *citations[read:]], [*sentences, *said])


def asked_reach(citations: Sequence[Citation], read: int) -> int:
    """How many passages an ask's answer is read from: the first ``read`` and the passages
    searched for the asks just after them."""
    return read + sum(1 for c in citations[read:] if c.for_ask is not None)
