from __future__ import annotations

from pathlib import Path

import pytest

from index.chunking import ChunkingOptions, chunk_document, sentence_spans
from index.clean import clean
from index.documents import LoadedDocument
from index.errors import InvalidInput


def chunks_of(text: str, **options: int) -> list:
    doc = LoadedDocument(Path("doc.txt"), "doc", text, "text/plain")
    return chunk_document(doc, clean(text), "d1", ChunkingOptions(**options))


def test_sentences_split_on_chinese_and_english_boundaries() -> None:
    text = "煤炭比重下降。新兴产业增长！是否继续？Coal fell. Parks grew."
    spans = sentence_spans(text, 100)
    assert [text[a:b] for a, b in spans] == [
        "煤炭比重下降。", "新兴产业增长！", "是否继续？", "Coal fell.", "Parks grew.",
    ]  # fmt: skip


def test_long_sentence_splits_at_commas_then_cuts() -> None:
    text = "甲" * 30 + "，" + "乙" * 30 + "，" + "丙" * 90 + "。"
    spans = sentence_spans(text, 40)
    assert all(b - a <= 40 for a, b in spans)
    assert "".join(text[a:b] for a, b in spans) == text


def test_chunks_respect_size_and_cover_the_text_in_order(seed_text) -> None:  # type: ignore[no-untyped-def]
    original = seed_text("003")
    chunks = chunks_of(original, size=200)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert all(len(c.text) <= 300 for c in chunks)  # a folded short tail may pass size by half
    starts = [c.char_start for c in chunks]
    assert starts == sorted(starts)


def test_chunk_span_points_at_its_text_in_the_original(seed_text) -> None:  # type: ignore[no-untyped-def]
    original = seed_text("002")  # pinyin-glossed: the original span is much longer than the text
    for chunk in chunks_of(original):
        assert clean(original[chunk.char_start : chunk.char_end]).text == chunk.text


def test_heading_starts_a_chunk_and_is_cited() -> None:
    text = "前言一句。\n一、推动传统产业转型\n一是注重集群培育。加快打造产业集群。\n二是强化链式发展。全面推行双长制。"
    chunks = chunks_of(text, size=200)
    assert [c.text.split("\n")[0] for c in chunks] == [
        "前言一句。",
        "一、推动传统产业转型",
        "二是强化链式发展。全面推行双长制。",
    ]
    assert chunks[0].section is None
    assert chunks[1].section == "一、推动传统产业转型 › 一是注重集群培育"
    assert chunks[2].section == "一、推动传统产业转型 › 二是强化链式发展"
    # a heading with nothing under it yet does not stand alone: it joins the sub-heading's text
    assert chunks[1].text.startswith("一、推动传统产业转型\n一是注重集群培育")


def test_overlap_repeats_whole_sentences() -> None:
    text = "".join(f"第{i}句话说了一些关于城市转型的事情。" for i in range(12))
    chunks = chunks_of(text, size=60, overlap=25)
    assert len(chunks) > 2
    for before, after in zip(chunks, chunks[1:], strict=False):
        last_sentence = before.text.split("。")[-2] + "。"
        assert after.text.startswith(last_sentence)


def test_search_form_is_simplified_and_text_keeps_script() -> None:
    (chunk,) = chunks_of("晉城以新質生產力激活轉型勢能。")
    assert chunk.text == "晉城以新質生產力激活轉型勢能。"
    assert chunk.search_text == "晋城以新质生产力激活转型势能。"


def test_pdf_pages_are_cited() -> None:
    page1 = "第一页的内容。" * 10
    text = page1 + "\n" + "第二页的内容。" * 10
    doc = LoadedDocument(
        Path("r.pdf"), "r", text, "application/pdf", page_starts=(0, len(page1) + 1)
    )
    chunks = chunk_document(doc, clean(text), "d1", ChunkingOptions(size=50))
    assert chunks[0].page == 1
    assert chunks[-1].page == 2


@pytest.mark.parametrize(
    ("size", "overlap", "message"), [(0, 0, "chunk size of 0"), (200, 150, "overlap of 150")]
)
def test_bad_options_are_rejected(size: int, overlap: int, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        ChunkingOptions(size=size, overlap=overlap)
