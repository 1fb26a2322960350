"""Properties of cleaning, chunking and normalisation over generated text in the shapes real
extracted documents take: Chinese of both scripts, numbers, Latin words, pinyin glosses,
headings, spaced-out characters, broken lines, CRs and odd whitespace."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from index.chunking import ChunkingOptions, chunk_document
from index.clean import clean
from index.documents import LoadedDocument
from index.normalise import passage_script, search_form, to_simplified

pytestmark = pytest.mark.slow  # property tests: hundreds of generated texts each

PIECES = [
    "煤炭", "產業", "转型", "發展", "晋城", "高标准粮田", "万亩", "万吨", "亿元", "达", "增长",
    "。", "，", "、", "；", "：", "！", "？", "“", "”", "（", "）", "(chǎn)", "(yè)",
    "一、", "（一）", "一是", "第一章", "# ", "编者按：", "（上接一版）",
    "2021", "28", "6.1%", "1\u3000038", "GDP", "the", "Coal", ".",
    " ", "  ", "\u3000", "\t", "\u00a0", "\n", "\n\n", "\n\n\n", "\r\n", "\r",
]  # fmt: skip
TEXTS = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=80).map("".join)
CHINESE = st.lists(st.sampled_from(PIECES[:20]), min_size=1, max_size=40).map("".join)
FAST = settings(
    max_examples=300, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
SPACES = " \t\u3000\u00a0\n\r"


@FAST
@given(TEXTS)
def test_every_cleaned_character_maps_back_to_its_original(text: str) -> None:
    cleaned = clean(text)
    assert len(cleaned.origin) == len(cleaned.text)
    assert all(a < b for a, b in zip(cleaned.origin, cleaned.origin[1:], strict=False))
    for ch, at in zip(cleaned.text, cleaned.origin, strict=True):
        assert 0 <= at < len(text)
        # the same character, or whitespace standing for whitespace (a joined line, a CR)
        assert ch == text[at] or (ch in " \n" and text[at] in SPACES), (ch, text[at])
    if cleaned.text:
        start, end = cleaned.to_original(0, len(cleaned.text))
        assert 0 <= start < end <= len(text)


NUMBERED = st.lists(
    st.sampled_from(["28", "209", "6.1%", "高标准粮田", "万亩", "达", "年", " ", "\u3000", "\n"]),
    max_size=12,
).map("".join)


@FAST
@given(TEXTS | NUMBERED)
@example("高标准粮田\n28 万亩")  # kept its space, while 达 209 万吨 lost its
def test_no_space_is_left_between_a_number_and_a_chinese_character(text: str) -> None:
    import re

    cleaned = clean(text).text
    assert not re.search(r"\d[ \u3000]+[\u4e00-\u9fff]|[\u4e00-\u9fff][ \u3000]+\d", cleaned)


@FAST
@given(TEXTS, st.integers(min_value=20, max_value=120))
def test_passages_cover_the_cleaned_text_in_order_and_quote_the_original(
    text: str, size: int
) -> None:
    cleaned = clean(text)
    doc = LoadedDocument(Path("x.txt"), "x", text, "text/plain")
    chunks = chunk_document(doc, cleaned, "doc", ChunkingOptions(size=size))
    position = 0
    for n, chunk in enumerate(chunks):
        assert chunk.ordinal == n and chunk.text.strip() == chunk.text != ""
        assert len(chunk.text) <= size * 3 // 2  # a short tail may be folded into a passage
        at = cleaned.text.index(chunk.text, position)  # in order, never overlapping
        assert cleaned.text[position:at].strip() == ""  # only whitespace between passages
        position = at + len(chunk.text)
        assert 0 <= chunk.char_start < chunk.char_end <= len(text)
        assert chunk.search_text == search_form(chunk.text)
    assert cleaned.text[position:].strip() == ""  # nothing after the last passage is lost


@FAST
@given(TEXTS)
def test_the_search_form_is_stable_and_simplified(text: str) -> None:
    once = search_form(text)
    assert search_form(once) == once
    assert passage_script(once) != "traditional"


@FAST
@given(CHINESE)
def test_traditional_and_simplified_forms_search_alike(text: str) -> None:
    assert search_form(text) == search_form(to_simplified(text))
