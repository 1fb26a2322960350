"""Loaders: every supported format read into the exact original text, and plain-word errors."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from index.errors import DocumentError, EmptyDocument, UnreadableDocument, UnsupportedFileType
from index.loaders import SUPPORTED_SUFFIXES, discover, load_document

# Real lines from the seed corpus (000: Simplified, 004: Traditional, 002: Traditional + pinyin).
SIMPLIFIED = (
    "一是加强节能减碳。注重“双碳”牵引，清洁取暖试点市考核连续3年全国第一，"
    "新建建筑全面执行绿色建筑标准。"
)
TRADITIONAL = (
    "晉城的轉型之路,并非簡單的“去煤化”,而是以科技創新為引擎,推動產業向高端化、智能化、綠色化躍升。"
)
SHORT_SIMPLIFIED = "推动生态改善“煤城变美城”"  # charset-normalizer alone calls this utf_16_be
SHORT_TRADITIONAL = "新引擎改革創新釋放發展活力"
TINY_SIMPLIFIED = "煤城变美城"  # charset-normalizer alone calls this big5
PINYIN_GLOSSED = "二、推動(dòng)新興產(chǎn)業(yè)“小苗成大樹(shù)”"

SUPPORTED_LIST = ".docx, .htm, .html, .markdown, .md, .pdf, .txt"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- plain text and encodings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codec", "encoding"),
    [
        (SIMPLIFIED, "utf-8", "utf-8"),
        (TRADITIONAL, "utf-8-sig", "utf-8-sig"),
        (SIMPLIFIED, "gbk", "gb18030"),
        (SIMPLIFIED, "gb18030", "gb18030"),
        (TRADITIONAL, "big5", "big5"),
        (SHORT_SIMPLIFIED, "gbk", "gb18030"),
        (SHORT_SIMPLIFIED, "gb2312", "gb18030"),
        (SHORT_TRADITIONAL, "big5", "big5"),
        (TINY_SIMPLIFIED, "gbk", "gb18030"),
        (PINYIN_GLOSSED, "gb18030", "gb18030"),
        (SIMPLIFIED, "utf-16", "utf-16"),
    ],
)
def test_text_decodes_to_the_exact_original(
    tmp_path: Path, text: str, codec: str, encoding: str
) -> None:
    body = f"{text}\n第二行 second line\n"
    doc = load_document(write(tmp_path, "doc.txt", body.encode(codec)))
    assert doc.text == body
    assert doc.encoding == encoding
    assert doc.title == text
    assert doc.media_type == "text/plain"
    assert doc.page_starts == ()
    assert doc.page_at(3) is None


def test_newlines_are_normalised_and_nothing_else_changes(tmp_path: Path) -> None:
    data = "  \r\n  标题行  \r\n正文\r旧式换行\r\n\r\n末行　".encode()
    doc = load_document(write(tmp_path, "crlf.TXT", data))
    assert doc.text == "  \n  标题行  \n正文\n旧式换行\n\n末行　"
    assert doc.title == "标题行"


def test_long_first_line_is_cut_to_100_characters_for_the_title(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "long.txt", ("长" * 150 + "\n").encode()))
    assert doc.title == "长" * 100


BINARY = "looks like a binary file, not text (NUL or control bytes)"
NO_ENCODING = (
    "not text in UTF-8, GB18030/GBK, Big5 or any other encoding; binary data? "
    "If it is text, re-save it as UTF-8"
)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", BINARY),
        (bytes((i * 7919 + 13) % 251 + 1 for i in range(3000)), BINARY),
        (bytes(range(128, 256)) * 8, NO_ENCODING),
    ],
    ids=["nul-bytes", "control-bytes", "high-bytes"],
)
def test_binary_text_file_is_unreadable(tmp_path: Path, data: bytes, reason: str) -> None:
    path = write(tmp_path, "junk.txt", data)
    with pytest.raises(UnreadableDocument) as info:
        load_document(path)
    assert str(info.value) == f"{path}: {reason}"
    assert "junk.txt" in str(info.value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty (0 bytes)"),
        (b" \r\n\t\n   ", "no text to index: it holds only whitespace"),
        ("\u3000\n\u3000".encode(), "no text to index: it holds only whitespace"),
    ],
)
def test_empty_text_file(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(EmptyDocument) as info:
        load_document(write(tmp_path, "empty.txt", data))
    assert info.value.reason == reason


def test_unsupported_suffix_lists_the_supported_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "table.xlsx", b"PK")
    with pytest.raises(UnsupportedFileType) as info:
        load_document(path)
    assert str(info.value) == (
        f"{path}: cannot read '.xlsx' files; supported types are {SUPPORTED_LIST}"
    )
    with pytest.raises(UnsupportedFileType, match="files without an extension"):
        load_document(write(tmp_path, "README", b"text"))
    assert {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"} == SUPPORTED_SUFFIXES


@pytest.mark.parametrize(
    ("size", "limit", "said"),
    [
        (2048, 1024, "2,048 bytes, over the limit of 1,024 bytes"),
        (3 * 1024 * 1024, 2 * 1024 * 1024, "3.0 MB, over the limit of 2.0 MB"),
    ],
)
def test_file_over_the_size_limit(tmp_path: Path, size: int, limit: int, said: str) -> None:
    path = write(tmp_path, "big.txt", b"x" * size)
    with pytest.raises(UnreadableDocument) as info:
        load_document(path, max_bytes=limit)
    assert info.value.reason == f"the file is {said}; split it or raise max_bytes"
    assert load_document(path, max_bytes=size).text == "x" * size


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument) as info:
        load_document(tmp_path / "gone.txt")
    assert info.value.reason == "cannot read the file: No such file or directory"


# --- markdown -------------------------------------------------------------------------------


def test_markdown_title_is_the_first_level_one_heading(tmp_path: Path) -> None:
    body = "```\n# 代码注释\n```\n## 小节\n#  晋城答卷 ##\n正文\n"
    doc = load_document(write(tmp_path, "notes.md", body.encode()))
    assert (doc.title, doc.text, doc.media_type) == ("晋城答卷", body, "text/markdown")


def test_markdown_without_heading_uses_first_line_then_stem(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "a.markdown", "## 小节标题\n正文".encode("gbk")))
    assert (doc.title, doc.encoding) == ("小节标题", "gb18030")
    assert load_document(write(tmp_path, "报告.md", b"#\n\n  ")).title == "报告"


# --- html -----------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title> 转型发展
 之路 </title>
<style>p { color: red }</style>
<script>var 煤 = "不应出现";</script>
</head><body>
<header><a href="/">网站首页</a></header>
<nav><ul><li>导航</li></ul></nav>
<article><header><h1>推动传统产业“老树发新芽”</h1></header>
<p>近年来，全市<b>固定资产投资</b>增长16.5%。</p><p>第二段<br>换行&nbsp;</p>
<div>


<span>表</span>格</div></article>
<noscript>请启用脚本</noscript>
<footer>责任编辑：某某</footer>
</body></html>
"""


def test_html_honours_meta_charset_and_keeps_only_visible_text(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "page.HTM", HTML.encode("gbk")))
    assert doc.encoding == "gb18030"
    assert doc.media_type == "text/html"
    assert doc.title == "转型发展 之路"
    assert doc.text == (
        "推动传统产业“老树发新芽”\n\n近年来，全市固定资产投资增长16.5%。\n\n第二段\n换行\n\n表格"
    )


def test_html_title_falls_back_to_h1_then_stem(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "a.html", "<h1>新引擎</h1><p>正文</p>".encode()))
    assert (doc.title, doc.text, doc.encoding) == ("新引擎", "新引擎\n\n正文", "utf-8")
    assert load_document(write(tmp_path, "b.html", "<p>正文</p>".encode("big5"))).title == "b"


def test_html_with_unclosed_head_keeps_the_body(tmp_path: Path) -> None:
    page = "<html><head><title>标题</title><body><p>正文内容</p>"
    doc = load_document(write(tmp_path, "loose.html", page.encode()))
    assert (doc.title, doc.text) == ("标题", "正文内容")


def test_html_with_wrong_meta_charset_is_detected(tmp_path: Path) -> None:
    page = f'<meta charset="utf-8"><p>{TRADITIONAL}</p>'
    doc = load_document(write(tmp_path, "big5.html", page.encode("big5")))
    assert (doc.text, doc.encoding) == (TRADITIONAL, "big5")


def test_html_without_visible_text_is_empty(tmp_path: Path) -> None:
    with pytest.raises(EmptyDocument) as info:
        load_document(write(tmp_path, "s.html", b"<script>x()</script><nav>menu</nav>"))
    assert info.value.reason == (
        "no text to index: nothing visible once scripts, styles and navigation are dropped"
    )


# --- pdf ------------------------------------------------------------------------------------


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A PDF whose text uses Adobe's built-in CJK fonts (not embedded: none is on the machine,
    and extraction only needs the font's standard Unicode encoding)."""
    pdfmetrics = pytest.importorskip("reportlab.pdfbase.pdfmetrics")
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    if title is not None:
        pdf.setTitle(title)
    for lines in pages:
        pdf.setFont("STSong-Light", 12)
        for i, line in enumerate(lines):
            pdf.drawString(72, 700 - 20 * i, line)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_pdf_pages_are_joined_and_located(tmp_path: Path) -> None:
    data = make_pdf(
        [["近年来，全市坚持新发展理念", "产业实现多业并举"], [TRADITIONAL[:20]]], "转型报告"
    )
    doc = load_document(write(tmp_path, "report.pdf", data))
    assert doc.text == f"近年来，全市坚持新发展理念\n产业实现多业并举\n{TRADITIONAL[:20]}\n"
    assert doc.page_starts == (0, 23)
    assert doc.title == "转型报告"
    assert (doc.media_type, doc.encoding) == ("application/pdf", None)
    assert [doc.page_at(i) for i in (0, 22, 23, len(doc.text) - 1)] == [1, 1, 2, 2]
    assert doc.text[doc.page_starts[1] :].startswith("晉城的轉型")


def test_pdf_blank_pages_keep_their_place(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "scan.pdf", make_pdf([["第一页"], [], ["第三页"]])))
    assert doc.text == "第一页\n第三页\n"
    assert doc.page_starts == (0, 4, 4)
    assert [doc.page_at(i) for i in (3, 4, 7)] == [1, 3, 3]


@pytest.mark.parametrize(
    ("meta_title", "title"),
    [
        (None, "report"),  # reportlab writes "untitled"
        ("  ", "report"),
        ("Untitled-1", "report"),
        ("Microsoft Word - 晋城答卷.docx", "晋城答卷"),
        ("  新引擎：改革創新  ", "新引擎：改革創新"),
    ],
)
def test_pdf_title_from_metadata_else_stem(
    tmp_path: Path, meta_title: str | None, title: str
) -> None:
    doc = load_document(write(tmp_path, "report.pdf", make_pdf([["正文"]], meta_title)))
    assert doc.title == title


def test_pdf_without_text_is_empty(tmp_path: Path) -> None:
    with pytest.raises(EmptyDocument) as info:
        load_document(write(tmp_path, "scan.pdf", make_pdf([[], []])))
    assert info.value.reason == (
        "no extractable text on its 2 page(s); a scanned PDF needs OCR before it can be ingested"
    )


@pytest.mark.parametrize("data", [b"%PDF-1.4\nnot really a pdf", b"hello world"])
def test_corrupt_pdf_is_unreadable(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(UnreadableDocument) as info:
        load_document(write(tmp_path, "broken.pdf", data))
    assert "broken.pdf" in str(info.value)
    assert info.value.reason.startswith("not a readable PDF (")
    assert info.value.reason.endswith("check that the file is complete and opens in a PDF viewer")


def test_encrypted_pdf(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    def encrypted(user_password: str) -> bytes:
        writer = PdfWriter()
        writer.append(PdfReader(io.BytesIO(make_pdf([["保密文件"]]))))
        writer.encrypt(user_password, owner_password="owner", algorithm="RC4-128")
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    with pytest.raises(UnreadableDocument) as info:
        load_document(write(tmp_path, "locked.pdf", encrypted("secret")))
    assert info.value.reason == (
        "the PDF is encrypted with a password; save an unprotected copy and ingest that"
    )
    assert load_document(write(tmp_path, "open.pdf", encrypted(""))).text == "保密文件\n"


# --- docx -----------------------------------------------------------------------------------


def make_docx(title: str | None) -> bytes:
    import docx

    document = docx.Document()
    if title is not None:
        document.core_properties.title = title
    document.add_paragraph("")
    document.add_paragraph("一、推动传统产业“老树发新芽”")
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate([["指标", "2021年", "增长"], ["投资", "合計", "16.5%"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(1, 1).merge(table.cell(1, 2))
    table.cell(1, 1).text = "合并"
    document.add_paragraph(TRADITIONAL)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "brief.docx", make_docx("晋城转型")))
    assert doc.text == (
        "\n一、推动传统产业“老树发新芽”\n指标\t2021年\t增长\n投资\t合并\n" + TRADITIONAL
    )
    assert doc.title == "晋城转型"
    assert doc.media_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert (doc.encoding, doc.page_starts) == (None, ())


def test_docx_title_falls_back_to_first_paragraph(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "brief.docx", make_docx(None)))
    assert doc.title == "一、推动传统产业“老树发新芽”"


@pytest.mark.parametrize("kind", ["not-zip", "zip-without-document"])
def test_corrupt_docx_is_unreadable(tmp_path: Path, kind: str) -> None:
    if kind == "not-zip":
        data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an old .doc file"
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("hello.txt", "not a word document")
        data = out.getvalue()
    with pytest.raises(UnreadableDocument) as info:
        load_document(write(tmp_path, "old.docx", data))
    assert "old.docx" in str(info.value)
    assert info.value.reason.startswith("not a readable Word .docx file (")
    assert info.value.reason.endswith("an old .doc file must be re-saved as .docx")


# --- discover -------------------------------------------------------------------------------


def test_discover_expands_folders_in_sorted_order(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    for name in [
        "b.txt",
        "a/z.pdf",
        "a/b/c.md",
        "A.HTML",
        "notes.xlsx",
        ".hidden.txt",
        ".git/config.txt",
        "a/.cache/x.txt",
        "a-b.txt",
    ]:
        write(root, name, b"x")
    single = write(tmp_path, "single.docx", b"x")
    assert discover([single, root, root / "b.txt"]) == [
        single,
        root / "A.HTML",
        root / "a" / "b" / "c.md",
        root / "a" / "z.pdf",
        root / "a-b.txt",
        root / "b.txt",
        root / "notes.xlsx",
    ]


def test_discover_missing_path_raises(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(DocumentError) as info:
        discover([tmp_path, missing])
    assert str(info.value) == f"{missing}: no such file or folder"
    assert discover([]) == []


def test_a_docx_whose_text_unpacks_far_beyond_its_size_is_refused_unparsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.loaders

    monkeypatch.setattr(index.loaders, "MAX_DOCX_XML_BYTES", 1024 * 1024)
    original = zipfile.ZipFile(io.BytesIO(make_docx("t")))
    paragraph = "<w:p><w:r><w:t>城市更新改造加快推进。</w:t></w:r></w:p>"
    body = original.read("word/document.xml").decode("utf-8")
    head, tail = body.split("<w:body>", 1)
    bomb = head + "<w:body>" + paragraph * 40_000 + tail  # 3.3 MB of ordinary paragraphs
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in original.infolist():
            text = bomb if info.filename == "word/document.xml" else original.read(info)
            archive.writestr(info.filename, text)
    assert len(out.getvalue()) < 100_000  # small on disk

    parsed: list[object] = []
    monkeypatch.setattr("docx.Document", lambda *a: parsed.append(a))  # must not be reached
    with pytest.raises(UnreadableDocument) as info:
        load_document(write(tmp_path, "bomb.docx", out.getvalue()))
    assert info.value.reason.startswith("its text parts unpack to 3.3 MB")
    assert "over the limit of 1.0 MB" in info.value.reason and not parsed


# --- mislabelled encodings ------------------------------------------------------------------


def test_a_page_declaring_the_wrong_charset_is_read_as_it_is_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    page = f'<meta charset="gb2312"><p>{TRADITIONAL}</p>'  # Big5 bytes, GB2312 declared
    doc = load_document(write(tmp_path, "mislabelled.html", page.encode("big5")))
    assert (doc.text, doc.encoding) == (TRADITIONAL, "big5")
    assert [r.getMessage() for r in caplog.records if r.name == "citeqa.index"] == [
        "mislabelled.html: declared as gb2312, its text is unlikely (mostly rare characters); "
        "read as big5 instead"
    ]


def test_a_short_gbk_file_that_is_valid_utf8_by_chance_is_read_as_gbk(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = "录取".encode("gbk")  # C2 BC C8 A1: also UTF-8 for "¼ȡ"
    assert data.decode("utf-8") == "¼ȡ"
    doc = load_document(write(tmp_path, "four.txt", data))
    assert (doc.text, doc.encoding) == ("录取", "gb18030")
    assert "four.txt: read as utf-8, its text is unlikely" in caplog.text


@pytest.mark.parametrize(
    ("name", "data", "text", "encoding"),
    [
        ("right.html", f'<meta charset="gb2312"><p>{SIMPLIFIED}</p>'.encode("gbk"), SIMPLIFIED,
         "gb18030"),
        ("cafe.txt", "café © 2021 ® naïve".encode(), "café © 2021 ® naïve", "utf-8"),
        ("short.txt", "你好".encode(), "你好", "utf-8"),
        ("big5.txt", TRADITIONAL.encode("big5"), TRADITIONAL, "big5"),
    ],
)  # fmt: skip
def test_well_labelled_text_is_read_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, data: bytes, text: str,
    encoding: str,
) -> None:  # fmt: skip
    doc = load_document(write(tmp_path, name, data))
    assert (doc.text, doc.encoding) == (text, encoding)
    assert not [r for r in caplog.records if r.name == "citeqa.index"]


# --- amplification --------------------------------------------------------------------------


def _docx_of(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


PARAGRAPH = "全市新建公园绿地十二处，人均公园绿地面积达到18.8平方米。" * 30  # 900 characters


def test_a_paragraph_repeated_thousands_of_times_is_kept_three_times(tmp_path: Path) -> None:
    data = _docx_of(["一、绿地", *[PARAGRAPH] * 3000, "二、结语"])  # 68 KB, 2.7 M characters
    doc = load_document(write(tmp_path, "flood.docx", data))
    assert doc.text == "\n".join(["一、绿地", PARAGRAPH, PARAGRAPH, PARAGRAPH, "二、结语"])
    page = "".join(f"<p>{line}</p>" for line in ["标题", *[PARAGRAPH] * 50, "短句", "短句"] * 2)
    html = load_document(write(tmp_path, "flood.html", page.encode()))
    assert [line for line in html.text.split("\n") if line] == ["标题", PARAGRAPH, PARAGRAPH, PARAGRAPH, "短句", "短句"] + [
        "标题", "短句", "短句",
    ]  # fmt: skip


def test_a_file_that_unpacks_far_beyond_its_size_is_refused(tmp_path: Path) -> None:
    data = _docx_of([f"{i}{PARAGRAPH}" for i in range(1500)])  # 57 KB, 1.35 M characters
    with pytest.raises(UnreadableDocument) as refused:
        load_document(write(tmp_path, "bomb.docx", data))
    assert refused.value.reason == (
        f"its {len(data):,} bytes unpack to 1,356,389 characters of text, over the limit of 20 a "
        f"byte ({len(data) * 20:,}): a file this repetitive is refused"
    )


def test_a_document_of_too_much_text_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index import loaders

    monkeypatch.setattr(loaders, "MAX_TEXT_CHARS", 1_000)
    text = "".join(chr(0x4E00 + i) for i in range(1_500))
    with pytest.raises(UnreadableDocument) as refused:
        load_document(write(tmp_path, "long.txt", text.encode()))
    assert refused.value.reason == (
        "its text is 1,500 characters long, over the limit of 1,000 for one document; split it"
    )
