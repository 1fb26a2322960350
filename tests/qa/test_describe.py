"""Description answers: the items under the best heading or lead-in, never a notice's title,
dateline or preamble (qa/describe.py, qa/answer.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

import qa.sections
from index.embedder import HashingEmbedder
from index.folder import open_snapshot
from index.pipeline import ingest
from index.roles import passage_roles
from qa.answer import compose_answer
from qa.cite import Citation, ScoredSentence
from qa.describe import MAX_ITEMS, describe, level
from qa.query import parse_query
from qa.retrieve import SignalScore
from qa.sections import to_named_section, widen
from qa.service import QAService
from tests.qa.conftest import scored

NOTICE = (
    "青溪市人民政府办公室关于印发青溪市支持小微企业纾困发展若干措施的通知 青政办发〔2024〕12号 "
    "各县（市）区人民政府，市政府各部门，各直属机构：为深入贯彻落实党中央、国务院关于助企纾困的决策部署，"
    "结合我市实际，现就减免小微企业房屋租金有关事项通知如下：一、减免房屋租金 "
    "（一）对承租国有房屋的小微企业，免除2024年上半年3个月租金。"
    "（二）对承租非国有房屋的小微企业，出租人减免租金的，按减免额的30%给予补贴。"
    "（三）减免租金由承租方向产权单位申请，产权单位在15个工作日内办结。"
    "二、加大金融支持 （一）新增普惠小微贷款利率不高于3.5%。"
    "联系人：张明 联系电话：0571-12345678 特此通知。 青溪市人民政府办公室 2024年3月10日"
)


def citation(n: int, text: str) -> Citation:
    return Citation(
        n, "d", "t", "s", None, None, 0, len(text), text, None, 1.0,
        {"dense": SignalScore(1, 0.9, 2.0)},
    )  # fmt: skip


# a scorer that likes what shares the question's words: the title and the preamble most
TEMPTED = {"的通知": 0.95, "现就减免": 0.93, "非国有房屋": 0.6, "一、减免房屋租金": 0.5}


def test_a_how_question_gets_the_items_not_the_title_or_preamble() -> None:
    sentences = scored(NOTICE, TEMPTED)
    answer = compose_answer(
        parse_query("小微企业房屋租金怎么减免？"), [citation(1, NOTICE)], sentences, 0.9,
        answer_at=0.5,
    )  # fmt: skip
    assert answer.question_type == "description"
    assert "的通知" not in answer.text and "决策部署" not in answer.text
    assert "青政办发" not in answer.text and "各县" not in answer.text
    # the enumeration from its heading, in order, up to the next heading of its level
    assert answer.text == (
        "一、减免房屋租金[1]"
        "（一）对承租国有房屋的小微企业，免除2024年上半年3个月租金。[1]"
        "（二）对承租非国有房屋的小微企业，出租人减免租金的，按减免额的30%给予补贴。[1]"
        "（三）减免租金由承租方向产权单位申请，产权单位在15个工作日内办结。[1]"
    )


def test_a_factoid_question_does_not_get_a_title_either() -> None:
    sentences = scored(NOTICE, TEMPTED)
    answer = compose_answer(
        parse_query("非国有房屋减免租金补贴比例"), [citation(1, NOTICE)], sentences, 0.9,
        answer_at=0.5,
    )  # fmt: skip
    assert answer.text.startswith("（二）对承租非国有房屋的小微企业")
    assert "的通知" not in answer.text


def test_framing_parts_answer_when_asked_for() -> None:
    sentences = scored(NOTICE, {"联系电话": 0.9, "的通知": 0.95})
    asked = compose_answer(
        parse_query("咨询电话是多少"), [citation(1, NOTICE)], sentences, 0.9, answer_at=0.5
    )
    assert asked.text.startswith("联系电话：0571-12345678")
    issued = compose_answer(
        parse_query("这个通知是哪个部门发布的"), [citation(1, NOTICE)], sentences, 0.9,
        answer_at=0.5,
    )  # fmt: skip
    assert issued.text.startswith("青溪市人民政府办公室关于印发")


def test_only_framing_in_the_passages_is_still_quoted() -> None:
    title = "青溪市人民政府办公室关于做好防汛工作的通知"
    sentences = scored(title, {"通知": 0.9})
    answer = compose_answer(
        parse_query("防汛工作怎么做"), [citation(1, title)], sentences, 0.9, answer_at=0.5
    )
    assert answer.text == f"{title}[1]"


def test_the_budget_ends_with_an_ellipsis_and_the_citation_to_read_on() -> None:
    items = "".join(f"{n}. 第{n}项措施是加强管理。" for n in range(1, MAX_ITEMS + 4))
    text = f"主要措施如下：{items}"
    sentences = scored(text, {"4. 第4项": 0.9})
    block = describe(max(sentences, key=lambda s: s.score), sentences, citation(2, text))
    # from the lead-in, the first MAX_ITEMS items, then more
    assert block.sentences[0].text == "主要措施如下："
    assert [s.text[0] for s in block.sentences[1:]] == [str(n) for n in range(1, MAX_ITEMS + 1)]
    assert block.more
    sentences = [ScoredSentence(2, s.text, s.score, role=s.role, span=s.span) for s in sentences]
    answer = compose_answer(
        parse_query("有哪些措施"), [citation(1, "x"), citation(2, text)], sentences, 0.9,
        answer_at=0.5,
    )  # fmt: skip
    assert answer.text.endswith(f"{MAX_ITEMS}. 第{MAX_ITEMS}项措施是加强管理。…[2]")


def test_a_lead_in_anchor_gives_the_items_it_leads_into() -> None:
    text = "为保障粮食供应，县里采取以下措施：1.建立储备。2.每月轮换。3.平价销售。（二）其他事项。"
    sentences = scored(text, {"采取以下措施": 0.9})
    block = describe(sentences[0], sentences, citation(1, text))
    assert [s.text for s in block.sentences] == [
        "为保障粮食供应，县里采取以下措施：", "1.建立储备。", "2.每月轮换。", "3.平价销售。",
    ]  # fmt: skip


def test_a_body_anchor_under_a_heading_runs_to_the_end_of_its_paragraph() -> None:
    text = (
        "二、稳定粮价\n去年全市粮食产量稳定。为稳定粮价，县里建立了储备。储备粮每月轮换一次。"
        "\n另一段讲的是别的事情。"
    )
    sentences = scored(text, {"为稳定粮价": 0.9})
    block = describe(sentences[2], sentences, citation(1, text))
    assert block is not None
    assert [s.text for s in block.sentences] == [
        "为稳定粮价，县里建立了储备。",
        "储备粮每月轮换一次。",
    ]
    assert not block.more


def test_prose_with_no_structure_is_answered_by_its_best_sentences() -> None:
    text = "张世昌是中国足球运动员。2008年他被河南建业罗致。他以出众的身体协调性和火爆的性格闻名。"
    sentences = scored(text, {"2008年": 0.9, "闻名": 0.85})
    assert describe(sentences[1], sentences, citation(1, text)) is None
    answer = compose_answer(
        parse_query("张世昌出名的原因是什么？"), [citation(1, text)], sentences, 0.9,
        answer_at=0.5, further_at=0.8,
    )  # fmt: skip
    assert answer.question_type == "description"
    assert answer.text == "2008年他被河南建业罗致。[1]他以出众的身体协调性和火爆的性格闻名。[1]"


def test_levels_of_markers() -> None:
    marked = ("一、总体要求", "第十三条 申请人", "（二）加强监测", "三是稳定价格", "2.申请", "正文")
    assert [level(t) for t in marked] == [1, 2, 3, 4, 4, 5]
    assert level("第十三天起") == 5


def indexed(tmp_path: Path, **texts: str) -> QAService:
    """A service over ``texts`` (file stem → text) indexed with hashing embedders."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in texts.items():
        (docs / f"{name}.txt").write_text(text, encoding="utf-8")
    main, cross = HashingEmbedder(64), HashingEmbedder(32)
    ingest([docs], tmp_path / "idx", main, cross=cross)
    return QAService(open_snapshot(tmp_path / "idx"), main, cross, cross, answer_at={})


def test_a_description_question_is_answered_from_the_passage_and_its_neighbours(
    tmp_path: Path,
) -> None:
    """Through the service: the first passage is read with its neighbouring chunks, so the
    enumeration is quoted whole although it spans several chunks; no framing part is quoted."""
    items = "".join(
        f"（{n}）第{n}项保障粮食供应的措施，由县粮食局会同有关部门按月落实到每个乡镇和每个粮油网点。"
        for n in "一二三四"
    )
    service = indexed(
        tmp_path,
        notice="云岭县人民政府关于做好粮食保供稳价工作的通知 各乡镇人民政府，县直各部门："
        f"为深入贯彻落实粮食安全工作部署，现就保供稳价有关事项通知如下：一、保障粮食供应 {items}"
        "二、稳定市场价格 （一）县市场监管局每日监测粮油价格。特此通知。",
    )
    answer = service.ask("云岭县如何保障粮食供应？")
    assert answer.question_type == "description"
    assert len(answer.citations[0].chunk_ids) > 1  # read with its neighbours
    assert not any(w in answer.text for w in ("的通知", "各乡镇", "为深入贯彻", "特此通知"))
    # the whole enumeration under its heading, in order, and not the next section
    quoted = [part for part in answer.text.split("[1]") if part]
    assert quoted[0] == "一、保障粮食供应"
    assert [q[:3] for q in quoted[1:]] == ["（一）", "（二）", "（三）", "（四）"]
    roles = [r for _, _, r in answer.citations[0].roles]
    assert roles[:3] == ["title", "addressee", "preamble"] and roles[-1] == "closing"


TASKS = (
    "兰泽市数字政府建设实施方案 为加快政府治理数字化转型，制定本方案。"
    "一、建设目标 到2026年，建成全市统一的数字政府平台，政务服务事项网上可办率达到98%以上。"
    "二、重点任务 （一）建设统一的政务云平台，部门业务系统向市政务云迁移。"
    "（二）打通数据共享通道，实现基础数据库全量共享。"
    "三、全面排查隐患 一是排查水库。二是排查山塘。"
    "四、保障措施 市财政每年安排数字政府建设资金不少于1.2亿元。"
)


def test_the_section_the_question_names_is_the_answer() -> None:
    # the scorer prefers a sentence of another section, sharing the question's words
    sentences = scored(TASKS, {"数字政府建设资金": 0.9, "数字政府平台": 0.8})
    answer = compose_answer(
        parse_query("兰泽市数字政府建设有哪些重点任务？"), [citation(1, TASKS)], sentences, 0.9,
        answer_at=0.5,
    )  # fmt: skip
    assert answer.text == (
        "二、重点任务[1]（一）建设统一的政务云平台，部门业务系统向市政务云迁移。[1]"
        "（二）打通数据共享通道，实现基础数据库全量共享。[1]"
    )
    # its words in another order, in Traditional script
    answer = compose_answer(
        parse_query("縣裡是怎麼開展隱患排查的？"), [citation(1, TASKS)], sentences, 0.9,
        answer_at=0.5,
    )  # fmt: skip
    assert answer.text.startswith("三、全面排查隐患[1]一是排查水库。[1]二是排查山塘。[1]")


def test_a_generic_word_alone_does_not_name_a_heading() -> None:
    from qa.headings import COVERED, coverage, named_heading

    sentences = scored(TASKS, {"数字政府建设资金": 0.9})
    # one piece shared (措施 of 保障措施) is not enough; two pieces of three words are
    assert coverage("保障措施", "兰泽市采取了哪些主要措施") == 0.0
    assert coverage("全面排查隐患", "开展隐患排查") == 4 / 6
    # half a heading named, in other words around it, is not enough; more than half is
    assert coverage("加强组织领导保障", "怎么加强领导") == 4 / 8 < COVERED
    assert coverage("补贴范围和标准", "对哪些产品给予补贴，标准是怎样的") == 4 / 7 >= COVERED
    assert named_heading("兰泽市采取了哪些主要措施", sentences, top=3) is None
    assert named_heading("兰泽市有哪些保障措施", sentences, top=3).text == "四、保障措施"  # type: ignore[union-attr]
    # headings of passages past the first ``top`` are not read
    later = scored(TASKS, {}, n=4)
    assert named_heading("有哪些重点任务", later, top=3) is None


def test_an_item_that_heads_deeper_items_gives_what_is_under_it() -> None:
    text = (
        "二、重点任务 （一）稳妥推进清洁取暖改造。一是实施煤改电改造，每户补贴4000元；"
        "二是给予采暖期用电补贴；三是推广洁净型煤。（二）强化工业污染治理。对钢铁企业实施超低排放改造。"
    )
    sentences = scored(text, {"煤改电": 0.9})
    answer = compose_answer(
        parse_query("如何推进清洁取暖改造？"), [citation(1, text)], sentences, 0.9, answer_at=0.5
    )
    assert answer.text == (
        "（一）稳妥推进清洁取暖改造。[1]一是实施煤改电改造，每户补贴4000元；[1]"
        "二是给予采暖期用电补贴；[1]三是推广洁净型煤。[1]"
    )


INTERPRETATION = (
    "《杞岙县老年人优待办法》政策解读 问：哪些老年人可以享受优待？ 答：本县户籍60周岁以上老年人。"
    "问：看病就医有哪些优待？ 答：一是免收普通门诊诊查费；二是设立老年人优先窗口；"
    "三是每年提供一次免费体检。 问：办理优待证需要什么材料？ 答：身份证和一张照片。"
)


def test_a_policy_interpretations_question_heads_its_answer() -> None:
    # the scorer likes the question itself best: it is never the answer, what follows it is
    sentences = scored(INTERPRETATION, {"看病就医有哪些优待": 0.95, "身份证": 0.5})
    answer = compose_answer(
        parse_query("杞岙县老年人看病就医有哪些优待？"), [citation(1, INTERPRETATION)],
        sentences, 0.9, answer_at=0.5,
    )  # fmt: skip
    assert answer.question_type in ("description", "list")
    assert answer.text == (
        "问：看病就医有哪些优待？[1]答：一是免收普通门诊诊查费；[1]二是设立老年人优先窗口；[1]"
        "三是每年提供一次免费体检。[1]"
    )
    # asked as a factoid, the question line is not quoted either
    factoid = compose_answer(
        parse_query("办理优待证要带身份证吗"), [citation(1, INTERPRETATION)], sentences, 0.9,
        answer_at=0.5, further_at=0.9,
    )  # fmt: skip
    assert factoid.text == "答：身份证和一张照片。[1]"


def test_a_numbered_question_of_an_interpretation_heads_its_answer_too() -> None:
    """問2：… and 问题三：… mark a question-and-answer text's questions as 问： does; a page of
    them published as one line has its answer read from the named question to the next, not
    from the sentence a scorer likes (the page's introduction)."""
    text = (
        "课后服务政策问答 新学期即将开始，不少家长关心孩子参加课后服务的有关问题。"
        "问1：课后服务是必须参加的吗？ 答：不是。学生是否参加由家长决定。"
        "问2：怎么给孩子报名？ 答：每学期开学前一周，家长通过小程序填写报名信息。"
        "不会使用手机的家长，可以填写纸质报名表。开学后2周内，家长可以申请退出。"
        "问题三：课后服务怎么收费？ 答：每生每月不超过100元。"
    )
    sentences = scored(text, {"家长关心孩子参加课后服务": 0.9, "填写报名信息": 0.5})
    assert [s.role for s in sentences if s.text.startswith("问")] == ["heading"] * 3
    answer = compose_answer(
        parse_query("家长怎样给孩子报名参加课后服务？"), [citation(1, text)], sentences, 0.9,
        answer_at=0.5,
    )  # fmt: skip
    assert answer.text == (
        "问2：怎么给孩子报名？[1]答：每学期开学前一周，家长通过小程序填写报名信息。[1]"
        "不会使用手机的家长，可以填写纸质报名表。[1]开学后2周内，家长可以申请退出。[1]"
    )


def test_any_passage_can_be_read_with_its_neighbours(tmp_path: Path) -> None:
    """``sections.widen`` grows the passage it is given, not only the first: the one holding
    the heading a question names may end at that heading."""
    sections = "".join(
        f"{head}、第{head}部分 " + "".join(
            f"（{n}）第{head}部分第{n}项措施，由县政府有关部门按月落实到每个乡镇和每个社区。"
            for n in "一二三"
        )
        for head in "一二三四"
    )  # fmt: skip
    service = indexed(
        tmp_path, **{name: f"{name}县工作方案 {sections}" for name in ("yunling", "qingxi")}
    )
    signals = service.retriever.signals([service.parse("第三部分有哪些措施")])[0]
    hits = service.retriever.rank(signals, 2)  # one chunk of each document
    citations, sentences = service.citations_for(signals, hits)
    assert len(citations) >= 2
    n = citations[1].n
    cite = partial(service.citations_for, signals)
    wide, said = widen(service.snapshot.store, cite, hits, citations, sentences, n)
    assert [c.n for c in wide] == [c.n for c in citations]  # the order is kept
    assert len(wide[1].chunk_ids) > len(citations[1].chunk_ids)
    assert wide[0] == citations[0]
    grown = [s.text for s in said if s.citation == n]
    assert len(grown) > len([s for s in sentences if s.citation == n])
    assert all(s.text in wide[1].text for s in said if s.citation == n)


def test_the_section_a_question_names_is_found_in_the_first_documents_other_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long notice's title and preamble share the question's words; the section under the
    heading it names, chunks later, is what answers it."""
    filler = "".join(
        f"{head}、第{head}部分 " + "".join(
            f"（{n}）枳堰区农村危房改造第{head}部分第{n}项安排是什么，由区里落实。" for n in "一二三"
        )
        for head in "一二三四五六七八九十"
    )  # fmt: skip
    steps = "".join(
        f"（{n}）{step}。镇人民政府按规定时限办理，结果在公开栏公示。"
        for n, step in zip("一二三", ("农户申请", "危房鉴定", "竣工验收"), strict=True)
    )
    service = indexed(
        tmp_path,
        plan="枳堰区农村危房改造实施程序工作方案 为做好农村危房改造实施程序工作，制定本方案。"
        f"{filler}十一、实施程序 {steps}十二、保障措施 各镇要把农村危房改造作为民生实事。",
    )
    store = service.snapshot.store
    signals = service.retriever.signals([service.parse("枳堰区农村危房改造的实施程序是什么？")])[0]
    hits = service.retriever.rank(signals, 1)  # the title and preamble's chunk
    citations, sentences = service.citations_for(signals, hits)
    assert "十一、实施程序" not in citations[0].text
    cite = partial(service.citations_for, signals)
    moved, said = to_named_section(store, cite, signals.query.text, hits, citations, sentences)
    first = moved[0]
    assert "十一、实施程序" in first.text and "十二、保障措施" in first.text
    assert (first.n, first.score, first.doc_id) == (1, citations[0].score, citations[0].doc_id)
    assert all(s.text in first.text for s in said if s.citation == 1)
    answer = compose_answer(signals.query, moved, said, 0.9, answer_at=0.5)
    quoted = [part for part in answer.text.split("[1]") if part]
    assert quoted[0] == "十一、实施程序"
    items = [q[:7] for q in quoted if q.startswith("（")]
    assert items == ["（一）农户申请", "（二）危房鉴定", "（三）竣工验收"]
    assert "保障措施" not in answer.text
    # a question that names no heading of the document keeps its passage
    other = service.retriever.signals([service.parse("枳堰区农村危房改造是什么？")])[0]
    found = service.retriever.rank(other, 1)
    cited, read = service.citations_for(other, found)
    unnamed = partial(service.citations_for, other)
    assert to_named_section(store, unnamed, other.query.text, found, cited, read) == (cited, read)
    # only the chunks near the first passage are searched
    monkeypatch.setattr(qa.sections, "SECTION_REACH", 1)
    question = signals.query.text
    unmoved = to_named_section(store, cite, question, hits, citations, sentences)
    assert unmoved == (citations, sentences)


def test_the_budget_counts_items_and_whole_sentences_not_clauses() -> None:
    # an item goes on past its semicolon, the last one the budget holds too
    items = "".join(f"{n}.第{n}项由乡镇受理；费用由县财政保障。" for n in range(1, MAX_ITEMS + 1))
    text = f"经办服务如下：{items}"
    sentences = scored(text, {"1.第1项": 0.9})
    block = describe(sentences[1], sentences, citation(1, text))
    assert block is not None and not block.more
    assert "".join(s.text for s in block.sentences).endswith(items)
    # with no enumeration, the clauses a semicolon joins are one sentence of the budget
    grades = "；".join(f"{g}类每人每月{n}00元" for n, g in enumerate("甲乙丙丁戊己庚", start=1))
    prose = (
        f"二、补贴标准 补贴按学历发放：{grades}。夫妻只能由一方申领。补贴期限最长3年。"
        "三、申请程序 网上申请。"
    )
    said = scored(prose, {"二、补贴标准": 0.9})
    whole = describe(said[0], said, citation(1, prose))
    assert whole is not None and not whole.more
    assert whole.sentences[-1].text == "补贴期限最长3年。"


def test_an_article_ends_the_items_of_the_article_before_it() -> None:
    text = (
        "第十三条 申请人提交以下材料：（一）申请表；（二）身份证明；（三）租赁合同。"
        "第十四条 街道办事处自受理之日起10个工作日内完成初审。"
    )
    sentences = scored(text, {"（一）申请表": 0.9})
    block = describe(sentences[1], sentences, citation(1, text))
    assert block is not None
    # the article's number is quoted with it (index/roles keeps a bare marker on its text)
    assert [s.text for s in block.sentences] == [
        "第十三条 申请人提交以下材料：", "（一）申请表；", "（二）身份证明；", "（三）租赁合同。",
    ]  # fmt: skip


def test_a_named_section_is_read_on_past_the_passage_that_ends_at_it(tmp_path: Path) -> None:
    """A guide's heading closes the chunks that matched its title; its items, one short line
    each, are read on from the heading's chunk however many chunks they take."""
    sections = "\n".join(
        f"{head}、第{head}项事项\n本事项由县政务服务中心办理，办理结果通过短信告知申请人。"
        for head in "一二三四五"
    )
    materials = "\n".join(f"{n}.第{n}种申请材料原件1份；" for n in range(1, 8))
    guide = (
        f"苎溪县城镇住房租赁补贴申请办事指南\n{sections}\n六、申请材料\n{materials}\n"
        "七、办理时限\n承诺办结时限20个工作日。\n八、咨询电话\n0763-5821047"
    )
    service = indexed(tmp_path, guide=guide)
    answer = service.ask("苎溪县城镇住房租赁补贴申请需要哪些材料？")
    assert answer.question_type == "list"
    quoted = [part for part in re.split(r"\[\d\]", answer.text) if part]
    assert quoted == ["六、申请材料", *materials.split("\n")]
    assert len(set(re.findall(r"\[\d\]", answer.text))) == 1


def test_a_lead_in_is_named_by_its_last_clause() -> None:
    from qa.headings import named_heading

    text = (
        "七、简化申请办理。创业者可通过小程序或公共就业服务机构提交申请，申请材料精简为："
        "1.身份证；2.营业执照；3.创业项目计划书。人社部门自受理之日起5个工作日内完成审核。"
    )
    sentences = scored(text, {"人社部门": 0.9})
    named = named_heading("柃江市申请创业担保贷款需要提交哪些材料？", sentences, top=3)
    assert named is not None and named.text.endswith("申请材料精简为：")
    answer = compose_answer(
        parse_query("柃江市申请创业担保贷款需要提交哪些材料？"), [citation(1, text)], sentences,
        0.9, answer_at=0.5,
    )  # fmt: skip
    assert answer.text.split("[1]")[1:4] == ["1.身份证；", "2.营业执照；", "3.创业项目计划书。"]
    # what comes before the last clause names the procedure, not the list
    assert named_heading("通过小程序怎么提交申请？", sentences, top=3) is None
    # a colon before a quotation leads into no list
    quoting = "在1937年发表的文章中，特斯拉写道：“终结战争的机器将会出现。”他晚年生活清贫。"
    said = scored(quoting, {})
    assert named_heading("特斯拉在流行文化中的声誉如何？", said, top=3) is None


def test_a_numbered_question_of_a_q_and_a_text_is_not_quoted() -> None:
    text = "6.退休后还要交医保吗？累计缴费满25年的，退休后不再缴费。7.就业困难人员有补贴吗？有。"
    sentences = scored(text, {"6.退休后": 0.95, "累计缴费满25年": 0.6})
    assert sentences[0].role == "item"
    answer = compose_answer(
        parse_query("退休以后医保费还用交吗"), [citation(1, text)], sentences, 0.9,
        answer_at=0.5, further_at=0.9,
    )  # fmt: skip
    assert answer.text == "累计缴费满25年的，退休后不再缴费。[1]"


def with_passage_roles(text: str, scores: dict[str, float]) -> list[ScoredSentence]:
    """``scored`` with the roles ingest finds for the passage as a whole."""
    roles = passage_roles(text, opens_document=False)
    return [replace(s, role=r) for s, r in zip(scored(text, scores), roles, strict=True)]


def test_a_run_in_title_heads_its_paragraph() -> None:
    """A work report titles a paragraph with a short sentence it goes on from; the question
    that names the title gets the paragraph, not the best sentence of another one."""
    text = (
        "今年，我们将坚持以基层为重点，提升县域医疗服务能力，群众满意度稳步提高。\n"
        "做强县级医院。一是推进县医院新院区建设；二是创建三级医院。\n"
        "提升基层服务能力。一是实施乡镇卫生院提质工程，投入资金3200万元；"
        "二是推进村卫生室标准化建设；三是推行县聘乡用。\n"
        "推动资源共享互通。建设县域影像、检验四大共享中心。"
    )
    sentences = with_passage_roles(text, {"提升县域医疗服务能力": 0.9})
    answer = compose_answer(
        parse_query("如何提升基层医疗服务能力？"), [citation(1, text)], sentences, 0.9
    )
    assert answer.text == (
        "提升基层服务能力。[1]一是实施乡镇卫生院提质工程，投入资金3200万元；[1]"
        "二是推进村卫生室标准化建设；[1]三是推行县聘乡用。[1]"
    )


def test_a_title_within_a_line_heads_its_paragraph() -> None:
    """A page run together titles its paragraphs in a series within one line (index/run_ins);
    the best sentence's paragraph is answered from its title to the next title."""
    text = (
        "现将主要做法介绍如下：筛查关口前移。县里组织移动X光车进村，今年已筛查2.1万人。"
        "服药全程督导。患者确诊后，村医每天上门看着患者服药。乡镇卫生院医生每两周随访1次。"
        "信息全程共享。县里搭建结核病患者管理平台，转诊情况实时可查。"
    )
    sentences = with_passage_roles(text, {"看着患者服药": 0.9})
    answer = compose_answer(
        parse_query("怎样确保患者按时服药？"), [citation(1, text)], sentences, 0.9
    )
    assert answer.text == (
        "服药全程督导。[1]患者确诊后，村医每天上门看着患者服药。[1]乡镇卫生院医生每两周随访1次。[1]"
    )


def test_a_title_within_a_line_heads_its_paragraph_however_far_its_best_sentence() -> None:
    text = (
        "现将有关要求通知如下：明确治理对象。连片池塘养殖场应当建成尾水处理设施。新建养殖场同步建设设施。"
        "50亩以下的养殖户可以联合建设。工厂化养殖场不得直接排放养殖尾水。"
        "推广治理模式。重点推广三池两坝模式。山区可以改建生态塘。"
        "落实补助政策。市财政按每亩800元给予补助。"
    )
    sentences = with_passage_roles(text, {"不得直接排放": 0.9})
    answer = compose_answer(
        parse_query("对工厂化养殖场的尾水有哪些要求？"), [citation(1, text)], sentences, 0.9
    )
    assert answer.text.startswith("明确治理对象。[1]连片池塘养殖场应当建成尾水处理设施。[1]")
    assert answer.text.endswith("工厂化养殖场不得直接排放养殖尾水。[1]")


def test_an_enumeration_of_titled_items_is_given_from_its_first_item() -> None:
    """Items titled by a short sentence and gone on from ("三是强化技术服务。" and its
    sentence) are one enumeration: a question whose best sentence is the third item's gets
    the enumeration from its first item, the further sentences of each included."""
    text = (
        "四、保障措施 一是加强组织领导。成立由分管副县长任组长的工作专班。"
        "二是加大资金投入。县财政每年安排蚕桑产业发展资金800万元。"
        "三是强化技术服务。县蚕桑技术服务中心组建8个技术服务小组。"
        "四是完善风险保障。推行蚕桑生产政策性保险。五、工作要求 各乡镇要制定具体工作计划。"
    )
    sentences = with_passage_roles(text, {"技术服务小组": 0.9})
    answer = compose_answer(
        parse_query("从组织、资金、技术上怎样保证行动落实？"), [citation(1, text)], sentences, 0.9
    )
    assert answer.text.startswith("四、保障措施[1]一是加强组织领导。[1]成立由分管副县长")
    assert "技术服务小组。[1]四是完善风险保障。[1]推行蚕桑生产政策性保险。[1]" in answer.text
    assert "工作要求" not in answer.text


PIPES = (
    "二、重点任务 （一）开展管线普查。2025年完成老城区320公里管线的普查。"
    "（二）推行先查后挖。建设单位开工前在线查询管线资料。"
    "（三）更新老旧管线。3年内改造铸铁燃气管道120公里。三、工作要求 加强督导。"
)


def test_a_question_that_joins_parts_gets_the_enumeration_its_named_item_is_in() -> None:
    """摸清管线底数 names no heading, 更新老旧管线 names （三）: a question that joins the
    parts it asks about gets the enumeration from its first item, not the named item alone."""
    sentences = with_passage_roles(PIPES, {"铸铁燃气管道": 0.9})
    answer = compose_answer(
        parse_query("在摸清管线底数和更新老旧管线上有哪些安排？"),
        [citation(1, PIPES)], sentences, 0.9,
    )  # fmt: skip
    assert answer.text.startswith("二、重点任务[1]（一）开展管线普查。[1]")
    assert answer.text.endswith("（三）更新老旧管线。[1]3年内改造铸铁燃气管道120公里。[1]")


def test_a_question_that_names_one_item_alone_gets_its_section() -> None:
    sentences = with_passage_roles(PIPES, {"铸铁燃气管道": 0.9})
    for question in ("怎样更新老旧管线？", "怎样及时更新老旧管线？"):  # 及时 joins nothing
        answer = compose_answer(parse_query(question), [citation(1, PIPES)], sentences, 0.9)
        assert answer.text == "（三）更新老旧管线。[1]3年内改造铸铁燃气管道120公里。[1]"


RULES = (
    "第五条　企业将有限空间作业发包的，应当与承包单位签订安全管理协议。"
    "第六条　企业每年至少组织1次有限空间作业专项培训。"
    "第七条　发生有限空间作业事故的，现场人员应当立即拨打119求助，严禁盲目施救。"
    "企业应当在1小时内向区应急管理局报告。"
    "第八条　区应急管理局建立有限空间作业企业名录。"
)


def test_an_article_is_named_by_the_case_it_opens_on() -> None:
    """A rule's article opens on its case (发生…事故的，…): a question that holds the case
    whole names the article, however the scorer ranks the others; an article whose case it
    holds only in part (有限空间作业, the rule's topic) is not named."""
    sentences = with_passage_roles(RULES, {"专项培训": 0.9, "签订安全管理协议": 0.8})
    answer = compose_answer(
        parse_query("发生有限空间作业事故后应当怎样处置？"), [citation(1, RULES)], sentences, 0.9
    )
    # from the article on (the articles after it may go on with its matter)
    assert answer.text.startswith(
        "第七条　发生有限空间作业事故的，现场人员应当立即拨打119求助，严禁盲目施救。[1]"
        "企业应当在1小时内向区应急管理局报告。[1]"
    )
    # asked of several (现场人员和企业), it is never given from the articles before it
    several = compose_answer(
        parse_query("发生有限空间作业事故后，现场人员和企业应当怎样处置？"),
        [citation(1, RULES)], sentences, 0.9,
    )  # fmt: skip
    assert several.text.startswith("第七条　发生有限空间作业事故的")


def test_an_enumeration_is_given_from_where_it_still_reaches_the_best_item() -> None:
    """Where the enumeration from its first item would spend the budget before the best
    sentence's item, it is given from the earliest item that keeps that one within it."""
    filler = "，".join(["按照统一标准组织实施并做好记录"] * 9)  # an item of ~150 characters
    items = "".join(f"（{n}）第{n}项工作。{filler}。" for n in "一二三四五六七")
    text = (
        f"二、重点任务 {items}（八）开展灭螺行动。对连片稻田统一开展灭螺。三、工作要求 加强督导。"
    )
    sentences = with_passage_roles(text, {"统一开展灭螺": 0.9})
    answer = compose_answer(
        parse_query("连片稻田的螺害怎么处理？"), [citation(1, text)], sentences, 0.9
    )
    # five items of ~150 characters before it fit the budget of 800, a sixth would not
    assert answer.text.startswith("（三）第三项工作。[1]")
    assert answer.text.endswith("（八）开展灭螺行动。[1]对连片稻田统一开展灭螺。[1]")


def test_a_rules_article_is_not_given_with_the_articles_before_it() -> None:
    """A rule's articles (第四条) are parts of their own: an article's list is given from the
    article, not from the first article of the rules."""
    text = (
        "第一条　本细则适用于本市城区范围内病媒生物的预防控制活动。"
        "第二条　市爱卫办负责全市病媒生物防制的组织协调。"
        "第三条　机关和居民家庭是清除孳生地的责任主体。"
        "第四条　建筑工地施工单位应当履行下列防蚊责任：（一）每周至少组织一次全面巡查；"
        "（二）基坑积水在48小时内抽干；（三）工人宿舍安装纱窗。"
        "第五条　违反本细则的，由城市管理部门责令改正。"
    )
    sentences = with_passage_roles(text, {"防蚊责任": 0.9})
    answer = compose_answer(
        parse_query("建筑工地的施工单位在防蚊方面要做到哪些？"), [citation(1, text)], sentences, 0.9
    )
    assert answer.text.startswith("第四条　建筑工地施工单位应当履行下列防蚊责任：[1]")
    assert answer.text.endswith("（三）工人宿舍安装纱窗。[1]")


def test_a_paragraph_that_opens_on_its_topic_answers_a_question_that_names_it() -> None:
    """A news release has no headings; its paragraphs open on their topic (在交通配套方面，…),
    and the paragraph runs on until the next topic opens."""
    text = (
        "记者昨日获悉，《夜间经济十条举措》正式印发，举措从业态培育、交通配套等方面发力。"
        "在业态培育上，鼓励餐饮企业延长营业时间。"
        "在交通配套方面，新开通4条夜间公交线路。示范街区周边停车场首2小时免费。"
        "交警部门设置夜间临时停车泊位约1200个。"
        "在监管方式上，推行首违不罚。"
    )
    sentences = scored(text, {"交通配套等方面": 0.9})
    answer = compose_answer(
        parse_query("发展夜间经济在交通配套方面有哪些举措？"), [citation(1, text)], sentences, 0.9
    )
    assert answer.text == (
        "在交通配套方面，新开通4条夜间公交线路。[1]示范街区周边停车场首2小时免费。[1]"
        "交警部门设置夜间临时停车泊位约1200个。[1]"
    )


def test_a_question_for_a_guides_kind_of_section_names_the_one_heading_of_it() -> None:
    """需要准备哪些材料 shares only 材料 with "六、申请材料", too little to name it by its
    words; but a guide has one section of materials, and that is what is asked for."""
    from qa.headings import named_heading

    text = (
        "五、待遇享受\n新参保人员设置6个月待遇等待期。\n六、申请材料\n1.居民身份证原件；\n"
        "2.本县居住证。\n七、办理渠道\n线上：登录微信公众号自助办理。"
    )
    sentences = scored(text, {"线上": 0.9})
    named = named_heading("参加职工医保需要准备哪些材料？", sentences, top=3)
    assert named is not None and named.text == "六、申请材料"
    assert named_heading("參加職工醫保需要準備哪些材料？", sentences, top=3) == named
    # not when two headings are of the kind, nor for a notice's measures
    two = scored(f"{text}\n八、补正材料\n材料不全的一次性告知。", {"线上": 0.9})
    assert named_heading("需要准备哪些材料？", two, top=3) is None
    assert named_heading("有哪些措施？", scored("三、保障措施\n加强领导。", {}), top=3) is None
    # the kind asked may follow a modifier, and stand inside the heading's name
    items = scored("一、减免对象\n本县户籍人员。\n二、减免项目和标准\n①遗体接运；", {})
    vouchers_like = scored(
        "四、申请材料\n1.申领表原件1份。\n五、办理流程\n（一）申请。（二）审核。", {}
    )
    named = named_heading("惠民殡葬减免哪些基本殡葬服务项目？", items, top=3)
    assert named is not None and named.text == "二、减免项目和标准"
    # the steps a claim goes through (哪些环节) are a guide's procedure
    steps = named_heading("申请以后要经过哪些环节？", vouchers_like, top=3)
    assert steps is not None and steps.text == "五、办理流程"
    # the things to bring (要准备哪些东西) are its materials
    things = named_heading("申领补助要准备哪些东西？", vouchers_like, top=3)
    assert things is not None and things.text == "四、申请材料"
    # a notice's closing section is named only whole, not by its words held apart
    grain = scored("二、做好入仓前准备\n（一）晾晒至安全水分。\n五、工作要求\n各镇要按时报送。", {})
    ready = named_heading("农户粮食入仓前的准备工作有什么要求？", grain, top=3)
    assert ready is not None and ready.text == "二、做好入仓前准备"
    closing = named_heading("这项工作的工作要求是什么？", grain, top=3)
    assert closing is not None and closing.text == "五、工作要求"
    # a way of doing it (采用什么方式) is named by its mode (推广治理模式) too
    modes = scored("明确治理对象。连片池塘要建设施。推广治理模式。推广三池两坝。", {})
    modes = [replace(s, role="heading") if len(s.text) <= 7 else s for s in modes]
    way = named_heading("养殖户要采用什么方式处理尾水？", modes, top=3)
    assert way is not None and way.text == "推广治理模式。"
    # of two headings the question names as much, the one it names last: what it asks
    guide = scored("一、明确接收单位\n交给派出所。\n二、规范登记保管\n当场清点。", {})
    named = named_heading("接收单位收到拾得物后，应当怎样登记和保管？", guide, top=3)
    assert named is not None and named.text == "二、规范登记保管"
    # the one section of the kind asked for, over a heading named below its level: a step of
    # another section whose name the question holds (申领 in 企业申领创新券)
    vouchers = scored(
        "四、申请材料\n1.申领表原件1份；\n2.营业执照复印件。\n五、办理流程\n（一）申领。"
        "企业通过政务服务网提交申请。\n（二）审核。7个工作日内完成。",
        {},
    )
    named = named_heading("企业申领创新券需要准备哪些材料？", vouchers, top=3)
    assert named is not None and named.text == "四、申请材料"
    named = named_heading("企业怎么申领创新券？", vouchers, top=3)
    assert named is not None and named.text == "（一）申领。"
    # a guide's 事项名称 names the matter every question of it names, not a section
    matter = scored(
        "一、事项名称：废旧农膜回收补贴申领。\n二、申请对象：种植大户。\n三、申请材料：\n"
        "1.申请表原件1份；\n2.身份证复印件。",
        {},
    )
    named = named_heading("申领废旧农膜回收补贴需要准备哪些材料？", matter, top=3)
    assert named is not None and named.text == "三、申请材料："
    # but a heading the question names above the kind's level stays what it asks for
    tea = scored(
        "二、重点任务\n（一）推进低产茶园改造。每亩补助1500元。\n三、保障措施\n"
        "（一）强化金融支持。对保费给予70%的补贴。",
        {},
    )
    named = named_heading("对低产茶园改造给予什么补助？", tea, top=3)
    assert named is not None and named.text == "（一）推进低产茶园改造。"
    # a plan's goals and steps are sections of their kind too
    plan = scored("一、工作目标\n到2025年底，建档率达到100%。\n二、重点任务\n（一）开展调查。", {})
    named = named_heading("三年行动要达到哪些目标？", plan, top=3)
    assert named is not None and named.text == "一、工作目标"
    # how a benefit is given asks for its standard, not for whom it covers
    paid = scored("一、补偿范围\n野猪造成的损失。\n二、补偿标准\n农作物按产值的60%补偿。", {})
    named = named_heading("野生动物造成的损失如何给予补偿？", paid, top=3)
    assert named is not None and named.text == "二、补偿标准"
    assert named_heading("野生动物造成的损失怎么申请？", paid, top=3) is None
    # a kind is named by its near-synonym too (扶持 of 支持政策, 项目 of 检查内容), and of the
    # parts of its kind, a section rather than an item of another section
    aid = scored(
        "二、重点任务\n（一）摸清底数。\n三、支持政策\n（一）改造补助。按投资额的15%补助。"
        "\n（二）金融支持。给予贴息。\n四、保障措施\n加强领导。",
        {},
    )
    named = named_heading("对改造项目给予哪些资金扶持？", aid, top=3)
    assert named is not None and named.text == "三、支持政策"
    named = named_heading("对这类项目有哪些资金补助和奖励？", aid, top=3)
    assert named is not None and named.text == "三、支持政策"
    checks = scored("一、筛查对象\n本区妇女。\n二、检查内容\n妇科检查。\n三、组织实施\n预约。", {})
    named = named_heading("免费筛查包括哪些项目？", checks, top=3)
    assert named is not None and named.text == "二、检查内容"
    # what a measure consists of asks for its content's section
    kinds = scored(
        "一、扶持对象\n养蜂户。\n二、扶持内容\n（一）蜂群补贴。\n三、工作要求\n严格审核。", {}
    )
    named = named_heading("给养蜂户的资金支持包括哪几项？", kinds, top=3)
    assert named is not None and named.text == "二、扶持内容"
    # a work report's heading of two clauses is named by its first, what its section is about
    report = scored(
        "（二）着力推进乡村振兴，建设宜居宜业和美乡村。一是完成户厕改造。"
        "（三）着力增进民生福祉，办好群众身边实事。一是启动长期护理保险试点。",
        {},
    )
    named = named_heading("全县2025年在增进民生福祉方面有哪些安排？", report, top=3)
    assert named is not None and named.text == "（三）着力增进民生福祉，办好群众身边实事。"
    # not by a later clause, which says how, nor by a first that shares only a short word
    rule = scored(
        "一、参保范围\n（一）参加职工医保的人员，同步参加长期护理保险。\n二、待遇\n按月支付。", {}
    )
    assert named_heading("长期护理保险按什么标准支付？", rule, top=3) is None


def test_a_question_the_text_answers_on_its_next_line_is_answered_by_that_line() -> None:
    """At a press conference the reporter's question echoes the user's; its answer is the
    official's reply below it, not the question, and not the paragraph the question ends."""
    text = (
        "主持人：下面请记者提问。\n"
        "晚报记者：请问这次城中村改造征收补偿有哪些具体措施？\n"
        "冯立群：主要有以下几方面措施：一是提供多种安置方式。二是给予签约奖励。\n"
        "晚报记者：老房子如何保护？\n"
        "邱晓岚：建立历史建筑名录。"
    )
    sentences = scored(text, {"征收补偿有哪些": 0.9})
    answer = compose_answer(
        parse_query("城中村改造征收补偿有哪些具体措施？"), [citation(1, text)], sentences, 0.9
    )
    assert "冯立群：主要有以下几方面措施：[1]一是提供多种安置方式。[1]二是给予签约奖励。[1]" in (
        answer.text
    )
    assert "老房子" not in answer.text and "主持人" not in answer.text
    # a question is never quoted as what answers a factoid
    factoid = compose_answer(
        parse_query("征收补偿有几种安置方式"), [citation(1, text)], sentences, 0.9
    )
    assert "？" not in factoid.text


def test_a_reporters_line_of_two_questions_is_answered_by_the_reply_below_it() -> None:
    """A reporter often asks two things on one line; the reply on the next line answers both,
    and neither question is quoted as an answer."""
    text = (
        "主持人：下面请记者提问。\n"
        "融媒体中心记者：餐馆的餐厨垃圾什么时候来收？要不要收费？\n"
        "局长：县城区实行每日两次定时收运。收运服务暂不收费，费用由县财政承担。\n"
        "日报记者：居民家里的剩菜剩饭怎么处理？\n"
        "局长：投放到小区厨余垃圾桶。"
    )
    sentences = scored(text, {"什么时候来收": 0.9, "要不要收费": 0.8})
    described = compose_answer(
        parse_query("餐馆的餐厨垃圾怎么收运？"), [citation(1, text)], sentences, 0.9
    )
    assert described.text == (
        "融媒体中心记者：餐馆的餐厨垃圾什么时候来收？[1]要不要收费？[1]"
        "局长：县城区实行每日两次定时收运。[1]收运服务暂不收费，费用由县财政承担。[1]"
    )
    factoid = compose_answer(
        parse_query("餐厨垃圾一天什么时候来收？"), [citation(1, text)], sentences, 0.9
    )
    assert "？" not in factoid.text


def test_an_explainers_question_heads_the_bulleted_items_under_it() -> None:
    """一图读懂 in text: numbered blocks, each a question over its bullets, on one line."""
    text = (
        "04 适用范围是什么？ 全区城中村改造项目。 05 有哪些奖励？ ★签约奖励：每平方米200元；"
        " ★腾房奖励：每户奖励2万元； ★整村签约奖励：每户再奖励1万元。 06 房票怎么用？ ①房票可跨项目使用；"
    )
    sentences = with_passage_roles(text, {"适用范围": 0.9})
    answer = compose_answer(
        parse_query("城中村改造房屋征收补偿有哪些奖励？"), [citation(1, text)], sentences, 0.9
    )
    assert answer.text == (
        "05 有哪些奖励？[1]★签约奖励：每平方米200元；[1]★腾房奖励：每户奖励2万元；[1]"
        "★整村签约奖励：每户再奖励1万元。[1]"
    )


def test_the_best_sentence_of_an_items_own_run_anchors_the_enumeration() -> None:
    """An account of practice runs each item on in its line ("一是…。区里成立…。"); the best
    sentence is often the item's second, and the answer is the enumeration from its first item."""
    text = (
        "近年来，栲坪区规范推进户用光伏建设。\n"
        "一是坚持统筹推进。区里成立由区长任组长的领导小组，制定工作方案。\n"
        "二是严把准入关口。区发展和改革局公开遴选开发企业。\n"
        "三是守住安全底线。所有项目须经第三方机构开展房屋安全鉴定。\n"
        "下一步，栲坪区将探索光伏加储能模式。"
    )
    sentences = with_passage_roles(text, {"区里成立": 0.9})
    answer = compose_answer(
        parse_query("栲坪区在推广户用光伏方面有哪些做法？"), [citation(1, text)], sentences, 0.9
    )
    assert answer.text.startswith("一是坚持统筹推进。[1]区里成立由区长任组长的领导小组")
    assert "二是严把准入关口。[1]" in answer.text and "三是守住安全底线。[1]" in answer.text


PLAN = (
    "一、工作目标 到2026年底，全县义务教育阶段学校课后服务实现全覆盖。"
    "二、实施步骤 （一）动员部署阶段（2025年8月）。各学校制定课后服务实施细则。"
    "（二）全面实施阶段（2025年9月至2026年6月）。各学校全面开展课后服务，县教育局每学期督查一次。"
    "（三）总结评估阶段（2026年7月）。县教育局组织家长满意度测评。"
    "三、保障措施 （一）加强组织领导。成立工作专班。（二）强化经费保障。县财政每年安排专项资金。"
)


def test_the_items_of_the_kind_a_question_asks_for_are_found() -> None:
    from qa.headings import items_of_kind

    sentences = scored(PLAN, {})
    first = items_of_kind("课后服务工作分哪几个阶段实施？", sentences, top=3)
    assert first is not None and first.text == "（一）动员部署阶段（2025年8月）。"
    # in either script, the parenthesis after the name not read
    assert items_of_kind("課後服務工作分哪幾個階段實施？", sentences, top=3) == first
    # a kind no two items are, or no kind asked for by name
    assert items_of_kind("有哪些保障措施？", sentences, top=3) is None  # one heading, no items
    assert items_of_kind("课后服务的目标是什么？", sentences, top=3) is None
    assert items_of_kind("全县课后服务阶段怎么安排？", sentences, top=3) is None
    # past the first passages, nothing
    later = [replace(s, citation=4) for s in sentences]
    assert items_of_kind("课后服务工作分哪几个阶段实施？", later, top=3) is None


def test_a_question_for_a_kind_of_item_is_answered_by_the_enumeration() -> None:
    """分哪几个阶段 asks which stages; the enumeration of stages answers it, not the sentence
    that shares its words (as it does 分几个阶段, a factoid question by its wording)."""
    question = parse_query("楮圩县课后服务工作分哪几个阶段实施？")
    assert question.kind == "list"
    sentences = scored(PLAN, {"义务教育阶段": 0.9, "全面实施阶段": 0.3})
    answer = compose_answer(question, [citation(1, PLAN)], sentences, 0.9, answer_at=0.5)
    assert answer.question_type == "list"
    for stage in ("动员部署阶段", "各学校制定", "全面实施阶段", "总结评估阶段", "满意度测评"):
        assert stage in answer.text
    assert "义务教育阶段" not in answer.text and "保障措施" not in answer.text
    factoid = parse_query("楮圩县课后服务工作分几个阶段实施？")
    assert factoid.kind == "factoid"
    answer = compose_answer(factoid, [citation(1, PLAN)], sentences, 0.9, answer_at=0.5)
    assert answer.question_type == "list" and "总结评估阶段" in answer.text


def answer_of(question: str, text: str, scores: dict[str, float]) -> str:
    """The answer to ``question`` from ``text`` as one passage, scored as ``scored`` does."""
    return compose_answer(
        parse_query(question), [citation(1, text)], scored(text, scores), 0.9
    ).text


# a news item on how a county renewed its shop signs: a lead that shares the question's words,
# then the measures as 一是…二是…三是…, each a run-in title and its sentences
SIGNS = (
    "2024年以来，荨圳县把沿街店招提升作为城市更新的一件实事来抓，推动店招整体提升。"
    "主要做法如下：一是规划先行，一街一景定风格。县里编制了店招设计导则。"
    "二是设计免费，改牌费用政府补。县财政安排专项资金500万元。"
    "三是流程简化，商户换牌零跑腿。店招设置由审批改为备案。"
    "下一步，荨圳县将把店招提升范围扩大到各乡镇集镇主街。"
)


def test_a_how_question_whose_best_sentence_is_a_lead_gets_the_measures() -> None:
    """The lead and the outlook share the question's words; the measures are enumerated."""
    answer = answer_of(
        "荨圳县是怎么推进沿街店招改造提升的？",
        SIGNS,
        {"2024年以来": 0.7, "下一步": 0.42, "专项资金": 0.12},
    )
    # from the lead-in on, every measure in order (the item's run goes on to its line's end)
    assert answer.startswith(
        "主要做法如下：[1]一是规划先行，一街一景定风格。[1]县里编制了店招设计导则。[1]"
        "二是设计免费，改牌费用政府补。[1]县财政安排专项资金500万元。[1]"
        "三是流程简化，商户换牌零跑腿。[1]店招设置由审批改为备案。[1]"
    )
    assert "2024年以来" not in answer


def test_paragraphs_on_topics_are_quoted_by_their_opening_sentences() -> None:
    text = (
        "今年以来，藁洇区开展餐饮油烟净烟行动，投诉量同比下降62%。"
        "在源头管控方面，新开餐饮店办证前现场踏勘。没有专用烟道的不予通过。"
        "在设施改造方面，区财政对小微餐饮店更新净化设施给予60%补助。"
        "在执法监管方面，区城管局组建4支执法专班。"
    )
    answer = answer_of(
        "藁洇区治理餐饮油烟采取了哪些办法？", text, {"今年以来": 0.6, "专用烟道": 0.2}
    )
    assert answer == (
        "在源头管控方面，新开餐饮店办证前现场踏勘。[1]"
        "在设施改造方面，区财政对小微餐饮店更新净化设施给予60%补助。[1]"
        "在执法监管方面，区城管局组建4支执法专班。[1]"
    )


@pytest.mark.parametrize(
    "question",
    [
        "荨圳县店招改造的原因是什么？",  # a reason is said in prose
        "是谁最早在学术意义上提出店招一街一景的？",  # so is a name (意义 reads as a description)
    ],
)
def test_a_why_or_who_question_keeps_its_best_sentences(question: str) -> None:
    assert parse_query(question).kind == "description"
    answer = answer_of(question, SIGNS, {"2024年以来": 0.7, "下一步": 0.42, "专项资金": 0.12})
    assert answer.startswith("2024年以来") and "一是" not in answer


def test_two_items_are_not_an_enumeration_of_measures() -> None:
    text = SIGNS.replace("三是流程简化，商户换牌零跑腿。店招设置由审批改为备案。", "")
    answer = answer_of(
        "荨圳县是怎么推进沿街店招改造提升的？",
        text,
        {"2024年以来": 0.7, "下一步": 0.42, "专项资金": 0.12},
    )
    assert answer.startswith("2024年以来") and "一是" not in answer


def test_a_question_that_names_two_items_gets_both() -> None:
    text = (
        "一、主要要求 （一）明确产生单位。餐饮服务单位为餐厨垃圾产生单位。"
        "（二）规范收集存放。产生单位应当设置专用密闭收集容器。废弃油脂单独存放。"
        "（三）统一收运服务。收运企业每日上门收运不少于1次。"
        "（四）加强处置监管。处置企业按月报送处置量。"
    )
    answer = answer_of(
        "对餐厨垃圾的收集存放和收运服务有哪些要求？", text, {"密闭": 0.4, "收运企业": 0.5}
    )
    # from the first item it names on, in the passage's order (an item's block runs on)
    assert answer.startswith(
        "（二）规范收集存放。[1]产生单位应当设置专用密闭收集容器。[1]废弃油脂单独存放。[1]"
        "（三）统一收运服务。[1]收运企业每日上门收运不少于1次。[1]"
    )


def test_the_other_asks_are_answered_after_the_section_a_question_names() -> None:
    """得满足哪些条件？办登记证收不收钱？ names "一、登记条件", whose items answer the first ask;
    the fee, asked second, stands elsewhere and is quoted after them."""
    text = (
        "一、登记条件\n（一）有固定的生产场所；\n（二）从业人员持有健康证明。\n"
        "二、办理程序\n市场监督管理局在10个工作日内作出决定。登记证有效期为3年，不收取任何费用。"
    )
    sentences = scored(text, {"生产场所": 0.5})
    conditions = scored(text, {"登记条件": 0.9, "生产场所": 0.6})
    fee = scored(text, {"不收取任何费用": 0.8, "10个工作日": 0.3})
    answer = compose_answer(
        parse_query("开小作坊得满足哪些条件才能办下来？办登记证收不收钱？"),
        [citation(1, text)], sentences, 0.9, asks=[conditions, fee],
    )  # fmt: skip
    assert answer.text.startswith(
        "一、登记条件[1]（一）有固定的生产场所；[1]（二）从业人员持有健康证明。[1]"
    )
    assert answer.text.endswith("登记证有效期为3年，不收取任何费用。[1]")
