"""The read path as one object: open an index with its models once, then search and ask.
The CLI, the batch runner and the HTTP service all call this."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property, partial
from pathlib import Path

import numpy as np

from index.e5_model import E5_MODEL_NAME
from index.embedder import Embedder, Runtime, UseEmbedder, load_embedder
from index.errors import IndexMismatch, InvalidInput
from index.folder import Snapshot, open_snapshot
from index.sentence_vectors import read_stored
from qa.answer import ANSWER_FROM_TOP, Answer, compose_answer
from qa.ask_passages import asked_reach, for_each_ask
from qa.asks import asks
from qa.cite import Citation, ScoredSentence, SearchResult, cite
from qa.confidence import confidence
from qa.describe import DESCRIBED
from qa.fitted import Fitted, load_fitted
from qa.followup import Resolved, resolve
from qa.headings import items_of_kind
from qa.places import by_place, places_of, with_named_place
from qa.plans import plans_first
from qa.query import MAX_QUESTION_CHARS, Query, parse_query
from qa.reader import Reader, shipped_reader
from qa.reorder import ORDER_DEPTH, by_reader, by_sentences
from qa.repeats import fold_repeats
from qa.reread import reread
from qa.retrieve import MAX_K, Hit, QuerySignals, Retriever, check_k
from qa.sections import read_sections
from qa.sentences import Sentence, SentenceScorer

DEFAULT_K = 5
FOLLOW_UP_TURNS = 4  # earlier questions a follow-up is read against


def _valid(question: str, max_chars: int) -> bool:
    try:
        parse_query(question, max_chars=max_chars)
    except InvalidInput:
        return False
    return True


class QAService:
    """An index snapshot with its models and fitted parameters: what answers questions.
    ``QAService.open`` opens one from an index folder; ``reopened`` and ``open_alike`` give one
    over the index's newer state or another index, with the same models and limits."""

    @classmethod
    def open(
        cls, folder: Path, *, model: str | None = None, model_dir: Path | None = None,
        threads: int | None = None, batch_size: int = 32,
        max_question_chars: int = MAX_QUESTION_CHARS, max_k: int = MAX_K,
        fitted: Fitted | None = None, runtime: Runtime = "auto",
    ) -> QAService:  # fmt: skip
        """Open the index at ``folder`` with the models it was built with (``model`` may name
        the same model by another path; a different model is refused with what to run). The
        models load on the first question, or on ``load()``."""
        snapshot = open_snapshot(folder, model=model)
        try:
            embedder = load_embedder(
                model or snapshot.manifest.model, model_dir=model_dir, batch_size=batch_size,
                threads=threads, runtime=runtime,
            )  # fmt: skip
        except BaseException:
            snapshot.close()
            raise
        use = UseEmbedder(threads=threads)
        cross = use if snapshot.manifest.cross_model == use.name else None
        fitted = fitted or load_fitted()
        # the reader is made from the bundled e5, whatever model the index was built with
        e5_dir = model_dir if (model or snapshot.manifest.model) == E5_MODEL_NAME else None
        reader = shipped_reader(e5_dir, threads=threads) if fitted.reader_depth else None
        return cls(
            snapshot, embedder, cross, use, max_question_chars=max_question_chars, max_k=max_k,
            fitted=fitted, reader=reader,
        )  # fmt: skip

    def __init__(
        self,
        snapshot: Snapshot,
        embedder: Embedder,
        cross: Embedder | None = None,
        sentence_embedder: Embedder | None = None,
        *,
        max_question_chars: int = MAX_QUESTION_CHARS,
        max_k: int = MAX_K,
        answer_at: dict[str, float] | None = None,
        fitted: Fitted | None = None,
        reader: Reader | None = None,
    ) -> None:
        self.snapshot = snapshot
        # reads the first passages with the question (qa/reader.py); None: they are not read
        self.reader = reader
        self.fitted = fitted or load_fitted()
        # the confidence at or above which a question is answered, per language
        self.answer_at = dict(self.fitted.answer_at if answer_at is None else answer_at)
        self.retriever = Retriever(snapshot, embedder, cross, fitted=self.fitted)
        self.scorer = SentenceScorer(sentence_embedder, self.fitted.sentences)
        # the limits of where questions are asked (a server's settings): over them, a
        # question is refused with QuestionTooLong or TooManyPassages
        self.max_question_chars, self.max_k = max_question_chars, max_k

    def parse(self, question: str) -> Query:
        return parse_query(question, max_chars=self.max_question_chars)

    def search(
        self, question: str, k: int = DEFAULT_K, *, doc_ids: set[str] | None = None,
        history: Sequence[str] = (),
    ) -> SearchResult:  # fmt: skip
        """The passages for ``question``; ``history``: the conversation's earlier questions,
        oldest first, which a follow-up such as 那晋城呢？ is read against (qa/followup.py)."""
        resolved = self.follow_up(question, history)
        query = self.parse(resolved.searched)
        signals = self.retriever.signals([query], doc_ids=doc_ids)[0]
        citations, _ = self.passages(signals, self.check_k(k), doc_ids=doc_ids)
        return SearchResult(query, citations, resolved.question if resolved.rewritten else None)

    def ask(self, question: str, k: int = DEFAULT_K, *, history: Sequence[str] = ()) -> Answer:
        """The answer to ``question``, read against the earlier questions of ``history``."""
        resolved = self.follow_up(question, history)
        result = self.ask_many([resolved.searched], k)[0]
        if isinstance(result, InvalidInput):
            raise result
        if resolved.rewritten:
            return replace(result, question=resolved.question, rewritten_as=result.question)
        return result

    def check_k(self, k: int) -> int:
        """``k``, if it is within this service's limit; TooManyPassages when it is over."""
        return check_k(k, self.max_k)

    def limit(self, *, max_question_chars: int, max_k: int) -> None:
        """Take the limits of where questions will be asked (a server's settings)."""
        self.max_question_chars, self.max_k = max_question_chars, max_k

    def follow_up(self, question: str, history: Sequence[str]) -> Resolved:
        """``question`` made searchable from the last few earlier questions that are valid
        questions themselves (a long pasted text in the chat is not a topic to carry)."""
        asked = self.parse(question).text  # a bad question is refused as itself, not its rewrite
        earlier = [q for q in history[-FOLLOW_UP_TURNS:] if _valid(q, self.max_question_chars)]
        resolved = resolve([*earlier, asked])
        if len(resolved.searched) > self.max_question_chars:
            return Resolved(asked, asked)
        return resolved

    def ask_many(self, questions: Sequence[str], k: int = DEFAULT_K) -> list[Answer | InvalidInput]:
        """Answer many questions, embedding them in batches; a bad question gets its error in
        its place instead of stopping the rest."""
        self.check_k(k)
        parsed: list[Query | InvalidInput] = []
        for q in questions:
            try:
                parsed.append(self.parse(q))
            except InvalidInput as exc:
                parsed.append(exc)
        good = [q for q in parsed if isinstance(q, Query)]
        signals = iter(self.retriever.signals(good))
        return [
            item if isinstance(item, InvalidInput) else self.answer(next(signals), k)
            for item in parsed
        ]

    def answer(self, signals: QuerySignals, k: int = DEFAULT_K) -> Answer:
        """The answer to one question whose signals are computed."""
        return self.compose(
            signals.query, *self.passages(signals, k), vector=signals.vectors.get("dense")
        )

    def passages(
        self, signals: QuerySignals, k: int, *, doc_ids: set[str] | None = None
    ) -> tuple[list[Citation], list[ScoredSentence]]:
        """The first ``k`` passages for one question, in the order served: the second stage's,
        then by their answer sentences and the reader (qa/reorder.py), with every sentence
        scored, a passage that repeats one above it folded into it (qa/repeats.py), and for a
        question of several asks, each ask's passage (qa/ask_passages.py). At least
        ORDER_DEPTH chunks are ranked, so that asking for fewer passages gives the first of
        the same order."""
        depth, rank = max(k, ORDER_DEPTH), partial(self.retriever.rank, signals)
        hits = with_named_place(
            signals.query.text, self.places, rank, rank(depth, doc_ids=doc_ids), depth, doc_ids
        )
        citations, sentences = self.read(
            signals.query,
            *by_sentences(
                *self.citations_for(signals, hits),
                self.fitted.sentence_weight.get(signals.query.language, 0.0),
            ),
        )
        citations, sentences = by_place(signals.query.text, citations, sentences)
        citations, sentences = plans_first(signals.query.text, citations, sentences)
        citations, sentences = fold_repeats(citations, sentences)
        query = signals.query
        if query.kind in DESCRIBED or items_of_kind(query.text, sentences, ANSWER_FROM_TOP):
            # a description, or the enumeration of the kind of thing asked for (qa/headings.py)
            citations, sentences = read_sections(
                self.snapshot.store, partial(self.citations_for, signals), signals.query.text,
                hits, citations, sentences,
            )  # fmt: skip
        citations, sentences = for_each_ask(  # each ask's own passage (qa/ask_passages.py)
            citations, sentences, asks(query.text, query.language), self._within,
            partial(self.citations_for, signals), read=ANSWER_FROM_TOP,
        )  # fmt: skip
        if len(citations) <= k:
            return citations, sentences
        return citations[:k], [s for s in sentences if s.citation <= k]

    def _within(self, question: str, doc_id: str) -> list[Hit]:
        """The chunk of document ``doc_id`` that ranks first for ``question``."""
        return self.retriever.search(self.parse(question), 1, doc_ids={doc_id})

    @cached_property
    def places(self) -> dict[str, frozenset[str]]:
        """Each place's documents in this snapshot (``qa/places.py``), read on first use (about
        2 s for 100,000 titles that name a level, once: ``place_of`` keeps what it read)."""
        return places_of(self.snapshot.store)

    def read(
        self, query: Query, citations: list[Citation], sentences: list[ScoredSentence]
    ) -> tuple[list[Citation], list[ScoredSentence]]:
        """The first ``reader_depth`` passages read with the question, each carrying the
        reader's logit, and put in order with it at the language's fitted weight
        (``reorder.by_reader``); as they were when there is no reader, or when the first
        passage scores at or above the language's ``reader_below``."""
        depth, language = self.fitted.reader_depth, query.language
        if self.reader is None or not depth or not citations:
            return citations, sentences
        if citations[0].score >= self.fitted.reader_below.get(language, math.inf):
            return citations, sentences  # the second stage is sure: not worth the reading
        logits = self.reader.score(query.text, [c.text for c in citations[:depth]])
        weight = self.fitted.reader_weight.get(language, 0.0)
        return by_reader(citations, sentences, logits.tolist(), weight)

    def compose(
        self,
        query: Query,
        citations: list[Citation],
        sentences: Sequence[ScoredSentence],
        *,
        vector: np.ndarray | None = None,
    ) -> Answer:
        """The answer, or the abstention, from a question's passages and scored sentences;
        ``vector``: the question's dense vector, if retrieval made it. For a question of
        several asks, each ask's best sentences are read again by the dense model
        (``qa/reread.py``)."""
        conf = confidence(self.fitted.confidence.get(query.language), citations, sentences)
        answer_at = self.answer_at.get(query.language, 0.0)
        parts = asks(query.text, query.language) if conf >= answer_at else []
        scored = self.score_asks(query, citations, sentences, parts)
        if scored:  # each ask's best sentences read again (qa/reread.py)
            embedder = self.retriever.embedder
            if vector is None:
                vector = embedder.embed([query.text], "query")[0]
            scored = reread(
                embedder,
                vector,
                list(zip(parts, scored, strict=True)),
                top=asked_reach(citations, ANSWER_FROM_TOP),
            )
        return compose_answer(
            query,
            citations,
            sentences,
            conf,
            answer_at=answer_at,
            further_at=self.fitted.further_sentence_at,
            asks=scored,
        )

    def score_asks(
        self,
        query: Query,
        citations: list[Citation],
        sentences: Sequence[ScoredSentence],
        parts: Sequence[str] | None = None,
    ) -> list[list[ScoredSentence]]:
        """For each thing a question asks (``parts``, else found by ``qa/asks.py``), the
        sentences of its first passages scored as answers to that alone (a description
        question's block is followed by what its other asks need, ``qa/answer.py``); empty
        when it asks one thing."""
        if parts is None:
            parts = asks(query.text, query.language)
        reach = asked_reach(citations, ANSWER_FROM_TOP)  # with the asks' own passages
        top = [s for s in sentences if s.citation <= reach and s.text.strip()]
        if not parts or not top:
            return []
        by_n = {c.n: c.score for c in citations}
        passage_scores = [by_n.get(n, 0.0) for n in range(1, max(by_n) + 1)]
        opens: dict[int, int] = {}
        for s in top:  # the first sentence of each passage
            opens[s.citation] = min(opens.get(s.citation, s.span[0]), s.span[0])
        read = [Sentence(s.citation, s.text, s.span[0] == opens[s.citation]) for s in top]
        # embedded once for every ask: as ingest stored them where a passage is a stored chunk
        vectors = {}
        if self.scorer.reads_similarity(query.language):
            dimension = self.sentence_dimension()
            chunks = [c.text for c in citations if c.n <= reach]
            stored = read_stored(self.snapshot.store, chunks, dimension) if dimension else {}
            vectors = self.scorer.vectors([s.text for s in top], stored)
        out = []
        for part in parts:
            asked = self.parse(part)
            _, scores = self.scorer.score(
                asked, self.retriever.terms(asked), read, passage_scores, stored=vectors
            )
            out.append([replace(s, score=float(p)) for s, p in zip(top, scores, strict=True)])
        return out

    def sentence_dimension(self) -> int | None:
        """The dimension of the sentence vectors ingest stored, when they are of the sentence
        scorer's model (else None: they cannot be used)."""
        manifest = self.snapshot.manifest
        if self.scorer.embedder is None or self.scorer.embedder.name != manifest.cross_model:
            return None
        return manifest.cross_dimension

    def citations_for(
        self, signals: QuerySignals, hits: list[Hit]
    ) -> tuple[list[Citation], list[ScoredSentence]]:
        """Citations for ranked hits, and their sentences scored as answer sentences."""
        # the sentence scorer's embedder is usually the index's cross-lingual one: reuse the
        # question's vector instead of embedding it again
        reuse = self.scorer.embedder is not None and self.scorer.embedder is self.retriever.cross
        vector = signals.vectors.get("cross") if reuse else None
        return cite(
            signals.query, hits, self.snapshot.store, self.scorer, signals.terms, vector,
            self.sentence_dimension(),
        )  # fmt: skip

    def with_fitted(self, fitted: Fitted) -> QAService:
        """The same index and models with other fitted parameters (for fitting them)."""
        return self._like(self.snapshot, fitted, None)

    def with_reader(self, reader: Reader | None) -> QAService:
        """The same index, models and parameters, reading with ``reader`` (None: not reading)."""
        service = self._like(self.snapshot, self.fitted, self.answer_at)
        service.reader = reader
        return service

    def with_snapshot(self, snapshot: Snapshot) -> QAService:
        """The same models and settings over another snapshot (the index after a write)."""
        return self._like(snapshot, self.fitted, self.answer_at)

    def reopened(self) -> QAService:
        """The same models and settings over the index's state now (after a write);
        IndexMismatch when the index was rebuilt with models other than this service's."""
        snapshot = open_snapshot(self.snapshot.folder)
        was, now = self.snapshot.manifest, snapshot.manifest
        models = ("model", "dimension", "cross_model", "cross_dimension")
        changed = [f for f in models if getattr(was, f) != getattr(now, f)]
        if changed:
            snapshot.close()
            raise IndexMismatch(
                f"the index at {snapshot.folder} was rebuilt with {changed[0]} "
                f"{getattr(now, changed[0])!r} (this service has {getattr(was, changed[0])!r}); "
                "start the service again to serve it"
            )
        return self._over(snapshot)

    def open_alike(self, folder: Path) -> QAService:
        """Another index, built with the same models, opened with this one's models and
        settings (a server's further collections)."""
        return self._over(open_snapshot(folder))

    def _over(self, snapshot: Snapshot) -> QAService:
        """``with_snapshot``, closing the snapshot if the service cannot be made of it."""
        try:
            return self.with_snapshot(snapshot)
        except BaseException:
            snapshot.close()
            raise

    def _like(
        self, snapshot: Snapshot, fitted: Fitted, answer_at: dict[str, float] | None
    ) -> QAService:
        return QAService(
            snapshot, self.retriever.embedder, self.retriever.cross, self.scorer.embedder,
            max_question_chars=self.max_question_chars, max_k=self.max_k, answer_at=answer_at,
            fitted=fitted, reader=self.reader,
        )  # fmt: skip

    def load(self) -> None:
        """Load the models now rather than on the first question (a server's warm-up)."""
        models = (self.retriever.embedder, self.retriever.cross, self.scorer.embedder, self.reader)
        for model in {id(m): m for m in models if m is not None}.values():
            load = getattr(model, "load", None)
            if load is not None:
                load()

    def close(self) -> None:
        self.snapshot.close()
