"""The short extractive answer: the best one to three sentences of the top passages, each
followed by the [n] of the passage it came from — or, when the evidence is weak, a plain
statement that nothing in the documents answers the question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.clean import is_heading_line
from index.normalise import search_form
from qa.cite import Citation, ScoredSentence
from qa.query import Query

# The best passage's cosine similarity (e5, question vs passage) below which citeqa says it has
# no answer, per question language. Set just under the 1st percentile of that score for
# questions whose answer is in the index (DRCD, CMRC, XQuAD; scripts/eval.py, results/eval.md,
# which also gives the share of questions from another corpus that are still answered).
ABSTAIN_BELOW: dict[str, float] = {"zh": 0.85, "en": 0.73}

MAX_SENTENCES = 3
MAX_ANSWER_CHARS = 300
SECOND_SENTENCE_RATIO = 0.9  # a further sentence joins only if it scores this close to the best
ANSWER_FROM_TOP = 3  # sentences come from the first this many passages

NO_ANSWER = {
    "simplified": "文档中没有找到能回答这个问题的内容。",
    "traditional": "文件中沒有找到能回答這個問題的內容。",
    "none": "Nothing in the documents answers this question.",
}


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: list[Citation]
    abstained: bool
    evidence: float  # the best passage's dense similarity, compared with ABSTAIN_BELOW
    language: str
    script: str


def evidence_of(citations: Sequence[Citation]) -> float:
    """The highest dense similarity among the cited passages (0 when nothing was found)."""
    return max((c.signals["dense"].score for c in citations if "dense" in c.signals), default=0.0)


def compose_answer(
    query: Query,
    citations: list[Citation],
    sentences: Sequence[ScoredSentence],
    thresholds: dict[str, float] | None = None,
) -> Answer:
    """Pick the answer sentences, or abstain when the best evidence is under the threshold."""
    limits = thresholds if thresholds is not None else ABSTAIN_BELOW
    evidence = evidence_of(citations)
    if not citations or evidence < limits.get(query.language, 0.0):
        return Answer(
            query.text,
            NO_ANSWER[query.script],
            citations,
            True,
            evidence,
            query.language,
            query.script,
        )
    pool = sorted(
        (s for s in sentences if s.citation <= ANSWER_FROM_TOP and s.text.strip()),
        key=lambda s: -s.score,
    )
    chosen: list[ScoredSentence] = []
    length = 0
    for s in pool:
        if chosen and (
            s.score < SECOND_SENTENCE_RATIO * chosen[0].score or len(chosen) == MAX_SENTENCES
        ):
            break
        if chosen and length + len(s.text) > MAX_ANSWER_CHARS:
            continue
        if not _is_statement(s.text) or any(_same(s.text, c.text) for c in chosen):
            continue
        chosen.append(s)
        length += len(s.text)
    if not chosen:  # no sentence in the top passages reads as a statement: quote the best one
        chosen = pool[:1]
    joiner = " " if query.script == "none" else ""
    text = joiner.join(f"{s.text}[{s.citation}]" for s in chosen)
    return Answer(query.text, text, citations, False, evidence, query.language, query.script)


_SENTENCE_END = tuple("。！？!?；;….")


def _is_statement(text: str) -> bool:
    """A sentence rather than a heading or title line: it ends like a sentence, or is long."""
    if is_heading_line(text):
        return False
    stripped = text.rstrip("”’」』）)\"' ")
    return stripped.endswith(_SENTENCE_END) or len(text) > 60


def _same(a: str, b: str) -> bool:
    """The same sentence, whatever its script (a report may be indexed in both)."""
    fa, fb = search_form(a), search_form(b)
    return fa in fb or fb in fa
