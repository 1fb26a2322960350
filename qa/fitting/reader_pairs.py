"""What the reader is trained on: for each fitting question, one passage that answers it and
hard ones that do not, mined by citeqa's own first and second stage (``scripts/fit_reader.py``).

A group is a question with a positive passage — the best-ranked chunk of a gold document that
holds a gold answer — and negatives drawn from the rest of its top ``depth`` chunks: other
documents' chunks and the gold document's chunks without the answer. In a share of the groups
some negatives come from another collection: the question asked of an index that cannot
answer it, so that the reader learns what "no answer here" looks like, which is what the
decision to withhold needs. English coverage is widened by self-supervised groups: a sentence
of an English XQuAD paragraph (fitting articles only) asking for the Chinese paragraph it was
translated into. Only fitting parts are read; never the sample corpus.

A third of the fitting questions (``trains_reader`` false, by a hash of the question) are kept
out of training: what is fitted on the reader's scores (its weight in the passages' order, the
confidence) is fitted on those, whose scores are what a new question gets."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.evaluate import GoldQuery
from qa.fitting.fit import Asked, ask_all
from qa.service import QAService


@dataclass(frozen=True)
class Group:
    """A question, its positive passage first, then its negatives; ``kind`` names where it
    came from (``zh``, ``en``, ``en_sentence``); ``foreign`` counts negatives of another
    collection."""

    question: str
    texts: tuple[str, ...]
    kind: str
    foreign: int = 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: Mapping[str, object]) -> Group:
        texts = row["texts"]
        assert isinstance(texts, list)
        return cls(str(row["question"]), tuple(texts), str(row["kind"]), int(row["foreign"]))  # type: ignore[call-overload]


def trains_reader(question: str) -> bool:
    """Whether the reader is trained on ``question``: two thirds of the questions are, the
    rest stay unseen for the fitting steps that read its scores."""
    digest = hashlib.sha256(question.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 3 != 0


def holds_answer(text: str, gold: GoldQuery) -> bool:
    return any(a and a in text for a in gold.answers)


def mine(
    service: QAService,
    asked: Sequence[Asked],
    keys: Mapping[str, str],
    rng: random.Random,
    *,
    kind: str,
    negatives: int = 7,
    depth: int = 20,
    needs_answer: bool = True,
    fitting: frozenset[str] | None = None,
) -> tuple[list[Group], int]:
    """A group for each answerable question whose positive can be found, and how many were
    left out (no chunk of a gold document holding an answer). With ``needs_answer`` False
    (self-supervised sentences, which have no answer) the best-ranked gold chunk is the
    positive. Negatives come only from the documents of ``fitting`` (keys), when given: the
    held-out documents of the same index are never read in training."""
    groups, skipped = [], 0
    for a in asked:
        hits = service.retriever.rank(a.signals, depth if fitting is None else 3 * depth)
        if fitting is not None:
            hits = [h for h in hits if keys[h.chunk.doc_id] in fitting][:depth]
        gold = [keys[h.chunk.doc_id] in a.gold.positive_ids for h in hits]
        answers = [g and (not needs_answer or holds_answer(h.chunk.text, a.gold))
                   for h, g in zip(hits, gold, strict=True)]  # fmt: skip
        if not any(answers):
            skipped += 1
            continue
        positive = hits[answers.index(True)].chunk.text
        # a gold chunk is a negative only when it is known not to hold the answer
        pool = [h.chunk.text for h, g in zip(hits, gold, strict=True) if not g or needs_answer]
        pool = [t for t in dict.fromkeys(pool) if t != positive and not holds_answer(t, a.gold)]
        if len(pool) < negatives:
            skipped += 1
            continue
        chosen = rng.sample(pool, negatives)
        groups.append(Group(a.gold.question, (positive, *chosen), kind))
    return groups, skipped


def with_foreign(
    groups: Sequence[Group], replacements: Mapping[int, Sequence[str]], count: int = 3
) -> list[Group]:
    """The groups, group i's last ``count`` negatives replaced by ``replacements[i]``: the
    top chunks its question gets from an index that cannot answer it."""
    out = list(groups)
    for i, theirs in replacements.items():
        take = list(theirs[:count])
        if take:
            g = groups[i]
            out[i] = Group(
                g.question, (*g.texts[: len(g.texts) - len(take)], *take), g.kind, len(take)
            )
    return out


def foreign_texts(
    service: QAService,
    questions: Sequence[str],
    keys: Mapping[str, str],
    fitting: frozenset[str],
    top: int = 3,
) -> list[list[str]]:
    """The top chunks of fitting documents (``fitting``: their keys) each question gets from
    ``service``'s index."""
    gold = [GoldQuery(i, q, frozenset(), ()) for i, q in enumerate(questions)]
    asked = {a.gold.line: a for a in ask_all(service, gold, answerable=False)}
    out = []
    for i in range(len(questions)):
        hits = service.retriever.rank(asked[i].signals, 4 * top) if i in asked else []
        out.append([h.chunk.text for h in hits if keys[h.chunk.doc_id] in fitting][:top])
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def english_sentences(
    corpus: Path, fitting: frozenset[str], rng: random.Random, per_paragraph: int = 3
) -> list[GoldQuery]:
    """Sentences of the English paragraphs of fitting articles as questions for the paragraph
    (the Chinese corpus entry of the same id), at most ``per_paragraph`` each, 40 to 300
    characters long."""
    import json

    out: list[GoldQuery] = []
    for line in corpus.open(encoding="utf-8"):
        row = json.loads(line)
        if row["id"] not in fitting:
            continue
        sentences = [s for s in _SENTENCE_END.split(row["text"]) if 40 <= len(s) <= 300]
        for s in rng.sample(sentences, min(per_paragraph, len(sentences))):
            out.append(GoldQuery(len(out), s, frozenset([row["id"]]), ()))
    return out
