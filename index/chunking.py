"""Cut a cleaned document into passages on sentence boundaries, each carrying its citation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.clean import CleanText
from index.documents import Chunk, LoadedDocument
from index.errors import InvalidInput
from index.normalise import search_form

# After a sentence-ending mark (with any closing quotes or brackets that follow it), at a line
# break, or between an English sentence's full stop and the next capitalised word.
_SENTENCE_END = re.compile(
    r"[。！？!?；;…]+[”’」』）)\"']*"
    r"|\n+"
    r"|(?<=[a-z0-9][.!?])\s+(?=[A-Z\"“])"
    r"|(?<=[\u4e00-\u9fff][.])(?=[\u4e00-\u9fff])"
)
_CLAUSE_END = re.compile(r"[，,、：:]")


@dataclass(frozen=True)
class ChunkingOptions:
    """``size``: the most characters a passage should hold (a single sentence longer than that
    is split at commas, then cut); ``overlap``: up to this many characters of whole sentences
    from the end of one passage start the next."""

    size: int = 200
    overlap: int = 0

    def __post_init__(self) -> None:
        if not 20 <= self.size <= 10_000:
            raise InvalidInput(f"chunk size of {self.size} is out of range; use 20 to 10000")
        if not 0 <= self.overlap < self.size // 2:
            raise InvalidInput(
                f"chunk overlap of {self.overlap} must be at least 0 and less than half the "
                f"chunk size ({self.size // 2})"
            )


def sentence_spans(text: str, max_len: int) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text``, none longer than ``max_len``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() if m.group().isspace() else m.end()
        spans.extend(_split_long(text, start, end, max_len))
        start = m.end()
    spans.extend(_split_long(text, start, len(text), max_len))
    return spans


def _split_long(text: str, start: int, end: int, max_len: int) -> list[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return []
    if end - start <= max_len:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    last_clause = None
    pos = start
    while pos < end:
        m = _CLAUSE_END.search(text, pos, end)
        clause_end = m.end() if m else end
        if clause_end - piece_start > max_len:
            if last_clause is not None and last_clause > piece_start:
                pieces.append((piece_start, last_clause))
                piece_start = last_clause
            while clause_end - piece_start > max_len:  # one clause longer than max_len: cut it
                pieces.append((piece_start, piece_start + max_len))
                piece_start += max_len
        last_clause = clause_end
        pos = clause_end
    if piece_start < end:
        pieces.append((piece_start, end))
    return pieces


def chunk_document(
    doc: LoadedDocument, cleaned: CleanText, doc_id: str, options: ChunkingOptions
) -> list[Chunk]:
    """Pack sentences into passages of at most ``options.size`` characters.

    A heading always starts a new passage, so a passage cites one section. A short tail is
    folded into the passage before it rather than left on its own.
    """
    text = cleaned.text
    sentences = sentence_spans(text, options.size)
    heading_starts = {h.start for h in cleaned.headings}
    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for span in sentences:
        starts_heading = span[0] in heading_starts
        too_long = current and span[1] - current[0][0] > options.size
        heading_only = all(s[0] in heading_starts for s in current)
        if current and ((starts_heading and not heading_only) or too_long):
            groups.append(current)
            current = [] if starts_heading else _overlap_tail(current, options.overlap)
        current.append(span)
    if current:
        groups.append(current)
    groups = _fold_short_tails(groups, heading_starts, options.size)

    chunks: list[Chunk] = []
    for group in groups:
        start, end = group[0][0], group[-1][1]
        passage = text[start:end]
        orig_start, orig_end = cleaned.to_original(start, end)
        chunks.append(
            Chunk(
                doc_id=doc_id,
                ordinal=len(chunks),
                text=passage,
                search_text=search_form(passage),
                char_start=orig_start,
                char_end=orig_end,
                section=cleaned.section_at(group[-1][0]),  # past any leading heading-only lines
                page=doc.page_at(orig_start),
            )
        )
    return chunks


def _overlap_tail(group: list[tuple[int, int]], overlap: int) -> list[tuple[int, int]]:
    tail: list[tuple[int, int]] = []
    for span in reversed(group[1:]):  # never repeat the whole previous passage
        if group[-1][1] - span[0] > overlap:
            break
        tail.insert(0, span)
    return tail


def _fold_short_tails(
    groups: list[list[tuple[int, int]]], heading_starts: set[int], size: int
) -> list[list[tuple[int, int]]]:
    folded: list[list[tuple[int, int]]] = []
    for group in groups:
        length = group[-1][1] - group[0][0]
        if (
            folded
            and length < size // 4
            and group[0][0] not in heading_starts
            and group[-1][1] - folded[-1][0][0] <= size * 3 // 2
        ):
            folded[-1] = folded[-1] + [s for s in group if s[0] >= folded[-1][-1][1]]
        else:
            folded.append(group)
    return folded
