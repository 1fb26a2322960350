from __future__ import annotations

from dataclasses import replace

import pytest

from index.errors import InvalidInput
from index.roles import answer_sentences, role_of
from qa.answer import NO_ANSWER, compose_answer
from qa.cite import Citation, ScoredSentence
from qa.query import parse_query
from qa.quotes import completed
from qa.retrieve import SignalScore
from qa.service import QAService


def citation(n: int, dense: float) -> Citation:
    return Citation(
        n, "d", "t", "s", None, None, 0, 1, "x", None, 1.0, {"dense": SignalScore(1, dense, 2.0)}
    )


def test_answer_takes_the_best_sentences_with_markers() -> None:
    query = parse_query("煤炭比重下降了多少")
    sentences = [
        ScoredSentence(1, "煤炭产业占工业比重下降到6.1%。", 1.8),
        ScoredSentence(2, "高新技术产业占比提高至47.7%。", 1.7),
        ScoredSentence(1, "全市新建公园。", 0.4),
        ScoredSentence(4, "第四个来源的句子。", 1.9),  # beyond the top passages: not used
    ]
    cites = [citation(1, 0.9), citation(2, 0.8)]
    answer = compose_answer(query, cites, sentences, 0.8, answer_at=0.5, further_at=1.5)
    assert not answer.abstained
    assert answer.text == "煤炭产业占工业比重下降到6.1%。[1]高新技术产业占比提高至47.7%。[2]"
    assert answer.confidence == pytest.approx(0.8)
    assert answer.evidence == pytest.approx(0.9)
    # a further sentence joins only when it is probable enough
    alone = compose_answer(query, cites, sentences, 0.8, answer_at=0.5, further_at=1.75)
    assert alone.text == "煤炭产业占工业比重下降到6.1%。[1]"


def test_weak_evidence_abstains_in_the_question_script() -> None:
    sentences = [ScoredSentence(1, "无关的句子。", 0.2)]
    weak = [citation(1, 0.4)]
    assert (
        compose_answer(parse_query("火星上有水吗"), weak, sentences, 0.2, answer_at=0.5).text
        == NO_ANSWER["simplified"]
    )
    trad = compose_answer(parse_query("火星上有水嗎"), weak, sentences, 0.2, answer_at=0.5)
    assert trad.abstained and trad.text == "文件中沒有找到能回答這個問題的內容。"
    assert trad.confidence == pytest.approx(0.2)
    eng = compose_answer(
        parse_query("is there water on Mars?"), weak, sentences, 0.49, answer_at=0.5
    )
    assert eng.text == "Nothing in the documents answers this question."
    assert eng.citations == weak  # the closest passages are still shown


def test_ask_end_to_end_in_both_scripts(service: QAService) -> None:
    service.answer_at = {"zh": 0.0, "en": 0.0}  # the hashing embedder's cosines are low
    simplified = service.ask("煤炭产业占工业比重下降到多少", 3)
    assert (simplified.script, simplified.abstained) == ("simplified", False)
    assert simplified.text.startswith("2021年煤炭产业占工业比重下降到6.1%。[1]")
    traditional = service.ask("煤炭產業佔工業比重下降到多少", 3)
    assert (traditional.script, traditional.abstained) == ("traditional", False)
    assert traditional.text.startswith("2021年煤炭產業")
    assert all("产" not in c.text for c in traditional.citations)


def test_ask_abstains_below_the_threshold(service: QAService) -> None:
    service.answer_at = {"zh": 1.01, "en": 1.01}
    answer = service.ask("煤炭产业占工业比重下降到多少", 3)
    assert answer.abstained and answer.text == NO_ANSWER["simplified"]
    assert answer.citations


def test_ask_many_reports_bad_questions_in_place(service: QAService) -> None:
    results = service.ask_many(["煤炭产业", "", "公园绿地"], 2)
    assert isinstance(results[1], InvalidInput)
    assert not isinstance(results[0], InvalidInput) and not isinstance(results[2], InvalidInput)
    with pytest.raises(InvalidInput, match="the question is empty"):
        service.ask("   ")


def test_headings_and_the_same_sentence_in_another_script_are_not_answers() -> None:
    query = parse_query("节能减碳取得了什么成效")  # a factoid: the best sentences, not a block
    sentences = [
        ScoredSentence(1, "四、推动生态改善“煤城变美城”", 2.0),
        ScoredSentence(1, "一是加强节能减碳。", 1.9),
        ScoredSentence(1, "清洁取暖试点市考核连续3年全国第一。", 1.8),
        ScoredSentence(2, "清潔取暖試點市考核連續3年全國第一。", 1.8),
        ScoredSentence(2, "新建建筑全面执行绿色建筑标准。", 1.7),
    ]
    cites = [citation(1, 0.9), citation(2, 0.9)]
    answer = compose_answer(query, cites, sentences, 0.9, answer_at=0.5, further_at=1.0)
    assert answer.text == "清洁取暖试点市考核连续3年全国第一。[1]新建建筑全面执行绿色建筑标准。[2]"


def test_a_short_item_that_states_a_figure_is_an_answer() -> None:
    query = parse_query("每户减免租金总额最多多少？")
    sentences = [
        ScoredSentence(1, "（三）减免租金总额单户不超过10万元。", 0.65, role="item"),
        ScoredSentence(1, "一是加强节能减碳。", 0.6, role="item"),  # no figure: a lead
        ScoredSentence(1, "（一）2024年减免3个月租金，在古镇核心区经营的减免5个月租金。", 0.3),
    ]
    answer = compose_answer(
        query, [citation(1, 0.9)], sentences, 0.9, answer_at=0.5, further_at=0.5
    )
    assert answer.text == "（三）减免租金总额单户不超过10万元。[1]"
    # the same line as body text reads as a heading line, as before
    body = [replace(sentences[0], role="body"), sentences[2]]
    answer = compose_answer(query, [citation(1, 0.9)], body, 0.9, answer_at=0.5, further_at=0.5)
    assert answer.text.startswith("（一）2024年")


def test_a_clause_is_quoted_with_the_sentence_it_belongs_to() -> None:
    text = (
        "各社区要在开工前召开居民议事会，公示改造内容；施工期间每周开展一次安全检查，"
        "10月31日前全面完工。1.改造资金以上级补助为主；2.县财政按每户8000元配套。"
    )
    parts = ["各社区要在开工前召开居民议事会，公示改造内容；",
             "施工期间每周开展一次安全检查，10月31日前全面完工。",
             "1.改造资金以上级补助为主；", "2.县财政按每户8000元配套。"]  # fmt: skip
    roles = ["body", "body", "item", "item"]
    scores = [0.2, 0.9, 0.1, 0.3]
    sentences = []
    for part, role, score in zip(parts, roles, scores, strict=True):
        start = text.index(part)
        sentences.append(ScoredSentence(1, part, score, role=role, span=(start, start + len(part))))
    cite = replace(citation(1, 0.9), text=text)
    answer = compose_answer(
        parse_query("什么时候前全面完工？"), [cite], sentences, 0.9, answer_at=0.5, further_at=0.25
    )
    # the best clause is given with the clause before it, once; an item stays an item
    assert answer.text == f"{parts[0]}{parts[1]}[1]{parts[3]}[1]"

    # an item that goes on past its colon is quoted whole
    text = "（三）已安装热计量装置的用户，实行两部制热价：基本热价每平方米9元，计量热价每吉焦38元。"
    cut = text.index("：") + 1
    item = [
        ScoredSentence(1, text[:cut], 0.2, role="item", span=(0, cut)),
        ScoredSentence(1, text[cut:], 0.9, role="body", span=(cut, len(text))),
    ]
    answer = compose_answer(
        parse_query("计量热价每吉焦几元？"), [replace(cite, text=text)], item, 0.9, answer_at=0.5
    )
    assert answer.text == f"{text}[1]"

    # so is a sentence under an item's label ending with a colon, which reads as a heading
    text = "（三）第三顺序： 进城务工人员随迁子女，凭父母在城区连续缴纳社会保险满6个月的证明申请。"
    cut = text.index("：") + 1
    labelled = [
        ScoredSentence(1, text[:cut], 0.1, role="heading", span=(0, cut)),
        ScoredSentence(1, text[cut + 1 :], 0.9, role="body", span=(cut + 1, len(text))),
    ]
    answer = compose_answer(
        parse_query("外地务工人员的孩子按什么顺序入学？"), [replace(cite, text=text)], labelled,
        0.9, answer_at=0.5,
    )  # fmt: skip
    assert answer.text == f"{text}[1]"


def test_a_question_of_several_asks_gets_a_sentence_for_each() -> None:
    query = parse_query("老人想领补贴，要带哪些证件？钱多久发一次？")
    assert query.kind == "factoid"
    whole = [
        ScoredSentence(1, "老年人补贴每月发放200元。", 0.9),
        ScoredSentence(1, "申请人须持身份证和户口簿办理。", 0.5),
        ScoredSentence(2, "补贴按月发放至社保卡。", 0.4),
        ScoredSentence(1, "特此通知。", 0.8, role="closing"),
    ]
    papers = [replace(s, score=p) for s, p in zip(whole, (0.2, 0.9, 0.1, 0.3), strict=True)]
    how_often = [replace(s, score=p) for s, p in zip(whole, (0.7, 0.1, 0.8, 0.9), strict=True)]
    cites = [citation(1, 0.9), citation(2, 0.8)]
    answer = compose_answer(
        query, cites, whole, 0.9, answer_at=0.5, further_at=1.0, asks=[papers, how_often]
    )
    # the best for the whole question, then each ask's best not yet given, never the closing
    assert answer.text == (
        "老年人补贴每月发放200元。[1]申请人须持身份证和户口簿办理。[1]补贴按月发放至社保卡。[2]"
    )
    # without the asks: only what passes the further-sentence bar
    alone = compose_answer(query, cites, whole, 0.9, answer_at=0.5, further_at=1.0)
    assert alone.text == "老年人补贴每月发放200元。[1]"
    # a description question is answered by its block, whatever it asks
    how = parse_query("补贴怎么领？要带哪些证件？")
    assert how.kind == "description"
    described = compose_answer(
        how, cites, whole, 0.9, answer_at=0.5, further_at=1.0, asks=[papers, how_often]
    )
    assert described.text == compose_answer(how, cites, whole, 0.9, answer_at=0.5).text
    assert described.text != answer.text


def test_a_description_block_is_followed_by_what_its_other_asks_need() -> None:
    how = parse_query("想领租房补贴，要不要跑去交纸质材料？钱是怎么给的，打到哪张卡上？")
    assert how.kind == "description"
    text = (
        "三、申请程序 申请人登录微信公众号进行网上申请，无需提交纸质材料。"
        "四、发放方式 补贴按半年发放，打入申请人社会保障卡金融账户。"
    )
    spans = [(0, 6), (7, 33), (33, 39), (40, len(text))]
    roles = ["heading", "body", "heading", "body"]
    whole = [
        ScoredSentence(1, text[a:b], score, role=role, span=(a, b))  # type: ignore[arg-type]
        for (a, b), role, score in zip(spans, roles, (0.3, 0.9, 0.2, 0.6), strict=True)
    ]
    papers = [replace(s, score=p) for s, p in zip(whole, (0.1, 0.9, 0.1, 0.2), strict=True)]
    card = [replace(s, score=p) for s, p in zip(whole, (0.1, 0.2, 0.3, 0.9), strict=True)]
    cites = [replace(citation(1, 0.9), text=text)]
    answer = compose_answer(how, cites, whole, 0.9, answer_at=0.5, asks=[papers, card])
    # the best sentence's block (its paragraph), then the other ask's best sentence
    assert answer.text == f"{text[7:33]}[1]{text[40:]}[1]"
    alone = compose_answer(how, cites, whole, 0.9, answer_at=0.5)
    assert alone.text == f"{text[7:33]}[1]"


def test_the_service_scores_each_ask_over_the_first_passages(service: QAService) -> None:
    service.answer_at = {"zh": 0.0, "en": 0.0}
    question = "煤炭产业占工业比重下降到多少？高新技术产业占比提高至多少？"
    signals = service.retriever.signals([service.parse(question)])[0]
    citations, sentences = service.passages(signals, 3)
    scored = service.score_asks(signals.query, citations, sentences)
    top = [s.text for s in sentences if s.citation <= 3]
    assert len(scored) == 2 and all([s.text for s in each] == top for each in scored)
    coal = max(scored[0], key=lambda s: s.score).text
    tech = max(scored[1], key=lambda s: s.score).text
    assert "煤炭产业" in coal and "高新技术" in tech
    answer = service.ask(question, 3)
    assert "6.1%" in answer.text and "47.7%" in answer.text
    # one ask: nothing to score apart
    one = service.retriever.signals([service.parse("煤炭产业占工业比重下降到多少")])[0]
    assert service.score_asks(one.query, *service.passages(one, 3)) == []


def test_each_ask_is_answered_under_its_items_title() -> None:
    """A sentence that opens a numbered item is quoted under the item's short title when the
    answer says several things; the title's number is no figure, so the title alone is never
    quoted as a statement."""
    query = parse_query("摆摊每个月交多少管理费？被查出小毛病会不会罚款？")
    text = (
        "18.放宽经营限制。对夜市临时摊位实行备案管理，摊位管理费每月不超过300元。\n"
        "19.实行包容审慎监管。对首次出现且危害后果轻微的违法行为，依法不予行政处罚。"
    )
    spans = answer_sentences(text)
    roles = ["item", "body", "item", "body"]
    whole = [
        ScoredSentence(1, text[a:b], score, role=role, span=(a, b))  # type: ignore[arg-type]
        for (a, b), role, score in zip(spans, roles, (0.8, 0.7, 0.6, 0.5), strict=True)
    ]
    fee = [replace(s, score=p) for s, p in zip(whole, (0.9, 0.8, 0.1, 0.1), strict=True)]
    fine = [replace(s, score=p) for s, p in zip(whole, (0.1, 0.1, 0.9, 0.8), strict=True)]
    cites = [replace(citation(1, 0.9), text=text)]
    answer = compose_answer(query, cites, whole, 0.9, answer_at=0.5, asks=[fee, fine])
    first, second = text.split("\n")
    assert answer.text == f"{first}[1]{second}[1]"
    # one ask: its sentence alone, as before
    single = compose_answer(parse_query("摊位管理费每月多少？"), cites, whole, 0.9, answer_at=0.5)
    assert single.text == f"{text[slice(*spans[1])]}[1]"


def test_an_ask_the_scorer_is_torn_on_gets_its_next_statement_too() -> None:
    query = parse_query("老人想领补贴，要带哪些证件？钱多久发一次？")
    whole = [
        ScoredSentence(1, "老年人补贴每月发放200元。", 0.9),
        ScoredSentence(1, "申请人须持身份证和户口簿办理。", 0.5),
        ScoredSentence(1, "代办的须另带代办人身份证。", 0.4),
        ScoredSentence(2, "补贴按月发放至社保卡。", 0.4),
    ]
    cites = [citation(1, 0.9), citation(2, 0.8)]

    def answered(second: float) -> str:
        papers = [replace(s, score=p) for s, p in zip(whole, (0.2, 0.9, second, 0.1), strict=True)]
        often = [replace(s, score=p) for s, p in zip(whole, (0.7, 0.1, 0.1, 0.8), strict=True)]
        return compose_answer(
            query, cites, whole, 0.9, answer_at=0.5, further_at=1.0, asks=[papers, often]
        ).text

    close, far = answered(0.5), answered(0.4)  # RUNNER_UP: half the best's score
    assert close == (
        "老年人补贴每月发放200元。[1]申请人须持身份证和户口簿办理。[1]代办的须另带代办人身份证。[1]"
        "补贴按月发放至社保卡。[2]"
    )
    assert (
        far
        == "老年人补贴每月发放200元。[1]申请人须持身份证和户口簿办理。[1]补贴按月发放至社保卡。[2]"
    )


def test_quotes_that_go_straight_on_read_in_the_texts_order_under_their_title() -> None:
    """Two asks answered by two sentences that follow one another in a passage: the answer
    reads them as the text does, the first under its item's title — a title that is kept
    when the answer is already long, where the clauses a semicolon joins are not."""
    text = (
        "四、申领程序 （一）个人申领。劳动者在取得证书之日起12个月内提交申请；逾期不予受理。"
        "生活费补贴与取证补贴一并申领。（二）企业申领。企业在培训结束后3个月内提交材料。"
    )
    spans = answer_sentences(text)
    sentences = [
        ScoredSentence(1, text[a:b], 0.1, role=role_of(text[a:b], first=i == 0), span=(a, b))
        for i, (a, b) in enumerate(spans)
    ]
    at = {s.text: s for s in sentences}
    assert at["（一）个人申领。"].role == "item"
    apply, together = (
        at["劳动者在取得证书之日起12个月内提交申请；"],
        at["生活费补贴与取证补贴一并申领。"],
    )
    by_n = {1: replace(citation(1, 0.9), text=text)}
    quoted = completed([together, apply], sentences, by_n, titled=True)
    assert [q.text for q in quoted] == [
        "（一）个人申领。劳动者在取得证书之日起12个月内提交申请；逾期不予受理。",
        "生活费补贴与取证补贴一并申领。",
    ]
    long = ScoredSentence(2, "补" * 280 + "。", 0.9, span=(0, 281))
    by_n[2] = replace(citation(2, 0.8), text=long.text)
    crowded = completed([long, apply], [*sentences, long], by_n, titled=True)
    assert crowded[1].text == "（一）个人申领。劳动者在取得证书之日起12个月内提交申请；"


def test_a_reply_of_a_question_and_answer_text_is_quoted_whole() -> None:
    """答：高温津贴不计入最低工资标准。 opens a reply of two sentences, and the second says what
    the first means for the wage: the reply is quoted whole, in the place of a sentence of it
    quoted before; a reply longer than MAX_REPLY_CHARS keeps its sentence."""
    text = (
        "问：高温津贴能不能算在最低工资里？ 答：高温津贴不计入最低工资标准。"
        "用人单位支付的工资扣除高温津贴后，不得低于本市最低工资标准。 问：什么时候发？ 答：与工资同时发放。"
    )
    spans = answer_sentences(text)
    sentences = [
        ScoredSentence(1, text[a:b], 0.1, role=role_of(text[a:b]), span=(a, b)) for a, b in spans
    ]
    at = {s.text: s for s in sentences}
    opens = at["答：高温津贴不计入最低工资标准。"]
    goes_on = at["用人单位支付的工资扣除高温津贴后，不得低于本市最低工资标准。"]
    by_n = {1: replace(citation(1, 0.9), text=text)}
    whole = "答：高温津贴不计入最低工资标准。用人单位支付的工资扣除高温津贴后，不得低于本市最低工资标准。"
    assert [q.text for q in completed([opens], sentences, by_n)] == [whole]
    assert [q.text for q in completed([goes_on, opens], sentences, by_n)] == [whole]
    long = text.replace("不得低于", "不得低于" + "本" * 200)
    by_n[1] = replace(citation(1, 0.9), text=long)
    longer = [
        ScoredSentence(1, long[a:b], 0.1, role=role_of(long[a:b]), span=(a, b))
        for a, b in answer_sentences(long)
    ]
    first = next(s for s in longer if s.text.startswith("答：高温"))
    assert [q.text for q in completed([first], longer, by_n)] == [
        "答：高温津贴不计入最低工资标准。"
    ]
