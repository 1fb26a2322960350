"""What kind of answer a question asks for, by rules on its wording (Chinese in either script, or
English):

- ``description``: how something was done, why, what measures or ways (如何, 怎么, 为什么,
  有哪些措施, "how did", "why", "what measures") — answered by a paragraph or a list;
- ``yes_no``: whether something holds (是否, …吗, "is it", "does") — answered by the sentence
  that settles it;
- ``list``: which ones (哪些, "which", "what are the"), or what each of several gets (分别是多少)
  — answered by several items;
- ``factoid``: everything else (who, when, how many, what) — answered by a short span.

"How many", "how much", "how long" and their Chinese kin (多少, 几, 多长) are factoids whatever
else the question says, but for how much a standard, price or fee is (补贴标准是多少), which a
rule answers with its tiers; 为什么 before a noun (为什么设施, "what facility") is a "what", not a
"why"."""

from __future__ import annotations

import re
from typing import Literal

from index.normalise import search_form

QuestionType = Literal["factoid", "description", "yes_no", "list"]

# Chinese, matched on the search form (Simplified, lower case)
# (哪几 asks which ones, not how many: 包括哪几项 is answered by its items. Read as a list it
# once lost two gold sentences of round7's; with the sections a question names read since, it
# gains three whole answers over the sets and loses none. 哪几天 asks when: an amount's question)
_ZH_AMOUNT = re.compile(
    r"多少|(?<!哪)几[个年次位项种人天月岁]?|哪几[天日年月]|多[长久大高远重]|第几|哪一?年|何时|什么时候"
)
# 为什么 is "why" before a verb or at the end, not after 称/成/作… ("called what")
_ZH_WHY = re.compile(
    r"为何|(?<![称成作认视改译名分叫封])为什么(?=[会要能是不没被在有还可让使呢吗，,？?]|$)|原因|缘故"
)
# ways and measures asked for (哪些措施, 什么帮助, 采用什么方式), after 哪些 a short modifier too
# (哪些主要措施); not 什么模式, which asks a model's name as often as how (以什么模式经营的医院)
_ZH_WAYS = "措施|办法|方法|举措|做法|途径|手段|政策|工作|经验|任务|帮助|支持|保障|优惠"
_ZH_HOW = re.compile(
    rf"如何|怎样|怎么|怎麽|怎能|哪些[\u4e00-\u9fff]{{0,3}}?(?:{_ZH_WAYS})|"
    r"什么(?:措施|办法|方法|方式|举措|做法|途径|手段|帮助|支持|保障|优惠)|"
    r"采取了?什么|做了?哪些|有何作用|作用是什么|意义|"
    # what a rule requires of a thing (对农户储粮期间的管理有什么要求？): its provisions
    r"有(?:什么|何)(?:具体)?(?:要求|规定)|"
    # what to mind: the points a rule or an official lists (要注意什么 → 一是…二是…)
    r"注意(?:什么|些什么)|注意事项|"
    # what a rule holds: its standard, conditions, steps, content (减免的标准是什么)
    r"(?:标准|条件|要求|流程|程序|步骤|内容|范围|方式|待遇|规定|目标|任务)"
    r"(?:是什么|有什么|包括什么|包括哪些)"
)
# how a thing is determined or found out (怎么确定猕猴桃什么时候可以开始摘, 如何计算补贴多少): a method,
# whatever amount it determines
_ZH_HOW_FOUND = re.compile(
    r"(?:如何|怎样|怎么|怎麽)(?:来|去)?(?:确定|判断|认定|核定|计算|核算|确认|查询)"
)
# how much a standard, price or fee is: the rule's tiers, a list (补贴标准是多少, 供热价格是多少)
_ZH_STANDARD = re.compile(r"(?:标准|价格|价钱|收费|费用|[热水电气]价)(?:是|为|有|大概|一般)?多少")
# which ones; and what a guide lists asked with 什么 after a verb of need (需要具备什么条件, 要准备
# 什么材料): not what a thing is made of or why (由什么材料制成, 开立什么条件)
_ZH_LIST = re.compile(
    r"哪些|哪几|(?:需要|须|应当|应|必须)(?:具备|满足|符合|准备|提交|提供|携带|带)?什么"
    r"(?:条件|材料|资料|证件)"
)
# what each of several gets, asked at once (补贴标准分别是多少, 分别给予什么补助, 要经过哪些环节，各需要
# 多长时间, 三种警报各有什么不同): the items of a rule's tiers, measures or steps, a list whatever
# it asks of each
_ZH_EACH = re.compile(r"分别|各(?:需要?|要|补|给|有|是)?(?:多少|多长|多久|几|什么|哪些)")
_ZH_ONE_NAMED = re.compile(r"谁|哪(?![些几里儿])")  # who, which one (not which ones, where)
_ZH_YES_NO = re.compile(
    r"是否|是不是|有没有|能不能|会不会|可不可以|(?:吗|嘛|(?<![什甚怎这那多要])么)[？?]?$"
)
# English, matched on the lower-cased question
_EN_AMOUNT = re.compile(r"\bhow (?:many|much|long|old|far|often|big|large|tall|high)\b")
_EN_HOW = re.compile(
    r"^(?:how|why)\b|\b(?:how|why) (?:did|does|do|is|are|was|were|can|could|should|would|"
    r"will|has|have|had)\b|\bin what ways?\b|"
    r"\bwhat (?:measures|steps|actions|policies|methods|ways)\b"
)
_EN_LIST = re.compile(r"^(?:list|name (?:all|some|the \w+ )|what are some)\b")
_EN_YES_NO = re.compile(
    r"^(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have|had)\b"
)


def question_type(text: str, language: str) -> QuestionType:
    """The kind of answer ``text`` asks for (see the module's docstring)."""
    if language == "zh":
        form = "".join(search_form(text).split())
        # an amount asked for is a factoid, unless a clause of its own asks how (减多少、怎么减)
        clauses = re.split(r"[，,、；;]", form)
        if _ZH_EACH.search(form):
            return "list"
        if _ZH_STANDARD.search(form) or _ZH_HOW_FOUND.search(form):
            return "description"
        if _ZH_AMOUNT.search(form) and not any(
            _ZH_HOW.search(c) and not _ZH_AMOUNT.search(c) for c in clauses
        ):
            return "factoid"
        if _ZH_WHY.search(form) or _ZH_HOW.search(form):
            return "description"
        if _ZH_LIST.search(form):
            return "list"
        if _ZH_YES_NO.search(form):
            return "yes_no"
        return "factoid"
    lower = " ".join(text.lower().split())
    if _EN_AMOUNT.search(lower):
        return "factoid"
    if _EN_HOW.search(lower):
        return "description"
    if _EN_LIST.search(lower):
        return "list"
    if _EN_YES_NO.search(lower):
        return "yes_no"
    return "factoid"


def asks_reason_or_name(text: str, language: str) -> bool:
    """``text`` asks why (为什么, 原因, "why") or who or which one (谁, 哪国, "who"): its answer is
    a reason or a name, not the measures a passage lists, whatever else its wording says
    (哪国哲学家最早在学术意义上定义了… reads as a description by 意义)."""
    if language == "zh":
        form = "".join(search_form(text).split())
        return bool(_ZH_WHY.search(form) or _ZH_ONE_NAMED.search(form))
    return bool(re.search(r"\b(?:why|who|whom|whose|which)\b", text.lower()))


# What a question may be answered by that frames a notice (index/roles.py): who issued it or
# when (the issuer and date lines, the title), when it takes effect (the closing), whom to call
# (the contact line), which document (the title and its number), why it was made (the
# preamble), whom it is addressed to. Matched on the search form or the lower-cased question.
_WHEN = r"何时|什么时候|什么时间|哪天|哪一天|\bwhen\b"
_ASKS_FRAMING: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (
        re.compile(
            r"谁(?:发布|印发|发的|制定|出台|颁布|签发)|哪个(?:部门|单位|机关|机构)|哪家|发文机关|发布单位|"
            r"印发单位|发布机构|who issued|issued by|which (?:department|agency|office|body)"
        ),
        frozenset({"dateline", "title"}),
    ),
    (
        re.compile(
            r"日期|(?:发布|印发|实施|施行|生效)时间|生效|施行|有效期|截止|期限|what date|take effect|"
            r"valid until"
        ),
        frozenset({"dateline", "closing"}),
    ),
    # a bare "when" asks for the notice's date only when it asks about the notice (这个政策什么时候
    # 出台); when a measure happens (水库什么时候清淤) stands in the body, not in its dateline
    (
        re.compile(
            rf"^(?=.*(?:{_WHEN}))(?=.*(?:通知|文件|政策|规定|办法|方案|意见|公告|通告|发布|印发|出台|下发|"
            r"公布|发文|成文|notice|document|policy|regulation|rules|issued|published|released))"
        ),
        frozenset({"dateline", "closing"}),
    ),
    (  # when it starts to apply: the closing (本通知自…起施行)
        re.compile(rf"^(?=.*(?:{_WHEN}))(?=.*(?:实施|执行|apply|in force))"),
        frozenset({"closing"}),
    ),
    (
        re.compile(r"电话|联系|咨询|热线|邮箱|地址|传真|找谁|phone|contact|e-?mail|address"),
        frozenset({"contact"}),
    ),
    (
        re.compile(
            r"哪个文件|什么文件|哪份|文件(?:名称|标题)|标题|题目|文号|哪个通知|什么通知|"
            r"title of|document number"
        ),
        frozenset({"title", "dateline"}),
    ),
    (
        re.compile(r"目的|依据什么|根据什么|为什么(?:要)?(?:出台|制定|印发|发布)|purpose|why was"),
        frozenset({"preamble"}),
    ),
    (re.compile(r"发给谁|下发给|主送|addressed to"), frozenset({"addressee"})),
)


def framing_asked(text: str) -> frozenset[str]:
    """The framing roles of a notice (index/roles.py FRAMING) that ``text`` asks for."""
    form = " ".join(search_form(text).lower().split())
    asked: frozenset[str] = frozenset()
    for pattern, roles in _ASKS_FRAMING:
        if pattern.search(form):
            asked |= roles
    return asked
