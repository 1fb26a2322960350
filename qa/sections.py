"""A description question's passages read wider: the enumeration that answers a how or
what-measures question runs on past the chunk that matched (chunks hold ~200 characters), and
in a long notice the section whose heading the question names may rank below the title and
preamble that share its words.

``read_sections`` reads the first passage with its neighbouring chunks
(``qa/describe.with_neighbours``); then a later passage that holds the heading the question
names (``qa/headings.named_heading``), since it may end at that heading; or, when none of the
first passages holds one, the first passage's document within SECTION_REACH chunks, whose
named section, read with its neighbours, becomes that passage. A passage keeps its number,
score and document, so the order settled before does not move."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from index.folder import IndexStore
from index.roles import Role, answer_sentences, passage_roles
from qa.answer import ANSWER_FROM_TOP
from qa.cite import Citation, ScoredSentence
from qa.describe import with_neighbours
from qa.headings import named_heading
from qa.retrieve import Hit

# chunks either side of a description question's first passage searched for the heading it
# names (about 8,000 characters each way: a notice whole, a report's neighbouring sections)
SECTION_REACH = 40

Cited = tuple[list[Citation], list[ScoredSentence]]
Cite = Callable[[list[Hit]], Cited]  # citations and scored sentences for hits


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
    named = named_heading(question, sentences, ANSWER_FROM_TOP)
    if named is None:
        return to_named_section(store, cite, question, hits, citations, sentences)
    if named.citation != 1:
        return widen(store, cite, hits, citations, sentences, named.citation)
    return citations, sentences


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
    return _regrown(store, cite, own, citations, sentences, passage)


def to_named_section(
    store: IndexStore,
    cite: Cite,
    question: str,
    hits: list[Hit],
    citations: list[Citation],
    sentences: list[ScoredSentence],
) -> Cited:
    """The first passage moved, within its document, to the section whose heading
    ``question`` names, read with its neighbouring chunks; as it was when no heading within
    SECTION_REACH chunks of it is named (so a book-length document costs what a notice
    does)."""
    first = citations[0]
    own = [h.chunk.ordinal for h in hits if h.chunk.id in first.chunk_ids]
    if not own:
        return citations, sentences
    reach = range(max(min(own) - SECTION_REACH, 0), max(own) + SECTION_REACH + 1)
    rows = store.rows_at((first.doc_id, o) for o in reach)
    stored = sorted(store.chunks(list(rows.values())), key=lambda c: c.chunk.ordinal)
    headings = []
    for i, c in enumerate(stored, start=1):
        text = c.chunk.text
        roles = c.chunk.roles or passage_roles(text, opens_document=c.chunk.ordinal == 0)
        for (a, b), role in zip(answer_sentences(text), roles, strict=False):
            if role in ("heading", "item"):
                kind: Role = "heading" if role == "heading" else "item"
                headings.append(ScoredSentence(i, text[a:b], 0.0, role=kind, span=(a, b)))
    named = named_heading(question, headings, len(stored))
    if named is None:
        return citations, sentences
    section = stored[named.citation - 1]
    hit = Hit(section.chunk, section.row_id, first.score, script=section.script)
    return _regrown(store, cite, [hit], citations, sentences, first)


def _regrown(
    store: IndexStore,
    cite: Cite,
    own: list[Hit],
    citations: list[Citation],
    sentences: list[ScoredSentence],
    passage: Citation,
) -> Cited:
    """``passage`` made of the chunks of ``own`` and their neighbours, in its place, with its
    sentences read again."""
    wide = with_neighbours(own, store)
    if set(passage.chunk_ids) == {h.chunk.id for h in wide}:
        return citations, sentences
    cited, said = cite(wide)
    home = next((c for c in cited if own[0].chunk.id in c.chunk_ids), None)
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
