"""Repair the artefacts of extracted Chinese documents, keeping a map back to the original.

Every rule here is a deletion or a one-for-one replacement, applied through ``MappedText.sub``,
so each character of the cleaned text knows the offset of the character it came from.
The rules follow what real documents look like (see DESIGN.md):

- per-character pinyin glosses in parentheses (``產(chǎn)業(yè)`` -> ``產業``)
- editor / notice / footer boilerplate lines (``編者按:`` ``特別聲明:`` ``Notice: The content above``)
- a PDF's running header, the same line atop every page
- page-continuation markers (``（上接一版）`` ``（下转四版）``) and page-number lines (``— 2 —``)
- text spaced out character by character (``政 府 工 作 报 告``) and full-width spaces in numbers
- hard line breaks inside sentences (PDF extraction), joined without a space between CJK
- stray whitespace: trailing spaces, runs of blank lines

Headings (``一、`` ``（一）`` ``一是`` ``第一章`` ``# ``) are found in the cleaned text, so a chunk
can cite the section it stands in.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from index.chars import CJK, CJK_PUNCT, NUM_ZH
from index.glosses import GLOSS, is_glossed

_BOILERPLATE_LINE = re.compile(
    r"^[ \t\u3000]*(?:"
    r"(?:编者按|編者按|特别声明|特別聲明|免责声明|免責聲明)[:：].*"
    r"|(?:责任编辑|責任編輯|编辑|編輯|校对|校對|审核|審核|监督|監督|投稿|来源|來源|"
    r"数据来源|數據來源|作者|记者|記者|原标题|原標題)[:：].{0,60}"
    r"|Notice: The content above.*"
    r"|.*(?:仅提供信息存储服务|僅提供信息存儲服務).*"
    r")[ \t\u3000]*(?:\n|$)",
    re.MULTILINE,
)

# a page number on a line of its own, as official documents print it (— 2 —, - 3 -, 第2页 共5页):
# removed with its line break, so that the lines either side join as the page break split them
_PAGE_NUMBER_LINE = re.compile(
    r"^[ \t\u3000]*(?:[—–\-－─]{1,2}[ \t\u3000]*\d{1,4}[ \t\u3000]*[—–\-－─]{1,2}"
    r"|第[ \t\u3000]*\d{1,4}[ \t\u3000]*[页頁](?:[ \t\u3000]*[,，/／]?[ \t\u3000]*共"
    r"[ \t\u3000]*\d{1,4}[ \t\u3000]*[页頁])?)[ \t\u3000]*(?:\n|$)",
    re.MULTILINE,
)
_PAGE_MARKER = re.compile(
    rf"[（(][ \u3000]*(?:上接|下转|下轉|接上|转|轉|接)[ \u3000]*第?[{NUM_ZH}\d]+[ \u3000]*[版页頁]"
    r"[ \u3000]*[）)]"
)

# A run of at least three single characters (or digit groups) separated by single spaces:
# ``政 府 工 作 报 告``, ``达 161 亿 元 ， 增 长``. Phrases separated by a space (``重塑动力源 培育新引擎``)
# are left alone.
_SPACED_TOKEN = rf"(?:[{CJK}{CJK_PUNCT}]|\d+(?:\.\d+)?%?)"
_SPACED_RUN = re.compile(rf"{_SPACED_TOKEN}(?:[ \u3000]{_SPACED_TOKEN}){{2,}}")
_INNER_SPACE = re.compile(r"[ \u3000]")
_NUMBER_SPACE = re.compile(r"(?<=\d)\u3000+(?=\d)")
# a space between a number and a Chinese character (``28 万亩``, ``第 3 章``): PDF extraction's
# or typesetting's, removed wherever it stands, as inside a spaced-out run (``达 209 万吨``)
_DIGIT_CJK_SPACE = re.compile(rf"(?<=\d)[ \u3000]+(?=[{CJK}])|(?<=[{CJK}])[ \u3000]+(?=\d)")
# … but not before a heading's marker: in a notice published as one line, the space is all
# that parts ``…（莼民规〔2023〕4号） 三、救助对象`` (index/roles.part_spans)
_PUNCT_SPACE = re.compile(
    rf"(?<=[{CJK_PUNCT}])[ \u3000]+(?=[{CJK}])(?![{NUM_ZH}]+、|第[{NUM_ZH}\d]+[章条條节節])"
)

_TERMINAL = set('。！？!?；;：:…」』”"')
# a page's width (looks_hard_wrapped), measured on the notice sets' printed documents (widths
# 31–37, rules among them) and the seeds: the commonest line length, at least MIN_PAGE_WIDTH,
# within PAGE_SLACK, held by PAGE_LINES of the lines, PAGE_OPEN of them open-ended, and no
# more than a tenth of the lines longer (a report's headings share a length, its paragraphs
# run past it)
MIN_PAGE_WIDTH = 20
PAGE_SLACK = 2
PAGE_LINES = 0.3
PAGE_OPEN = 0.7
PAGE_WITHIN = 0.9
_CLAUSE_MARK = re.compile(r"[，,；;：:]")
_LINE_EDGE_SPACE = re.compile(r"[ \t\u3000\u00a0]+(?=\n|$)|(?:(?<=\n)|^)[ \t\u3000\u00a0]+")
_BLANK_RUN = re.compile(r"\n{3,}")

HEADING_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(r"#{1,6}[ \t]+(?P<title>.+)")),
    (1, re.compile(rf"第[{NUM_ZH}\d]+[章篇部分](?P<title>.*)")),
    (1, re.compile(rf"[{NUM_ZH}]+、(?P<title>.+)")),
    (2, re.compile(rf"[（(][{NUM_ZH}]+[）)](?P<title>.+)")),
    (3, re.compile(rf"(?:[{NUM_ZH}]+是|第[{NUM_ZH}]+[，,、])(?P<title>.+)")),
)
# a line that ends a notice's part even without a sentence's end: its title (…的通知), its
# document number (〔2024〕11号) or a date (2024-07-02, 2024年6月28日)
# the kinds of document an official title ends with (…的通知, …实施方案), in either script
DOCUMENT_KINDS = (
    "通知|意见|意見|办法|辦法|方案|细则|細則|规定|規定|决定|決定|公告|通告|通报|通報|批复|批覆|函|"
    "规划|規劃|措施|指引|指南|条例|條例|报告|報告|纪要|紀要"
)
_ENDS_PART = re.compile(
    rf"(?:的|之)(?:{DOCUMENT_KINDS})\s*$"
    r"|[〕\]］】)）]\s*\d+\s*[号號]\s*$"
    r"|\d{4}\s*(?:-\s*\d{1,2}\s*-\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*$"
)
_TITLE_KIND = re.compile(rf"(?:{DOCUMENT_KINDS})\s*$")
_PREAMBLE_OPENS = re.compile(r"(?:为|為|根据|根據|按照|依据|依據)")
_HEADING_START = re.compile(
    rf"(?:#{{1,6}}[ \t]|第[{NUM_ZH}\d]+[章篇部分]|[{NUM_ZH}]+、|[（(][{NUM_ZH}]+[）)]|[{NUM_ZH}]+是)"
)
MAX_HEADING_CHARS = 40


@dataclass
class MappedText:
    """Text whose every character carries the offset of the original character it came from."""

    text: str
    origin: list[int]

    @classmethod
    def of(cls, text: str) -> MappedText:
        return cls(text, list(range(len(text))))

    def sub(self, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> None:
        """Replace matches in place. A replacement character inherits the origin of the matched
        character at the same position (or of the last one, if the replacement is longer), so
        use it for deletions and one-for-one replacements; ``delete`` removes scattered spans."""
        parts: list[str] = []
        origin: list[int] = []
        last = 0
        for m in pattern.finditer(self.text):
            start, end = m.span()
            new = repl if isinstance(repl, str) else repl(m)
            parts.append(self.text[last:start])
            origin.extend(self.origin[last:start])
            parts.append(new)
            if new:
                span = self.origin[start:end] or [self._origin_at(start)]
                origin.extend(span[min(i, len(span) - 1)] for i in range(len(new)))
            last = end
        if last == 0 and not parts:
            return
        parts.append(self.text[last:])
        origin.extend(self.origin[last:])
        self.text = "".join(parts)
        self.origin = origin

    def delete(self, spans: list[tuple[int, int]]) -> None:
        """Remove the given sorted, non-overlapping ``[start, end)`` spans."""
        if not spans:
            return
        keep_text: list[str] = []
        keep_origin: list[int] = []
        last = 0
        for start, end in spans:
            keep_text.append(self.text[last:start])
            keep_origin.extend(self.origin[last:start])
            last = end
        keep_text.append(self.text[last:])
        keep_origin.extend(self.origin[last:])
        self.text = "".join(keep_text)
        self.origin = keep_origin

    def _origin_at(self, pos: int) -> int:
        if pos < len(self.origin):
            return self.origin[pos]
        return self.origin[-1] + 1 if self.origin else 0


@dataclass(frozen=True)
class Heading:
    start: int
    level: int
    title: str


@dataclass(frozen=True)
class CleanText:
    """The cleaned text of a document, its map to the original, and its headings."""

    text: str
    origin: list[int] = field(repr=False)
    headings: tuple[Heading, ...] = ()
    original_length: int = 0

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original character span that the cleaned span ``[start, end)`` came from."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(
                f"span [{start}, {end}) is outside the cleaned text of {len(self.text)}"
            )
        return self.origin[start], self.origin[end - 1] + 1

    def section_at(self, pos: int) -> str | None:
        """The heading path (``一、… › （一）…``) in force at cleaned offset ``pos``."""
        starts = [h.start for h in self.headings]
        i = bisect_right(starts, pos)
        path: dict[int, str] = {}
        for h in self.headings[:i]:
            path = {lvl: t for lvl, t in path.items() if lvl < h.level}
            path[h.level] = h.title
        return " › ".join(path[k] for k in sorted(path)) or None


def clean(text: str) -> CleanText:
    """Apply every repair rule to ``text`` and find its headings."""
    mt = _without_carriage_returns(text) if "\r" in text else MappedText.of(text)
    strip_pinyin_glosses(mt)
    mt.sub(_BOILERPLATE_LINE, "")
    mt.sub(_PAGE_MARKER, "")
    mt.sub(_PAGE_NUMBER_LINE, "")
    drop_running_headers(mt)
    join_spaced_characters(mt)
    mt.sub(_LINE_EDGE_SPACE, "")
    join_broken_lines(mt)
    mt.sub(_BLANK_RUN, "\n\n")
    _strip_ends(mt)
    return CleanText(mt.text, mt.origin, find_headings(mt.text), len(text))


# a page's running header (the issuer, the gazette's name and issue): the same short line,
# at least three times, every page or so apart (a flattened table's repeated cells stand closer)
_MIN_HEADER_REPEATS = 3
_MIN_HEADER_GAP = 10  # lines
_HEADER_CHARS = (4, 40)


def drop_running_headers(mt: MappedText) -> None:
    """Remove the lines a PDF repeats at the top of every page: in the text they cut sentences
    and sections apart (``…建立工作臺賬。 槲沚縣退役軍人事務局 （二）…``), and the first, atop
    page one, would run into the title below it."""
    lines = mt.text.split("\n")
    seen: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        key = line.strip()
        if _HEADER_CHARS[0] <= len(key) <= _HEADER_CHARS[1] and key[-1] not in "。；;！!？?，,":
            seen.setdefault(key, []).append(i)
    headers = {
        key
        for key, at in seen.items()
        if len(at) >= _MIN_HEADER_REPEATS
        and min(b - a for a, b in zip(at, at[1:], strict=False)) >= _MIN_HEADER_GAP
    }
    if not headers:
        return
    pattern = re.compile(
        rf"^[ \t\u3000]*(?:{'|'.join(re.escape(h) for h in headers)})[ \t\u3000]*(?:\n|$)",
        re.MULTILINE,
    )
    mt.sub(pattern, "")


def strip_pinyin_glosses(mt: MappedText) -> None:
    """``產(chǎn)業(yè)`` -> ``產業``, only in a document that carries several toned glosses
    (``index/glosses.py``)."""
    if is_glossed(mt.text):
        mt.sub(GLOSS, "")


def join_spaced_characters(mt: MappedText) -> None:
    """``政 府 工 作 报 告`` -> ``政府工作报告``; ``1　038`` -> ``1038``; ``28 万亩`` -> ``28万亩``;
    ``（三） 加快`` -> ``（三）加快``."""
    mt.delete(
        [
            (run.start() + space.start(), run.start() + space.end())
            for run in _SPACED_RUN.finditer(mt.text)
            for space in _INNER_SPACE.finditer(run.group())
        ]
    )
    mt.sub(_NUMBER_SPACE, "")
    mt.sub(_DIGIT_CJK_SPACE, "")
    mt.sub(_PUNCT_SPACE, "")


def looks_hard_wrapped(text: str) -> bool:
    """True when most lines stop mid-sentence, as in text extracted from a PDF page, or when
    the lines fill a page's width (``_fills_page_width``)."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(lines) < 4:
        return False
    open_ended = sum(1 for ln in lines if ln[-1] not in _TERMINAL)
    return open_ended / len(lines) > 0.5 or _fills_page_width(lines)


def _fills_page_width(lines: list[str]) -> bool:
    """Many lines (PAGE_LINES) run to one width, none of the rest much past it, and most of
    those that reach it stop mid-sentence (PAGE_OPEN): a printed page. A rule's articles end
    in 。 every line or two (第三条…担任。), so half its lines may end a sentence, and it is
    missed by the count of open lines alone; a report's paragraphs run far past the length its
    headings share."""
    width = Counter(len(ln) for ln in lines).most_common(1)[0][0]
    if width < MIN_PAGE_WIDTH:
        return False
    # half-width letters and digits count half on the page: a full line may run a little long
    full = [ln for ln in lines if abs(len(ln) - width) <= PAGE_SLACK]
    within = sum(1 for ln in lines if len(ln) <= width + PAGE_SLACK)
    open_full = sum(1 for ln in full if ln[-1] not in _TERMINAL)
    return (
        len(full) >= PAGE_LINES * len(lines)
        and open_full >= PAGE_OPEN * len(full)
        and within >= PAGE_WITHIN * len(lines)
    )


def join_broken_lines(mt: MappedText) -> None:
    """Join lines broken inside a sentence. Between two CJK characters the break disappears;
    between two Latin words it becomes a space. Paragraph breaks (blank lines), lines that end
    a sentence and lines that start a heading are kept."""
    if not looks_hard_wrapped(mt.text):
        return
    text = mt.text
    lengths = sorted(len(ln) for ln in text.split("\n") if ln)
    short = 0.6 * lengths[len(lengths) // 2]

    def join(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() > 0 else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if not before or not after or before in _TERMINAL:
            return m.group()
        line_start = text.rfind("\n", 0, m.start()) + 1
        line = text[line_start : m.start()]
        if m.start() - line_start < short or (
            is_heading_line(line) and not _CLAUSE_MARK.search(line)
        ):
            return m.group()  # a short line, or a heading's (however short the page's lines)
        if _ENDS_PART.search(text, line_start, m.start()):
            return m.group()
        if _TITLE_KIND.search(text, line_start, m.start()) and _PREAMBLE_OPENS.match(text, m.end()):
            return m.group()  # a forwarded document's title (…工作方案), then its preamble (为…)
        if _HEADING_START.match(text, m.end()):
            return m.group()
        if before == "-" and after.isalpha():
            return ""
        if before.isascii() and before.isalnum() and after.isascii() and after.isalnum():
            return " "
        return ""

    mt.sub(re.compile(r"(?<!\n)\n(?!\n)"), join)


def is_heading_line(text: str) -> bool:
    """A short line that opens with a heading marker (``一、`` ``（一）`` ``一是`` ...)."""
    text = text.strip()
    return bool(_HEADING_START.match(text)) and len(text) <= MAX_HEADING_CHARS // 2


def find_headings(text: str) -> tuple[Heading, ...]:
    """Headings at the start of a line: ``一、`` (1), ``（一）`` (2), ``一是`` (3), ``第一章``, ``#``."""
    headings: list[Heading] = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        for level, pattern in HEADING_PATTERNS:
            m = pattern.match(stripped)
            if m:
                headings.append(Heading(pos, level, _heading_title(stripped, level)))
                break
        pos += len(line) + 1
    return tuple(headings)


def _heading_title(line: str, level: int) -> str:
    """A heading line often runs on into its paragraph: keep its first sentence (for ``一是``,
    its first clause), at most MAX_HEADING_CHARS characters."""
    stops = "。；;！？!?" + ("，,：:" if level == 3 else "")
    end = next((i for i, ch in enumerate(line) if ch in stops), len(line))
    title = line[:end].strip().lstrip("#").strip()
    return title if len(title) <= MAX_HEADING_CHARS else title[: MAX_HEADING_CHARS - 1] + "…"


def _strip_ends(mt: MappedText) -> None:
    n = len(mt.text)
    lead = n - len(mt.text.lstrip())
    trail = len(mt.text.rstrip())
    if lead or trail < n:
        mt.text = mt.text[lead:trail]
        mt.origin = mt.origin[lead:trail]


def _without_carriage_returns(text: str) -> MappedText:
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch == "\r":
            if i + 1 < len(text) and text[i + 1] == "\n":
                continue
            ch = "\n"
        chars.append(ch)
        origin.append(i)
    return MappedText("".join(chars), origin)
