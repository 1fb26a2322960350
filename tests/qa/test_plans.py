"""A year's plans are answered from that year's report of plans (qa/plans.py)."""

from __future__ import annotations

from qa.cite import Citation, ScoredSentence
from qa.plans import plans_first

NEWS = "鄹洨市多措并举守护孩子视力 来源：鄹洨日报"
REPORT = "鄹洨市2025年政府工作报告（摘录）"
OTHER = "蓼汜县2025年政府工作报告（摘录）"


def passages(*titles: str) -> tuple[list[Citation], list[ScoredSentence]]:
    citations = [
        Citation(n, f"d{n}", t, f"{n}.txt", None, None, 0, 9, f"第{n}段。", None, 1.0 / n)
        for n, t in enumerate(titles, start=1)
    ]
    return citations, [ScoredSentence(c.n, c.text, 0.5, span=(0, 4)) for c in citations]


def test_a_years_plans_are_answered_first_from_its_report() -> None:
    citations, sentences = passages(NEWS, REPORT, OTHER)
    moved, renumbered = plans_first("鄹洨市2025年在办教育方面有哪些打算？", citations, sentences)
    assert [c.title for c in moved] == [REPORT, NEWS, OTHER]
    assert [c.n for c in moved] == [1, 2, 3] and moved[0].score == 0.5  # its score kept
    assert [s.text for s in renumbered] == ["第2段。", "第1段。", "第3段。"]


def test_nothing_moves_without_a_year_plans_or_a_report_of_the_place() -> None:
    citations, sentences = passages(NEWS, REPORT, OTHER)
    for question in (
        "鄹洨市在办教育方面有哪些打算？",  # no year
        "鄹洨市2025年近视率下降了多少？",  # no plans asked
    ):
        assert plans_first(question, citations, sentences)[0] == citations
    # the report of another place than the one named stays where it is
    citations, sentences = passages(NEWS, OTHER)
    assert plans_first("鄹洨市2025年有哪些安排？", citations, sentences)[0] == citations
