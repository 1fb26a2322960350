"""The place a question names against the place a document is issued for: a question about
"璟州市" rent relief is not answered from 蘅州市's notice on the same relief, however alike
the two read.

A document's place is the one its title opens with when the title is an issuer's — a notice's
"璟州市國有資產監督管理委員會關於…", "中共澜湾市委…的通知": a 关于 or the kind of document it
is (通知, 意见, 方案 …, ``index/clean.DOCUMENT_KINDS``) before any comma, or the kind of
publication (《…办法》政策解读, 政策问答, 新闻发布会实录, the 文件 of a red head, 公报, a local
paper's 本报讯, a department's "X区：…" news), or nothing but the issuer's name ("槲沚县退役军人
事务局") — as its name without the level ("璟州" for 璟州市, so a question that says "璟州" names
it too); else the place of the source a web page's title line names (来源：榛泷日报). Of the 170
notices of data/notices, 125 titles named their place by the first reading alone and 168 by
all of them. An article's title ("新竹市") or a paragraph's first words, which is what a
document without a title line shows, are not an issuer's: on the fitting part of DRCD, whose
documents open with such words, reading them as places moved 16 questions' first passage and
put one right passage first fewer; no title of DRCD, CMRC or XQuAD names a place by these
readings.

A question names a place when it holds the name of a place one of its passages' documents is
for. Then the passages of documents for another place go after the others: an order among
look-alikes that no similarity of question and passage can give, since the notices of two
places on one measure differ mostly in the place. A resident's question worded away from
their place's notice may find only the other places' look-alikes: so the best chunks of the
documents for the place it names are ranked too and read with the others (``with_named_place``).
A question that names no such place, and a document whose title names no place, change
nothing; no document of the public sets names a place, so none of their questions is touched.

Measured on the ten question sets of data/notices after the first (186 notices indexed,
``python scripts/eval_notices.py --set S``): with the named place's documents ranked too, the
right notice is first for 495 of 510 questions against 486, and 268 of 308 description answers
hold a gold sentence against 261 (190 and 184 the whole gold answer)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from index.clean import DOCUMENT_KINDS
from index.folder import IndexStore
from index.normalise import search_form
from qa.cite import Citation, ScoredSentence
from qa.reorder import put_after
from qa.retrieve import Hit

# Han characters as search form writes them: a rare character of a place's name may be
# simplified to one past the basic block (檵 → 𪲛)
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
_LEVEL = r"(?:自治区|自治州|自治县|特别行政区|省|市|县|区|州|镇|乡)"
# a title that opens with a place: two or three characters, then its level (市, 縣 …),
# after "中共" for a party committee's notices, the 《 of an explainer's title or the label of
# a web page's column (一图读懂丨)
_OPENS_WITH_PLACE = re.compile(
    rf"^(?:中共|《|“|[^\s丨|｜]{{1,8}}[丨|｜])?([{_HAN}]{{2,3}}?){_LEVEL}"
)
# what makes a title an issuer's: a notice's "关于", the kind of document it names, the kind of
# publication (政策问答, 政策解读, 新闻发布会实录, the 文件 of a document's red head, 公报), a
# local paper's 本报讯, or a colon after the place ("栲坪区：…", a department's news)
_ISSUED = re.compile(
    rf"关于|{DOCUMENT_KINDS}|问答|解读|实录|发布会|文件|公报|要点|本报讯|^\s*[：:]"
)
# a title that is an issuer's name and nothing more ("槲沚县退役军人事务局", "苘湖县人民政府")
_ORGAN = re.compile(r"(?:人民政府|委员会|办公室|局)(?:\s|$)")
# a web page's source line: the place of the department or paper that published it
_SOURCE = re.compile(rf"来源\s*[：:]\s*([{_HAN}]{{2,3}}?)(?:{_LEVEL}|日报|融媒体)")
_CLAUSE_END = re.compile(r"[，,。；;]")
# the characters of a title before its place that are not a place's, in search form
_NOT_PLACES = frozenset({"全市", "本市", "各市", "城市", "全县", "本县", "全省", "本省"})


# a title names no place without a level or a source line, in either script: most of an
# article collection's titles are passed over without being put in search form
_MAY_NAME = re.compile(r"[省市县縣区區州镇鎮乡鄉]|来源|來源")


@lru_cache(maxsize=1 << 17)  # a collection's titles are read again at every reload
def place_of(title: str) -> str | None:
    """The name of the place ``title`` is issued for (search form, level dropped): the place
    it opens with when it is an issuer's title, else the place of the source it names; or
    None."""
    if not _MAY_NAME.search(title):
        return None
    form = search_form(title).strip()
    found = _OPENS_WITH_PLACE.match(form)
    if found and not any(g in form[: found.end()] for g in _NOT_PLACES):
        clause = _CLAUSE_END.search(form)  # an issuer's title has no comma before its kind
        head = form[found.end() : clause.start() if clause else len(form)]
        if _ISSUED.search(head) or (clause is None and _ORGAN.search(head)):
            return found.group(1)
    source = _SOURCE.search(form)
    if source and source.group(1) not in _NOT_PLACES:
        return source.group(1)
    return None


def documents_by_place(titles: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Each place's documents, of ``(document id, title)`` pairs (``place_of``)."""
    found: dict[str, set[str]] = {}
    for doc_id, title in titles:
        place = place_of(title)
        if place is not None:
            found.setdefault(place, set()).add(doc_id)
    return {place: frozenset(ids) for place, ids in found.items()}


def places_of(store: IndexStore) -> dict[str, frozenset[str]]:
    """Each place's documents in ``store`` (``documents_by_place`` of their titles)."""
    return documents_by_place((r.id, r.title) for r in store.documents(with_text=False))


def with_named_place(
    question: str,
    places: dict[str, frozenset[str]],
    rank: Callable[..., list[Hit]],
    hits: list[Hit],
    depth: int,
    doc_ids: set[str] | None = None,
) -> list[Hit]:
    """``hits`` with the best ``depth`` chunks of the documents for the place ``question``
    names among them (``rank(depth, doc_ids=documents)``; within ``doc_ids`` when given), in order of
    score: a resident's question worded away from the notice of their place may find the
    notices of other places first, and the passages of those are put after the others
    (``by_place``) only if its own are there."""
    named = named_documents(question, places) if places else frozenset()
    if doc_ids is not None:
        named &= doc_ids
    if not named:
        return hits
    have = {h.row_id for h in hits}
    more = [h for h in rank(depth, doc_ids=set(named)) if h.row_id not in have]
    return sorted([*hits, *more], key=lambda h: -h.score) if more else hits


def named_documents(question: str, places: dict[str, frozenset[str]]) -> frozenset[str]:
    """The documents for the places ``question`` names, of ``places`` (``documents_by_place``);
    empty when it names none."""
    asked = search_form(question)
    return frozenset().union(*(ids for place, ids in places.items() if place in asked))


def elsewhere(question: str, citations: Sequence[Citation]) -> list[bool]:
    """For each citation, whether its document is for another place than the one
    ``question`` names (all False when it names no place of theirs)."""
    places = [place_of(c.title) for c in citations]
    asked = search_form(question)
    named = {p for p in places if p is not None and p in asked}
    return [bool(named) and p is not None and p not in named for p in places]


def by_place(
    question: str, citations: Sequence[Citation], sentences: Sequence[ScoredSentence]
) -> tuple[list[Citation], list[ScoredSentence]]:
    """The citations with those of documents for another place than the one ``question``
    names (``elsewhere``) put after the others (each group in its order, scores kept),
    numbered again from 1, and the sentences renumbered with them."""
    return put_after(citations, sentences, elsewhere(question, citations))
