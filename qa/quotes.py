"""A quoted clause read out to what makes it whole: the clauses a semicolon (or an item's
label) joins it to; where an answer says several things, the short title of the item it
opens (18.放宽经营限制。对夜市临时摊位…), which is never quoted alone, nor is a question the text
answers below it; a question-and-answer text's reply it opens (答：…); and the quotes that go
straight on from one another put in the text's order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from index.roles import MAX_HEADING_CHARS
from qa.cite import Citation, ScoredSentence
from qa.describe import answered_below

MAX_ANSWER_CHARS = 300
MAX_REPLY_CHARS = 200  # a question-and-answer text's reply quoted whole up to this length
_REPLY = ("答：", "答:")
_CLAUSE_MARKS = "，,；;：:"


def completed(
    chosen: Sequence[ScoredSentence],
    sentences: Sequence[ScoredSentence],
    by_n: dict[int, Citation],
    *,
    titled: bool = False,
) -> list[ScoredSentence]:
    """Each chosen clause read out to its whole sentence: the clauses joined to it by a
    semicolon before and after it in its passage, unless one opens an item, a heading or a
    notice's part ("…召开居民议事会，公示改造内容和施工单位；施工期间每周至少开展一次安全检查，
    2024年10月31日前全面完工。" is one sentence, scored as two). Two clauses of one sentence give
    it once; past the first, a sentence that would take the answer over MAX_ANSWER_CHARS keeps
    its clause. ``titled``: the answer says several things, and a sentence that opens an item
    is quoted under the item's title (``_titles``), so that each part says what it answers."""
    out: list[ScoredSentence] = []
    length = 0
    for s in chosen:
        cite = by_n.get(s.citation)
        whole = _sentence_of(s, sentences, cite, titled=titled)
        reply = _reply_of(whole, sentences, cite)
        if reply is not None:
            # a reply read whole takes the place of the sentences of it quoted before
            inside = [
                o for o in out if o.citation == reply.citation and overlaps(o.span, reply.span)
            ]
            kept = [o for o in out if o not in inside]
            grown = sum(len(o.text) for o in kept) + len(reply.text)
            if all(reply.span[0] <= o.span[0] and o.span[1] <= reply.span[1] for o in inside) and (
                not kept or grown <= MAX_ANSWER_CHARS
            ):
                at = out.index(inside[0]) if inside else len(out)
                out = [*kept[:at], reply, *kept[at:]]
                length = grown
                continue
        if out and length + len(whole.text) > MAX_ANSWER_CHARS:
            whole = _sentence_of(s, sentences, cite, titled=titled, joined=False)
        if any(o.citation == whole.citation and overlaps(o.span, whole.span) for o in out):
            continue
        out.append(whole)
        length += len(whole.text)
    return _in_reading_order(out, by_n)


def _in_reading_order(
    chosen: Sequence[ScoredSentence], by_n: dict[int, Citation]
) -> list[ScoredSentence]:
    """``chosen`` with each sentence that goes straight on from another chosen one (the next
    sentence of its passage, on its line) put right after it, so that the two read as the
    text does ("（一）新设…的招牌，实行告知承诺备案。" "商户通过…APP提交…"); the rest keep their
    order."""
    after: dict[int, int] = {}
    for i, a in enumerate(chosen):
        cite = by_n.get(a.citation)
        if cite is None or a.span[1] <= a.span[0]:  # no place in its passage: left as it is
            continue
        for j, b in enumerate(chosen):
            if i == j or b.citation != a.citation or b.span[1] <= b.span[0]:
                continue
            gap = cite.text[a.span[1] : b.span[0]]
            if a.span[1] <= b.span[0] and not gap.strip() and "\n" not in gap:
                after[j] = i
    out: list[ScoredSentence] = []
    placed: set[int] = set()
    for i, s in enumerate(chosen):
        if i in after:
            continue
        out.append(s)
        placed.add(i)
        follows = next((j for j, k in after.items() if k == i), None)
        while follows is not None and follows not in placed:
            out.append(chosen[follows])
            placed.add(follows)
            follows = next((j for j, k in after.items() if k == follows), None)
    return out if len(out) == len(chosen) else list(chosen)


def _sentence_of(
    s: ScoredSentence,
    sentences: Sequence[ScoredSentence],
    citation: Citation | None,
    *,
    titled: bool = False,
    joined: bool = True,
) -> ScoredSentence:
    """The sentence whose clause ``s`` is (``completed``), or ``s``; not ``joined``: only
    under its item's title (where ``titled``), the clauses it is joined to left out."""
    if citation is None or s.span[1] <= s.span[0]:
        return s
    own = sorted((x for x in sentences if x.citation == s.citation), key=lambda x: x.span)
    at = next((i for i, x in enumerate(own) if x.span == s.span), None)
    if at is None:
        return s
    first = last = at
    while joined and first > 0 and _joins(own[first - 1], own[first], citation.text):
        first -= 1
    while joined and last + 1 < len(own) and _joins(own[last], own[last + 1], citation.text):
        last += 1
    if titled and first > 0 and _titles(own[first - 1], own[first], citation.text):
        first -= 1
    if first == last:
        return s
    span = (own[first].span[0], own[last].span[1])
    return replace(s, text=citation.text[span[0] : span[1]], span=span, role=own[first].role)


def _reply_of(
    s: ScoredSentence, sentences: Sequence[ScoredSentence], citation: Citation | None
) -> ScoredSentence | None:
    """The whole reply that ``s`` opens, in a question-and-answer text (答：高温津贴不计入最低
    工资标准。用人单位支付的工资扣除高温津贴后，不得低于…): its sentences up to the next
    question, heading or line, when they come to at most MAX_REPLY_CHARS; None when ``s``
    opens no reply, or it is longer."""
    if citation is None or not s.text.lstrip().startswith(_REPLY):
        return None
    own = sorted((x for x in sentences if x.citation == s.citation), key=lambda x: x.span)
    end = s.span[1]
    for x in own:
        if x.span[0] < end:
            continue
        gap = citation.text[end : x.span[0]]
        if (
            gap.strip()
            or "\n" in gap
            or x.role != "body"
            or x.text.lstrip().startswith(_REPLY)
            or x.text.rstrip().endswith(("？", "?"))
        ):
            break
        end = x.span[1]
    if end == s.span[1] or end - s.span[0] > MAX_REPLY_CHARS:
        return None
    span = (s.span[0], end)
    return replace(s, text=citation.text[span[0] : span[1]], span=span)


def _joins(before: ScoredSentence, after: ScoredSentence, text: str) -> bool:
    """``after`` goes on the sentence ``before`` ends with a semicolon (or, an item or an
    item's label, with a colon: "（三）…实行两部制热价：" "基本热价按…", "（三）第三顺序："
    "进城务工人员随迁子女，凭…"): nothing but spaces between them, and ``after`` opens no item,
    heading or notice's part."""
    ends = before.text.rstrip()
    labelled = ends.endswith(("：", ":")) and before.role in ("item", "heading")
    return (
        ((ends.endswith(("；", ";")) and before.role in ("body", "item")) or labelled)
        and after.role == "body"
        and not text[before.span[1] : after.span[0]].strip()
        and "\n" not in text[before.span[1] : after.span[0]]
    )


def never_alone(
    sentences: Sequence[ScoredSentence], by_n: dict[int, Citation]
) -> set[tuple[int, tuple[int, int]]]:
    """The sentences (citation, span) that are the title of the item they open (``_titles``),
    said under it, never alone; and the questions the text answers on their next line (a
    reporter's, ``qa/describe``), which ask rather than state."""
    out: set[tuple[int, tuple[int, int]]] = set()
    for n, cite in by_n.items():
        own = sorted((s for s in sentences if s.citation == n), key=lambda s: s.span)
        for i, s in enumerate(own):
            if answered_below(own, i, cite.text) or (
                i + 1 < len(own) and _titles(s, own[i + 1], cite.text)
            ):
                out.add((s.citation, s.span))
    return out


def _titles(title: ScoredSentence, after: ScoredSentence, text: str) -> bool:
    """``title`` is the short title of the item ``after`` opens ("18.放宽经营限制。" before
    "对夜市临时摊位实行备案管理…"): an item of no more than a heading's length, with no clause
    in it, on the same line just before ``after``, which is body text. A sentence quoted from
    such an item is quoted under its title, which says what the item is and where to find it."""
    head = title.text.strip()
    return (
        title.role == "item"
        and after.role == "body"
        and len(head) <= MAX_HEADING_CHARS
        and head.endswith(("。", "."))
        and not any(c in head for c in _CLAUSE_MARKS)
        and not text[title.span[1] : after.span[0]].strip()
        and "\n" not in text[title.span[1] : after.span[0]]
    )


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def to_replies(scored: Sequence[ScoredSentence], by_n: dict[int, Citation]) -> list[ScoredSentence]:
    """``scored`` with each question the text answers on its next line (a reporter's, an
    explainer's numbered one, 问：…) passing its score on to the reply's first sentence when
    that scores less: a resident's question worded like the text's own question (有人捡回家吃，
    这样安全吗？) is answered by what follows it, which shares fewer of its words."""
    raised: dict[tuple[int, tuple[int, int]], float] = {}
    for n, cite in by_n.items():
        own = sorted((s for s in scored if s.citation == n), key=lambda s: s.span)
        for i, s in enumerate(own):
            reply = _answer_of(own, i, cite.text)
            if reply is not None and s.score > reply.score:
                key = (reply.citation, reply.span)
                raised[key] = max(raised.get(key, 0.0), s.score)
    if not raised:
        return list(scored)
    return [
        replace(s, score=raised[k]) if (k := (s.citation, s.span)) in raised else s for s in scored
    ]


def _answer_of(own: Sequence[ScoredSentence], at: int, text: str) -> ScoredSentence | None:
    """The first sentence of the reply to ``own[at]``, when it is a question (of the body, an
    item, or a heading: 问：…？) whose next line, past the questions its line goes on to ask,
    answers it, or whose next sentence does as a reply (答：…, a page copied as one line)."""
    i = at
    while i + 1 < len(own) and _is_question(own[i]):
        after = own[i + 1]
        if "\n" in text[own[i].span[1] : after.span[0]] or after.text.lstrip().startswith(_REPLY):
            return None if _is_question(after) or after.role == "heading" else after
        i += 1
    return None


def _is_question(s: ScoredSentence) -> bool:
    return s.role in ("body", "item", "heading") and s.text.rstrip().endswith(("？", "?"))
