from __future__ import annotations

from qa.asks import asks


def test_each_thing_asked_stands_alone() -> None:
    question = "在雪渚生了老三想领补贴，要带哪些证件、去哪里办？钱多久发一次、打到哪儿？"
    assert asks(question, "zh") == ["要带哪些证件？", "去哪里办？", "钱多久发一次？", "打到哪儿？"]
    # in Traditional script, and with a choice (能不能) and a closing 吗
    assert asks("租國企鋪面的小店，能不能在手機上申請？要傳什麼資料？", "zh") == [
        "能不能在手機上申請？",
        "要傳什麼資料？",
    ]
    # the clauses between two asks go with the second
    assert asks("进景点能便宜多少？老人和学生，要不要花钱？", "zh") == [
        "进景点能便宜多少？",
        "老人和学生，要不要花钱？",
    ]


def test_a_first_ask_that_points_back_keeps_the_clause_it_points_to() -> None:
    """这样合法吗 asks nothing on its own; the scene's last clause says what 这样 is. A later ask
    pointing back (他写了多久) already has the ask before it to go on."""
    question = "我一个月工资两千一，老板说这里面已经含了高温津贴，这样合法吗？中午能不能不干活？"
    assert asks(question, "zh") == [
        "老板说这里面已经含了高温津贴，这样合法吗？",
        "中午能不能不干活？",
    ]
    assert asks("在工地上干活，包工头拖着工钱，去哪里投诉？多久有人管？", "zh") == [
        "去哪里投诉？",
        "多久有人管？",
    ]


def test_one_ask_is_not_cut() -> None:
    assert asks("煤炭依赖是怎么降下来的？", "zh") == []
    # a question word before a comma sets the scene; 几 there is "several"
    assert asks("北朝幾個朝代中，哪個朝代最積極建築長城?", "zh") == []
    assert asks("1965年几内亚和法国断交后，采用新的货币叫什么？", "zh") == []
    # what is quoted is not cut, and comes back whole
    titled = "除了《物體慣性與其所含能量有關嗎?》、《論運動物體的電動力學》，還有哪一篇論文?"
    assert asks(titled, "zh") == []
    assert asks("《红楼梦》的作者是谁？他写了多久？", "zh") == [
        "《红楼梦》的作者是谁？",
        "他写了多久？",
    ]


def test_english_is_cut_at_question_marks_only() -> None:
    assert asks("How much can I get? Can I claim both?", "en") == [
        "How much can I get?",
        "Can I claim both?",
    ]
    assert asks("How much can I get, and can I claim both?", "en") == []
    assert asks("How much can I get? Thanks", "en") == []


def test_more_asks_than_an_answer_can_hold_are_a_list() -> None:
    many = "谁来办？去哪办？几号办？带什么？多少钱？"
    assert asks(many, "zh") == []


def test_a_choice_asks_and_a_question_before_a_comma_goes_with_its_ask() -> None:
    # A还是B asks which; 有没有 before a comma is part of the ask after it, not the scene
    assert asks("收费标准涨了，我们是按新价还是老价交？延时照看要另外交钱吗？", "zh") == [
        "我们是按新价还是老价交？",
        "延时照看要另外交钱吗？",
    ]
    assert asks("老人过世后，村里有没有地方办，收不收钱？清明还能怎么祭扫？", "zh") == [
        "村里有没有地方办，收不收钱？",
        "清明还能怎么祭扫？",
    ]
