from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer import compose_answer
from qa.cite import Citation, ScoredSentence
from qa.places import by_place, elsewhere, place_of
from qa.query import parse_query
from tests.qa.test_describe import indexed


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
        # the titles of other publications: an explainer, a Q&A, a press conference, a red
        # head, a bulletin, a department's news, a local paper's report
        ("《菖塅区见义勇为人员奖励和优待办法》政策解读", "菖塅"),
        ("一问一答丨栝岚市居住区周边停车泊位错时共享政策解读", "栝岚"),
        ("苘湖縣靈活就業人員參加職工基本醫療保險政策問答 來源：苘湖縣醫療保障局", "苘湖"),
        ("檫溪区城中村改造工作新闻发布会实录", "檫溪"),
        ("楸浔市人民政府文件", "楸浔"),
        ("栝岚市人民政府公报2025年第9期", "栝岚"),
        ("栲坪区：“阳光屋顶”让农户在家门口挣上“阳光钱”", "栲坪"),
        ("檩涔区河长制全面见效 本报讯（记者 汤若溪）“以前这条浜……", "檩涔"),
        # an issuer's name alone, as a red head's first line
        ("槲沚縣退役軍人事務局", "槲沚"),
        ("榧溪县发展和改革局 榧溪县教育局 榧溪县财政局", "榧溪"),
        # a web page's source line names the department or paper that published it
        ("“志愿芩漪”服务驿站一问一答 来源：芩漪市文明办 发布时间：2025-07-16", "芩漪"),
        ("榛泷县“瓶改管”“装报警”双管齐下 来源：榛泷日报 发布时间：2025-06-19", "榛泷"),
        # a rare character search form writes past the basic block (檵 → 𪲛)
        ("檵潭市人民政府办公室关于印发若干措施的通知", "𪲛潭"),
        ("新竹市", None),  # an article's title, not an issuer's
        ("新北市教育主管機管為新北市政府教育局。根據民國104年新北市教育統計年報", None),
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


def test_a_question_naming_a_place_finds_that_places_notice_among_look_alikes(
    tmp_path: Path,
) -> None:
    """Seven places' notices repeat the resident's words; the notice of the place they name is
    worded away from them. The ranking alone cites only the seven; the place's own notice is
    added to what is read, and cited first."""
    others = ("蘅州", "澜湾", "霁州", "苇塘", "筠埭", "蓼汀", "荻浦")
    texts = {
        f"n{i}": f"{p}市人民政府关于老旧小区加装电梯补贴的通知 老旧小区加装电梯，每台补贴多少钱，"
        f"由{p}市住房和城乡建设局按加装电梯补贴办法审核后发放补贴。"
        for i, p in enumerate(others)
    }
    texts["own"] = (
        "璟州市人民政府关于既有住宅增设升降设施的通知 既有住宅增设升降设施的，"
        "市财政按每部二十万元给予资金支持。"
    )
    service = indexed(tmp_path, **texts)
    question = "我家在璟州，老旧小区加装电梯每台补贴多少钱？"
    alone = service.with_snapshot(service.snapshot)
    alone.__dict__["places"] = {}  # no place read: the ranking alone
    assert not any("璟州" in c.title for c in alone.search(question).citations)
    cited = service.search(question).citations
    assert "璟州" in cited[0].title
    assert service.places["璟州"] == {c.doc_id for c in cited if "璟州" in c.title}
