"""Per-character pinyin glosses in parentheses (``產(chǎn)業(yè)``), as some web pages print a
Traditional text: ``clean`` drops them from a document that carries several, and a quotation
of such a file is compared with what the index holds without them (``without_glosses``)."""

from __future__ import annotations

import re

from index.chars import CJK

# A pinyin syllable with at least one tone mark (neutral-tone syllables are too easily confused
# with ordinary lowercase words to strip on their own, so they are stripped only in a document
# that is already known to be glossed).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN = rf"[a-zü{_TONED}]{{1,7}}"
GLOSS = re.compile(rf"(?<=[{CJK}])[(（]{_PINYIN}[)）]")
_TONED_GLOSS = re.compile(rf"(?<=[{CJK}])[(（][a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*[)）]")
_MIN_GLOSSES = 3
_LOOKED_AT = 20000  # the characters read to tell a glossed document


def is_glossed(text: str) -> bool:
    """``text`` carries several toned glosses in its first _LOOKED_AT characters."""
    return len(_TONED_GLOSS.findall(text, 0, _LOOKED_AT)) >= _MIN_GLOSSES


def without_glosses(text: str) -> str:
    """``text`` without per-character pinyin glosses, as ``clean`` leaves a glossed document
    (a quotation of the raw file compared with what citeqa quotes)."""
    return GLOSS.sub("", text)
