"""What a question and a passage share, measured in ways the first stage cannot: how much of
the question — each part weighted by how rare it is in the index — the passage, its
neighbours and its title contain, the longest stretch of the question it repeats word for
word, and whether the question's numbers and Latin words appear in it.

Everything works on search forms (Simplified, NFKC, lower case), so a Traditional question
matches a Simplified passage and the reverse. The second stage, the abstention model and the
answer-sentence scorer all read these measures."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.glossary import Glossary, load_glossary

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(rf"[{_HAN}]+")
_LATIN_OR_NUMBER = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Question words and particles: they say what is asked, not what the passage must contain.
_ASKING = re.compile(
    r"什么|甚么|哪里|哪儿|哪些|哪个|哪一|哪|谁|多少|几|何时|何地|何人|为何|如何|怎么|怎样|为什么|"
    r"是否|吗|呢|么|请问"
)
_ENGLISH_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "did",
        "do",
        "does",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "many",
        "much",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "as",
        "into",
        "than",
        "then",
        "there",
        "their",
        "they",
        "he",
        "she",
        "his",
        "her",
        "has",
        "have",
        "had",
        "not",
        "no",
    ]
)


@dataclass(frozen=True)
class QuestionTerms:
    """The parts of a question a passage can contain, each with its weight (BM25 idf)."""

    chars: dict[str, float]  # Han characters
    bigrams: dict[str, float]  # Han character pairs
    words: dict[str, float]  # Latin words and numbers
    numbers: frozenset[str]
    core: str  # the Han text without question words, for the longest shared stretch
    # each English word's Chinese translations (of the words the glossary knows)
    translated: tuple[tuple[str, ...], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.chars or self.words)


def question_terms(  # type: ignore[no-untyped-def]
    search_text: str, idf, glossary: Glossary | None = None
) -> QuestionTerms:
    """Split a question (search form) into weighted terms; ``idf`` maps a token list to their
    inverse document frequencies (``LexicalIndex.idf``). English words are looked up in
    ``glossary`` (by default CC-CEDICT's, read on the first question that has one)."""
    core_text = _ASKING.sub(" ", search_text)
    runs = _HAN_RUN.findall(core_text)
    chars = sorted({ch for run in runs for ch in run})
    bigrams = sorted({run[i : i + 2] for run in runs for i in range(len(run) - 1)})
    words = sorted({w for w in _LATIN_OR_NUMBER.findall(search_text) if w not in _ENGLISH_STOP})
    tokens = [*chars, *bigrams, *words]
    weights = idf(tokens) if tokens else np.empty(0, dtype=np.float32)
    w = dict(zip(tokens, (float(x) for x in weights), strict=True))
    english = [t for t in words if t.isalpha() and len(t) > 2]
    if english and glossary is None:
        glossary = load_glossary()
    found = (glossary.translations(t) for t in english) if glossary is not None else ()
    return QuestionTerms(
        chars={t: w[t] for t in chars},
        bigrams={t: w[t] for t in bigrams},
        words={t: w[t] for t in words},
        numbers=frozenset(_NUMBER.findall(search_text)),
        core=" ".join(runs),
        translated=tuple(t for t in found if t),
    )


def coverage(terms: dict[str, float], text: str) -> float:
    """Weighted share of ``terms`` that occur in ``text`` (0 when there are none)."""
    total = sum(terms.values())
    if not total:
        return 0.0
    return sum(w for t, w in terms.items() if t in text) / total


def word_coverage(terms: dict[str, float], text: str) -> float:
    if not terms:
        return 0.0
    found = set(_LATIN_OR_NUMBER.findall(text))
    total = sum(terms.values())
    return sum(w for t, w in terms.items() if t in found) / total if total else 0.0


def translated_coverage(translated: Sequence[Sequence[str]], text: str) -> float:
    """Share of the question's English words (those with translations) of which ``text``
    holds a translation (0 when there are none)."""
    if not translated:
        return 0.0
    return sum(any(t in text for t in words) for words in translated) / len(translated)


def longest_shared(core: str, text: str) -> int:
    """Length of the longest stretch of the question's Han text that ``text`` repeats."""
    best = 0
    for run in core.split():
        i = 0
        while i + best < len(run):  # only a stretch longer than the best so far can count
            j = i + best + 1
            if run[i:j] in text:
                while j < len(run) and run[i : j + 1] in text:
                    j += 1
                best = j - i
            i += 1
    return best


PASSAGE_FEATURES: tuple[str, ...] = (
    "cover_chars",
    "cover_bigrams",
    "cover_bigrams_context",
    "cover_title",
    "longest_shared",
    "cover_words",
    "numbers_found",
    "cover_translated",
)


def passage_features(
    terms: QuestionTerms, texts: Sequence[str], contexts: Sequence[str], titles: Sequence[str]
) -> np.ndarray:
    """One row per passage, the columns of PASSAGE_FEATURES. ``contexts`` is each passage with
    its neighbours; ``titles`` its document title and section (all in search form)."""
    core_len = max(len(terms.core.replace(" ", "")), 1)
    rows = np.zeros((len(texts), len(PASSAGE_FEATURES)), dtype=np.float32)
    for i, (text, context, title) in enumerate(zip(texts, contexts, titles, strict=True)):
        rows[i] = (
            coverage(terms.chars, text),
            coverage(terms.bigrams, text),
            coverage(terms.bigrams, context),
            coverage(terms.bigrams, title),
            longest_shared(terms.core, text) / core_len,
            word_coverage(terms.words, text),
            (sum(n in text for n in terms.numbers) / len(terms.numbers)) if terms.numbers else 0.0,
            translated_coverage(terms.translated, text),
        )
    return rows
