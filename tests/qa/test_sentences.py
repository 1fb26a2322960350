from __future__ import annotations

import numpy as np
import pytest

from index.embedder import HashingEmbedder
from index.normalise import search_form
from qa.features import question_terms
from qa.glossary import Glossary
from qa.query import parse_query
from qa.sentences import SENTENCE_FEATURES, Sentence, SentenceScorer, sentence_features


def flat_idf(tokens: list[str]) -> np.ndarray:
    return np.ones(len(tokens), dtype=np.float32)


def column(rows: np.ndarray, name: str) -> np.ndarray:
    return rows[:, SENTENCE_FEATURES.index(name)]


def test_a_sentence_knows_how_it_compares_and_what_came_before_it() -> None:
    query = parse_query("煤炭产业占工业比重下降到多少")
    terms = question_terms(query.search_text, flat_idf)
    sentences = [
        Sentence(1, "煤炭产业占工业比重下降。", True),
        Sentence(1, "到2021年为6.1%。", False),
        Sentence(2, "全市新建公园。", True),  # another passage: nothing came before it there
    ]
    rows = sentence_features(query, terms, sentences, np.array([0.9, 0.5, 0.2]), [2.0, 1.0])
    assert rows.shape == (3, len(SENTENCE_FEATURES))
    gap = column(rows, "cover_bigrams_gap")
    assert gap[0] == pytest.approx(0.0) and gap[1] < 0 and gap[2] < 0
    assert column(rows, "similarity_gap") == pytest.approx([0.0, -0.4, -0.7])
    before = column(rows, "previous_cover_bigrams")
    assert before[0] == 0.0 and before[1] == pytest.approx(column(rows, "cover_bigrams")[0])
    assert before[2] == 0.0


def test_an_english_question_finds_its_words_translated_in_a_sentence() -> None:
    glossary = Glossary({"coal": ("煤",), "share": ("比重", "份额")})
    query = parse_query("What share of industry was coal in 2021?")
    terms = question_terms(query.search_text, flat_idf, glossary)
    sentences = [
        Sentence(1, "煤炭產業佔工業比重下降到6.1%。", True),
        Sentence(1, "新建公园。", False),
    ]
    forms = [Sentence(s.citation, s.text, s.first, search_form(s.text)) for s in sentences]
    rows = sentence_features(query, terms, forms, np.zeros(2), [1.0])
    assert column(rows, "cover_translated") == pytest.approx([1.0, 0.0])
    assert column(rows, "previous_cover_translated") == pytest.approx([0.0, 1.0])


def test_no_sentences_no_rows() -> None:
    query = parse_query("煤炭")
    rows = sentence_features(query, question_terms("煤炭", flat_idf), [], np.zeros(0), [])
    assert rows.shape == (0, len(SENTENCE_FEATURES))


def test_sentences_scored_for_several_questions_are_embedded_once() -> None:
    embedder = HashingEmbedder(32)
    scorer = SentenceScorer(embedder, {})
    texts = ["煤炭产业占工业比重下降到6.1%。", "高新技术产业占比提高至47.7%。"]
    known = {texts[0]: HashingEmbedder(32).embed(texts[:1], "query")[0]}
    vectors = scorer.vectors(texts, known)
    assert embedder.calls == [1]  # only the one not already known
    first = scorer.similarity(parse_query("煤炭比重是多少"), texts, None, vectors)
    again = scorer.similarity(parse_query("高新技术占比是多少"), texts, None, vectors)
    assert embedder.calls == [1, 1, 1]  # then only each question
    assert first[0] > first[1] and again[1] > again[0]
    fresh = SentenceScorer(HashingEmbedder(32), {})
    assert np.allclose(again, fresh.similarity(parse_query("高新技术占比是多少"), texts, None))
    assert SentenceScorer(None, {}).vectors(texts) == {}
