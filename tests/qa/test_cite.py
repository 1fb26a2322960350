from __future__ import annotations

from pathlib import Path

import pytest

import qa.cite as cite_module
from index.chunking import ChunkingOptions
from index.clean import clean
from index.documents import Chunk
from index.embedder import HashingEmbedder
from index.folder import open_snapshot
from index.normalise import to_simplified
from index.pipeline import IngestOptions, ingest
from qa.cite import merge_hits, passage_text
from qa.query import parse_query
from qa.retrieve import Hit
from qa.service import QAService


def chunk(ordinal: int, start: int, end: int, text: str, doc: str = "d") -> Chunk:
    return Chunk(doc, ordinal, text, text, start, end)


def test_overlapping_and_adjacent_chunks_merge_into_one_passage() -> None:
    a, b, far = (
        chunk(0, 0, 10, "一二三四五。六七八九十。"),
        chunk(1, 6, 16, "六七八九十。甲乙丙。"),
        chunk(5, 50, 60, "远处。"),
    )
    other_doc = chunk(1, 6, 16, "别的文件。", doc="e")
    passages = merge_hits(
        [Hit(b, 2, 3.0), Hit(far, 6, 2.0), Hit(a, 1, 1.0), Hit(other_doc, 9, 0.5)]
    )
    assert [[c.ordinal for c in p.chunks] for p in passages] == [[0, 1], [5], [1]]
    assert passages[0].hit.score == 3.0  # the passage keeps its best hit's score
    assert passage_text(passages[0].chunks, "x" * 20) == "一二三四五。六七八九十。甲乙丙。"


def test_adjacent_chunks_from_separate_lines_stay_on_separate_lines() -> None:
    original = "第一段。\n第二段。"
    chunks = [chunk(0, 0, 4, "第一段。"), chunk(1, 5, 9, "第二段。")]
    assert passage_text(chunks, original) == "第一段。\n第二段。"


def test_citation_span_quotes_the_original_file(service: QAService, corpus: Path) -> None:
    result = service.search("煤炭产业占工业比重下降", 3)
    for c in result.citations:
        original = (corpus.parent / c.source).read_text(encoding="utf-8")  # docs/coal.txt
        # quoted in the question's script: a Traditional document's passage is converted
        assert to_simplified(clean(original[c.char_start : c.char_end]).text) == c.text
        assert c.title and c.doc_id and c.n >= 1
    top = result.citations[0]
    assert top.section == "一、推动传统产业转型 › 一是降低煤炭依赖"
    a, b = top.highlight  # type: ignore[misc]
    assert top.text[a:b] == "2021年煤炭产业占工业比重下降到6.1%。"


def test_quotes_follow_the_script_of_the_question(service: QAService) -> None:
    traditional = service.search("煤炭產業佔工業比重", 1).citations[0]
    assert (
        "煤炭產業佔工業比重下降" in traditional.text or "煤炭產業占工業比重下降" in traditional.text
    )
    simplified = service.search("晋城新质生产力产业集群", 1).citations[0]
    assert simplified.text.startswith("晋城以新质生产力激活转型势能")
    english = service.search("new quality productive forces in Jincheng 晉城", 1).citations[0]
    assert english.text.startswith(
        "晉城以新質生產力"
    )  # an English question leaves the script alone


def test_merged_citation_covers_both_chunks(tmp_path: Path, seed_text) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "report.txt").write_text(seed_text("000"), encoding="utf-8")
    main = HashingEmbedder(64)
    ingest(
        [docs], tmp_path / "idx", main, IngestOptions(chunking=ChunkingOptions(size=60, overlap=25))
    )
    service = QAService(open_snapshot(tmp_path / "idx"), main)
    result = service.search("集群培育 电子电器 现代化工 千亿级产业集群", 10)
    ids = [cid for c in result.citations for cid in c.chunk_ids]
    assert len(ids) == len(set(ids))  # no chunk is shown twice
    merged = [c for c in result.citations if len(c.chunk_ids) > 1]
    assert merged, "expected overlapping hits of one document to merge"
    original = seed_text("000")
    for c in merged:
        assert clean(original[c.char_start : c.char_end]).text == c.text


def test_a_document_deleted_during_the_read_is_left_out(service: QAService) -> None:
    from qa.cite import cite
    from qa.query import parse_query

    query = parse_query("煤炭产业占工业比重")
    signals = service.retriever.signals([query])[0]
    hits = service.retriever.rank(signals, 5)
    gone = hits[0].chunk.doc_id

    class Racing:  # the store as a racing delete leaves it: one document is already gone
        def documents(self, ids):  # type: ignore[no-untyped-def]
            return [d for d in service.snapshot.store.documents(ids) if d.id != gone]

    citations, _ = cite(query, hits, Racing(), service.scorer, signals.terms)  # type: ignore[arg-type]
    assert citations and all(c.doc_id != gone for c in citations)
    assert [c.n for c in citations] == list(range(1, len(citations) + 1))


def test_the_recorded_script_of_a_passage_spares_reading_it(
    service: QAService, monkeypatch: pytest.MonkeyPatch
) -> None:
    hits = service.retriever.search(parse_query("煤炭产业占工业比重"), 3)
    assert hits and all(h.script in ("traditional", "simplified") for h in hits)
    read: list[str] = []
    monkeypatch.setattr(cite_module, "detect_script", lambda text: read.append(text) or "none")
    query = parse_query("煤炭產業佔工業比重")  # Traditional: Simplified passages are converted
    texts = [cite_module.in_script("煤炭产业", query, h.script) for h in hits]
    assert not read
    assert all(
        t == ("煤炭產業" if h.script == "simplified" else "煤炭产业")
        for t, h in zip(texts, hits, strict=True)
    )
    assert cite_module.in_script("煤炭产业", query, "none") == "煤炭产业" and read  # read: "none"
