"""From ranked chunks to citable passages: merge neighbouring chunks of one document, attach
the document's title, source, section and page, put the text in the reader's script and mark
the sentence that best matches the question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.chunking import sentence_spans
from index.documents import Chunk
from index.embedder import Embedder
from index.lexical import tokenize
from index.normalise import detect_script, search_form, to_simplified, to_traditional
from index.store import DocumentRecord, Store
from qa.query import Query
from qa.retrieve import Hit, SignalScore


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


def in_script(text: str, query: Query) -> str:
    """Quote in the question's script. Text already in that script is left exactly as it is,
    and so is everything when the question has no Chinese."""
    if query.script == "none" or detect_script(text) in (query.script, "none"):
        return text
    return to_traditional(text) if query.script == "traditional" else to_simplified(text)


class SentenceScorer:
    """Scores sentences against a question: the share of the question's characters and
    bigrams they contain (Chinese questions) plus the cosine similarity of a sentence
    embedder (any language)."""

    def __init__(self, embedder: Embedder | None) -> None:
        self.embedder = embedder

    def score(self, query: Query, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.empty(0, dtype=np.float32)
        scores = np.zeros(len(sentences), dtype=np.float32)
        if query.language == "zh":
            wanted = set(tokenize(query.search_text))
            if wanted:
                scores += np.array(
                    [len(wanted & set(tokenize(search_form(s)))) / len(wanted) for s in sentences],
                    dtype=np.float32,
                )
        if self.embedder is not None:
            vectors = self.embedder.embed([query.text, *sentences], "query")
            scores += vectors[1:] @ vectors[0]
        return scores


@dataclass(frozen=True)
class ScoredSentence:
    citation: int  # the citation's number, n
    text: str
    score: float


def cite(
    query: Query, hits: Sequence[Hit], store: Store, scorer: SentenceScorer
) -> tuple[list[Citation], list[ScoredSentence]]:
    """Citations for the hits (merged, numbered from 1) and every sentence of them, scored."""
    docs: dict[str, DocumentRecord] = {
        d.id: d for d in store.documents(sorted({h.chunk.doc_id for h in hits}))
    }
    # a document deleted since the hits were ranked (a write racing this read) is left out
    passages = [p for p in merge_hits(hits) if p.doc_id in docs]
    texts, spans_of = [], []
    for p in passages:
        text = in_script(passage_text(p.chunks, docs[p.doc_id].text), query)
        texts.append(text)
        spans_of.append(sentence_spans(text, max_len=len(text)))
    flat = [(i, span) for i, spans in enumerate(spans_of) for span in spans]
    scores = scorer.score(query, [texts[i][a:b] for i, (a, b) in flat])
    best: dict[int, tuple[float, tuple[int, int]]] = {}
    sentences = []
    for (i, span), score in zip(flat, scores, strict=True):
        sentences.append(ScoredSentence(i + 1, texts[i][span[0] : span[1]], float(score)))
        if i not in best or score > best[i][0]:
            best[i] = (float(score), span)
    citations = []
    for i, p in enumerate(passages):
        doc = docs[p.doc_id]
        citations.append(
            Citation(
                n=i + 1,
                doc_id=p.doc_id,
                title=in_script(doc.title, query),
                source=doc.source,
                section=in_script(p.hit.chunk.section, query) if p.hit.chunk.section else None,
                page=p.chunks[0].page,
                char_start=p.chunks[0].char_start,
                char_end=max(c.char_end for c in p.chunks),
                text=texts[i],
                highlight=best[i][1] if i in best else None,
                score=p.hit.score,
                signals=p.hit.signals,
                chunk_ids=tuple(c.id for c in p.chunks),
            )
        )
    return citations, sentences
