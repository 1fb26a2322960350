"""Each cleaning rule, on real lines from the seed documents, with its map back to the original."""

from __future__ import annotations

import pytest

from index.clean import clean, find_headings, looks_hard_wrapped
from index.glosses import without_glosses
from index.roles import answer_sentences


def assert_maps_back(original: str, cleaned_text: str, origin: list[int]) -> None:
    """Every cleaned character came from the same character of the original (a joined line
    break may become a space)."""
    assert len(origin) == len(cleaned_text)
    for ch, pos in zip(cleaned_text, origin, strict=True):
        assert original[pos] == ch or (ch == " " and original[pos] == "\n")
    assert origin == sorted(origin)


def cleaned_page(lines: list[str]) -> list[str]:
    """The lines of a printed page, found hard-wrapped, as cleaning leaves them."""
    original = "\n".join(lines)
    assert looks_hard_wrapped(original)
    return clean(original).text.split("\n")


def test_pinyin_glosses_are_stripped_and_characters_kept() -> None:
    line = "一、推動(dòng)傳統(tǒng)產(chǎn)業(yè)“老樹(shù)發(fā)新芽”"
    result = clean(line)
    assert result.text == "一、推動傳統產業“老樹發新芽”"
    assert_maps_back(line, result.text, result.origin)
    assert result.to_original(2, 5) == (2, 11)  # 推動傳 spans the gloss of 動 in the original


def test_a_quotation_of_a_glossed_file_reads_as_the_index_does() -> None:
    assert without_glosses("推動(dòng)傳統(tǒng)產業") == "推動傳統產業"
    assert without_glosses("统计公报(2021)和年鉴（上）") == "统计公报(2021)和年鉴（上）"


def test_parentheses_in_unglossed_text_are_kept() -> None:
    line = "数据来源于统计公报(2021)和年鉴(ai)。"
    assert clean(line).text == line


@pytest.mark.parametrize(
    "boilerplate",
    [
        "編者按:近日,國(guó)務(wù)院辦公廳印發(fā)《關(guān)于對(duì)2021年落實(shí)有關(guān)重大政策措施真抓實(shí)干成效明顯地方予以督查激勵(lì)的通報(bào)》",
        "特別聲明:以上內容(如有圖片或視頻亦包括在內)為自媒體平臺“網易號”用戶上傳并發布,本平臺僅提供信息存儲服務。",
        "Notice: The content above (including the pictures and videos if any) is uploaded and posted by a user of NetEase Hao, which is a social media platform and only provides information storage services.",
        "數據來源:中共晉城市委宣傳部",
        "編輯:Octopus",
        "監督:0571-85871667",
        "投稿:news@ccement.com",
    ],
)
def test_boilerplate_lines_are_removed(boilerplate: str) -> None:
    body = "晉城以新質生產力激活轉型勢能。"
    result = clean(f"{body}\n{boilerplate}\n{body}")
    assert result.text == f"{body}\n{body}"


def test_page_continuation_markers_are_removed() -> None:
    original = "（上接一版）发布推介总投资1038亿元的十大战略项目。\n全市全年电子商务交易额力争达到600亿元以上。（下转四版）"
    result = clean(original)
    assert (
        result.text
        == "发布推介总投资1038亿元的十大战略项目。\n全市全年电子商务交易额力争达到600亿元以上。"
    )
    assert_maps_back(original, result.text, result.origin)


@pytest.mark.parametrize("number", ["— 2 —", "- 2 -", "－2－", "第2页 共5页", "第 2 頁"])
def test_page_number_lines_are_removed_and_the_page_break_joined(number: str) -> None:
    lines = [
        "对自筹资金确有困难、无能力建房的特困户，由镇人民政府通过统",
        number,
        "建农村集体公租房、修缮加固闲置农房等方式兜底解决，不得让农户因",
        "建房举债。各镇要把农村危房改造作为民生实事，主要负责同志亲自抓。",
        "四、建设要求",
        "新建住房建筑面积原则上1至3人户控制在40至60平方米，不得超面积建",
        "设。改造后的住房须满足抗震设防要求，建材须提供合格证明。",
    ]
    original = "\n".join(lines)
    result = clean(original)
    assert number.strip() not in result.text
    assert "通过统建农村集体公租房" in result.text
    assert_maps_back(original, result.text, result.origin)
    # a line that only starts with a number stays
    kept = clean("2024年农村危房改造\n— 2 — 项目清单")
    assert "— 2 — 项目清单" in kept.text


def test_spaced_out_characters_are_joined() -> None:
    original = " 政 府 工 作 报 告\n定 。 民 生 领 域 财 政 支 出 达 161 亿 元 ， 增 长"
    result = clean(original)
    assert result.text.split("\n") == ["政府工作报告", "定。民生领域财政支出达161亿元，增长"]
    assert_maps_back(original, result.text, result.origin)


def test_space_between_phrases_is_kept() -> None:
    assert clean("重塑動力源 培育新引擎").text == "重塑動力源 培育新引擎"


def test_a_space_after_punctuation_goes_unless_a_heading_follows() -> None:
    """In a notice published as one line, the space before 二、 or 第三章 is all that parts
    the heading from what stands before it; elsewhere a space after punctuation goes."""
    assert clean("增长5%， 创历史新高").text == "增长5%，创历史新高"
    one_line = "一、事项名称 临时救助（含急难型） 二、实施依据 《社会救助暂行办法》 第三章 附则"
    assert clean(one_line).text == one_line
    parts = [one_line[a:b] for a, b in answer_sentences(one_line)]
    assert parts == [
        "一、事项名称", "临时救助（含急难型）", "二、实施依据", "《社会救助暂行办法》", "第三章 附则",
    ]  # fmt: skip


def test_full_width_space_inside_number_is_removed() -> None:
    assert clean("总投资1　038亿元。").text == "总投资1038亿元。"


def test_hard_line_breaks_join_without_space_between_cjk(seed_text) -> None:  # type: ignore[no-untyped-def]
    original = seed_text("003")
    result = clean(original)
    assert looks_hard_wrapped(original)
    assert (
        "发布推介总投资1038亿元的十大战略项目。项目建设的顺利推进，既为稳增长、保态势提供了有力支撑"
        in result.text
    )
    assert "（三）加快转型升级，推动经济质量和环境质量双提升。面对经济下行" in result.text
    assert "（上接一版）" not in result.text and "（下转四版）" not in result.text
    # the spaced-out title stays its own line rather than running into the first sentence
    assert result.text.startswith("政府工作报告\n发布推介")
    assert_maps_back(original, result.text, result.origin)


def test_a_heading_line_stays_a_line_among_a_tables_short_lines() -> None:
    """A flattened table (one cell a line) makes the page's lines short, so a heading line is
    no shorter than most; it still is not joined onto its section's first line."""
    cells = "\n".join(["序号", "企业名称", "返还金额"] * 6)
    wrapped = (
        "本批拟返还资金合计147.05万元，其中大型企业1家，返还比例为上年度实际缴\n"
        "纳失业保险费的50%。\n二、异议反映方式\n公示期间，任何单位和个人对公示名单有异议\n"
        "的，可通过来信、来电或来访方式反映。\n"
    )
    text = clean(f"{cells}\n{wrapped}").text
    assert "\n二、异议反映方式\n公示期间，任何单位和个人对公示名单有异议的，可通过" in text


def test_a_pdfs_running_header_goes_and_a_tables_repeated_cells_stay() -> None:
    page = "\n".join(f"第{n}项工作按照计划稳步推进，各乡镇按月报送进展情况。" for n in range(12))
    header = "槲沚县退役军人事务局"
    text = clean(f"{header}\n{page}\n{header}\n{page}\n{header}\n{page}").text
    assert header not in text and text.count("各乡镇按月报送进展情况") == 36
    table = "\n".join(["湾心人才社区", "一室一厅", "86"] * 4)
    assert clean(table).text.count("湾心人才社区") == 4


def test_latin_words_broken_across_lines_get_a_space() -> None:
    lines = [
        "the city cut its coal share",
        "from forty percent to six",
        "percent within ten years",
        "and built new parks everywhere.",
    ]
    assert clean("\n".join(lines)).text == " ".join(lines)


def test_a_notices_title_number_and_date_lines_are_not_joined() -> None:
    lines = [
        "瑶埠县人民政府办公室关于发放婴幼儿托育服务补贴的通知",
        "瑶政办发〔2024〕11号",
        "发布日期：2024-07-02",
        "各乡镇人民政府，县政府各部门：",
        "一、补贴对象",
        "在本县备案托育机构入托的3岁以下婴幼儿，其父母一方为本县户籍或在本",
        "县连续缴纳社会保险满6个月。",
        "二、补贴标准",
        "瑶埠县人民政府办公室",
        "2024年6月28日",
    ]
    result = cleaned_page(lines)
    # a line broken mid-sentence is joined; a notice's parts stay on their lines
    assert (
        "在本县备案托育机构入托的3岁以下婴幼儿，其父母一方为本县户籍或在本县连续缴纳社会保险满6个月。"
        in result
    )
    assert result[:4] == lines[:4]
    assert (
        result[-1] == "瑶埠县人民政府办公室2024年6月28日"
    )  # an issuer runs into its date, as printed


@pytest.mark.parametrize("seed", ["000", "001"])
def test_paragraph_lines_are_not_joined(seed_text, seed: str) -> None:  # type: ignore[no-untyped-def]
    """A report's lines are its paragraphs and headings; its headings may share a length
    (001's), but its paragraphs run far past it: no page width."""
    original = seed_text(seed)
    result = clean(original)
    assert not looks_hard_wrapped(original)
    assert result.text.count("\n") == original.strip().count("\n")


def test_a_printed_rules_lines_are_joined_though_its_articles_end_sentences() -> None:
    """A rule printed 33 characters wide: its short articles end a sentence on most of their
    lines, so half its lines end in 。, yet the lines that fill the width stop mid-sentence."""
    lines = [
        "第一条　为加强河道管理保护，改善河湖水环境，根据有关法律法规，结合",
        "本县实际，制定本办法。",
        "第二条　本办法适用于本县行政区域内河流、湖泊和水库的管理保护工作。",
        "第三条　县级河长由县级领导担任，乡级河长由乡镇领导担任，村级河长由",
        "村党组织书记担任。",
        "第四条　县级河长每季度至少巡河一次。",
        "第五条　河长发现问题的，应当当场处理；不能当场处理的，通过县“河长",
        "通”APP上报。",
        "第六条　县河长制办公室在1个工作日内将问题交办有关部门，一般问题7日",
        "内办结。",
        "第七条　每条河湖应当设立公示牌，标明河长姓名、职务、管护范围和监督",
        "电话。",
        "第八条　本办法自2025年3月1日起施行。",
    ]
    result = cleaned_page(lines)
    assert "第五条　河长发现问题的，应当当场处理；不能当场处理的，通过县“河长通”APP上报。" in result
    assert "第四条　县级河长每季度至少巡河一次。" in result


def test_redaction_placeholders_stay_in_the_display_text() -> None:
    line = "近年来，**市坚持新发展理念。"
    assert clean(line).text == line


def test_headings_and_section_paths(seed_text) -> None:  # type: ignore[no-untyped-def]
    result = clean(seed_text("000"))
    titles = [(h.level, h.title) for h in result.headings[:3]]
    assert titles == [
        (1, "一、推动传统产业“老树发新芽”"),
        (3, "一是注重集群培育"),
        (3, "二是强化链式发展"),
    ]
    pos = result.text.index("全面推行双长制")
    assert result.section_at(pos) == "一、推动传统产业“老树发新芽” › 二是强化链式发展"
    assert result.section_at(0) is None


def test_heading_levels_reset_below_a_new_parent() -> None:
    text = "一、总体\n（一）目标\n一是增长。经济平稳运行。\n结构持续优化。\n二、任务\n正文。"
    result = clean(text)
    assert [h.level for h in result.headings] == [1, 2, 3, 1]
    assert result.text == text
    assert result.section_at(result.text.index("正文")) == "二、任务"


def test_markdown_and_chapter_headings() -> None:
    headings = find_headings("# 工作报告\n第一章 总则\n正文")
    assert [(h.level, h.title) for h in headings] == [(1, "工作报告"), (1, "第一章 总则")]


def test_crlf_input_maps_to_original_offsets() -> None:
    original = "第一行。\r\n第二行。"
    result = clean(original)
    assert result.text == "第一行。\n第二行。"
    start = result.text.index("第二行")
    assert original[result.to_original(start, start + 3)[0] :].startswith("第二行")


def test_every_seed_maps_back_exactly(seed_text) -> None:  # type: ignore[no-untyped-def]
    for prefix in ("000", "001", "002", "003", "004"):
        original = seed_text(prefix)
        result = clean(original)
        assert result.text
        assert_maps_back(original, result.text, result.origin)


def test_span_outside_text_is_rejected() -> None:
    with pytest.raises(ValueError, match="outside the cleaned text"):
        clean("一句话。").to_original(0, 99)
