from __future__ import annotations

import pytest

from qa.answer import compose_answer
from qa.cite import Citation, ScoredSentence
from qa.places import by_place, elsewhere, place_of
from qa.query import parse_query


def citation(n: int, title: str, score: float = 1.0) -> Citation:
    return Citation(
        n=n, doc_id=f"d{n}", title=title, source="", section=None, page=None,
        char_start=0, char_end=1, text="", highlight=None, score=score,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("title", "place"),
    [
        ("璟州市國有資產監督管理委員會關於做好2024年房屋租金減免工作的通知", "璟州"),
        ("蘅州市商务局 蘅州市财政局关于开展以旧换新补贴活动的通知", "蘅州"),
        ("中共澜湾市委人才工作领导小组办公室关于…", "澜湾"),
        ("霽州市城市管理局關於做好城市集中供熱的通知", "霁州"),  # in search form
        ("苇塘县人民政府关于减免房屋租金的通知", "苇塘"),
        ("內蒙古自治區人民政府關於印發工作方案的通知", "内蒙古"),
        ("筠埭縣城鎮住房困難家庭租賃補貼申請辦事指南", "筠埭"),
        ("新竹市", None),  # an article's title, not an issuer's
        ("新北市政府是新北市的最高行政機關，按《新北市政府組織自治條例》設27個一級機關", None),
        ("省會廣州市。廣州本為番禺縣、南海縣兩縣縣治所在", None),  # a paragraph's first words
        ("关于印发清洁取暖工作方案的通知", None),  # no issuer named
        ("國務院關於推動大規模設備更新的通知", None),
        ("全市城乡居民医疗保险参保工作方案", None),
        ("国际联盟", None),
        ("", None),
    ],
)
def test_a_documents_place_is_the_one_its_title_opens_with(title: str, place: str | None) -> None:
    assert place_of(title) == place


def test_passages_of_another_places_documents_go_after_the_others() -> None:
    citations = [
        citation(1, "蘅州市人民政府关于减免租金的通知", 3.0),
        citation(2, "关于减免租金的说明", 2.0),  # no place: stays where it is
        citation(3, "璟州市国资委关于减免租金的通知", 1.0),
        citation(4, "蘅州市财政局关于资金的通知", 0.5),
    ]
    sentences = [ScoredSentence(1, "蘅", 0.9), ScoredSentence(3, "璟", 0.5)]
    ordered, moved = by_place("璟州的房屋租金是怎么减免的？", citations, sentences)
    assert [c.doc_id for c in ordered] == ["d2", "d3", "d1", "d4"]
    assert [c.n for c in ordered] == [1, 2, 3, 4]
    assert [c.score for c in ordered] == [2.0, 1.0, 3.0, 0.5]  # scores are kept
    assert [(s.citation, s.text) for s in moved] == [(2, "璟"), (3, "蘅")]


def test_a_question_naming_no_place_of_its_passages_changes_nothing() -> None:
    citations = [citation(1, "蘅州市人民政府关于减免租金的通知"), citation(2, "璟州市通知")]
    sentences = [ScoredSentence(2, "璟", 0.5)]
    for question in ("房屋租金是怎么减免的？", "杭州的房屋租金是怎么减免的？"):
        assert elsewhere(question, citations) == [False, False]
        assert by_place(question, citations, sentences) == (citations, sentences)


def test_an_answer_does_not_quote_another_places_notice() -> None:
    query = parse_query("璟州市的房屋租金是怎么减免的？")
    citations = [citation(1, "璟州市国资委关于减免租金的通知"), citation(2, "蘅州市人民政府通知")]
    sentences = [
        ScoredSentence(1, "承租国有房屋的小微企业减免4个月租金。", 0.6),
        ScoredSentence(2, "承租国有房屋的个体工商户减免6个月租金。", 0.9),
    ]
    answer = compose_answer(query, citations, sentences, 0.9, answer_at=0.5, further_at=0.5)
    assert answer.text == "承租国有房屋的小微企业减免4个月租金。[1]"
    # the question names neither: both are quoted, the better first
    plain = compose_answer(
        parse_query("房屋租金是怎么减免的？"), citations, sentences, 0.9, answer_at=0.5,
        further_at=0.5,
    )  # fmt: skip
    assert plain.text.startswith("承租国有房屋的个体工商户减免6个月租金。[2]")
