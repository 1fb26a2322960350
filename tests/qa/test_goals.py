"""A plan's goals are not the answer to how it gets there (qa/goals.py)."""

from __future__ import annotations

from index.roles import answer_sentences, role_of
from qa.answer import compose_answer
from qa.cite import Citation, ScoredSentence
from qa.goals import asks_goals, under_goals
from qa.query import parse_query
from qa.retrieve import SignalScore

PLAN = (
    "一、工作目标\n到2025年底，中心城区旧衣物回收箱覆盖率达到80%。\n"
    "二、重点任务\n（一）合理设置回收箱。每个小区至少设置1个回收箱。\n"
    "（二）鼓励居民参与。居民扫码投放可以累计积分，积分可以兑换日用品。\n"
    "三、保障措施\n市商务局每半年考核运营企业一次。"
)


def scored(text: str, scores: dict[str, float]) -> list[ScoredSentence]:
    """The plan's sentences, each scoring what ``scores`` gives the first key it holds."""
    return [
        ScoredSentence(
            1,
            text[a:b],
            next((v for k, v in scores.items() if k in text[a:b]), 0.1),
            role=role_of(text[a:b]),
            span=(a, b),
        )  # fmt: skip
        for a, b in answer_sentences(text)
    ]


def citation(text: str) -> Citation:
    return Citation(
        1, "d", "t", "s", None, None, 0, len(text), text, None, 1.0,
        {"dense": SignalScore(1, 0.9, 2.0)},
    )  # fmt: skip


def test_a_goals_section_runs_from_its_heading_to_the_next_of_its_level() -> None:
    sentences = scored(PLAN, {})
    goals = {s.text for s in sentences if (s.citation, s.span) in under_goals(sentences)}
    assert goals == {"一、工作目标", "到2025年底，中心城区旧衣物回收箱覆盖率达到80%。"}
    # a page run together: the goals' name glued on what it says
    glued = scored(
        "一、工作目标到2026年底，家长参与率达到100%。二、重点任务（一）建立家长选用机制。", {}
    )
    marked = [(s.citation, s.span) in under_goals(glued) for s in glued]
    assert marked[0] and not marked[-1]


def test_a_how_question_is_answered_by_the_measures_not_the_goals() -> None:
    # the scorer likes the goal, which shares the question's words most
    sentences = scored(PLAN, {"覆盖率": 0.9, "积分": 0.5, "每个小区": 0.4})
    question = parse_query("旧衣物回收是怎么推进的？")
    answer = compose_answer(question, [citation(PLAN)], sentences, 0.9)
    assert "覆盖率" not in answer.text and "积分" in answer.text
    # asked for the goals, or how far the plan reaches, the goals answer
    assert asks_goals("旧衣物回收工作要达到什么目标？")
    aimed = compose_answer(
        parse_query("回收箱覆盖率要达到多少？"), [citation(PLAN)], sentences, 0.9
    )
    assert "80%" in aimed.text
