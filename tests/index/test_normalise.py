"""Script detection of passages and questions."""

from __future__ import annotations

import pytest

from index.normalise import detect_script, passage_script


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("晉城以新質生產力激活轉型勢能", "traditional"),
        ("晋城以新质生产力激活转型势能", "simplified"),
        ("2021年，全市人口", "none"),  # only characters both scripts share
        ("coal dependence", "none"),
    ],
)
def test_a_passage_shows_its_script_only_when_its_characters_tell(text: str, script: str) -> None:
    assert passage_script(text) == script


def test_a_question_without_telling_characters_counts_as_simplified() -> None:
    assert detect_script("2021年，全市人口") == "simplified"
    assert detect_script("coal") == "none"
