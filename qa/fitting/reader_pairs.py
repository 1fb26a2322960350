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

A passage on the question's topic that does not say the answer is the hardest "no": in each
group of an answerable question one negative is the positive itself with the sentences holding
the answer taken out (``with_answer_cut``), so that the reader learns to look for the answer,
not for the topic — what an on-topic question the documents cannot answer needs.

A third of the fitting questions (``trains_reader`` false, by a hash of the question) are kept
out of training: what is fitted on the reader's scores (its weight in the passages' order, the
confidence) is fitted on those, whose scores are what a new question gets."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from index.chunking import sentence_spans
from qa.evaluate import GoldQuery
from qa.fitting.fit import Asked, ask_all
from qa.service import QAService


@dataclass(frozen=True)
class Group:
    """A question, its positive passage first, then its negatives; ``kind`` names where it
    came from (``zh``, ``en``, ``en_sentence``, ``written``); ``foreign`` counts negatives of
    another collection; ``answers`` are the question's gold answers (none for a sentence)."""

    question: str
    texts: tuple[str, ...]
    kind: str
    foreign: int = 0
    answers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: Mapping[str, object]) -> Group:
        texts, answers = row["texts"], row.get("answers", [])
        assert isinstance(texts, list) and isinstance(answers, list)
        return cls(
            str(row["question"]), tuple(texts), str(row["kind"]), int(row["foreign"]),  # type: ignore[call-overload]
            tuple(answers),
        )  # fmt: skip


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
        groups.append(Group(a.gold.question, (positive, *chosen), kind, 0, a.gold.answers))
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
            out[i] = replace(
                g, texts=(*g.texts[: len(g.texts) - len(take)], *take), foreign=len(take)
            )
    return out


def answer_cut(text: str, answers: Sequence[str], least: int = 40) -> str | None:
    """``text`` without its sentences that hold an answer, or None when nothing is cut or less
    than ``least`` characters (or half the text) would be left."""
    spans = sentence_spans(text, len(text) + 1)
    kept = [text[a:b] for a, b in spans if not any(x and x in text[a:b] for x in answers)]
    left = "".join(kept) if _is_cjk(text) else " ".join(kept)
    if len(kept) == len(spans) or len(left) < max(least, len(text) // 2):
        return None
    if any(x and x in left for x in answers):  # an answer across sentences
        return None
    return left


def _is_cjk(text: str) -> bool:
    return sum("\u4e00" <= c <= "\u9fff" for c in text) > len(text) // 4


def with_answer_cut(groups: Sequence[Group]) -> list[Group]:
    """The groups, in each that has answers its first negative replaced by the positive cut of
    the sentences holding them (``answer_cut``), where enough is left."""
    out = []
    for g in groups:
        cut = answer_cut(g.texts[0], g.answers) if g.answers and len(g.texts) > 2 else None
        out.append(g if cut is None else replace(g, texts=(g.texts[0], cut, *g.texts[2:])))
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
