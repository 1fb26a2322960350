"""Damaged and hostile files: mutated bytes of real files of every type raise nothing but the
domain errors, in bounded time; bombs and absurd files are refused with a clear reason."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_loaders import SIMPLIFIED, TRADITIONAL, make_docx, make_pdf

from index.chunking import ChunkingOptions, chunk_document
from index.clean import clean
from index.errors import CiteqaError, UnreadableDocument
from index.loaders import load_document

pytestmark = pytest.mark.slow  # fuzzing: hundreds of damaged files

SECONDS = 10.0  # what reading one small damaged file may take at most


def _originals() -> dict[str, bytes]:
    html = f"<html><head><meta charset='gbk'><title>報告</title></head><body><h1>一、转型</h1><p>{SIMPLIFIED}</p><div><p>{SIMPLIFIED}</p></div></body></html>"
    return {
        "utf8.txt": (SIMPLIFIED + "\n" + TRADITIONAL).encode("utf-8"),
        "gbk.txt": SIMPLIFIED.encode("gbk"),
        "big5.txt": TRADITIONAL.encode("big5"),
        "utf16.txt": TRADITIONAL.encode("utf-16"),
        "page.html": html.encode("gbk"),
        "notes.md": f"# 标题\n\n{SIMPLIFIED}\n".encode(),
        "report.pdf": make_pdf([[SIMPLIFIED[:30], TRADITIONAL[:30]], ["第二页"]], title="报告"),
        "report.docx": make_docx("报告"),
    }


ORIGINALS = _originals()
MUTATIONS = st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8
)


def _mutated(data: bytes, changes: list[tuple[float, int]], cut: float) -> bytes:
    out = bytearray(data)
    for where, value in changes:
        out[int(where * len(out))] = value
    return bytes(out[: max(1, int(cut * len(out)))])


@pytest.mark.parametrize("name", sorted(ORIGINALS))
@settings(
    max_examples=40, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(changes=MUTATIONS, cut=st.sampled_from([1.0, 1.0, 0.9, 0.5, 0.1]))
def test_damaged_files_raise_only_domain_errors_in_bounded_time(
    name: str, changes: list[tuple[float, int]], cut: float, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(_mutated(ORIGINALS[name], changes, cut))
    started = time.monotonic()
    try:
        doc = load_document(path)
        cleaned = clean(doc.text)
        chunk_document(doc, cleaned, "doc", ChunkingOptions())
    except CiteqaError as exc:
        assert str(exc).startswith(str(path)) and len(str(exc)) > len(str(path)) + 10
    assert time.monotonic() - started < SECONDS


def _pdf_with_pages(count: int) -> bytes:
    """A small PDF whose page tree lists one page ``count`` times."""
    kids = b" ".join(b"3 0 R" for _ in range(count))
    stream = b"BT /F1 12 Tf 72 720 Td (page) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [%s] >>" % (count, kids),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


@pytest.mark.parametrize(
    ("count", "reason"),
    [(6_000, "it has 6,000 pages, over the limit of 5,000"), (1_000_000, "not a readable PDF")],
)
def test_a_pdf_claiming_absurdly_many_pages_is_refused_quickly(
    tmp_path: Path, count: int, reason: str
) -> None:
    path = tmp_path / "pages.pdf"
    path.write_bytes(_pdf_with_pages(count))
    started = time.monotonic()
    with pytest.raises(UnreadableDocument) as info:
        load_document(path)
    assert info.value.reason.startswith(reason)
    assert time.monotonic() - started < SECONDS
    assert load_document(_write(tmp_path, "three.pdf", _pdf_with_pages(3))).text.count("page") == 3


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_deeply_nested_html_is_refused_and_nesting_costs_no_more_than_breadth(
    tmp_path: Path,
) -> None:
    deep = "<html><body>" + "<div>" * 100_000 + "深层" + "</div>" * 100_000 + "</body></html>"
    started = time.monotonic()
    with pytest.raises(UnreadableDocument, match="nest over 1,000 deep"):
        load_document(_write(tmp_path, "deep.html", deep.encode()))
    assert time.monotonic() - started < SECONDS
    # nested as deep as allowed, and read in about the time a flat page of as many tags takes
    nested = "<div>" * 900 + "深层的文本" + "</div>" * 900
    started = time.monotonic()
    assert load_document(_write(tmp_path, "nested.html", nested.encode())).text == "深层的文本"
    assert time.monotonic() - started < 2.0


def test_a_page_of_too_many_tags_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    page = "<p>煤</p>" * 300_000
    with pytest.raises(UnreadableDocument, match="600,000 tags, over the limit of 250,000"):
        load_document(_write(tmp_path, "tags.html", page.encode()))


def test_a_huge_single_line_text_is_refused_by_size_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "line.txt"
    with path.open("wb") as handle:  # 100 MB, sparse: nothing is written
        handle.truncate(100 * 1024 * 1024)
    started = time.monotonic()
    with pytest.raises(UnreadableDocument, match="the file is 100.0 MB, over the limit of 50.0 MB"):
        load_document(path)
    assert time.monotonic() - started < 1.0


def test_a_long_single_line_text_within_the_limit_is_chunked_in_bounded_time(
    tmp_path: Path,
) -> None:
    line = "煤炭依赖降低" * 300_000  # 1.8 million characters, not one sentence break
    path = _write(tmp_path, "line.txt", line.encode())
    started = time.monotonic()
    doc = load_document(path)
    chunks = chunk_document(doc, clean(doc.text), "doc", ChunkingOptions())
    assert len(chunks) == 9_000 and all(len(c.text) == 200 for c in chunks)
    assert time.monotonic() - started < SECONDS


def test_nul_bytes_in_a_text_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument, match="binary file, not text"):
        load_document(_write(tmp_path, "nul.txt", "正常的文本\x00空字节。".encode() * 100))


def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    original = zipfile.ZipFile(io.BytesIO(make_docx("t")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in original.infolist():
            if info.filename == "word/document.xml":
                archive.writestr(info.filename, b" " * (200 * 1024 * 1024))  # 200 MB of spaces
            else:
                archive.writestr(info.filename, original.read(info))
    assert len(out.getvalue()) < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(UnreadableDocument, match="unpack to 200.8 MB, over the limit of 64.0 MB"):
        load_document(_write(tmp_path, "bomb.docx", out.getvalue()))
    assert time.monotonic() - started < SECONDS
