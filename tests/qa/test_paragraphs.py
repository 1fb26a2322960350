"""A description question answered from prose gets its best sentence's paragraph
(qa/paragraphs.py, through qa/answer.py)."""

from __future__ import annotations

from qa.answer import compose_answer
from qa.cite import Citation
from qa.paragraphs import paragraph_of
from qa.query import parse_query
from qa.retrieve import SignalScore
from tests.qa.conftest import scored

PRESS = (
    "阌洧县高空坠物专项治理新闻发布会实录\n"
    "主持人：各位记者朋友，大家上午好！\n"
    "许文涛：我县现有高层住宅小区86个，排查出坠物隐患1340处。\n"
    "许文涛：外墙脱落隐患由业主委员会或者物业服务企业组织维修。维修费用原则上由全体业主共同承担，"
    "县财政按照维修费用的40%给予补助。维修完成前，物业要在楼下设置警戒线。\n"
    "韩立新：接到报警后，民警15分钟内到达现场，组织维修现场勘查。\n"
)


def citation(text: str) -> Citation:
    return Citation(
        1, "d", "t", "s", None, None, 0, len(text), text, None, 1.0,
        {"dense": SignalScore(1, 0.9, 2.0)},
    )  # fmt: skip


def test_a_how_question_of_prose_gets_the_paragraph_of_its_best_sentence() -> None:
    # the scorer likes the first sentence of the reply, and one of another speaker's
    sentences = scored(PRESS, {"组织维修。": 0.8, "现场勘查": 0.7, "警戒线": 0.2})
    query = parse_query("阌洧县对外墙坠物隐患是如何组织维修的？")
    answer = compose_answer(query, [citation(PRESS)], sentences, 0.9, answer_at=0.5)
    reply = PRESS.split("\n")[3]
    assert answer.text == "".join(
        f"{s}[1]" for s in ("许文涛：外墙脱落隐患由业主委员会或者物业服务企业组织维修。",
                            "维修费用原则上由全体业主共同承担，县财政按照维修费用的40%给予补助。",
                            "维修完成前，物业要在楼下设置警戒线。")
    )  # fmt: skip
    assert all(s.replace("[1]", "") in reply for s in answer.text.split("[1]") if s)
    # a factoid keeps its best sentence alone
    factoid = compose_answer(
        parse_query("县财政补助维修费用的百分之多少？"), [citation(PRESS)], sentences, 0.9,
        answer_at=0.5,
    )  # fmt: skip
    assert factoid.question_type == "factoid"
    assert factoid.text == "许文涛：外墙脱落隐患由业主委员会或者物业服务企业组织维修。[1]"


def test_only_a_paragraph_the_passage_holds_whole_and_short() -> None:
    sentences = scored(PRESS, {"组织维修。": 0.8})
    anchor = max(sentences, key=lambda s: s.score)
    block = paragraph_of(anchor, sentences, citation(PRESS))
    assert block is not None and len(block.sentences) == 3 and not block.more
    # a passage that is one paragraph cut into chunks (an encyclopedia's) has no line break
    flat = PRESS.replace("\n", "")
    flat_sentences = scored(flat, {"组织维修。": 0.8})
    anchor = max(flat_sentences, key=lambda s: s.score)
    assert paragraph_of(anchor, flat_sentences, citation(flat)) is None
    # a paragraph of one sentence is no block
    alone = scored(PRESS, {"现场勘查": 0.8})
    anchor = max(alone, key=lambda s: s.score)
    assert paragraph_of(anchor, alone, citation(PRESS)) is None
    # nor one longer than a description's budget
    long = PRESS.replace("组织维修。", "组织维修。" + "同时加强日常巡查和隐患排查工作。" * 30)
    long_sentences = scored(long, {"组织维修。": 0.8})
    anchor = max(long_sentences, key=lambda s: s.score)
    assert paragraph_of(anchor, long_sentences, citation(long)) is None
