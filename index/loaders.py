"""Read files into ``LoadedDocument``: plain text, Markdown, HTML, PDF and Word (.docx).

The text a loader returns is the ORIGINAL that citations point into, so loaders only decode and
extract; cleaning happens later. Newlines are normalised to ``\\n`` in every format.

A file may not make much more text than its size warrants: at most MAX_CHARS_PER_BYTE
characters for each of its bytes (a compressed Word file of one paragraph repeated can unpack
a thousandfold) and MAX_TEXT_CHARS in all. A paragraph of a Word file or web page repeated
more than MAX_REPEATS times is kept MAX_REPEATS times.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from index.decoding import decode_text, normalise_newlines
from index.documents import LoadedDocument
from index.errors import DocumentError, EmptyDocument, UnreadableDocument, UnsupportedFileType

if TYPE_CHECKING:
    from docx.table import Table

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_CHARS_PER_BYTE = 20
MAX_TEXT_CHARS = 5_000_000  # about 25,000 passages of 200 characters
MAX_REPEATS = 3  # copies kept of a paragraph (of at least REPEAT_MIN_CHARS) repeated more
REPEAT_MIN_CHARS = 20
TITLE_MAX_CHARS = 100
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: folders expanded recursively in sorted order, files kept as given.

    Hidden files and folders (names starting with ``.``) inside a folder are skipped.
    Unsupported files are returned too, so the caller can report them as skipped.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise DocumentError(path, "no such file or folder")
        if not path.is_dir():
            found.append(path)
            continue
        inside: list[Path] = []
        for folder, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            base = Path(folder)
            inside += [base / f for f in files if not f.startswith(".") and (base / f).is_file()]
        found += sorted(inside, key=lambda p: p.relative_to(path).parts)
    return list(dict.fromkeys(found))


def load_document(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedDocument:
    """Read one file into text, choosing the reader by its extension (case-insensitive).

    Raises UnsupportedFileType, UnreadableDocument (cannot be decoded or parsed, or is larger
    than ``max_bytes``) or EmptyDocument (no text once read).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        kind = f"'{suffix}' files" if suffix else "files without an extension"
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedFileType(path, f"cannot read {kind}; supported types are {supported}")
    reader, nothing_left = _READERS[suffix]
    data = _read_bytes(path, max_bytes)
    if not data:
        raise EmptyDocument(path, "the file is empty (0 bytes)")
    document = reader(path, data)
    if not document.text.strip():
        raise EmptyDocument(path, f"no text to index: {nothing_left}")
    _check_amplification(path, len(data), len(document.text))
    return document


def _check_amplification(path: Path, size: int, chars: int) -> None:
    """Refuse a file whose text is far larger than its bytes warrant, or too large at all."""
    budget = max(100_000, size * MAX_CHARS_PER_BYTE)
    if chars > budget:
        raise UnreadableDocument(
            path,
            f"its {_size(size)} unpack to {chars:,} characters of text, over the limit of "
            f"{MAX_CHARS_PER_BYTE} a byte ({budget:,}): a file this repetitive is refused",
        )
    if chars > MAX_TEXT_CHARS:
        raise UnreadableDocument(
            path,
            f"its text is {chars:,} characters long, over the limit of {MAX_TEXT_CHARS:,} for "
            "one document; split it",
        )


def collapse_repeats(blocks: list[str]) -> list[str]:
    """``blocks`` (paragraphs, lines) with each one of at least REPEAT_MIN_CHARS characters
    kept at most MAX_REPEATS times, in place of a flood of copies."""
    seen: dict[str, int] = {}
    kept: list[str] = []
    for block in blocks:
        key = block.strip()
        if len(key) >= REPEAT_MIN_CHARS:
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > MAX_REPEATS:
                continue
        kept.append(block)
    return kept


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            limit = f"over the limit of {_size(max_bytes)}; split it or raise max_bytes"
            raise UnreadableDocument(path, f"the file is {_size(size)}, {limit}")
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(path, f"cannot read the file: {exc.strerror or exc}") from exc


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _title(candidate: str | None, path: Path) -> str:
    title = " ".join((candidate or "").split())
    return title[:TITLE_MAX_CHARS] if title else path.stem


def _first_line(text: str) -> str | None:
    return next((line for line in text.split("\n") if line.strip()), None)


# --- readers --------------------------------------------------------------------------------


def _read_text(path: Path, data: bytes) -> LoadedDocument:
    text, encoding = decode_text(path, data)
    return LoadedDocument(path, _title(_first_line(text), path), text, "text/plain", encoding)


_MD_HEADING = re.compile(r"#[ \t]+(.*?)[ \t#]*")


def _read_markdown(path: Path, data: bytes) -> LoadedDocument:
    text, encoding = decode_text(path, data)
    heading, in_code = None, False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        elif not in_code and (match := _MD_HEADING.fullmatch(line.strip())):
            heading = match.group(1)
            break
    title = heading or (_first_line(text) or "").lstrip("#")
    return LoadedDocument(path, _title(title, path), text, "text/markdown", encoding)


_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_HTML_DROP = frozenset({"script", "style", "nav", "footer", "noscript", "template", "title"})
_BLOCK_NAMES = (
    "address article aside blockquote caption dd details div dl dt fieldset figcaption figure "
    "form h1 h2 h3 h4 h5 h6 header hr li main ol p pre section summary table td th tr ul"
)
_HTML_BLOCKS = frozenset(_BLOCK_NAMES.split())
# What an HTML page may hold. A long report as one page has some ten thousand tags, nested some
# tens deep; a file far past these is a generated or hostile one, refused before it is parsed.
MAX_HTML_TAGS = 250_000
MAX_HTML_DEPTH = 1_000


def _read_html(path: Path, data: bytes) -> LoadedDocument:
    from bs4 import BeautifulSoup

    tags = data.count(b"<")
    if tags > MAX_HTML_TAGS:
        raise UnreadableDocument(
            path, f"it holds {tags:,} tags, over the limit of {MAX_HTML_TAGS:,} for a web page"
        )
    declared = _META_CHARSET.search(data[:4096])
    raw, encoding = decode_text(path, data, declared.group(1).decode("ascii") if declared else None)
    soup = BeautifulSoup(raw, "html.parser")
    title_tag = soup.find("title") or soup.find("h1")
    title = title_tag.get_text(" ") if title_tag else None
    lines: list[str] = []
    for line in collapse_repeats(_visible_text(path, soup).split("\n")):
        if line.strip() or (lines and lines[-1]):
            lines.append(line.strip())
    text = "\n".join(lines).strip("\n")
    return LoadedDocument(path, _title(title, path), text, "text/html", encoding)


def _visible_text(path: Path, soup: object) -> str:
    """The text a reader sees, block boundaries as line breaks: scripts, styles, navigation,
    footers and a page's own header (not an article's) left out. One pass over the tree, with
    no recursion, so a deeply nested page costs what a flat one does."""
    from bs4 import CData, NavigableString, Tag

    out: list[str] = []
    # (node, depth, leaving); ``inside`` counts the open <article>/<main> elements
    stack: list[tuple[object, int, bool]] = [(soup, 0, False)]
    inside = 0
    while stack:
        node, depth, leaving = stack.pop()
        if type(node) in (NavigableString, CData):
            out.append(str(node))
            continue
        if not isinstance(node, Tag):  # comments, doctypes, processing instructions
            continue
        name = node.name
        if leaving:
            inside -= name in ("article", "main")
            out.append("\n")
            continue
        if depth > MAX_HTML_DEPTH:
            raise UnreadableDocument(
                path, f"its elements nest over {MAX_HTML_DEPTH:,} deep, more than a page does"
            )
        if name in _HTML_DROP or (name == "header" and not inside):
            continue
        if name == "br":
            out.append("\n")
            continue
        if name in _HTML_BLOCKS:
            out.append("\n")
            inside += name in ("article", "main")
            stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in reversed(node.contents))
    return "".join(out)


# Metadata titles that PDF producers write when the author gave none.
_PDF_NO_TITLE = re.compile(r"\(?(untitled|anonymous)\b.*|无标题.*", re.I)
_PDF_WORD_TITLE = re.compile(r"Microsoft Word - (.*?)(\.docx?)?", re.I)


# A PDF of more pages than a long report has, or whose text takes longer than this to read
# (a page of millions of tiny text objects), is refused rather than read for minutes.
MAX_PDF_PAGES = 5_000
MAX_PDF_SECONDS = 120


def _read_pdf(path: Path, data: bytes) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(
                path,
                "the PDF is encrypted with a password; save an unprotected copy and ingest that",
            )
        count = len(reader.pages)
        if count > MAX_PDF_PAGES:
            raise UnreadableDocument(
                path, f"it has {count:,} pages, over the limit of {MAX_PDF_PAGES:,}; split it"
            )
        deadline = time.monotonic() + MAX_PDF_SECONDS
        pages = []
        for number, page in enumerate(reader.pages, start=1):
            if time.monotonic() > deadline:
                raise UnreadableDocument(
                    path,
                    f"reading its text took over {MAX_PDF_SECONDS} s (stopped at page {number} "
                    f"of {count}); split it, or save it again from a PDF viewer",
                )
            pages.append(normalise_newlines(page.extract_text() or ""))
        title = reader.metadata.title if reader.metadata is not None else None
    except DocumentError:
        raise
    except DependencyError as exc:
        raise UnreadableDocument(path, f"the PDF is encrypted and cannot be opened: {exc}") from exc
    except Exception as exc:
        raise UnreadableDocument(
            path,
            f"not a readable PDF ({type(exc).__name__}: {exc}); "
            "check that the file is complete and opens in a PDF viewer",
        ) from exc
    text, starts = "", []
    for page_text in pages:
        if text and not text.endswith("\n"):  # one line break between pages, never a blank line
            text += "\n"
        starts.append(len(text))
        text += page_text
    if not text.strip():
        raise EmptyDocument(
            path,
            f"no extractable text on its {len(pages)} page(s); a scanned "
            "PDF needs OCR before it can be ingested",
        )
    title = title.strip() if isinstance(title, str) else ""
    if _PDF_NO_TITLE.fullmatch(title):
        title = ""
    elif word := _PDF_WORD_TITLE.fullmatch(title):
        title = word.group(1)
    return LoadedDocument(
        path, _title(title, path), text, "application/pdf", page_starts=tuple(starts)
    )


# What the XML parts of a .docx may unpack to. A report of some hundred pages holds a few MB;
# a small file whose XML unpacks to hundreds of MB (a "zip bomb") would take tens of GB to parse.
MAX_DOCX_XML_BYTES = 64 * 1024 * 1024


def _check_docx_size(path: Path, data: bytes) -> None:
    """Refuse a .docx whose XML parts unpack to more than MAX_DOCX_XML_BYTES. The sizes are
    the archive's own; the zip reader stops at them, so an entry cannot unpack to more."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(
                info.file_size
                for info in archive.infolist()
                if info.filename.endswith((".xml", ".rels"))
            )
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UnreadableDocument(
            path,
            f"not a readable Word .docx file ({exc}); an old .doc file must be re-saved as .docx",
        ) from exc
    if unpacked > MAX_DOCX_XML_BYTES:
        raise UnreadableDocument(
            path,
            f"its text parts unpack to {_size(unpacked)}, over the limit of "
            f"{_size(MAX_DOCX_XML_BYTES)} for a Word document's text; split the document",
        )


def _read_docx(path: Path, data: bytes) -> LoadedDocument:
    import docx
    from docx.text.paragraph import Paragraph

    _check_docx_size(path, data)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        paragraphs: list[str] = []
        for item in document.iter_inner_content():  # paragraphs and tables in document order
            if isinstance(item, Paragraph):
                blocks.append(item.text)
                paragraphs.append(item.text)
            else:
                blocks += _table_rows(item)
        title = document.core_properties.title or _first_line("\n".join(paragraphs))
    except Exception as exc:
        raise UnreadableDocument(
            path,
            f"not a readable Word .docx file ({type(exc).__name__}: "
            f"{exc}); an old .doc file must be re-saved as .docx",
        ) from exc
    text = normalise_newlines("\n".join(collapse_repeats(blocks)))
    return LoadedDocument(path, _title(title, path), text, DOCX_MEDIA_TYPE)


def _table_rows(table: Table) -> list[str]:
    """One line per row, cells separated by tabs; a merged cell is written once."""
    rows: list[str] = []
    for row in table.rows:
        cells = list({id(cell._tc): cell.text for cell in row.cells}.values())
        rows.append("\t".join(cells))
    return rows


_ONLY_WHITESPACE = "it holds only whitespace"
_NOTHING_VISIBLE = "nothing visible once scripts, styles and navigation are dropped"
_READERS: dict[str, tuple[Callable[[Path, bytes], LoadedDocument], str]] = {
    ".txt": (_read_text, _ONLY_WHITESPACE),
    ".md": (_read_markdown, _ONLY_WHITESPACE),
    ".markdown": (_read_markdown, _ONLY_WHITESPACE),
    ".html": (_read_html, _NOTHING_VISIBLE),
    ".htm": (_read_html, _NOTHING_VISIBLE),
    ".pdf": (_read_pdf, "its pages hold only whitespace"),
    ".docx": (_read_docx, "its paragraphs and tables are empty"),
}
