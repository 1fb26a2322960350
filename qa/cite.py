"""From ranked chunks to citable passages: merge neighbouring chunks of one document, attach
the document's title, source, section and page, put the text in the reader's script and mark
the sentence that best matches the question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.documents import Chunk, DocumentRecord
from index.folder import IndexStore
from index.normalise import Script, detect_script, search_form, to_simplified, to_traditional
from index.roles import Role, answer_sentences, in_context, passage_roles, role_of
from index.sentence_vectors import read_stored
from qa.features import QuestionTerms
from qa.query import Query
from qa.rerank import Rescored
from qa.retrieve import Hit, SignalScore
from qa.sentences import Sentence, SentenceScorer


@dataclass(frozen=True)
class Elsewhere:
    """Where else a cited passage stands: a document and the span in it."""

    doc_id: str
    source: str
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Citation:
    """A passage as the user sees it, with everything needed to check it in the source.

    ``char_start``/``char_end`` delimit the passage in the original document text (as loaded
    from the file); ``text`` is that span with its artefacts repaired, in the script of the
    question; ``highlight`` is the span of the best-matching sentence within ``text``."""

    n: int
    doc_id: str
    title: str
    source: str
    section: str | None
    page: int | None
    char_start: int
    char_end: int
    text: str
    highlight: tuple[int, int] | None
    score: float
    signals: dict[str, SignalScore] = field(default_factory=dict)
    chunk_ids: tuple[str, ...] = ()
    rescored: Rescored | None = None  # the second stage's view of its best chunk
    reader: float | None = None  # the reader's logit that the passage answers (qa/reader.py)
    reader_part: float = 0.0  # what that logit added to ``score`` (its weight times it)
    also_in: tuple[Elsewhere, ...] = ()  # where else the same text stands (qa/repeats.py)
    # the ask of a question of several that this passage was searched for (qa/ask_passages.py)
    for_ask: str | None = None
    # the sentences of ``text`` that are not body text: (start, end, role), index/roles.py
    roles: tuple[tuple[int, int, Role], ...] = ()


@dataclass(frozen=True)
class SearchResult:
    """``query``: what was searched; ``question``: what was asked, when a follow-up was
    rewritten into the query (None when the two are the same)."""

    query: Query
    citations: list[Citation]
    question: str | None = None

    @property
    def asked(self) -> str:
        return self.query.text if self.question is None else self.question


@dataclass
class _Passage:
    doc_id: str
    chunks: list[Chunk]
    hit: Hit  # the best-scoring hit of the passage

    def touches(self, chunk: Chunk) -> bool:
        return any(
            abs(c.ordinal - chunk.ordinal) <= 1
            or (c.char_start < chunk.char_end and chunk.char_start < c.char_end)
            for c in self.chunks
        )


def merge_hits(hits: Sequence[Hit]) -> list[_Passage]:
    """Group hits into passages: a chunk that overlaps or adjoins a better-ranked chunk of the
    same document joins its passage instead of being shown again."""
    passages: list[_Passage] = []
    for hit in hits:
        home = next(
            (p for p in passages if p.doc_id == hit.chunk.doc_id and p.touches(hit.chunk)), None
        )
        if home is None:
            passages.append(_Passage(hit.chunk.doc_id, [hit.chunk], hit))
        elif all(c.id != hit.chunk.id for c in home.chunks):
            home.chunks.append(hit.chunk)
            home.chunks.sort(key=lambda c: c.ordinal)
    return passages


def passage_text(chunks: Sequence[Chunk], original: str) -> str:
    """The chunks' texts joined in order: an overlap is not repeated, and chunks that stood on
    separate lines in the original stay on separate lines."""
    text = chunks[0].text
    for before, chunk in zip(chunks, chunks[1:], strict=False):
        if chunk.char_start < before.char_end:
            shared = next(
                (
                    n
                    for n in range(min(len(text), len(chunk.text)), 0, -1)
                    if text.endswith(chunk.text[:n])
                ),
                0,
            )
            text += chunk.text[shared:]
        else:
            gap = original[before.char_end : chunk.char_start]
            text += ("\n" if "\n" in gap else "") + chunk.text
    return text


def in_script(text: str, query: Query, written: Script | None = None) -> str:
    """Quote in the question's script. Text already in that script is left exactly as it is,
    and so is everything when the question has no Chinese. ``written``: the script ingest
    recorded for the best chunk of the passage this text is (or is the title or heading of),
    which saves detecting it; a chunk of characters both scripts share ("none") says nothing
    of the rest, so then the text is read."""
    if query.script == "none":
        return text
    if written not in ("traditional", "simplified"):
        written = detect_script(text)
    if written in (query.script, "none"):
        return text
    return to_traditional(text) if query.script == "traditional" else to_simplified(text)


@dataclass(frozen=True)
class ScoredSentence:
    citation: int  # the citation's number, n
    text: str
    score: float  # the probability that it holds the answer (qa/sentences.py)
    features: tuple[float, ...] = ()
    role: Role = "body"  # what the sentence is in its document (index/roles.py)
    span: tuple[int, int] = (0, 0)  # where it stands in its citation's text


def sentence_roles(chunks: Sequence[Chunk], sentences: Sequence[str]) -> list[Role]:
    """The role of each sentence of a passage made of ``chunks``: as ingest recorded it for
    the chunk's sentence of the same text (in either script), else found now."""
    if len(chunks) == 1 and chunks[0].roles is not None and len(chunks[0].roles) == len(sentences):
        return list(chunks[0].roles)  # type: ignore[arg-type]  # a passage of one chunk, as stored
    known: dict[str, Role] = {}
    for c in chunks:
        spans = answer_sentences(c.text)
        roles = c.roles
        if roles is None or len(roles) != len(spans):  # not recorded, or by an older rule
            roles = passage_roles(c.text, opens_document=c.ordinal == 0)
        for (a, b), role in zip(spans, roles, strict=True):
            known.setdefault(search_form(c.text[a:b]), role)  # type: ignore[arg-type]
    opens = chunks[0].ordinal == 0
    return [
        known.get(search_form(text)) or role_of(text, first=opens and j == 0)
        for j, text in enumerate(sentences)
    ]


def cite(
    query: Query,
    hits: Sequence[Hit],
    store: IndexStore,
    scorer: SentenceScorer,
    terms: QuestionTerms,
    question_vector: np.ndarray | None = None,
    sentence_dimension: int | None = None,
) -> tuple[list[Citation], list[ScoredSentence]]:
    """Citations for the hits (merged, numbered from 1) and every sentence of them, scored
    (``question_vector``: the question's vector from the scorer's embedder, if already made;
    ``sentence_dimension``: set when the store's sentence vectors are of the scorer's model)."""
    docs: dict[str, DocumentRecord] = {
        d.id: d for d in store.documents(sorted({h.chunk.doc_id for h in hits}))
    }
    # a document deleted since the hits were ranked (a write racing this read) is left out
    passages = [p for p in merge_hits(hits) if p.doc_id in docs]
    texts, spans_of = [], []
    for p in passages:
        text = in_script(passage_text(p.chunks, docs[p.doc_id].text), query, p.hit.script)
        texts.append(text)
        spans_of.append(answer_sentences(text))  # the rule ingest stored vectors by
    flat = [(i, j, span) for i, spans in enumerate(spans_of) for j, span in enumerate(spans)]
    forms = [search_form(t) for t in texts]  # one conversion a passage, sliced per sentence
    stored = {}
    if sentence_dimension:
        stored = read_stored(
            store, [c.text for p in passages for c in p.chunks], sentence_dimension
        )
    rows, scores = scorer.score(
        query,
        terms,
        [
            Sentence(
                i + 1,
                texts[i][a:b],
                j == 0,
                forms[i][a:b] if len(forms[i]) == len(texts[i]) else "",
            )  # fmt: skip
            for i, j, (a, b) in flat
        ],
        [p.hit.score for p in passages],
        question_vector,
        stored,
    )
    roles = []
    for i, p in enumerate(passages):
        said = sentence_roles(p.chunks, [texts[i][a:b] for a, b in spans_of[i]])
        # read again with their neighbours, which the passage may have joined across chunks
        roles.append(in_context(texts[i], spans_of[i], said))
    best: dict[int, tuple[float, tuple[int, int]]] = {}
    sentences = []
    for (i, j, span), score, row in zip(flat, scores, rows, strict=True):
        text = texts[i][span[0] : span[1]]
        sentences.append(
            ScoredSentence(i + 1, text, float(score), tuple(row.tolist()), roles[i][j], span)
        )
        if i not in best or score > best[i][0]:
            best[i] = (float(score), span)
    citations = []
    for i, p in enumerate(passages):
        doc = docs[p.doc_id]
        citations.append(
            Citation(
                n=i + 1,
                doc_id=p.doc_id,
                title=in_script(doc.title, query, p.hit.script),
                source=doc.shown,
                section=(
                    in_script(p.hit.chunk.section, query, p.hit.script)
                    if p.hit.chunk.section
                    else None
                ),
                page=p.chunks[0].page,
                char_start=p.chunks[0].char_start,
                char_end=max(c.char_end for c in p.chunks),
                text=texts[i],
                highlight=best[i][1] if i in best else None,
                score=p.hit.score,
                signals=p.hit.signals,
                chunk_ids=tuple(c.id for c in p.chunks),
                rescored=p.hit.rescored,
                roles=tuple(
                    (a, b, role)
                    for (a, b), role in zip(spans_of[i], roles[i], strict=True)
                    if role != "body"
                ),
            )
        )
    return citations, sentences
