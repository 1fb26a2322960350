"""Follow-up questions rewritten from the conversation's earlier questions."""

from __future__ import annotations

import pytest

from qa.followup import resolve

CHANGZHI = "长治的煤炭先进产能占比是多少？"


@pytest.mark.parametrize(
    ("turns", "searched"),
    [
        # a short name swapped for the name the earlier question opened with
        ([CHANGZHI, "那晋城呢？"], "晋城的煤炭先进产能占比是多少"),
        (["鹤壁是怎样降低煤炭依赖的？", "那焦作呢"], "焦作是怎样降低煤炭依赖的"),
        # a year for a year
        (["焦作2016年的生产总值是多少", "那2015年呢"], "焦作2015年的生产总值是多少"),
        # a topic, not a name: put before the earlier question, which keeps its own name
        (["晋城的森林覆盖率是多少？", "绿地率呢？"], "绿地率 晋城的森林覆盖率是多少"),
        (["煤炭依赖是怎么降下来的", "那焦作呢"], "焦作 煤炭依赖是怎么降下来的"),
        # a pointer back to the earlier question's name
        (["焦作的森林覆盖率是多少？", "它的旅游综合收入是多少？"], "焦作的旅游综合收入是多少"),
        # English
        (
            ["What share of Changzhi's coal capacity is advanced?", "What about Jincheng?"],
            "What share of Jincheng's coal capacity is advanced",
        ),
        (["What was Jiaozuo's GDP in 2016?", "And 2015?"], "What was Jiaozuo's GDP in 2015"),
        (
            ["How did Hebi cut coal dependence?", "What is its population?"],
            "What is Hebi's population",
        ),  # fmt: skip
        (
            ["How did Hebi cut coal dependence?", "And the unemployment rate?"],
            "the unemployment rate How did Hebi cut coal dependence",
        ),
        # a chain keeps its topic
        ([CHANGZHI, "那晋城呢？", "那焦作呢？"], "焦作的煤炭先进产能占比是多少"),
    ],
)
def test_follow_ups_take_the_earlier_questions_topic(turns: list[str], searched: str) -> None:
    resolved = resolve(turns)
    assert resolved.searched == searched
    assert resolved.question == turns[-1]
    assert resolved.rewritten and resolved.earlier is not None


@pytest.mark.parametrize(
    "turns",
    [
        ["鹤壁的煤炭产业占比是多少", "那晋城的先进产能占比是多少？"],  # asks a whole question
        ["晋城的森林覆盖率是多少？", "焦作的电商企业有多少家？"],
        ["鹤壁的转型经验", "还有呢？"],  # nothing new named
        ["那些城市的转型经验有哪些？"],  # 那些 is not a lead-in, and there is nothing before
        ["How did Hebi cut coal dependence?", "Is there a coal plan in Jincheng?"],
        ["What is Jincheng's forest coverage rate?", "How many e-commerce companies are there?"],
    ],
)
def test_questions_that_stand_alone_are_searched_as_asked(turns: list[str]) -> None:
    resolved = resolve(turns)
    assert resolved.searched == turns[-1]
    assert not resolved.rewritten


def test_the_searched_text_follows_the_script_of_the_new_question() -> None:
    assert resolve([CHANGZHI, "那晉城呢？"]).searched == "晉城的煤炭先進產能佔比是多少"
    assert resolve(["長治的煤炭先進產能佔比是多少？", "那晋城呢？"]).searched == (
        "晋城的煤炭先进产能占比是多少"
    )
    # 那2015年呢 shows no script of its own: the earlier question's is kept
    assert resolve(["焦作2016年的生產總值是多少", "那2015年呢"]).searched == (
        "焦作2015年的生產總值是多少"
    )


def test_resolve_needs_a_question() -> None:
    with pytest.raises(ValueError, match="at least one question"):
        resolve([])


def test_greetings_before_a_follow_up_are_passed_over() -> None:
    assert resolve(["你好", "那晋城呢？"]).searched == "那晋城呢？"
    assert resolve(["hi there", "What about Jincheng?"]).searched == "What about Jincheng?"
    assert resolve([CHANGZHI, "谢谢", "那晋城呢？"]).searched == "晋城的煤炭先进产能占比是多少"
