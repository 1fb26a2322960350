"""A text file's bytes to text: as its byte-order mark or declared charset says, else as
UTF-8, else as the Chinese legacy encoding (GB18030/GBK, Big5) whose decoding is richest in
common characters, else as charset-normalizer guesses. Binary data is refused."""

from __future__ import annotations

import codecs
from functools import lru_cache
from pathlib import Path

from index.errors import UnreadableDocument

# Tried in this order when a file is not UTF-8; the first wins a tie. gb18030 also decodes
# GB2312 and GBK; cp950 and big5hkscs (Big5 supersets) only when plain big5 fails.
_CHINESE_ENCODINGS = ("gb18030", "big5", "cp950", "big5hkscs")
_MIN_PLAUSIBILITY = 0.5  # share of non-ASCII characters that must be common in Chinese text
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_BYTES = bytes([*range(1, 9), *range(14, 27), *range(28, 32)])


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(path: Path, data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text with \\n newlines, encoding name)."""
    text, encoding = _decode_raw(path, data, declared)
    return normalise_newlines(text), encoding


def _decode_raw(path: Path, data: bytes, declared: str | None) -> tuple[str, str]:
    """Decode as the byte-order mark says, else as the declared charset, else as UTF-8, else
    as the most plausible Chinese encoding, else as charset-normalizer guesses."""
    bom = next((name for mark, name in _BOMS if data.startswith(mark)), None)
    if bom and (decoded := _strict_decode(data, bom)):
        return decoded
    sample = data[:65_536]
    if b"\x00" in sample or sum(map(sample.count, _CONTROL_BYTES)) > len(sample) * 0.05:
        raise UnreadableDocument(path, "looks like a binary file, not text (NUL or control bytes)")
    for label in filter(None, (declared, "utf-8")):
        if decoded := _strict_decode(data, label):
            return decoded
    if decoded := _best_chinese(data):
        return decoded
    from charset_normalizer import from_bytes

    match = from_bytes(data).best()
    if match is None:
        reason = "not text in UTF-8, GB18030/GBK, Big5 or any other encoding; binary data?"
        raise UnreadableDocument(path, f"{reason} If it is text, re-save it as UTF-8")
    return str(match), codecs.lookup(match.encoding).name


def _strict_decode(data: bytes, encoding: str) -> tuple[str, str] | None:
    try:
        name = codecs.lookup(encoding).name
        if name in ("gb2312", "gbk"):
            name = "gb18030"  # the superset: text labelled gb2312 routinely holds GBK characters
        return data.decode(name), name
    except (LookupError, UnicodeDecodeError):
        return None


def _best_chinese(data: bytes) -> tuple[str, str] | None:
    """Strict-decode with each Chinese encoding and keep the text richest in common characters.

    Statistical detectors mislabel short GBK or Big5 texts; decoding with the wrong table yields
    rare characters and symbols, which tells even a handful of characters apart."""
    best: tuple[float, str, str] | None = None
    for name in _CHINESE_ENCODINGS:
        if name in ("cp950", "big5hkscs") and best is not None and best[1] == "big5":
            continue
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        wide = [ch for ch in text[:20_000] if ord(ch) > 127]
        score = sum(map(_is_common, wide)) / len(wide) if wide else 0.0
        if best is None or score > best[0]:
            best = (score, name, text)
    return (best[2], best[1]) if best and best[0] >= _MIN_PLAUSIBILITY else None


@lru_cache(maxsize=16_384)
def _is_common(ch: str) -> bool:
    """CJK punctuation, full-width forms, pinyin letters, or a level-1 (frequent) character of
    GB2312 (Simplified) or Big5 (Traditional)."""
    code = ord(ch)
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E or ch in "“”‘’…—·":
        return True
    if 0xC0 <= code <= 0x24F:  # Latin letters with tone marks, as in pinyin glosses
        return ch.isalpha()
    for encoding, low, high in (("gb2312", 0xB0A1, 0xD7FE), ("big5", 0xA440, 0xC67E)):
        try:
            if low <= int.from_bytes(ch.encode(encoding), "big") <= high:
                return True
        except UnicodeEncodeError:
            pass
    return False
