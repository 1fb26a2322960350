from __future__ import annotations

import pytest

from index.errors import InvalidInput
from qa.answer import NO_ANSWER, compose_answer
from qa.cite import Citation, ScoredSentence
from qa.query import parse_query
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
