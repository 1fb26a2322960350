"""Read files into ``LoadedDocument``: plain text, Markdown, HTML, PDF and Word (.docx).

The text a loader returns is the ORIGINAL that citations point into, so loaders only decode and
extract; cleaning happens later. Newlines are normalised to ``\\n`` everywhere.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from index.documents import LoadedDocument
from index.errors import DocumentError, EmptyDocument, UnreadableDocument, UnsupportedFileType

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
)
if TYPE_CHECKING:
    from docx.table import Table

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
TITLE_MAX_CHARS = 100

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Legacy Chinese encodings tried when a file is not UTF-8, in order of preference on a tie.
# gb18030 decodes GB2312 and GBK too; cp950 and big5hkscs are tried only if plain big5 fails.
_CHINESE_ENCODINGS = ("gb18030", "big5", "cp950", "big5hkscs")
_MIN_PLAUSIBILITY = 0.5  # share of non-ASCII characters that must be common Chinese text
_SAMPLE_CHARS = 20_000


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

    Raises UnsupportedFileType, UnreadableDocument (cannot decode or parse, or larger than
    ``max_bytes``) or EmptyDocument (no text once read).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        kind = f"'{suffix}' files" if suffix else "files without an extension"
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedFileType(path, f"cannot read {kind}; supported types are {supported}")
    data = _read_bytes(path, max_bytes)
    if not data:
        raise EmptyDocument(path, "the file is empty (0 bytes)")
    document = reader(path, data)
    if not document.text.strip():
        reason = _NO_TEXT.get(suffix, "it holds only whitespace")
        raise EmptyDocument(path, f"no text to index: {reason}")
    return document


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableDocument(
                path,
                f"the file is {_size(size)}, over the limit of {_size(max_bytes)}; "
                "split it or raise max_bytes",
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise UnreadableDocument(path, "no such file") from None
    except IsADirectoryError:
        raise UnreadableDocument(path, "is a folder, not a file") from None
    except OSError as exc:
        raise UnreadableDocument(path, f"cannot read the file: {exc.strerror or exc}") from exc


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _title(candidate: str | None, path: Path) -> str:
    title = " ".join((candidate or "").split())
    return title[:TITLE_MAX_CHARS] if title else path.stem


def _first_line(lines: Iterable[str]) -> str | None:
    return next((line for line in lines if line.strip()), None)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- decoding -------------------------------------------------------------------------------


def _decode(path: Path, data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes to (text, encoding name): BOM, then a declared charset, then UTF-8, then
    the most plausible Chinese encoding, then charset-normalizer for anything else."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise UnreadableDocument(
                    path, f"starts with a {name} byte-order mark but is not valid {name} "
                    f"(bad bytes at offset {exc.start})") from exc
    if _looks_binary(data):
        raise UnreadableDocument(
            path, "looks like a binary file, not text (it contains NUL or control bytes)")
    if declared:
        decoded = _try_declared(data, declared)
        if decoded:
            return decoded
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    decoded = _best_chinese(data)
    if decoded:
        return decoded
    from charset_normalizer import from_bytes

    match = from_bytes(data).best()
    if match is None:
        raise UnreadableDocument(
            path, "cannot tell its text encoding: it is not UTF-8, GB18030/GBK or Big5 and "
            "looks like binary data; re-save it as UTF-8 text")
    return str(match), codecs.lookup(match.encoding).name


def _looks_binary(data: bytes) -> bool:
    sample = data[:65_536]
    if b"\x00" in sample:
        return True
    controls = sum(sample.count(bytes([b])) for b in (*range(1, 9), *range(14, 27), *range(28, 32)))
    return controls > len(sample) * 0.05


def _try_declared(data: bytes, declared: str) -> tuple[str, str] | None:
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        return None
    if name in ("gb2312", "gbk", "hz"):
        name = "gb18030"  # superset; pages labelled gb2312 routinely hold GBK characters
    try:
        return data.decode(name), name
    except UnicodeDecodeError:
        return None


def _best_chinese(data: bytes) -> tuple[str, str] | None:
    """Strict-decode with each Chinese encoding and keep the most plausible result.

    Statistical detectors mislabel short GBK or Big5 texts; the share of common characters is
    reliable even for a dozen characters, because a wrong decoding yields rare characters.
    """
    best: tuple[float, str, str] | None = None
    for name in _CHINESE_ENCODINGS:
        if name in ("cp950", "big5hkscs") and best is not None and best[1] == "big5":
            continue
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text[:_SAMPLE_CHARS])
        if best is None or score > best[0]:
            best = (score, name, text)
    if best is None or best[0] < _MIN_PLAUSIBILITY:
        return None
    return best[2], best[1]


def _plausibility(text: str) -> float:
    wide = [ch for ch in text if ord(ch) > 127]
    return sum(map(_is_common, wide)) / len(wide) if wide else 0.0


@lru_cache(maxsize=16_384)
def _is_common(ch: str) -> bool:
    """Common in real Chinese text: CJK punctuation, full-width forms, pinyin letters, or a
    level-1 (frequent) character of GB2312 (Simplified) or Big5 (Traditional)."""
    code = ord(ch)
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E or ch in "“”‘’…—·":
        return True
    if 0xC0 <= code <= 0x24F:  # Latin letters with tone marks, as in pinyin glosses
        return ch.isalpha()
    try:
        gb = ch.encode("gb2312")
        if len(gb) == 2 and 0xB0 <= gb[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        big5 = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    return len(big5) == 2 and 0xA440 <= int.from_bytes(big5, "big") <= 0xC67E


# --- readers --------------------------------------------------------------------------------


def _read_text(path: Path, data: bytes) -> LoadedDocument:
    text, encoding = _decode(path, data)
    text = _normalise_newlines(text)
    return LoadedDocument(path, _title(_first_line(text.split("\n")), path), text,
                          "text/plain", encoding)


_MD_HEADING = re.compile(r"#[ \t]+(.*?)[ \t#]*")


def _read_markdown(path: Path, data: bytes) -> LoadedDocument:
    text, encoding = _decode(path, data)
    text = _normalise_newlines(text)
    heading, in_code = None, False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        elif not in_code and (match := _MD_HEADING.fullmatch(line.strip())):
            heading = match.group(1)
            break
    if heading is None:
        heading = (_first_line(text.split("\n")) or "").lstrip("#")
    return LoadedDocument(path, _title(heading, path), text, "text/markdown", encoding)


_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_HTML_DROP = ("script", "style", "nav", "footer", "noscript", "template", "head", "title")
_HTML_BLOCKS = (
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
)


def _read_html(path: Path, data: bytes) -> LoadedDocument:
    from bs4 import BeautifulSoup

    declared = _META_CHARSET.search(data[:4096])
    raw, encoding = _decode(path, data, declared.group(1).decode("ascii") if declared else None)
    soup = BeautifulSoup(_normalise_newlines(raw), "html.parser")
    title_tag = soup.find("title") or soup.find("h1")
    title = title_tag.get_text(" ") if title_tag else None
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    for tag in soup.find_all("header"):  # a page header is chrome; an article's holds its title
        if tag.find_parent(["article", "main"]) is None:
            tag.decompose()
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    for tag in soup.find_all(_HTML_BLOCKS):  # block boundaries become line breaks, inline not
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines: list[str] = []
    for line in soup.get_text().split("\n"):
        line = line.strip()
        if line or (lines and lines[-1]):
            lines.append(line)
    text = "\n".join(lines).strip("\n")
    return LoadedDocument(path, _title(title, path), text, "text/html", encoding)


def _read_pdf(path: Path, data: bytes) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(
                path, "the PDF is encrypted with a password; save an unprotected copy and "
                "ingest that")
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata = reader.metadata
        meta_title = metadata.title if metadata is not None else None
    except DocumentError:
        raise
    except DependencyError as exc:
        raise UnreadableDocument(path, f"the PDF is encrypted and cannot be opened: {exc}") from exc
    except Exception as exc:
        raise UnreadableDocument(
            path, f"not a readable PDF ({type(exc).__name__}: {exc}); check that the file is "
            "complete and opens in a PDF viewer") from exc
    parts: list[str] = []
    starts: list[int] = []
    offset, ends_with_newline = 0, True
    for page_text in map(_normalise_newlines, pages):
        if not ends_with_newline:  # one line break between pages, never a blank line
            parts.append("\n")
            offset += 1
        starts.append(offset)
        parts.append(page_text)
        offset += len(page_text)
        if page_text:
            ends_with_newline = page_text.endswith("\n")
    text = "".join(parts)
    if not text.strip():
        raise EmptyDocument(
            path, f"no extractable text on its {len(pages)} page(s); a scanned PDF needs OCR "
            "before it can be ingested")
    title = meta_title if isinstance(meta_title, str) else None
    return LoadedDocument(path, _title(title, path), text, "application/pdf",
                          page_starts=tuple(starts))


def _read_docx(path: Path, data: bytes) -> LoadedDocument:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        paragraphs: list[str] = []
        for item in document.iter_inner_content():  # paragraphs and tables in document order
            if isinstance(item, Table):
                blocks += _table_rows(item)
            else:
                blocks.append(item.text)
                paragraphs.append(item.text)
        core_title = document.core_properties.title
    except Exception as exc:
        raise UnreadableDocument(
            path, f"not a readable Word .docx file ({type(exc).__name__}: {exc}); an old .doc "
            "file must be re-saved as .docx") from exc
    text = _normalise_newlines("\n".join(blocks))
    title = core_title or _first_line(paragraphs)
    return LoadedDocument(path, _title(title, path), text, DOCX_MEDIA_TYPE)


def _table_rows(table: Table) -> list[str]:
    """One line per row, cells separated by tabs; a merged cell is written once."""
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text)
        rows.append("\t".join(cells))
    return rows


_NO_TEXT = {
    ".html": "nothing visible once scripts, styles and navigation are dropped",
    ".htm": "nothing visible once scripts, styles and navigation are dropped",
    ".docx": "its paragraphs and tables are empty",
}

_READERS: dict[str, Callable[[Path, bytes], LoadedDocument]] = {
    ".txt": _read_text,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
