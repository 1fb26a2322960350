"""Paragraph titles written into the text (index/run_ins.py): at the start of a line, and in a
series within a line, where a page was published or copied with its paragraphs run together."""

from __future__ import annotations

from index.roles import answer_sentences, in_context, passage_roles, role_of
from index.run_ins import titles_in_series

# a practice article copied as one line: each measure a short title and its sentences
RUN_TOGETHER = (
    "现将主要做法介绍如下：筛查关口前移。县里组织移动X光车进村，今年已筛查2.1万人。"
    "诊治费用兜底。县人民医院对疑似患者的首次检查全部免费。"
    "服药全程督导。患者确诊后，村医每天上门看着患者服药。乡镇卫生院医生每两周随访1次。"
    "名师授课，按需点单。讲师团在7天内安排上门授课。"
)


def roles_of(text: str) -> list[tuple[str, str]]:
    spans = answer_sentences(text)
    roles = titles_in_series(text, spans, [role_of(text[a:b]) for a, b in spans])
    return [(text[a:b], r) for (a, b), r in zip(spans, roles, strict=True)]


def test_titles_in_a_series_within_a_line_are_headings() -> None:
    headings = [s for s, r in roles_of(RUN_TOGETHER) if r == "heading"]
    assert headings == [
        "筛查关口前移。",
        "诊治费用兜底。",
        "服药全程督导。",
        "名师授课，按需点单。",
    ]


def test_two_short_sentences_are_prose_not_a_series() -> None:
    text = "孙权听而许之。次年夏五月，潘淑被立为皇后，宫中上下为之庆贺。孙权十分喜悦。令画工为她画像，传于宫外。"
    assert all(r == "body" for _, r in roles_of(text))


def test_a_short_line_of_a_broken_page_is_not_a_title_within_a_line() -> None:
    # lines broken mid-sentence leave short pieces at the start of a line: not titles
    text = (
        "每名老年人免费接种1\n剂次流感疫苗。接种点由区卫生健康局公布。\n覆盖全部社区卫生中心。" * 2
    )
    text += "\n全区设立接种点23个。接种时间为周一至周六。"
    assert all(r != "heading" for _, r in roles_of(text))


def test_a_title_is_not_taken_from_two_titles_in_a_row() -> None:
    # a title is followed by its paragraph's longer sentences, not by another short one
    text = "压实行业责任。落实属地责任。加强资金保障。强化宣传引导。"
    assert all(r == "body" for _, r in roles_of(text))


def test_a_passage_that_joins_chunks_finds_the_series_and_the_two_sentence_preamble() -> None:
    """Read again over a cited passage (``in_context``), which joins what chunks held apart."""
    text = (
        "为降低肺结核发病率，郧汶县根据《结核病防治管理办法》，探索建立全链条服务模式。"
        + RUN_TOGETHER
    )
    spans = answer_sentences(text)
    alone = [role_of(text[a:b]) for a, b in spans]
    assert alone[0] == "body" and alone[1] == "preamble"
    roles = in_context(text, spans, alone)
    assert roles[0] == "preamble"
    assert roles.count("heading") == 4
    assert passage_roles(text, opens_document=False) == tuple(roles)
