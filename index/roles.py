"""What each sentence of a document is: its title, an issuer or date line, the addressee line
of a notice, the preamble, a heading, an item of an enumeration, a contact line, a closing
formula, or body text.

A government notice opens with parts that share the most words with any question about it —
its title, 青政办发〔2024〕12号 and the issuing office, 各县（市）区人民政府…：, and
为深入贯彻落实…，现就有关事项通知如下： — and closes with a phone number, 特此通知 and a date. None
of them answers "how" or "what measures"; they answer "who issued it", "when" or "which
number". The rules below mark them by their wording, so the answer step can pass over them
unless the question asks for what they hold (``qa/question_type.py``). They were written from
the seeds, the public sets and the invented notices of ``data/notices`` (its fitting half),
and they keep to forms that ordinary prose does not take.

Roles are found at ingest, for the sentences the answer step scores (``answer_sentences``
below: the sentences, cut further where a one-line notice's parts meet), and stored with each
chunk; an index written before them gains them on its next run, and until then they are found
when a passage is read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal, NamedTuple

from index.chars import CJK, CJK_PUNCT, NUM_ZH
from index.chunking import sentence_spans
from index.clean import DOCUMENT_KINDS
from index.contacts import is_contact
from index.documents import Chunk
from index.run_ins import run_in_titles, titles_in_series

Role = Literal[
    "title", "dateline", "addressee", "preamble", "heading", "item", "contact", "closing", "body"
]
# the parts that frame a notice: never the whole answer unless the question asks for them
FRAMING: frozenset[Role] = frozenset(
    {"title", "dateline", "addressee", "preamble", "contact", "closing"}
)

# the rules' edition: an index whose roles were found by another is given them again on its
# next run (``index/backfill.forget_roles_unless``); change it with the rules, here and in
# ``index/contacts``
ROLES_RULES = "2026-12-05.7"
_NUM = NUM_ZH + "两"
BULLETS = "[◆★■●▲•]"  # an explainer's bullets (★签约奖励：…)
YEAR_TARGET = r"——\d{4}年"  # a plan's target for a year (——2024年：…)
_END = "。！？!?；;…"
_DATE = r"(?:\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|[二〇零一两三四五六七八九十○]{4}年[一二三四五六七八九十]{1,2}月(?:[一二三四五六七八九十]{1,3}日)?)"
_ISSUER = r"(?:政府|办公室|辦公室|委员会|委員會|办公厅|辦公廳|局|厅|廳|部|中心|院|委|办|辦|处|處|署|会|會|公司|银行|銀行|协会|協會)"
_DOC_NUMBER = r"\S{1,12}[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*\d+\s*号|\S{1,12}[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*\d+\s*號"

_BYLINE = rf"——\s*{_DATE}\s*在[^。！？!?]{{2,40}}(?:会议|會議)上"
_DATELINE = re.compile(
    r"^(?:发布日期|發佈日期|發布日期|发布时间|發佈時間|發布時間|成文日期|发文日期|發文日期|印发日期|印發日期|"
    r"来源|來源|信息来源|信息來源|发布机构|發佈機構|發布機構|发文机关|發文機關|发文字号|發文字號|文号|文號|"
    r"索引号|索引號|主题分类|主題分類|公开方式|公開方式|时间|時間|日期)\s*[：:]"
    rf"|^[（(]?\s*{_DATE}\s*[）)]?$"
    rf"|^[^。，,；;：:]{{2,40}}{_ISSUER}\s*[（(]?\s*{_DATE}\s*[）)]?$"
    rf"|^(?:{_DOC_NUMBER})$"
    rf"|^[^\s。，,；;：:、（(]{{2,20}}(?:人民政府|办公室|辦公室|办公厅|辦公廳|委员会|委員會|局|厅|廳|委|办|辦)$"
    # a work report's byline: where and when it was given (——2025年1月9日在…会议上), and by whom
    rf"|^{_BYLINE}$"
    r"|^(?:[^\s\u3000。，,：:]{2,16}?政府)?(?:代理|代)?(?:[省市县縣区區州][长長]|主席|主任)"
    r"[\s\u3000]*[^\s\u3000。，,]{2,4}$"
)
_ADDRESSEE = re.compile(
    r"^各[^。！？!?]{1,80}(?:政府|部门|部門|单位|單位|机构|機構|委|局|厅|廳|办|辦|学校|學校|企业|企業|"
    r"医院|醫院|街道|乡镇|鄉鎮|镇|鎮|县|縣|区|區|市)[^。！？!?]{0,20}[：:]$"
    # a report's or a speech's salutation (各位代表：)
    r"|^各位(?:代表|委员|委員|同志|来宾|來賓)[^。！？!?]{0,20}[：:]$"
)
_PREAMBLE_START = re.compile(r"^(?:为了?|根据|按照|依据|依照|遵照|經|经|為了?|根據|按照|依據)")
_PREAMBLE_SIGN = re.compile(
    r"如下|现就|現就|现将|現將|特制定|制定本|特作|特此|结合[^。]{0,12}实际|結合[^。]{0,12}實際|"
    r"决策部署|決策部署|重要指示|重要讲话|重要講話|精神|文件要求|通知要求|有关规定|有關規定|经[^。]{0,12}同意|經[^。]{0,12}同意"
)
# how a preamble closes, leading into the document (…，现就有关事项通知如下：): a preamble read
# from there on, when a passage opens after its start (…结合本区实际，现就…提出如下措施：)
_PREAMBLE_CLOSE = re.compile(
    r"(?:现就|現就|现将|現將|现提出|現提出|特制定|特提出)[^。！？!?]{0,60}如下[^。！？!?，,]{0,6}[：:]$"
)
_PREAMBLE_FORMULA = re.compile(
    r"^(?:为|為)(?:深入|全面|认真|認真|进一步|進一步|切实|切實)?(?:贯彻落实|貫徹落實|贯彻|貫徹)"
)
_FORWARDS = re.compile(
    r"^现将.{0,80}(?:印发|转发)给你们|^現將.{0,80}(?:印發|轉發)給你們"
    r"|(?:现|現)(?:印发|转发|印發|轉發)(?:给|給)(?:你们|你們)"  # 《…》已经市政府同意，现印发给你们
)
# a question of a question-and-answer text (政策解读: 问：…？ 答：…, numbered or not: 問2：…, 问题一：…):
# it heads its answer
QA_QUESTION = rf"(?:问|問)(?:题|題)?\s*[\d{NUM_ZH}]{{0,3}}\s*[：:]"
_ASKED = re.compile(rf"^{QA_QUESTION}")
_TITLE_END = re.compile(rf"(?:{DOCUMENT_KINDS})(?:[（(][^）)]{{1,12}}[）)])?$")
_CLOSING = re.compile(
    r"特此(?:通知|公告|通告|函告|批复|批覆)|^此复|^此覆|^以上(?:通知|意见|意見)|"
    r"^本(?:通知|意见|意見|办法|辦法|方案|细则|細則|规定|規定|措施|决定|決定|公告|通告)"
    r"(?:自|從|从|由|所称|所稱|未尽|未盡|有效期|执行|執行|实施|實施|施行)|"
    r"^自[^。]{2,20}起(?:施行|执行|實施|实施|執行)|^有效期|"
    r"^附件\s*[：:\d]|^(?:抄送|抄報|抄报)\s*[：:]"
)
_HEADING = re.compile(
    rf"^(?:[{_NUM}]+、|[（(][{_NUM}]+[）)]|第[{_NUM}\d]+[章节節条條部分篇]|#+\s|[{_NUM}]+是)"
)
_ITEM = re.compile(
    rf"^(?:[{_NUM}]+是|[（(][{_NUM}]+[）)]|[（(]\d{{1,2}}[）)]|\d{{1,2}}\s*[.．、](?!\d)|[①-⑳]|"
    rf"第[{_NUM}]+[，,、]|第[{_NUM}\d]+[条條]|[{_NUM}]+、|(?:首先|其次|再次|最后|最後)[，,]|"
    rf"{BULLETS}|{YEAR_TARGET})"
)
_LEAD_IN = re.compile(
    r"如下|现就|現就|现将|現將|特制定|制定本|决策部署|決策部署|重要指示|"
    r"结合[^。]{0,12}实际|結合[^。]{0,12}實際"
)
_CLAUSE = re.compile(
    r"[，,：:；;]|[（(\[【《“「][^）)\]】》”」]*$"
)  # a clause, or cut inside brackets
# a report's section named without a marker (主要做法, 工作成效, 下一步打算): by its last word
_UNMARKED_HEADING = re.compile(
    rf"^[{CJK}]{{0,6}}(?:做法|成效|情况|情況|背景|目标|目標|任务|任務|打算|问题|問題|思路|亮点|亮點|"
    r"成果|经验|經驗)$"
)
MAX_HEADING_CHARS = 30
MAX_TITLE_CHARS = 100


def role_of(text: str, *, first: bool = False) -> Role:
    """The role of one sentence; ``first``: it opens its document."""
    s = text.strip().strip("\u3000")
    if not s:
        return "body"
    ended = s.rstrip("”’」』）)\"' ").endswith(tuple(_END))
    if is_contact(s):
        return "contact"
    if _DATELINE.search(s) and len(s) <= 80:
        return "dateline"
    if _ADDRESSEE.match(s):
        return "addressee"
    if (
        _PREAMBLE_FORMULA.match(s)
        or _FORWARDS.search(s)
        or _PREAMBLE_CLOSE.search(s)
        or (_PREAMBLE_START.match(s) and _PREAMBLE_SIGN.search(s) and _lead_in(s))
    ):
        return "preamble"
    if (
        not ended
        and len(s) <= MAX_TITLE_CHARS
        and (
            (first and not _HEADING.match(s) and not _CLAUSE.search(s))
            or (_TITLE_END.search(s) and ("关于" in s or "關於" in s))
            or (_TITLE_END.search(s) and not _HEADING.match(s) and not _CLAUSE.search(s))
        )
    ):
        return "title"
    if _CLOSING.search(s) and len(s) <= 120:
        return "closing"
    if _ASKED.match(s) and len(s) <= MAX_TITLE_CHARS:
        return "heading"
    if _UNMARKED_HEADING.match(s):
        return "heading"
    if (
        _HEADING.match(s)
        and not ended
        and not s.endswith(("，", ",", "、"))
        and len(s) <= MAX_HEADING_CHARS
    ):
        return "heading"
    if _ITEM.match(s):
        return "item"
    return "body"


def _lead_in(s: str) -> bool:
    """A preamble ends by leading into what follows (…如下：, …通知如下。) or states why the
    document was made (…的决策部署, …结合我市实际, 现就…)."""
    return s.endswith(("：", ":")) or bool(_LEAD_IN.search(s))


def answer_sentences(text: str) -> list[tuple[int, int]]:
    """The spans of ``text`` that the answer step scores as sentences (not split by length):
    its sentences, and the parts of a notice that stand in one sentence."""
    return part_spans(text, sentence_spans(text, max_len=max(len(text), 1)))


def passage_roles(
    text: str, *, opens_document: bool, opens_line: bool | None = None, line_goes_on: bool = False
) -> tuple[Role, ...]:
    """The role of each of ``answer_sentences(text)``, in order; ``opens_document``: the
    passage is the first of its document, so its first sentence may be the title;
    ``opens_line``: the passage starts a line of its document (its first never opens a
    paragraph's run-in title);
    ``line_goes_on``: its last line goes on in the next passage (``run_in_titles``)."""
    spans = answer_sentences(text)
    roles = [role_of(text[a:b], first=opens_document and i == 0) for i, (a, b) in enumerate(spans)]
    roles = run_in_titles(
        text,
        spans,
        roles,
        # a document opens with its title, not a paragraph's run-in title: the first
        # sentence of a page of prose ("鄭和是明朝宦官。") stays body text
        opens_line=not opens_document and bool(opens_line),
        line_goes_on=line_goes_on,
    )
    return tuple(in_context(text, spans, roles))


def in_context(text: str, spans: Sequence[tuple[int, int]], roles: Sequence[Role]) -> list[Role]:
    """``roles`` of the sentences ``spans`` of ``text`` as their neighbours show them, over a
    chunk at ingest and again over a cited passage, which may join the chunks a rule needs:
    a preamble of two sentences, why and by what (为降低…，根据《…》，…。) and then how it leads
    in (现将主要做法介绍如下：); the run-in titles of paragraphs run together (``index/run_ins``)."""
    out = list(roles)
    for i in range(len(out) - 2, -1, -1):
        opens = _PREAMBLE_START.match(text[spans[i][0] : spans[i][1]].strip())
        if out[i] == "body" and out[i + 1] == "preamble" and opens:
            out[i] = "preamble"
    return titles_in_series(text, spans, out)


def with_roles(chunks: list[Chunk]) -> list[Chunk]:
    """The chunks of one document, in order, each carrying its sentences' roles (ingest)."""
    return [
        replace(
            c,
            roles=passage_roles(
                c.text, opens_document=c.ordinal == 0, opens_line=opens, line_goes_on=goes_on
            ),
        )
        for c, (opens, goes_on) in zip(chunks, lines_of(chunks), strict=True)
    ]


class Unroled(NamedTuple):
    """A stored passage whose roles are to be found, and where it stands in its document."""

    text: str
    ordinal: int
    opens_line: bool
    line_goes_on: bool

    def roles(self) -> tuple[Role, ...]:
        """Its sentences' roles, found as ingest finds them (``with_roles``)."""
        return passage_roles(
            self.text, opens_document=self.ordinal == 0, opens_line=self.opens_line,
            line_goes_on=self.line_goes_on,
        )  # fmt: skip


def lines_of(chunks: list[Chunk]) -> list[tuple[bool, bool]]:
    """For each chunk of one document, in order: whether it starts a line, and whether its
    last line goes on in the next chunk (chunks that meet at the same offset split a line; a
    line break between them is a character the chunks leave out)."""
    out = []
    for i, c in enumerate(chunks):
        opens = i == 0 or chunks[i - 1].char_end < c.char_start
        goes_on = i + 1 < len(chunks) and chunks[i + 1].char_start == c.char_end
        out.append((opens, goes_on))
    return out


# the item markers that start a part within a sentence (…，二是…, …如下：1.…; not 第二、第三和第四
# or 第一，, which count in prose as often as they enumerate)
_STARTS_ITEM = re.compile(
    rf"[{_NUM}]+是(?![否不非])|[（(][{_NUM}\d]{{1,3}}[）)]|\d{{1,2}}\s*[.．、](?!\d)|[①-⑳]|{BULLETS}"
)
# Where a notice published as one line runs its parts together: a space between Chinese parts
# (``…的通知 青政办发〔2024〕12号 各县（市）区人民政府…：``), a colon that leads into what follows
# (``…通知如下：一、…``), an item marker after a comma (``…，二是…``), and an item marker glued
# on a heading (``三、家电以旧换新补贴1.个人消费者…``: only after a heading). A gap ends a part only
# when what stands before it is a framing part or a heading, or what follows opens an item, a
# heading, an addressee line, a preamble or a date line: machine-translated prose has stray
# spaces between words, and a colon in prose leads into the rest of its sentence.
_GAP = re.compile(
    rf"(?<=[{CJK}{CJK_PUNCT}])[ \t\u3000\u00a0]+(?=[{CJK}（(〔【《“「\d①-⑳◆★■●▲•])|(?<=[：:，,；;])(?=\S)"
    rf"|(?:(?<=[）)》\]】])|(?<=通知|方案|意见|意見|办法|辦法))(?={_PREAMBLE_FORMULA.pattern[1:]})"
    rf"|(?<=[{CJK}])(?P<glued>)(?={_STARTS_ITEM.pattern})"
    # a page run together with no separator at all: the document number glued on its title
    # (…的通知邡住建發〔2025〕27號), and the addressee line on the number (…27號各鄉鎮人民政府，);
    # narrower than _DOC_NUMBER and _ADDRESSEE, which read a part already cut: a number cited
    # in the body (…办法》（青政发〔2024〕3号）) and 各 opening a body clause (各项指标) stay put
    r"|(?<=通知|方案|意见|意見|办法|辦法|细则|細則|措施|决定|決定|公告|通告)"
    r"(?=[^\s，,。；;：:》）)（(]{1,10}[〔［【]\s*\d{4}\s*[〕］】]\s*\d{1,4}\s*[号號])"
    r"|(?<=[号號])(?=各[^。，,\s]{1,30}?(?:人民政府|部门|部門|单位|單位|机关|機關|局|委|厅|廳|学校|學校))"
    # a work report's byline, after its title and before what follows it
    rf"|[ \t\u3000]*(?={_BYLINE})|(?<=会议上|會議上)(?=[^\s，,。；;：:])"
    # a web page copied as one line: its source and date labels glued on its title, and what
    # follows glued on the date (…经验做法来源：…　发布时间：2025-08-15为降低…; cut there only
    # when what stands before is a date line)
    rf"|(?<=[{CJK}”」』）)])(?=(?:来源|來源|发布时间|發布時間|發佈時間|发布日期|發布日期|發佈日期)[：:])"
    r"|(?:(?<=\d{4}-\d\d-\d\d)|(?<=\d{4}-\d-\d\d)|(?<=\d{4}-\d\d-\d)|(?<=\d{4}-\d-\d)"
    r"|(?<=\d\d:\d\d)|(?<=\d月\d日)|(?<=\d月\d\d日))"
    rf"(?P<dated>)(?=[{CJK}])"
)
# a page's label and its value (发布时间：2025-08-15, 来源：…融媒体中心2024-09-05 16:42)
_LABELLED = re.compile(
    r"^(?:来源|來源|信息来源|信息來源|发布时间|發布時間|發佈時間|发布日期|發布日期|發佈日期|时间|時間|日期)"
    r"\s*[：:]"
)
_OPENS_PART = re.compile(
    rf"{_STARTS_ITEM.pattern}|[{_NUM}]+、|第[{_NUM}\d]+[章节節条條]|各[^。，,]{{1,30}}(?:人民政府|部门|部門|单位|單位)|{_PREAMBLE_FORMULA.pattern[1:]}|"
    rf"(?:发布日期|發佈日期|發布日期|发布时间|發佈時間|來源|来源|发文机关|發文機關|联系人|聯繫人|联系电话|聯繫電話)[：:]|"
    rf"特此|{_DATE}$"
)


def part_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` (sentences of ``text``) cut further where a notice's parts meet."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        at = start
        for gap in _GAP.finditer(text, start, end):
            if gap.start() <= at:
                continue
            comma = text[gap.start() - 1] in "，,；;" and gap.start() == gap.end()
            if comma and not _STARTS_ITEM.match(text, gap.end(), end):
                continue  # a comma ends a part only before the next item
            item = bool(_STARTS_ITEM.match(text, gap.end(), end))
            left = text[at : gap.start()].strip()
            if gap.group("dated") is not None and not _LABELLED.match(left):
                continue  # a date in the body (2019年4月15日前购买的…) goes on its sentence
            after_byline = left.endswith(("会议上", "會議上"))
            zero = gap.start() == gap.end()
            if zero and text[gap.end()].isdigit() and not item and not after_byline:
                continue  # a label's value (联系电话：0571-…) stays with its label
            spaced = gap.end() > gap.start() and text[gap.start()].isspace()
            if spaced and _UNMARKED_HEADING.match(left):  # 工作成效 蓀坂區零工市場建設經驗被…
                out.extend(_trimmed(text, at, gap.start()))
                at = gap.end()
                continue
            if gap.group("glued") is not None and not (
                _HEADING.match(left) and role_of(left) == "heading"
            ):
                continue  # an item marker glued on ends only a heading (三、家电补贴1.购买…)
            if text[gap.start() - 1] in "：:" and len(left) <= 3:
                continue  # a one-word label (答：, 注：) stays with what it labels
            opens = bool(_OPENS_PART.match(text, gap.end(), end))
            if (
                text[gap.start() - 1] in "：:"
                and not opens
                and len(left) < _MIN_LEAD
                and not _ADDRESSEE.match(left)
            ):
                continue  # a label's colon (联系人：, 地址：) does not end its part
            if _HEADING.fullmatch(left) or _ITEM.fullmatch(left):
                continue  # a bare marker (第十三条, 第四章) goes with what it marks
            role = role_of(left)
            byline = role == "dateline" and after_byline
            if text[gap.end()].isdigit() and not item and role != "heading" and not byline:
                continue  # a figure goes on its part (…办公室 2024年3月10日), after a heading not
            if role == "title" and at > 0 and "关于" not in left and "關於" not in left:
                # a title stands first, names what it is about (关于…的通知), or heads the
                # preamble of the document a notice forwards (…工作方案 为…，制定本方案。)
                role = "title" if role_of(text[gap.end() : end]) == "preamble" else "body"
            if not opens and role in _PLAIN:
                continue
            out.extend(_trimmed(text, at, gap.start()))
            at = gap.end()
        out.extend(_trimmed(text, at, end))
    return out


_PLAIN: frozenset[Role] = frozenset({"body", "item"})
_MIN_LEAD = 8


def _trimmed(text: str, start: int, end: int) -> list[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if start < end else []
