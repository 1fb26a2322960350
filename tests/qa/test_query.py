from __future__ import annotations

import pytest

from index.errors import InvalidInput
from qa.query import detect_language, parse_query


@pytest.mark.parametrize(
    ("text", "language", "script"),
    [
        ("煤炭依赖是怎么降下来的", "zh", "simplified"),
        ("煤炭依賴是怎麼降下來的", "zh", "traditional"),
        ("how did cities cut coal dependence?", "en", "none"),
        ("GDP增长了多少", "zh", "simplified"),
        ("What did 晋城 do about coal mining?", "en", "simplified"),
    ],
)
def test_language_and_script(text: str, language: str, script: str) -> None:
    query = parse_query(text)
    assert (query.language, query.script) == (language, script)


def test_search_form_matches_the_index_normalisation() -> None:
    assert parse_query("  晉城的ＧＤＰ\n增長？ ").search_text == "晋城的gdp 增长?"
    assert parse_query("  晉城的ＧＤＰ\n增長？ ").text == "晉城的ＧＤＰ 增長？"


def test_empty_question_is_refused() -> None:
    with pytest.raises(InvalidInput, match="the question is empty"):
        parse_query(" \n\t\x00 ")


def test_huge_question_is_refused_with_its_length() -> None:
    with pytest.raises(InvalidInput, match="10,000 characters long; the limit is 1,000"):
        parse_query("煤" * 10_000)


def test_non_text_is_refused() -> None:
    with pytest.raises(InvalidInput, match="must be text, not bytes"):
        parse_query(b"\xff\xfe")  # type: ignore[arg-type]


def test_detect_language_counts_letters_not_bytes() -> None:
    assert detect_language("煤炭 coal") == "zh"
    assert detect_language("coal mining in Shanxi 山西") == "en"
