"""What each sentence of a document is (index/roles.py): a notice's framing parts, headings
and items, found in a notice published as one line, and not in ordinary prose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.clean import clean
from index.roles import FRAMING, answer_sentences, passage_roles, role_of

ONE_LINE = (
    "青溪市人民政府办公室关于印发青溪市支持小微企业纾困发展若干措施的通知 青政办发〔2024〕12号 "
    "各县（市）区人民政府，市政府各部门，各直属机构：为深入贯彻落实党中央、国务院关于助企纾困的决策部署，"
    "结合我市实际，现就有关事项通知如下：一、减免房屋租金 （一）对承租国有房屋的小微企业，免除3个月租金。"
    "主要措施有：一是加强监测，二是保障供应；三是稳定价格。联系人：张三 联系电话：0571-12345678 "
    "特此通知。 青溪市人民政府办公室 2024年3月10日"
)


def test_a_one_line_notice_is_cut_into_its_parts_with_their_roles() -> None:
    parts = [ONE_LINE[a:b] for a, b in answer_sentences(ONE_LINE)]
    roles = passage_roles(ONE_LINE, opens_document=True)
    assert list(zip(parts, roles, strict=True)) == [
        ("青溪市人民政府办公室关于印发青溪市支持小微企业纾困发展若干措施的通知", "title"),
        ("青政办发〔2024〕12号", "dateline"),
        ("各县（市）区人民政府，市政府各部门，各直属机构：", "addressee"),
        (
            "为深入贯彻落实党中央、国务院关于助企纾困的决策部署，结合我市实际，现就有关事项通知如下：",
            "preamble",
        ),
        ("一、减免房屋租金", "heading"),
        ("（一）对承租国有房屋的小微企业，免除3个月租金。", "item"),
        ("主要措施有：", "body"),
        ("一是加强监测，", "item"),
        ("二是保障供应；", "item"),
        ("三是稳定价格。", "item"),
        ("联系人：张三", "contact"),
        ("联系电话：0571-12345678 特此通知。", "contact"),
        ("青溪市人民政府办公室 2024年3月10日", "dateline"),
    ]


def test_a_forwarded_documents_title_and_a_heading_before_a_figure_stand_apart() -> None:
    text = (
        "《青溪市清洁取暖工作方案》已经市政府同意，现印发给你们，请认真组织实施。 "
        "青溪市清洁取暖工作方案 为持续改善我市冬季空气质量，制定本方案。 "
        "一、工作目标 2024年完成农村清洁取暖改造2.6万户。"
    )
    parts = [text[a:b] for a, b in answer_sentences(text)]
    roles = passage_roles(text, opens_document=False)
    assert list(zip(parts, roles, strict=True))[1:] == [
        ("青溪市清洁取暖工作方案", "title"),
        ("为持续改善我市冬季空气质量，制定本方案。", "preamble"),
        ("一、工作目标", "heading"),
        ("2024年完成农村清洁取暖改造2.6万户。", "body"),
    ]


def test_a_notice_run_together_with_no_separator_is_cut_into_its_parts_too() -> None:
    """A page copied with every space lost: the number glued on the title, the addressee on
    the number; a number cited in the body stays in its sentence."""
    text = (
        "青溪县住房和城乡建设局关于开展窨井盖安全隐患专项整治的通知青住建发〔2025〕27号"
        "各乡镇人民政府，县直有关单位：为消除窨井盖安全隐患，结合本县实际，现就有关事项通知如下："
        "一、整治范围县城建成区各类窨井盖。按照《青溪县窨井盖管理办法》（青政发〔2024〕3号）执行。"
    )
    parts = [text[a:b] for a, b in answer_sentences(text)]
    roles = passage_roles(text, opens_document=True)
    assert list(zip(parts, roles, strict=True))[:4] == [
        ("青溪县住房和城乡建设局关于开展窨井盖安全隐患专项整治的通知", "title"),
        ("青住建发〔2025〕27号", "dateline"),
        ("各乡镇人民政府，县直有关单位：", "addressee"),
        ("为消除窨井盖安全隐患，结合本县实际，现就有关事项通知如下：", "preamble"),
    ]
    assert parts[-1] == "按照《青溪县窨井盖管理办法》（青政发〔2024〕3号）执行。"
    # an addressee line of offices (各区教育局，…) is cut from the number as well
    plan = "青溪市校服管理实施方案青教发〔2025〕41号各区教育局，市直各学校：为规范校服管理，现制定本方案如下："
    assert [plan[a:b] for a, b in answer_sentences(plan)][1:3] == [
        "青教发〔2025〕41号",
        "各区教育局，市直各学校：",
    ]


def test_an_item_glued_on_its_heading_stands_apart_and_only_there() -> None:
    """One-line notices run a heading into its first item (三、家电以旧换新补贴1.个人…): the
    heading is cut off, so that a question naming it finds it; the same marker in prose, or
    after a part that is not a heading, cuts nothing."""
    text = "三、家电以旧换新补贴1.购买1级能效产品的，按售价20%补贴；2.每件最高补贴2000元。"
    parts = [text[a:b] for a, b in answer_sentences(text)]
    assert list(zip(parts, passage_roles(text, opens_document=False), strict=True)) == [
        ("三、家电以旧换新补贴", "heading"),
        ("1.购买1级能效产品的，按售价20%补贴；", "item"),
        ("2.每件最高补贴2000元。", "item"),
    ]
    for prose in ("全市共有3、4个区参加试点，占比达到3.5%。", "这一是非问题（一）直未解决。"):
        assert answer_sentences(prose) == [(0, len(prose))]


def test_a_circled_item_after_a_heading_and_a_space_stands_apart() -> None:
    text = "二、减免项目和标准 ①遗体接运：接运遗体1次；②遗体存放：冷藏3天以内。"
    parts = [text[a:b] for a, b in answer_sentences(text)]
    assert list(zip(parts, passage_roles(text, opens_document=False), strict=True)) == [
        ("二、减免项目和标准", "heading"),
        ("①遗体接运：接运遗体1次；", "item"),
        ("②遗体存放：冷藏3天以内。", "item"),
    ]


def test_a_reports_unmarked_section_name_is_a_heading_on_one_line_too() -> None:
    text = "共开展培训46期。 工作成效 零工市场建设经验被推广。 主要做法 一是强化组织领导。"
    parts = [text[a:b] for a, b in answer_sentences(text)]
    assert list(zip(parts, passage_roles(text, opens_document=False), strict=True)) == [
        ("共开展培训46期。", "body"),
        ("工作成效", "heading"),
        ("零工市场建设经验被推广。", "body"),
        ("主要做法", "heading"),
        ("一是强化组织领导。", "item"),
    ]
    # prose that merely ends on such a word, glued to a marker, is not cut
    assert answer_sentences("这一是非问题（一）直未解决。") == [(0, 14)]


def test_bullets_and_year_targets_are_items() -> None:
    text = "05 有哪些奖励？ ★签约奖励：每平方米200元； ★腾房奖励：每户2万元；\n——2024年：完成排查；"
    parts = [text[a:b] for a, b in answer_sentences(text)]
    assert list(zip(parts, passage_roles(text, opens_document=False), strict=True)) == [
        ("05 有哪些奖励？", "body"),
        ("★签约奖励：每平方米200元；", "item"),
        ("★腾房奖励：每户2万元；", "item"),
        ("——2024年：完成排查；", "item"),
    ]


def test_a_bare_marker_stays_with_what_it_marks() -> None:
    """Rules put a space after an article's or a chapter's number (第十三条　…): the number is
    not a part of its own, so the chapter's title is its heading and the article is an item
    that a question's answer quotes with its number."""
    text = "第四章　减免和退费\n第十七条　对残疾幼儿免收保育教育费；普惠性民办幼儿园予以减免。"
    parts = [text[a:b] for a, b in answer_sentences(text)]
    assert list(zip(parts, passage_roles(text, opens_document=False), strict=True)) == [
        ("第四章　减免和退费", "heading"),
        ("第十七条　对残疾幼儿免收保育教育费；", "item"),
        ("普惠性民办幼儿园予以减免。", "body"),
    ]


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("關於做好2024年防汛工作的通知", "title"),
        ("發佈日期：2024-05-06", "dateline"),
        ("現將《蘭澤市數字政府建設實施方案》印發給你們，請認真貫徹執行。", "preamble"),
        ("现将《兰泽市数字政府建设实施方案》印发给你们，请认真贯彻执行。", "preamble"),
        (
            "《柃江市创业担保贷款若干措施》已经市政府同意，现印发给你们，请结合实际认真贯彻落实。",
            "preamble",
        ),
        (
            "问：看病就医有哪些优待？",
            "heading",
        ),  # a policy interpretation's question heads its answer
        ("答：一是免收普通门诊诊查费；", "body"),
        ("本通知自2024年4月1日起施行，有效期至2025年12月31日。", "closing"),
        # a preamble read from where a passage opens after its start, by how it closes
        ("南有关要求，结合本区实际，现就推进老年人流感疫苗免费接种提出如下措施：", "preamble"),
        ("現將有關事項通知如下：", "preamble"),
        ("申请人应当提交的材料如下：", "body"),  # a lead-in, not a preamble
        ("咨询电话：0736-5128806", "contact"),
        # a number within a sentence: a contact line when little follows it (its hours,
        # another number, 反映); a measure that names its hotline on the way is not
        ("九、咨询电话：区公安分局户政管理科0734-3135809（工作日9:00—17:00）。", "contact"),
        ("招生咨询电话：0749-5531602，监督电话：0749-5531615。", "contact"),
        ("群众发现违规问题的，可以拨打市农业农村局监督电话0745-2163907举报。", "contact"),
        (
            "四是开通举报电话0751-4431690，群众举报假劣种子经查实的，给予最高5000元奖励。",
            "item",
        ),
        (
            "群众可拨打举报电话0741-5126119举报违规充电行为，经查实的给予50元至500元奖励。",
            "body",
        ),
        ("（二）强化工业污染治理。", "item"),
        ("三、保障措施", "heading"),
        # prose keeps its roles: a why-clause, a date inside a sentence, a sentence ending in a colon
        ("为了合乎科学精神，这方法必须建立于收集可观察的证据。", "body"),
        ("条约经两次自动延长，现今的有效期至2021年。", "body"),
        ("各国在使用机枪的搭配上形成互有优劣的两派说法：", "body"),
        ("1786年2月2日，亚洲协会在加尔各答举行。", "body"),
    ],
)
def test_roles_of_single_sentences(text: str, role: str) -> None:
    assert role_of(text) == role


def test_a_work_reports_byline_and_salutation_are_framing() -> None:
    """A work report as published: its title, where and when it was given and by whom, the
    salutation and the preamble, on one line; then its first section."""
    text = (
        "邶岫县2025年政府工作报告（摘录） ——2025年1月9日在邶岫县第十八届人民代表大会第四次会议上"
        "\u3000县长\u3000郑国华 各位代表：为完成全年目标任务，现将2025年政府重点工作报告如下："
        " （一）壮大特色农业，促进农民增收。一是扶持中华蜜蜂养殖；"
    )
    parts = [text[a:b] for a, b in answer_sentences(text)]
    assert list(zip(parts, passage_roles(text, opens_document=True), strict=True)) == [
        ("邶岫县2025年政府工作报告（摘录）", "title"),
        ("——2025年1月9日在邶岫县第十八届人民代表大会第四次会议上", "dateline"),
        ("县长\u3000郑国华", "dateline"),
        ("各位代表：", "addressee"),
        ("为完成全年目标任务，现将2025年政府重点工作报告如下：", "preamble"),
        ("（一）壮大特色农业，促进农民增收。", "item"),
        ("一是扶持中华蜜蜂养殖；", "item"),
    ]
    # run together with what follows it, the byline still stands apart
    glued = "栒嶷县2025年政府工作报告（摘录） ——2025年1月8日在栒嶷县人民代表大会会议上2025年是收官之年。"
    parts = [glued[a:b] for a, b in answer_sentences(glued)]
    assert parts[1:] == ["——2025年1月8日在栒嶷县人民代表大会会议上", "2025年是收官之年。"]
    assert role_of("鄣瀍区人民政府代理区长\u3000岑嘉禾") == "dateline"


def test_stray_spaces_and_colons_in_prose_do_not_cut_sentences() -> None:
    text = "在罗洛 大军到来之前，他们入选了职业碗：托马斯·戴维斯和另一人。"
    assert answer_sentences(text) == [(0, len(text))]


def test_public_prose_is_almost_never_taken_for_a_notice_part() -> None:
    """Measured on the first 400 paragraphs of DRCD and CMRC: framing roles are a rounding
    error of their sentences (all of DRCD's 21,000: none)."""
    eval_dir = Path(__file__).resolve().parents[3] / "shared" / "eval"
    if not eval_dir.exists():
        pytest.skip("../shared/eval is not beside the project")
    framing = total = 0
    for name in ("drcd", "cmrc2018"):
        with (eval_dir / name / "corpus.jsonl").open(encoding="utf-8") as f:
            for _, line in zip(range(400), f, strict=False):
                text = clean(json.loads(line)["text"]).text
                roles = passage_roles(text, opens_document=True)
                framing += sum(r in FRAMING for r in roles)
                total += len(roles)
    assert total > 5000
    assert framing / total < 0.002


def test_a_web_pages_source_and_date_glued_on_its_title_and_text_stand_apart() -> None:
    """A page copied as one line runs its title, its source, its date and its first sentence
    together; a date in the body stays in its sentence."""
    text = (
        "郧汶县构建肺结核患者全链条服务的经验做法来源：郧汶县卫生健康局\u3000发布时间：2025-08-15"
        "为降低肺结核发病率，郧汶县根据《结核病防治管理办法》，探索建立全链条服务模式。"
        "现将主要做法介绍如下：对2019年4月15日前登记的患者，村医每月随访。"
    )
    parts = [text[a:b] for a, b in answer_sentences(text)]
    roles = passage_roles(text, opens_document=True)
    assert list(zip(parts, roles, strict=True)) == [
        ("郧汶县构建肺结核患者全链条服务的经验做法", "title"),
        ("来源：郧汶县卫生健康局", "dateline"),
        ("发布时间：2025-08-15", "dateline"),
        # the first of a preamble's two sentences: why and by what, before how it leads in
        (
            "为降低肺结核发病率，郧汶县根据《结核病防治管理办法》，探索建立全链条服务模式。",
            "preamble",
        ),
        ("现将主要做法介绍如下：", "preamble"),
        ("对2019年4月15日前登记的患者，村医每月随访。", "body"),
    ]
    # a section's label and a date in its text are no page's date line
    dated = "七、有效期限：创新券自发放之日起至当年12月31日有效，未使用的额度作废。"
    assert answer_sentences(dated) == [(0, len(dated))]
    # a title closing on a quotation mark, its source glued on it
    quoted = "多措并举守护电力“生命线”来源：鄋涠日报2025-07-09本报讯 电力线路是“生命线”。"
    assert [quoted[a:b] for a, b in answer_sentences(quoted)] == [
        "多措并举守护电力“生命线”",
        "来源：鄋涠日报2025-07-09",
        "本报讯 电力线路是“生命线”。",
    ]
