"""Retrieval and answer evaluation against gold questions.

A gold file has one JSON object a line: ``{"question": ..., "positive_ids": [...]}`` and/or
``"answers": [...]`` (``"answers_zh"`` and other ``answers_*`` lists count too). A positive id names a document by its file name without extension (the
evaluation scripts write one file per corpus entry, named by its id). Every method is scored
from the same per-question signals, so the table compares like with like.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.errors import InvalidInput
from qa.fusion import Signal, fuse, rrf, top_k
from qa.query import Query, parse_query
from qa.retrieve import QuerySignals
from qa.service import QAService

KS = (1, 5, 10)
Method = Callable[[QuerySignals], np.ndarray]


@dataclass(frozen=True)
class GoldQuery:
    line: int
    question: str
    positive_ids: frozenset[str]
    answers: tuple[str, ...]


@dataclass
class MethodScores:
    hits_at: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    reciprocal_rank: float = 0.0
    count: int = 0

    def add(self, ranked_docs: Sequence[str], gold: frozenset[str]) -> None:
        self.count += 1
        for k in KS:
            self.hits_at[k] += any(d in gold for d in ranked_docs[:k])
        self.reciprocal_rank += next(
            (1 / (i + 1) for i, d in enumerate(ranked_docs[:10]) if d in gold), 0.0
        )

    def row(self) -> dict[str, float]:
        n = max(self.count, 1)
        return {**{f"R@{k}": self.hits_at[k] / n for k in KS}, "MRR@10": self.reciprocal_rank / n}


@dataclass
class EvalReport:
    questions: int
    methods: dict[str, dict[str, float]]
    answer_hit_rate: float | None  # answered, and the answer text holds a gold answer
    answers_checked: int
    confidence: list[float]  # each answered question's confidence (qa/confidence.py)
    answered: float | None  # share of questions answered rather than abstained on
    skipped: list[tuple[int, str]]


SECOND_STAGE = "second stage (default)"


def read_gold(path: Path) -> tuple[list[GoldQuery], list[tuple[int, str]]]:
    """Gold questions, and (line, reason) for every line that could not be used."""
    gold, bad = [], []
    with path.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                question = row["question"]
                positives = frozenset(str(p) for p in row.get("positive_ids", []))
                # "answers" and per-language variants ("answers_zh" for an English question
                # over Chinese text): an answer quoted from the documents may match any of them
                answers = tuple(
                    str(a) for key, v in row.items() if key.startswith("answers") for a in v
                )
                if not isinstance(question, str) or not (positives or answers):
                    raise ValueError("needs a text question and positive_ids or answers")
            except (ValueError, KeyError, TypeError) as exc:
                bad.append((n, f"{type(exc).__name__}: {exc}"))
                continue
            gold.append(GoldQuery(n, question, positives, answers))
    return gold, bad


def standard_methods(service: QAService) -> dict[str, Method]:
    """BM25, each embedder alone, the usual fusions and the language-adaptive default."""
    defaults = service.retriever.weights
    methods: dict[str, Method] = {
        "bm25": lambda s: s.scores["lexical"],
        "dense (e5)": lambda s: s.scores["dense"],
        "rrf(bm25, e5)": lambda s: rrf(s.scores, ("lexical", "dense")),
        "z(0.5 bm25 + e5)": lambda s: fuse(s.scores, {"lexical": 0.5, "dense": 1.0}),
    }
    if service.retriever.cross is not None:
        methods["dense (use)"] = lambda s: s.scores["cross"]
        methods["z(e5 + use)"] = lambda s: fuse(s.scores, {"dense": 1.0, "cross": 1.0})
    methods["default (by language)"] = lambda s: fuse(s.scores, defaults[s.query.language])
    return methods


def weights_method(weights: Mapping[Signal, float]) -> Method:
    return lambda s: fuse(s.scores, weights)


def evaluate(
    service: QAService,
    gold: Sequence[GoldQuery],
    *,
    methods: Mapping[str, Method] | None = None,
    answers: int | None = None,
    withhold_own: bool = False,
    batch: int = 64,
    progress: Callable[[int], None] | None = None,
) -> EvalReport:
    """Score every first-stage method and the second stage (what citeqa serves) on every gold
    question, and answer the first ``answers`` (all by default): whether the answer holds a
    gold answer, its confidence, and whether it was given at all.

    With ``withhold_own``, each question is asked without its own documents (its
    ``positive_ids``): an on-topic question the index cannot answer (``evalsets.on_topic``
    picks such questions). Then only its confidence and whether it was answered are kept."""
    methods = standard_methods(service) if methods is None else methods
    if withhold_own:
        methods = {}
    key_of_doc = {d.id: Path(d.source).stem for d in service.snapshot.store.documents()}
    doc_of: np.ndarray | None = None  # by position: for the methods, which score every chunk
    scores = {name: MethodScores() for name in [*methods, SECOND_STAGE]}
    confidences: list[float] = []
    answer_hits = answers_checked = answered = 0
    skipped: list[tuple[int, str]] = []
    skipped_methods: set[str] = set()
    for start in range(0, len(gold), batch):
        part = gold[start : start + batch]
        queries: list[tuple[GoldQuery, Query]] = []
        for g in part:
            try:
                queries.append((g, parse_query(g.question, max_chars=service.max_question_chars)))
            except InvalidInput as exc:
                skipped.append((g.line, str(exc)))
        signals = service.retriever.signals([q for _, q in queries])
        for (g, _), sig in zip(queries, signals, strict=True):
            # the first-stage methods need every chunk's scores: a big index has candidates'
            if sig.positions is not None:
                skipped_methods.update(methods)
            elif methods and doc_of is None:
                doc_of = _doc_keys(service, key_of_doc)
            for name, method in methods.items() if sig.positions is None else ():
                assert doc_of is not None
                scores[name].add(_ranked_docs(method(sig), doc_of), g.positive_ids)
            if withhold_own:
                others = {d for d, key in key_of_doc.items() if key not in g.positive_ids}
                answer = service.compose(sig.query, *service.passages(sig, 5, doc_ids=others))
                confidences.append(answer.confidence)
                answered += not answer.abstained
                continue
            # what citeqa serves: its first passages in their final order, then the second
            # stage's ranking beyond them
            citations, sentences = service.passages(sig, 5)
            ranking = service.retriever.ranking(sig, 200)
            served = [c.doc_id for c in citations] + [c.chunk.doc_id for c in ranking.chunks]
            scores[SECOND_STAGE].add(_docs_in_order(key_of_doc[d] for d in served), g.positive_ids)
            if answers is not None and len(confidences) >= answers:
                continue
            answer = service.compose(sig.query, citations, sentences)
            confidences.append(answer.confidence)
            answered += not answer.abstained
            if g.answers:
                answers_checked += 1
                answer_hits += not answer.abstained and any(a in answer.text for a in g.answers)
        if progress:
            progress(len(part))
    return EvalReport(
        questions=scores[SECOND_STAGE].count,
        methods={
            name: s.row()
            for name, s in scores.items()
            if name not in skipped_methods and not withhold_own
        },
        answer_hit_rate=answer_hits / answers_checked if answers_checked else None,
        answers_checked=answers_checked,
        confidence=confidences,
        answered=answered / len(confidences) if confidences else None,
        skipped=skipped,
    )


def _doc_keys(service: QAService, key_of_doc: Mapping[str, str]) -> np.ndarray:
    """The document key (source file stem) of each chunk position of the retriever."""
    rows = service.retriever.row_ids.tolist()
    chunks = service.snapshot.store.chunks(rows)
    doc_of_row = {c.row_id: key_of_doc[c.chunk.doc_id] for c in chunks}
    return np.array([doc_of_row[r] for r in rows], dtype=object)


def _ranked_docs(scores: np.ndarray, doc_of: np.ndarray, depth: int = 10) -> list[str]:
    """Documents in order of their best chunk, the first ``depth`` of them."""
    return _docs_in_order(doc_of[top_k(scores, min(len(scores), depth * 20))], depth)


def _docs_in_order(docs: Iterable[str], depth: int = 10) -> list[str]:
    ranked: list[str] = []
    for doc in docs:
        if doc not in ranked:
            ranked.append(doc)
            if len(ranked) == depth:
                break
    return ranked


def table(reports: Iterable[tuple[str, EvalReport]]) -> str:
    """A markdown table: one row per method, one column group per evaluation set."""
    reports = list(reports)
    names = list(reports[0][1].methods) if reports else []
    head = (
        "| method | "
        + " | ".join(f"{label} R@1 / R@5 / R@10 / MRR@10" for label, _ in reports)
        + " |"
    )
    lines = [head, "|---" * (len(reports) + 1) + "|"]
    for name in names:
        cells = []
        for _, r in reports:
            m = r.methods.get(name)
            cells.append(
                f"{m['R@1']:.3f} / {m['R@5']:.3f} / {m['R@10']:.3f} / {m['MRR@10']:.3f}"
                if m
                else "—"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
