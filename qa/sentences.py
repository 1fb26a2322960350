"""Answer sentences: the probability that a sentence of a cited passage holds the answer.

A model per question language (fitted on the fitting parts of the public sets, label: the
sentence contains a gold answer; a logistic model, or LambdaRank trees with calibrated
probabilities where they cross-validate better) over what the sentence shares with the question
(``qa/features.py``, translations of an English question's words included), its cross-lingual
similarity to the question (multilingual USE, so an English question can pick a Chinese
sentence), the second-stage score and rank of its passage, whether it offers what the question
asks for (a number, a year), and how it compares with the question's best sentence and follows
the sentence before it (an answer often comes just after the sentence that restates the
question)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.clean import is_heading_line
from index.embedder import Embedder
from index.normalise import search_form
from qa.features import (
    QuestionTerms,
    coverage,
    longest_shared,
    translated_coverage,
    word_coverage,
)
from qa.fitted import SentenceModel
from qa.query import Query

_MEASURED: tuple[str, ...] = (
    "cover_chars",
    "cover_bigrams",
    "longest_shared",
    "cover_words",
    "cover_translated",
    "similarity",
    "passage_score",
    "passage_rank",
    "first_in_passage",
    "statement",
    "log_length",
    "number_asked_and_given",
    "year_asked_and_given",
)
_SHARED = ("cover_bigrams", "cover_translated")
# relative: to the best of the question's sentences, and of the sentence just before
_RELATIVE: tuple[str, ...] = (
    *(f"{name}_gap" for name in (*_SHARED, "similarity")),
    *(f"previous_{name}" for name in _SHARED),
)
SENTENCE_FEATURES: tuple[str, ...] = _MEASURED + _RELATIVE

_ASKS_NUMBER = re.compile(
    r"多少|几|幾|多大|多长|多長|多高|多远|多遠|多重|多久|比例|百分之|数量|數量|"
    r"how many|how much|how long|how large|how big|how far|how old|percentage|number of",
    re.IGNORECASE,
)
_ASKS_YEAR = re.compile(
    r"何时|何時|什么时候|什麼時候|哪一年|哪年|几年|幾年|年份|日期|when|what year|which year",
    re.IGNORECASE,
)
_DIGIT = re.compile(
    r"[0-9０-９]|[一二三四五六七八九十百千万萬亿億两兩][一二三四五六七八九十百千万萬亿億]*[个個年名人次种種项項%]"
)
_YEAR = re.compile(r"\d{3,4}\s*年|[一二〇零○]{4}年|\b1\d{3}\b|\b20\d{2}\b|世纪|世紀|年代")
_SENTENCE_END = tuple("。！？!?；;….")


@dataclass(frozen=True)
class Sentence:
    citation: int  # the citation's number, n
    text: str  # in the reader's script
    first: bool  # the first sentence of its passage
    form: str = ""  # its search form, if already made (else made from ``text``)


def is_statement(text: str) -> bool:
    """A sentence rather than a heading or title line: it ends like a sentence, or is long."""
    if is_heading_line(text):
        return False
    stripped = text.rstrip("”’」』）)\"' ")
    return stripped.endswith(_SENTENCE_END) or len(text) > 60


def sentence_features(
    query: Query,
    terms: QuestionTerms,
    sentences: Sequence[Sentence],
    similarity: np.ndarray,
    passage_scores: Sequence[float],
) -> np.ndarray:
    """One row per sentence, the columns of SENTENCE_FEATURES. ``passage_scores[n - 1]`` is the
    second-stage score of citation n."""
    asks_number = bool(_ASKS_NUMBER.search(query.text))
    asks_year = bool(_ASKS_YEAR.search(query.text))
    core_len = max(len(terms.core.replace(" ", "")), 1)
    rows = np.zeros((len(sentences), len(SENTENCE_FEATURES)), dtype=np.float32)
    for i, s in enumerate(sentences):
        form = s.form or search_form(s.text)
        rows[i, : len(_MEASURED)] = (
            coverage(terms.chars, form),
            coverage(terms.bigrams, form),
            longest_shared(terms.core, form) / core_len,
            word_coverage(terms.words, form),
            translated_coverage(terms.translated, form),
            similarity[i],
            passage_scores[s.citation - 1],
            np.log(s.citation),
            float(s.first),
            float(is_statement(s.text)),
            np.log1p(len(s.text)),
            float(asks_number and bool(_DIGIT.search(form))),
            float(asks_year and bool(_YEAR.search(form))),
        )
    if not len(rows):
        return rows
    shared = [_MEASURED.index(n) for n in _SHARED]
    measured = rows[:, [*shared, _MEASURED.index("similarity")]]
    previous = np.zeros((len(rows), len(shared)), dtype=np.float32)
    for i in range(1, len(sentences)):
        if sentences[i].citation == sentences[i - 1].citation:
            previous[i] = rows[i - 1, shared]
    rows[:, len(_MEASURED) :] = np.hstack([measured - measured.max(axis=0), previous])
    return rows


class SentenceScorer:
    """Scores the sentences of cited passages with the fitted model of the question's
    language; ``embedder`` (multilingual USE) gives the similarity feature, reusing the
    question's vector when retrieval already made it and the sentence vectors stored at ingest
    (``index/sentence_vectors.py``). A language whose model does without the feature embeds
    nothing."""

    def __init__(self, embedder: Embedder | None, models: dict[str, SentenceModel]) -> None:
        self.embedder = embedder
        self.models = models

    def similarity(
        self,
        query: Query,
        texts: Sequence[str],
        question_vector: np.ndarray | None,
        stored: Mapping[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Each text's similarity to the question; ``stored`` vectors (made at ingest by the
        same model) are used for the texts they hold, the rest are embedded now."""
        if self.embedder is None or not texts:
            return np.zeros(len(texts), dtype=np.float32)
        stored = stored or {}
        todo = [t for t in dict.fromkeys(texts) if t not in stored]
        asked = [query.text] if question_vector is None else []
        embedded = self.embedder.embed([*asked, *todo], "query") if asked or todo else None
        if question_vector is None:
            assert embedded is not None
            question_vector, embedded = embedded[0], embedded[1:]
        vectors = dict(stored)
        if embedded is not None:
            vectors.update(zip(todo, embedded, strict=True))
        return np.array([vectors[t] @ question_vector for t in texts], dtype=np.float32)

    def reads_similarity(self, language: str) -> bool:
        """Whether scoring a question of ``language`` embeds its sentences (its model reads
        their similarity to the question, or it has no model)."""
        model = self.models.get(language)
        return self.embedder is not None and (model is None or "similarity" in model.names)

    def vectors(
        self, texts: Sequence[str], stored: Mapping[str, np.ndarray] | None = None
    ) -> dict[str, np.ndarray]:
        """The texts' vectors, ``stored`` ones as they are and the rest embedded in one batch:
        to score the same sentences against several questions (``stored`` of ``score``)
        without embedding them again. Empty without an embedder."""
        if self.embedder is None:
            return {}
        stored = stored or {}
        todo = [t for t in dict.fromkeys(texts) if t not in stored]
        out = {t: stored[t] for t in texts if t in stored}
        if todo:
            out.update(zip(todo, self.embedder.embed(todo, "query"), strict=True))
        return out

    def score(
        self,
        query: Query,
        terms: QuestionTerms,
        sentences: Sequence[Sentence],
        passage_scores: Sequence[float],
        question_vector: np.ndarray | None = None,
        stored: Mapping[str, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each sentence's feature row and its probability of holding the answer."""
        if not sentences:
            return np.empty((0, len(SENTENCE_FEATURES)), np.float32), np.empty(0, np.float32)
        model = self.models.get(query.language)
        if self.reads_similarity(query.language):
            sim = self.similarity(query, [s.text for s in sentences], question_vector, stored)
        else:  # the language's model does without it: no sentence is embedded
            sim = np.zeros(len(sentences), dtype=np.float32)
        rows = sentence_features(query, terms, sentences, sim, passage_scores)
        if model is None:  # not fitted (only while fitting): rank by what is shared
            return rows, rows[:, 1] + rows[:, SENTENCE_FEATURES.index("similarity")]
        columns = [SENTENCE_FEATURES.index(n) for n in model.names]
        return rows, model.probabilities(rows[:, columns]).astype(np.float32)
