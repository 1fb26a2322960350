"""A description question's passages read wider: the enumeration that answers a how or
what-measures question runs on past the chunk that matched (chunks hold ~200 characters), and
in a long notice the section whose heading the question names may rank below the title and
preamble that share its words.

``read_sections`` reads the first passage with its neighbouring chunks
(``with_neighbours``); then the passage that holds the heading the question names
(``qa/headings.named_heading``), or the first item of the kind of thing it asks for
(``items_of_kind``), on from that heading's chunk (``section_from``), since it may end at that
heading; or, when none of the first passages holds one, the first passage's
document within SECTION_REACH chunks, whose named section, read on the same way, becomes that
passage. A passage keeps its number, score and document, so the order settled before does not
move."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import cast

from index.folder import IndexStore
from index.normalise import search_form
from index.roles import Role, answer_sentences, passage_roles
from qa.answer import ANSWER_FROM_TOP
from qa.cite import Citation, ScoredSentence
from qa.headings import items_of_kind, named_heading
from qa.retrieve import Hit

# chunks either side of a description question's first passage searched for the heading it
# names (about 8,000 characters each way: a notice whole, a report's neighbouring sections)
SECTION_REACH = 40
# a named section is read on from its heading's chunk until this many characters (past a
# description answer's budget, qa/describe.MAX_DESCRIPTION_CHARS), within MAX_CHUNKS_ON chunks
SECTION_CHARS = 1000
MAX_CHUNKS_ON = 16

# a description question's first passage is read with the chunks around it, since an
# enumeration runs on past the chunk that matched (chunks hold ~200 characters)
WIDEN = (-2, -1, 1, 2, 3)

Cited = tuple[list[Citation], list[ScoredSentence]]
Cite = Callable[[list[Hit]], Cited]  # citations and scored sentences for hits


def with_neighbours(hits: Sequence[Hit], store: IndexStore) -> list[Hit]:
    """``hits`` (the chunks of one passage) followed by the chunks around them (WIDEN), the
    nearest first, so that citing merges each into the passage (``qa/cite.merge_hits`` joins
    a chunk that touches one already in it)."""
    have = {(h.chunk.doc_id, h.chunk.ordinal) for h in hits}
    near: dict[tuple[str, int], int] = {}
    for h in hits:
        for d in WIDEN:
            place = (h.chunk.doc_id, h.chunk.ordinal + d)
            if place[1] >= 0 and place not in have:
                near[place] = min(near.get(place, abs(d)), abs(d))
    rows = store.rows_at(near)
    found = store.chunks(sorted(set(rows.values())))
    found.sort(key=lambda c: near[(c.chunk.doc_id, c.chunk.ordinal)])
    score = hits[0].score if hits else 0.0
    return [*hits, *(Hit(c.chunk, c.row_id, score, script=c.script) for c in found)]


def read_sections(
    store: IndexStore,
    cite: Cite,
    question: str,
    hits: list[Hit],
    citations: list[Citation],
    sentences: list[ScoredSentence],
) -> Cited:
    """The passages of a description or list question read wider (see the module)."""
    if not citations:
        return citations, sentences
    citations, sentences = widen(store, cite, hits, citations, sentences, 1)
    named = named_heading(question, sentences, ANSWER_FROM_TOP) or items_of_kind(
        question, sentences, ANSWER_FROM_TOP
    )
    if named is None:
        return to_named_section(store, cite, question, hits, citations, sentences)
    return read_on(store, cite, hits, citations, sentences, named)


def widen(
    store: IndexStore,
    cite: Cite,
    hits: list[Hit],
    citations: list[Citation],
    sentences: list[ScoredSentence],
    n: int,
) -> Cited:
    """Passage ``n`` read with its neighbouring chunks; its place, number and score kept."""
    passage = next((c for c in citations if c.n == n), None)
    own = [h for h in hits if passage is not None and h.chunk.id in passage.chunk_ids]
    if passage is None or not own:
        return citations, sentences
    return _regrown(cite, with_neighbours(own, store), citations, sentences, passage)


def read_on(
    store: IndexStore,
    cite: Cite,
    hits: list[Hit],
    citations: list[Citation],
    sentences: list[ScoredSentence],
    named: ScoredSentence,
) -> Cited:
    """The passage that holds the ``named`` heading read on past it: with the neighbouring
    chunks of its own and of the chunk the heading stands in, since a passage may end a line
    after the heading it holds (a guide's "六、申请材料" and its first item closing the chunks
    that matched its title)."""
    passage = next((c for c in citations if c.n == named.citation), None)
    own = [h for h in hits if passage is not None and h.chunk.id in passage.chunk_ids]
    if passage is None or not own:
        return citations, sentences
    ordinals = [h.chunk.ordinal for h in own]
    reach = range(max(min(ordinals) + min(WIDEN), 0), max(ordinals) + max(WIDEN) + 1)
    rows = store.rows_at((passage.doc_id, o) for o in reach)
    stored = sorted(store.chunks(list(rows.values())), key=lambda c: c.chunk.ordinal)
    heading = search_form(named.text.strip())
    holder = next(
        (
            c
            for c in stored
            if c.chunk.id in passage.chunk_ids and heading in search_form(c.chunk.text)
        ),
        None,
    )
    wide = with_neighbours(own, store)
    if holder is None:
        return _regrown(cite, wide, citations, sentences, passage)
    on = section_from(store, Hit(holder.chunk, holder.row_id, passage.score, script=holder.script))
    have = {h.chunk.id for h in wide}
    wide += [h for h in on if h.chunk.id not in have]
    return _regrown(cite, wide, citations, sentences, passage, holder.chunk.id)


def to_named_section(
    store: IndexStore,
    cite: Cite,
    question: str,
    hits: list[Hit],
    citations: list[Citation],
    sentences: list[ScoredSentence],
) -> Cited:
    """The first passage moved, within its document, to the section whose heading
    ``question`` names, read on from that heading (``section_from``); as it was when no
    heading within SECTION_REACH chunks of it is named (so a book-length document costs what a
    notice does)."""
    first = citations[0]
    own = [h.chunk.ordinal for h in hits if h.chunk.id in first.chunk_ids]
    if not own:
        return citations, sentences
    reach = range(max(min(own) - SECTION_REACH, 0), max(own) + SECTION_REACH + 1)
    rows = store.rows_at((first.doc_id, o) for o in reach)
    stored = sorted(store.chunks(list(rows.values())), key=lambda c: c.chunk.ordinal)
    parts = []  # every sentence, with its role: named_heading reads what can head a section
    for i, c in enumerate(stored, start=1):
        text = c.chunk.text
        roles = c.chunk.roles or passage_roles(text, opens_document=c.chunk.ordinal == 0)
        for (a, b), role in zip(answer_sentences(text), roles, strict=False):
            parts.append(ScoredSentence(i, text[a:b], 0.0, role=cast(Role, role), span=(a, b)))
    named = named_heading(question, parts, len(stored))
    if named is None:
        return citations, sentences
    section = stored[named.citation - 1]
    hit = Hit(section.chunk, section.row_id, first.score, script=section.script)
    return _regrown(cite, section_from(store, hit), citations, sentences, first, hit.chunk.id)


def section_from(store: IndexStore, hit: Hit) -> list[Hit]:
    """The chunk of ``hit`` (where a heading stands), the one before it, and the chunks after
    it until they hold SECTION_CHARS characters: what a description answer may quote from the
    heading on, however short the document's chunks (a hard-wrapped notice's chunks may hold
    one item each)."""
    at = hit.chunk.ordinal
    rows = store.rows_at((hit.chunk.doc_id, o) for o in range(max(at - 1, 0), at + MAX_CHUNKS_ON))
    stored = sorted(store.chunks(list(rows.values())), key=lambda c: c.chunk.ordinal)
    out = [hit]
    length = len(hit.chunk.text)
    for c in stored:
        if c.chunk.ordinal == at or (c.chunk.ordinal > at and length >= SECTION_CHARS):
            continue
        if c.chunk.ordinal > at:
            length += len(c.chunk.text)
        out.append(Hit(c.chunk, c.row_id, hit.score, script=c.script))
    return out


def _regrown(
    cite: Cite,
    wide: list[Hit],
    citations: list[Citation],
    sentences: list[ScoredSentence],
    passage: Citation,
    at: str | None = None,
) -> Cited:
    """``passage`` made of the chunks of ``wide``, in its place, with its sentences read
    again: the run of adjoining chunks that holds chunk ``at`` (the first of ``wide`` by
    default)."""
    if set(passage.chunk_ids) == {h.chunk.id for h in wide}:
        return citations, sentences
    key = at or wide[0].chunk.id
    # in the document's order, so that chunks which adjoin make one passage whichever was
    # found first (``qa/cite.merge_hits`` joins a chunk to a passage it touches)
    cited, said = cite(sorted(wide, key=lambda h: h.chunk.ordinal))
    home = next((c for c in cited if key in c.chunk_ids), None)
    if home is None:
        return citations, sentences
    grown = replace(
        passage, text=home.text, char_start=home.char_start, char_end=home.char_end,
        page=home.page, chunk_ids=home.chunk_ids, highlight=home.highlight, roles=home.roles,
    )  # fmt: skip
    n = passage.n
    read = [replace(s, citation=n) for s in said if s.citation == home.n]
    kept = [s for s in sentences if s.citation != n]
    out = [grown if c.n == n else c for c in citations]
    return out, sorted([*read, *kept], key=lambda s: s.citation)
