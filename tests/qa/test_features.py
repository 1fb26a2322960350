from __future__ import annotations

import numpy as np
import pytest

from index.normalise import search_form
from qa.features import (
    PASSAGE_FEATURES,
    coverage,
    longest_shared,
    passage_features,
    question_terms,
)


def flat_idf(tokens: list[str]) -> np.ndarray:
    return np.ones(len(tokens), dtype=np.float32)


def test_question_terms_leave_out_question_words_and_keep_numbers() -> None:
    terms = question_terms(search_form("2021年煤炭產業佔工業比重下降到多少？"), flat_idf)
    assert "多" not in terms.chars and "少" not in terms.chars
    assert {"煤炭", "产业", "工业", "比重"} <= set(terms.bigrams)
    assert terms.numbers == frozenset({"2021"})
    assert terms.words == {"2021": 1.0}
    assert terms.core == "年煤炭产业占工业比重下降到"


def test_english_terms_drop_stop_words() -> None:
    terms = question_terms(search_form("What share of industry was coal in 2021?"), flat_idf)
    assert set(terms.words) == {"share", "industry", "coal", "2021"}
    assert not terms.chars and not terms.bigrams


def test_coverage_weights_rare_terms_more() -> None:
    terms = {"煤炭": 3.0, "产业": 1.0}
    assert coverage(terms, "煤炭依赖") == pytest.approx(0.75)
    assert coverage(terms, "产业转型") == pytest.approx(0.25)
    assert coverage({}, "任何文字") == 0.0


def test_longest_shared_finds_the_longest_repeated_stretch() -> None:
    assert longest_shared("煤炭产业占工业比重 下降", "2021年煤炭产业占工业比重下降到6.1%") == 9
    assert longest_shared("完全无关", "煤炭产业") == 0
    assert longest_shared("", "煤炭") == 0


def test_passage_features_prefer_the_passage_that_answers() -> None:
    terms = question_terms(search_form("煤炭产业占工业比重下降到多少"), flat_idf)
    texts = ["2021年煤炭产业占工业比重下降到6.1%。", "全市新建公园十二处。"]
    rows = passage_features(terms, texts, texts, ["转型", "绿化"])
    assert rows.shape == (2, len(PASSAGE_FEATURES))
    cover = PASSAGE_FEATURES.index("cover_bigrams")
    shared = PASSAGE_FEATURES.index("longest_shared")
    assert rows[0, cover] == pytest.approx(1.0)
    assert rows[1, cover] == pytest.approx(0.0)
    assert rows[0, shared] > rows[1, shared]


def test_longest_shared_never_exceeds_the_question() -> None:
    text = "一、推动传统产业转型\n一是降低煤炭依赖。2021年煤炭产业占工业比重下降到6.1%。"
    assert longest_shared("煤炭产业占工业比重下降", text) == 11
    assert longest_shared("甲乙丙 煤炭产业", "煤炭产业甲乙") == 4
