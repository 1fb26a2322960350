"""Follow-up questions in a conversation, made searchable without a language model.

A chat's later questions often lean on the earlier ones: 那晋城呢？ after 长治的煤炭先进产能占比是多少？,
"What about 2015?" after a question about 2016, 它的人口是多少？ after a question about a city.
Searched alone, they find whatever mentions Jincheng. ``resolve`` rewrites such a question from
the conversation's earlier user questions, by rules that keep the new question's own words:

- a short question that only names something new (lead-ins 那/那么/还有/另外, a closing 呢;
  "and …", "what about …", "how about …") takes the earlier question and swaps in the new
  thing where it fits: a year for a year, a short name for the name the earlier question
  opened with (长治的… → 晋城的…), a capitalised name for a capitalised name; where nothing
  fits, the new words are put before the earlier question;
- a question that points back (它, 该市, 当地, "it", "there", …) gets the earlier question's
  name in place of the pointer, or the earlier question after it;
- any other question is searched as it was asked.

Each question is resolved against the resolved form of the one before it, so a chain of
follow-ups keeps its topic. The searched text is put in the script the new question is written
in, so the answer quotes the documents in that script.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.normalise import to_simplified, to_traditional

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_END = re.compile(r"[\s？?。.!！，,、]+$")
_ZH_LEAD = re.compile(
    r"^(?:那么|那麼|还有|還有|另外|那(?![些个個里裡儿兒时時样樣边邊种種么麼]))[，,\s]*"
)
_ZH_TAIL = re.compile(r"[的]?(?:情况|情況|怎么样|怎麼樣|如何)?呢$")
_EN_LEAD = re.compile(
    r"^(?:and\s+)?(?:what|how)\s+about\s+|^and\s+(?:for\s+|in\s+)?|^same\s+for\s+", re.I
)
_ZH_ASKING = re.compile(
    r"多少|什么|什麼|怎么|怎麼|怎样|怎樣|如何|哪|几|幾|吗|嗎|是否|为什么|為什麼|谁|誰"
)
_EN_ASKING = re.compile(
    r"\b(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did)\b", re.I
)
_TIME = re.compile(
    r"(?:(?:19|20)\d{2}\s*年?(?:\s*(?:上半年|下半年|第?[一二三四1-4]季度))?|今年|去年|前年|明年|上半年|下半年)"
)
_EN_TIME = re.compile(r"\b(?:19|20)\d{2}\b")
_PLACE_SUFFIX = re.compile(f"[{_HAN}]+[市省县縣区區镇鎮州乡鄉村]$")
# the name a Chinese question opens with: 长治的…, 鹤壁2021年…, 晋城在…
_ZH_SUBJECT = re.compile(
    f"^([{_HAN}]{{2,8}}?)(?=的|在|\\d|年|今年|去年|近年|是|有|如何|怎样|怎樣|怎么|怎麼|通过|通過)"
)
_ZH_POINTER = re.compile(
    r"它们|它們|它|该市|該市|该地|該地|此地|当地|當地|这座城市|這座城市|这个城市|這個城市|那里|那裡|这里|這裡"
)
_EN_POINTER = re.compile(r"\b(?:it|its|they|their|this city|that city|the city)\b", re.I)
_EN_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\b")
_EN_LEADING_WORDS = {"What", "How", "Which", "Who", "When", "Where", "Why", "Is", "Are", "Was",
                     "Were", "Do", "Does", "Did", "And", "The", "In", "On", "For", "About"}  # fmt: skip
_MEASURE_END = set("率额額量值数數比度价價费費业業品口入模质質")
_MAX_FOCUS_ZH = 12  # Han characters a follow-up may name without asking anything itself
_MAX_FOCUS_EN = 6  # words


@dataclass(frozen=True)
class Resolved:
    """``question``: the last question as asked; ``searched``: what is searched for it;
    ``earlier``: the (resolved) earlier question it leaned on, None when it stands alone."""

    question: str
    searched: str
    earlier: str | None = None

    @property
    def rewritten(self) -> bool:
        return self.earlier is not None


def resolve(questions: Sequence[str]) -> Resolved:
    """The last of a conversation's user questions (oldest first), made searchable. Earlier
    turns too short to hold a topic (你好, "hi there") are passed over."""
    if not questions:
        raise ValueError("resolve needs at least one question")
    *before, last = questions
    topical = [q for q in before if holds_a_topic(q)]
    if not topical:
        return Resolved(last, last)
    resolved = Resolved(topical[0], topical[0])
    for question in [*topical[1:], last]:
        resolved = resolve_one(question, resolved.searched)
    return resolved


def holds_a_topic(text: str) -> bool:
    """At least four Chinese characters or three words: a greeting or a thank-you does not
    give a follow-up anything to lean on."""
    return len(re.findall(f"[{_HAN}]", text)) >= 4 or len(re.findall(r"[A-Za-z]+", text)) >= 3


def resolve_one(question: str, earlier: str) -> Resolved:
    """``question`` read as a follow-up of ``earlier``."""
    tidy = question.strip()
    rewritten = _rewrite_zh(tidy, earlier) if _has_han(tidy) else _rewrite_en(tidy, earlier)
    if rewritten is None:
        return Resolved(question, question)
    return Resolved(question, _in_script_of(tidy, rewritten), earlier)


def _has_han(text: str) -> bool:
    return re.search(f"[{_HAN}]", text) is not None


def _rewrite_zh(question: str, earlier: str) -> str | None:
    bare = _END.sub("", question)
    focus = _ZH_TAIL.sub("", _ZH_LEAD.sub("", bare)).strip()
    elliptical = focus != bare and focus and not _ZH_ASKING.search(focus)
    elliptical = elliptical and len(re.findall(f"[{_HAN}]", focus)) <= _MAX_FOCUS_ZH
    if elliptical:
        return _swap_in(focus, _END.sub("", earlier))
    pointer = _ZH_POINTER.search(bare)
    if pointer:
        name = _zh_subject(earlier)
        if name:
            return bare[: pointer.start()] + name + bare[pointer.end() :]
        return f"{bare} {_END.sub('', earlier)}"
    return None


def _swap_in(focus: str, earlier: str) -> str:
    """The earlier question with ``focus`` in place of what it replaces there."""
    if _TIME.fullmatch(focus):
        if _TIME.search(earlier):
            return _TIME.sub(focus, earlier, count=1)
        return f"{focus}{earlier}"
    subject = _zh_subject(earlier)
    if subject and _name_like(focus) and _name_like(subject):
        return focus + earlier[len(subject) :]
    return f"{focus} {earlier}"


def _zh_subject(question: str) -> str | None:
    match = _ZH_SUBJECT.match(_ZH_LEAD.sub("", question.strip()))
    return match.group(1) if match else None


def _name_like(text: str) -> bool:
    """Shaped like a place's name (晋城, 石家庄, 焦作市), not a topic (绿地率, 电子信息产业): a
    short word that does not end in a measure, or a word with a place suffix."""
    if _PLACE_SUFFIX.fullmatch(text):
        return len(text) <= 6
    return re.fullmatch(f"[{_HAN}]{{2,3}}", text) is not None and text[-1] not in _MEASURE_END


def _rewrite_en(question: str, earlier: str) -> str | None:
    bare = _END.sub("", question)
    focus = _EN_LEAD.sub("", bare).strip()
    words = focus.split()
    if focus != bare and words and len(words) <= _MAX_FOCUS_EN and not _EN_ASKING.search(focus):
        return _swap_in_en(focus, _END.sub("", earlier))
    if _EN_POINTER.search(bare) and len(bare.split()) <= 12 and _en_name(bare) is None:
        name = _en_name(earlier)
        if name:
            return _EN_POINTER.sub(lambda m: _possessive(m.group(0), name), bare, count=1)
        return f"{bare} {_END.sub('', earlier)}"
    return None


def _swap_in_en(focus: str, earlier: str) -> str:
    if _EN_TIME.fullmatch(focus) and _EN_TIME.search(earlier):
        return _EN_TIME.sub(focus, earlier, count=1)
    name = _en_name(earlier)
    if name and _en_name(focus) == focus:
        return earlier.replace(name, focus, 1)
    return f"{focus} {earlier}"


def _possessive(pointer: str, name: str) -> str:
    return f"{name}'s" if pointer.lower() in ("its", "their") else name


def _en_name(text: str) -> str | None:
    """The first capitalised name in ``text`` that is not just the question's first word."""
    for match in _EN_NAME.finditer(text):
        words = match.group(0).split()
        while words and words[0] in _EN_LEADING_WORDS:
            words = words[1:]
        if words:
            return " ".join(words)
    return None


def _in_script_of(question: str, text: str) -> str:
    """``text`` in the script ``question`` is written in, when its characters tell (那2015年呢
    does not: then ``text`` keeps the earlier question's)."""
    traditional = to_simplified(question) != question
    simplified = to_traditional(question) != question
    if traditional and not simplified:
        return to_traditional(text)
    if simplified and not traditional:
        return to_simplified(text)
    return text
