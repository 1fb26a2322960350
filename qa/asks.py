"""The several things one question asks: 要带哪些证件、去哪里办？钱多久发一次？ asks three
things, and its answer should say all three, not three sentences about the first.

A Chinese question is cut into clauses (at ，、；。？！). A clause asks when it holds a question
word (什么, 哪, 几, 多少, 多久, 怎么, 谁, 是否, 还是, …吗) or a 能不能-like choice (X不X, X没X) and
ends its sentence or is followed by 、 (要带哪些证件、去哪里办); a clause followed by a comma
only sets the scene, and its question-like words rarely ask on their own (北朝幾個朝代中，哪個朝代…):
such a clause goes with the ask after it (村里有没有地方办，收不收钱？ asks one thing). The
scene before the first ask (家里的老油车，卖给别人…) is what found the passages, and every
sentence of them shares it, so each ask is read without it — with only the clauses between it
and the ask before it — and finds its own sentence. An English question is cut at its
question marks only ("How much can I get? Can I claim both?"): its commas and "and"s join far
more often than they ask. What is quoted (《…》, 「…」) is not cut. Fewer than two asks: not one
of these questions."""

from __future__ import annotations

import re

from index.normalise import search_form

# on the search form (Simplified, lower case)
_ZH_ASKING = re.compile(
    r"[吗嘛呢][？?]?$|什么|啥|谁|哪|几|多少|多久|多长|多大|多高|多远|怎|如何|为何|为什么|何时|是否|还是|"
    r"([\u4e00-\u9fff])[不没]\1"
)
_ZH_CLAUSE = re.compile(r"([，,、；;。？?！!]+)")
_SENTENCE_END = re.compile(r"[；;。？?！!]")
# a quoted title or saying is not cut (《物体惯性与其所含能量有关吗?》)
_QUOTED = re.compile(r"《[^》]*》|「[^」]*」|“[^”]*”|『[^』]*』")
_HELD = re.compile(r"\0(\d+)\0")
_EN_QUESTION = re.compile(r"(?<=\?)\s+")
MAX_ASKS = 4
# an ask that opens on a word pointing back (这样合法吗, 这个年龄能报吗, 他能装吗) is read with
# the scene's clause it points to (老板说这里面已经含了高温津贴，这样合法吗？)
_POINTS_BACK = re.compile(r"这|那|此|他|她|它")


def asks(text: str, language: str) -> list[str]:
    """Each thing ``text`` asks, as a question of its own (without the scene before the first
    ask, with the clauses between it and the ask before it); empty when it asks fewer than two
    things, or more than MAX_ASKS, when it is more likely a list than several questions."""
    if language != "zh":
        parts = [p.strip() for p in _EN_QUESTION.split(text.strip()) if p.strip()]
        found = [p for p in parts if p.endswith("?")]
        return found if 2 <= len(found) <= MAX_ASKS and len(found) == len(parts) else []
    text = text.strip()
    quoted = _QUOTED.findall(text)  # set aside while cutting, then put back
    numbers = iter(range(len(quoted)))
    pieces = _ZH_CLAUSE.split(_QUOTED.sub(lambda _: f"\0{next(numbers)}\0", text))
    lead: list[str] = []
    found = []
    scene = ""  # the scene's last clause, which an ask that opens on 这样 or 他 points back to
    for i in range(0, len(pieces), 2):  # clause, the separator after it, clause, …
        clause = pieces[i].strip()
        after = pieces[i + 1] if i + 1 < len(pieces) else "？"
        if not clause:
            continue
        ends = bool(_SENTENCE_END.search(after)) or "、" in after
        if ends and _ZH_ASKING.search(search_form(clause)):
            pointing = not found and scene and _POINTS_BACK.match(search_form(clause))
            asked = "，".join([*([scene] if pointing else []), *lead, clause]) + "？"
            found.append(_HELD.sub(lambda m: quoted[int(m.group(1))], asked))
            lead = []
        elif found or _ZH_ASKING.search(search_form(clause)):
            # the scene before the first ask is left out (see the module's docstring), but not
            # a question of it that a comma joins to the ask (村里有没有地方办，收不收钱？)
            lead.append(clause)
        else:
            scene = clause
    return found if 2 <= len(found) <= MAX_ASKS else []
