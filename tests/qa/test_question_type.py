from __future__ import annotations

import pytest

from qa.question_type import asks_reason_or_name, framing_asked, question_type


@pytest.mark.parametrize(
    ("question", "language", "kind"),
    [
        ("煤炭依赖是怎么降下来的", "zh", "description"),
        ("煤炭依賴是怎麼降下來的", "zh", "description"),
        ("晋城采取了哪些措施推动转型", "zh", "description"),
        ("申請住房補貼的條件是什麼？", "zh", "description"),
        ("平民禁止带刀的规定是什么时候宣布的？", "zh", "factoid"),
        ("为什么要发展新兴产业？", "zh", "description"),
        ("如何办理居住证", "zh", "description"),
        ("宋文帝的吏治又被稱為什麼?", "zh", "factoid"),  # "called what", not "why"
        ("福正聚落最主要的特色為什麼設施？", "zh", "factoid"),  # "what facility"
        ("煤炭产业占工业比重下降到多少", "zh", "factoid"),
        ("如何在五年内新增多少个公园", "zh", "factoid"),  # an amount wins
        ("育儿补贴的补贴标准是多少？", "zh", "description"),  # a standard's tiers
        ("集中供熱價格是多少", "zh", "description"),
        ("清理一次化粪池收多少钱？", "zh", "factoid"),
        ("晋城培育了哪些新动能", "zh", "list"),
        ("枫川市发展养老服务采取了哪些主要措施？", "zh", "description"),
        ("数字政府建设有哪些重点任务？", "zh", "description"),
        ("老人吃饭不方便，能得到什么帮助？", "zh", "description"),
        ("补贴对象包括哪些人？", "zh", "list"),
        # what to mind: the points listed
        ("燃放烟花爆竹时要注意什么？", "zh", "description"),
        ("有什么注意事项？", "zh", "description"),
        # what each of several gets: the tiers, whatever is asked of each
        ("补贴标准分别是多少？", "zh", "list"),
        ("對不同護理方式分別按什麼標準支付？", "zh", "list"),
        ("提出申请以后要经过哪些环节，各需要多长时间？", "zh", "list"),
        # how an amount or a time is determined asks for the method, not the amount
        ("县里怎么确定猕猴桃什么时候可以开始摘？", "zh", "description"),
        ("每户的补贴金额如何计算？能补多少？", "zh", "description"),
        ("各县有多少人参保？", "zh", "factoid"),
        ("三种警报听起来各有什么不同？", "zh", "list"),
        # the way a thing is done asked for with 什么 (采用什么方式, 用什么办法)
        ("养殖场户要采用什么方式处理养殖尾水？", "zh", "description"),
        # … but a model's name is a factoid (以什么模式经营: BOT)
        ("雙和醫院是台灣第一家以什麼模式經營的醫院？", "zh", "factoid"),
        # what a rule requires of a thing: its provisions
        ("对农户储粮期间的管理有什么要求？", "zh", "description"),
        ("職工療休養的經費有什麼規定？", "zh", "description"),
        ("分几个步骤？", "zh", "factoid"),
        # which ones, not how many; which days is when
        ("给养蜂户的资金支持包括哪几项？", "zh", "list"),
        ("改造分为哪几个阶段？", "zh", "list"),
        ("孩子上小学要哪几天去学校报名？", "zh", "factoid"),
        # what a guide lists, asked with 什么: which conditions, which papers
        ("申请认定市级驿站需要具备什么条件？", "zh", "list"),
        ("辦理時需要準備什麼材料？", "zh", "list"),
        ("新五帆屋顶由什么材料制成？", "zh", "factoid"),
        ("海军十字勋章的授予有什么条件？", "zh", "factoid"),
        ("无障碍环境建设行动计划的工作目标是什么？", "zh", "description"),
        ("这部电影的主题曲是什么歌？", "zh", "factoid"),
        ("丙烯颜料有毒吗？", "zh", "yes_no"),
        ("鹤壁是否是资源枯竭型城市", "zh", "yes_no"),
        ("侯活·韦比的职业是什么？", "zh", "factoid"),
        ("「南斯拉夫人民聯邦共和國」在1963年改名為甚麼?", "zh", "factoid"),
        ("How did cities cut coal dependence?", "en", "description"),
        ("Why was Polonia relegated in 2013?", "en", "description"),
        ("What measures did Jincheng take?", "en", "description"),
        ("How many points did the Panthers defense surrender?", "en", "factoid"),
        ("Orientalism refers to how the West developed a what of the East?", "en", "factoid"),
        ("Does the new deal include Video on demand?", "en", "yes_no"),
        ("What are some of the causes of child labor?", "en", "list"),
        ("Which nation contains the majority of the amazon forest?", "en", "factoid"),
    ],
)
def test_question_types(question: str, language: str, kind: str) -> None:
    assert question_type(question, language) == kind


def test_the_json_of_a_search_and_an_answer_says_the_type(service) -> None:  # type: ignore[no-untyped-def]
    from qa.serialize import answer_dict, search_dict

    assert search_dict(service.search("煤炭依赖是怎么降下来的"))["question_type"] == "description"
    answer = answer_dict(service.ask("煤炭产业占工业比重下降到多少"))
    assert answer["question_type"] == "factoid"


@pytest.mark.parametrize(
    ("question", "roles"),
    [
        ("这个通知是什么时候发布的？", {"dateline", "closing"}),
        ("調整後的住房公積金政策從哪天開始執行？", {"dateline", "closing"}),
        ("新的补贴标准什么时候开始实施？", {"closing"}),
        ("本办法的有效期到什么时候？", {"dateline", "closing"}),
        ("When was the notice issued?", {"dateline", "closing"}),
        # when a measure happens is in the body, not in the notice's date line
        ("河堤上的危险地段什么时候加固？", set()),
        ("When are the pipes cleaned?", set()),
        ("哪个部门发布的？", {"dateline", "title"}),
        ("这份通知由谁印发？", {"dateline", "title"}),
        # who does the work the notice sets is said in its body, not by its issuer
        ("古树名木由谁来养护？", set()),
        ("有问题打什么电话咨询？", {"contact"}),
        ("城区排水管网怎么清淤？", set()),
    ],
)
def test_the_framing_parts_a_question_asks_for(question: str, roles: set[str]) -> None:
    assert framing_asked(question) == roles


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("法國在朝鮮的影響力下降之原因為何?", "zh", True),
        ("为什么要推进店招改造？", "zh", True),
        ("哪国哲学家最早定义了这一概念？", "zh", True),
        ("这项工作由谁来负责？", "zh", True),
        ("Why did the city cut coal?", "en", True),
        ("Who runs the stations?", "en", True),
        ("有哪些措施？", "zh", False),
        ("哪几个阶段各做什么？", "zh", False),
        ("去哪里办理？", "zh", False),
        ("怎么推进沿街店招改造？", "zh", False),
        ("How did cities cut coal dependence?", "en", False),
    ],
)
def test_a_reason_or_a_name_asked(question: str, language: str, expected: bool) -> None:
    assert asks_reason_or_name(question, language) is expected
