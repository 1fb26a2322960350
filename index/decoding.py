"""A text file's bytes to text: as its byte-order mark or declared charset says, else as
UTF-8, else as the Chinese legacy encoding (GB18030/GBK, Big5) whose decoding is richest in
common characters, else as charset-normalizer guesses. Binary data is refused.

A declared charset is not taken on trust: when its text is implausible (most of its
non-ASCII characters rare, as Big5 bytes read as GB2312 are) and another reading is
plausible, that one is used and a warning names the file. A short file that is valid UTF-8
by chance (a few GBK characters can be) is read as the Chinese encoding whose text is far
more plausible than the UTF-8 one."""

from __future__ import annotations

import codecs
import logging
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from index.errors import UnreadableDocument

# Tried in this order when a file is not UTF-8; the first wins a tie. gb18030 also decodes
# GB2312 and GBK; cp950 and big5hkscs (Big5 supersets) only when plain big5 fails.
_CHINESE_ENCODINGS = ("gb18030", "big5", "cp950", "big5hkscs")
_MIN_PLAUSIBILITY = 0.5  # share of non-ASCII characters that must be common in Chinese text
_SHORT = 64  # non-ASCII characters up to which valid UTF-8 may be a coincidence
_MARGIN = 0.3  # how much more plausible another reading of a short UTF-8 text must be
logger = logging.getLogger("citeqa.index")
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
    as the most plausible Chinese encoding, else as charset-normalizer guesses; a declared
    charset or UTF-8 whose text is implausible gives way to a plausible reading."""
    bom = next((name for mark, name in _BOMS if data.startswith(mark)), None)
    if bom and (decoded := _strict_decode(data, bom)):
        return decoded
    sample = data[:65_536]
    if b"\x00" in sample or sum(map(sample.count, _CONTROL_BYTES)) > len(sample) * 0.05:
        raise UnreadableDocument(path, "looks like a binary file, not text (NUL or control bytes)")
    first: tuple[str, str] | None = None
    for decoded, given in _readings(data, declared):
        share, wide = plausibility(decoded[0])
        if first is None:
            first = decoded
            if share >= _MIN_PLAUSIBILITY and not (
                given == "utf-8" and wide <= _SHORT and _likelier_chinese(data, share)
            ):
                return decoded
            continue
        if share >= _MIN_PLAUSIBILITY:
            _warn(path, first[1], decoded[1], declared)
            return decoded
    if first is None:
        reason = "not text in UTF-8, GB18030/GBK, Big5 or any other encoding; binary data?"
        raise UnreadableDocument(path, f"{reason} If it is text, re-save it as UTF-8")
    return first


def _readings(data: bytes, declared: str | None) -> Iterator[tuple[tuple[str, str], str]]:
    """((text, encoding), how it was found) of each way to read ``data``, in the order they
    are trusted: the declared charset, UTF-8, the best Chinese encoding, charset-normalizer."""
    for label, given in ((declared, "declared"), ("utf-8", "utf-8")):
        if label and (decoded := _strict_decode(data, label)):
            yield decoded, given
    if decoded := _best_chinese(data):
        yield decoded, "chinese"
    from charset_normalizer import from_bytes

    match = from_bytes(data).best()
    if match is not None:
        yield (str(match), codecs.lookup(match.encoding).name), "guessed"


def _likelier_chinese(data: bytes, share: float) -> bool:
    """Whether a Chinese encoding reads ``data`` far more plausibly than UTF-8 (``share``)."""
    chinese = _best_chinese(data)
    return chinese is not None and plausibility(chinese[0])[0] >= share + _MARGIN


def _warn(path: Path, tried: str, used: str, declared: str | None) -> None:
    how = f"declared as {declared}" if declared else f"read as {tried}"
    logger.warning(
        "%s: %s, its text is unlikely (mostly rare characters); read as %s instead",
        path.name, how, used,
    )  # fmt: skip


def plausibility(text: str) -> tuple[float, int]:
    """(share of the non-ASCII characters of ``text`` that are common in Chinese or plain
    text, how many non-ASCII characters there are); a share of 1 when there are none."""
    wide = [ch for ch in text[:20_000] if ord(ch) > 127]
    if not wide:
        return 1.0, 0
    return sum(1 for ch in wide if _is_common(ch) or _is_plain(ch)) / len(wide), len(wide)


def _is_plain(ch: str) -> bool:
    """A character of Western text: Latin-1's symbols and letters, general punctuation,
    currency signs, letter-like symbols, number forms, arrows and mathematical operators."""
    code = ord(ch)
    return 0xA0 <= code <= 0xFF or 0x2000 <= code <= 0x206F or 0x20A0 <= code <= 0x22FF


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
    if 0xC0 <= code <= 0x17F or 0x1CD <= code <= 0x1DC:  # tone-marked letters, as in pinyin
        return ch.isalpha()
    for encoding, low, high in (("gb2312", 0xB0A1, 0xD7FE), ("big5", 0xA440, 0xC67E)):
        try:
            if low <= int.from_bytes(ch.encode(encoding), "big") <= high:
                return True
        except UnicodeEncodeError:
            pass
    return False
