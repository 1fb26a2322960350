"""One passage, one citation: a passage that repeats one cited above it — the same notice
reprinted by another source, the same report in Traditional and in Simplified script — is
folded into that citation, which lists where else it stands (``also_in``), so the passages
cited are different texts.

Two passages are the same text when almost all the character trigrams of the shorter one, in
the search form (Simplified, NFKC, lower case, no spaces), are in the other: that holds when
one copy's passage was cut a little longer than the other's, or carries a name the other
redacted. Citations are few, so the sets are compared exactly; nothing is estimated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from index.normalise import search_form
from qa.cite import Citation, Elsewhere, ScoredSentence

SAME_TEXT = 0.9  # share of the shorter passage's trigrams found in the other


def trigrams(text: str) -> frozenset[str]:
    form = "".join(search_form(text).split())
    return frozenset(form[i : i + 3] for i in range(max(len(form) - 2, 1)))


def same_text(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and len(a & b) >= SAME_TEXT * min(len(a), len(b))


def fold_repeats(
    citations: Sequence[Citation], sentences: Sequence[ScoredSentence]
) -> tuple[list[Citation], list[ScoredSentence]]:
    """The citations without those that repeat one above them, each kept one listing the
    repeats folded into it; numbered again from 1, and the sentences of the kept ones
    renumbered with them (a repeat's sentences go with it)."""
    kept: list[Citation] = []
    grams: list[frozenset[str]] = []
    for c in citations:
        mine = trigrams(c.text)
        home = next((i for i, g in enumerate(grams) if same_text(mine, g)), None)
        if home is None:
            kept.append(c)
            grams.append(mine)
            continue
        where = Elsewhere(c.doc_id, c.source, c.char_start, c.char_end)
        kept[home] = replace(kept[home], also_in=(*kept[home].also_in, where))
    if len(kept) == len(citations):
        return list(citations), list(sentences)
    number = {c.n: new for new, c in enumerate(kept, start=1)}
    renumbered = [replace(c, n=number[c.n]) for c in kept]
    moved = [replace(s, citation=number[s.citation]) for s in sentences if s.citation in number]
    return renumbered, moved
