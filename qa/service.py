"""The read path as one object: open an index with its models once, then search and ask.
The CLI, the batch runner and the HTTP service all call this."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.embedder import Embedder, SentenceTransformerEmbedder, UseEmbedder
from index.errors import InvalidInput
from index.folder import Snapshot, open_snapshot
from qa.answer import ABSTAIN_BELOW, Answer, compose_answer
from qa.cite import Citation, SentenceScorer, cite
from qa.query import MAX_QUESTION_CHARS, Query, parse_query
from qa.retrieve import Retriever, check_k

DEFAULT_K = 5


@dataclass(frozen=True)
class SearchResult:
    query: Query
    citations: list[Citation]


class QAService:
    def __init__(
        self,
        snapshot: Snapshot,
        embedder: Embedder,
        cross: Embedder | None = None,
        sentence_embedder: Embedder | None = None,
        *,
        max_question_chars: int = MAX_QUESTION_CHARS,
        abstain_below: dict[str, float] | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.abstain_below = dict(ABSTAIN_BELOW if abstain_below is None else abstain_below)
        self.retriever = Retriever(snapshot, embedder, cross)
        self.scorer = SentenceScorer(sentence_embedder)
        self.max_question_chars = max_question_chars

    def parse(self, question: str) -> Query:
        return parse_query(question, max_chars=self.max_question_chars)

    def search(
        self, question: str, k: int = DEFAULT_K, *, doc_ids: set[str] | None = None
    ) -> SearchResult:
        query = self.parse(question)
        hits = self.retriever.search(query, check_k(k), doc_ids=doc_ids)
        citations, _ = cite(query, hits, self.snapshot.store, self.scorer)
        return SearchResult(query, citations)

    def ask(self, question: str, k: int = DEFAULT_K) -> Answer:
        result = self.ask_many([question], k)[0]
        if isinstance(result, InvalidInput):
            raise result
        return result

    def ask_many(self, questions: Sequence[str], k: int = DEFAULT_K) -> list[Answer | InvalidInput]:
        """Answer many questions, embedding them in batches; a bad question gets its error in
        its place instead of stopping the rest."""
        check_k(k)
        parsed: list[Query | InvalidInput] = []
        for q in questions:
            try:
                parsed.append(self.parse(q))
            except InvalidInput as exc:
                parsed.append(exc)
        good = [q for q in parsed if isinstance(q, Query)]
        signals = iter(self.retriever.signals(good))
        out: list[Answer | InvalidInput] = []
        for item in parsed:
            if isinstance(item, InvalidInput):
                out.append(item)
                continue
            hits = self.retriever.rank(next(signals), k)
            citations, sentences = cite(item, hits, self.snapshot.store, self.scorer)
            out.append(compose_answer(item, citations, sentences, self.abstain_below))
        return out

    def close(self) -> None:
        self.snapshot.close()


def open_service(
    folder: Path, *, model: str | None = None, model_dir: Path | None = None,
    threads: int | None = None, batch_size: int = 32, max_question_chars: int = MAX_QUESTION_CHARS,
) -> QAService:  # fmt: skip
    """Open the index at ``folder`` with the models it was built with (``model`` may name the
    same model by another path; a different model is refused with what to run)."""
    snapshot = open_snapshot(folder, model=model)
    embedder = SentenceTransformerEmbedder(
        model or snapshot.manifest.model,
        model_dir=model_dir,
        batch_size=batch_size,
        threads=threads,
    )
    use = UseEmbedder(threads=threads)
    cross = use if snapshot.manifest.cross_model == use.name else None
    return QAService(snapshot, embedder, cross, use, max_question_chars=max_question_chars)
