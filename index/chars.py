"""The character classes the text rules read: Han characters, CJK punctuation and the numerals
of Chinese item markers (一、, （二）, 三是)."""

from __future__ import annotations

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201d\u2026"
NUM_ZH = "一二三四五六七八九十百零〇"
