"""The search form of a text: what both indexes are built from and questions are matched in.

Traditional script becomes Simplified (OpenCC), full-width letters, digits and punctuation become
their plain forms (NFKC), letters are lower-cased and redaction placeholders (``**市``) are dropped.
The original text is never replaced by this form; it only feeds the indexes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

_REDACTION = re.compile(r"\*{2,}")

Script = Literal["traditional", "simplified", "none"]


@lru_cache(maxsize=2)
def _converter(config: str):  # type: ignore[no-untyped-def]
    from opencc import OpenCC  # OpenCC's own C++ library: tens of microseconds a passage

    return OpenCC(config)


def to_simplified(text: str) -> str:
    return str(_converter("t2s").convert(text))


def to_traditional(text: str) -> str:
    """Simplified to Traditional as written in Taiwan (``s2tw``): OpenCC's plain ``s2t``
    prefers variants few readers use (群 -> 羣)."""
    return str(_converter("s2tw").convert(text))


def search_form(text: str) -> str:
    """Normalise ``text`` for indexing and matching (see module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    text = _REDACTION.sub("", text)
    return to_simplified(text).lower()


def passage_script(text: str) -> Script:
    """The script a passage is written in: "traditional" or "simplified" when its characters
    tell, "none" when they do not (no Han, or only characters both scripts share)."""
    han = "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")
    sample = han[:2000]
    trad = sum(a != b for a, b in zip(sample, to_simplified(sample), strict=False))
    simp = sum(a != b for a, b in zip(sample, to_traditional(sample), strict=False))
    if trad == simp:
        return "none"
    return "traditional" if trad > simp else "simplified"


def detect_script(text: str) -> Script:
    """Whether the Chinese in ``text`` is Traditional or Simplified ("none" if it has no Han).

    A character counts as Traditional when OpenCC changes it on the way to Simplified; the
    text is Traditional when such characters outnumber those that change the other way.
    """
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"]
    if not han:
        return "none"
    sample = "".join(han[:2000])
    trad = sum(a != b for a, b in zip(sample, to_simplified(sample), strict=False))
    simp = sum(a != b for a, b in zip(sample, to_traditional(sample), strict=False))
    return "traditional" if trad > simp else "simplified"
