"""faq.outline.parse_outline on the real training outline and on a small synthetic one."""

from __future__ import annotations

import re

import pytest

from faq.outline import OutlineFormatError, parse_outline

SIGN_OFF = "社工委学习实践活动活动办公室"
TITLE = "社会事业系统第二批深入学习实践科学发展观活动工作培训提纲"

# Section paths read off the outline by hand: 8 + 8 + 3 + 4 questions under 一、（一）…（四）, then the
# second "（四）" (其它工作说明) with 3, then part 二 with 6 — 32 in all.
EXPECTED_SECTIONS = (
    [f"一、（一）{n}" for n in range(1, 9)]
    + [f"一、（二）{n}" for n in range(1, 9)]
    + [f"一、（三）{n}" for n in range(1, 4)]
    + [f"一、（四）{n}" for n in range(1, 5)]
    + [f"一、（四）其它工作说明 {n}" for n in range(1, 4)]
    + [f"二、{n}" for n in range(1, 7)]
)

# Heading introductions: text between a heading and its first question, which answers nothing.
INTROS = (
    "准备阶段要做到五个到位：思想到位、机构到位、方案（计划）到位、目标到位、发动到位。",
    "第一阶段主要是统筹抓好学习调研和围绕科学发展开展解放思想讨论等2项工作",
    "分析检查阶段主要统筹抓好领导班子专题民主生活会和党员专题组织生活会，形成领导班子贯彻落实科学发展观情况分析检查报告等2项工作。",
    "整改落实阶段主要是统筹抓好制定整改落实方案，集中解决突出问题、完善体制机制等2项工作。",
)

_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")
_QUESTION = re.compile(r"^\d{1,3}、")


@pytest.fixture(scope="module")
def outline(outline_text: str):
    return parse_outline(outline_text)


def _outline_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_real_outline_has_exactly_32_items(outline) -> None:
    assert len(outline.items) == 32
    assert outline.title == TITLE


def test_section_paths_follow_the_outline(outline) -> None:
    assert [item.section for item in outline.items] == EXPECTED_SECTIONS


def test_spot_checks_of_sections_and_questions(outline) -> None:
    by_section = {item.section: item for item in outline.items}
    assert outline.items[0].section == "一、（一）1"
    assert outline.items[0].question == "新区第二批参加学习实践活动的单位主要是哪些？"
    assert by_section["一、（二）8"].question == "关于解放思想成果交流?"
    # the reused "（四）" heading is told apart by its title
    assert by_section["一、（四）其它工作说明 1"].question == "学习实践活动是否作转段要求？"
    assert by_section["一、（四）其它工作说明 3"].question == "学习实践活动期间如何处理有关外出请假事宜？"
    assert by_section["一、（四）4"].question == "关于做好总结测评工作？"
    assert by_section["二、1"].question == "离、退休但组织关系仍在第二批参加学习实践活动单位的党员要求？"
    assert by_section["二、6"].question.startswith("党政领导兼两个（或以上）单位职务")


def test_ids_and_sections_are_unique(outline) -> None:
    ids = [item.id for item in outline.items]
    sections = [item.section for item in outline.items]
    assert len(set(ids)) == len(ids)
    assert len(set(sections)) == len(sections)


def test_every_question_is_a_numbered_line_of_the_outline(outline, outline_text: str) -> None:
    lines = set(_outline_lines(outline_text))
    for item in outline.items:
        number = re.search(r"(\d+)$", item.section).group(1)
        assert f"{number}、{item.question}" in lines, item.section


def test_answers_are_verbatim_outline_lines(outline, outline_text: str) -> None:
    lines = set(_outline_lines(outline_text))
    for item in outline.items:
        assert item.answer == item.answer.strip()
        for line in item.answer.splitlines():
            assert line in lines, f"{item.section}: {line!r} is not a line of the outline"


def test_answers_do_not_run_into_the_next_question_or_the_sign_off(outline) -> None:
    questions = [item.question for item in outline.items]
    for item in outline.items:
        assert SIGN_OFF not in item.answer, item.section
        for question in questions:
            assert question not in item.answer, f"{item.section} contains the question {question!r}"
        for line in item.answer.splitlines():
            assert not _QUESTION.match(line), f"{item.section}: numbered line {line!r} inside an answer"
            assert not _HEADING.match(line), f"{item.section}: heading {line!r} inside an answer"


def test_intros_and_preamble_are_not_inside_any_answer(outline) -> None:
    for intro in INTROS + ("准备阶段要做到五个到位", "现在，我就基层单位具体工作中的问题作一些解释和说明"):
        for item in outline.items:
            assert intro not in item.answer, f"intro {intro[:12]!r} leaked into {item.section}"


def test_known_answers_begin_and_end_where_the_outline_says(outline) -> None:
    by_section = {item.section: item for item in outline.items}
    assert by_section["二、1"].answer == "参加第二批学习实践活动。"
    assert by_section["一、（一）8"].answer == (
        "第二批学习实践活动分学习调研（3月中旬-4月下旬）、分析检查（5月上旬-6月中旬）、"
        "整改落实（6月下旬-8月中旬）三个阶段6项工作循序推进。"
    )
    # last item: its answer stops before the sign-off line
    assert by_section["二、6"].answer.endswith("（如王港和唐镇，川沙、黄楼和六团等社区卫生服务中心）")
    # a multi-paragraph answer keeps all its paragraphs, including an unpunctuated last line
    archives = by_section["一、（四）其它工作说明 2"].answer.splitlines()
    assert archives[0].startswith("学习实践活动中第二批开展学习实践活动单位制定的具体实施方案")
    assert archives[-1] == "学习过程中的相关记录，请采用统一笔记本"
    leave = by_section["一、（四）其它工作说明 3"].answer.splitlines()
    assert leave == [
        "请假要从严掌握，各基层单位党员领导没有特殊情况都要服从学习实践活动的要求，确因工作需要请假，"
        "按原请假制度和程序报批，同时报上一级学习实践活动领导小组。",
        "非领导党员请假也要从严掌握，按原请假制度的程序报批。",
    ]


def test_every_outline_line_is_accounted_for(outline, outline_text: str) -> None:
    """Nothing after the first part heading is lost: each line is a heading, an intro, a question,
    the sign-off, or a line of exactly one answer."""
    lines = _outline_lines(outline_text)
    start = lines.index("一、关于学习实践活动的有关环节问题")
    answer_lines: list[str] = [line for item in outline.items for line in item.answer.splitlines()]
    for line in lines[start:]:
        if _HEADING.match(line) or _QUESTION.match(line) or line in INTROS or line == SIGN_OFF:
            continue
        assert answer_lines.count(line) >= 1, f"outline line {line[:30]!r} is in no answer"
    # and no line was duplicated into two answers unless the outline itself repeats it
    for line in set(answer_lines):
        assert answer_lines.count(line) <= lines.count(line), line


def test_outline_without_questions_is_rejected() -> None:
    text = "某某提纲\n一、关于某事\n这里只有说明，没有编号的问题。\n"
    with pytest.raises(OutlineFormatError):
        parse_outline(text)
    with pytest.raises(OutlineFormatError):
        parse_outline("")


def test_question_without_answer_is_rejected() -> None:
    text = "提纲\n一、第一部分\n1、有答案的问题？\n答案。\n2、没有答案的问题？\n"
    with pytest.raises(OutlineFormatError, match="一、2"):
        parse_outline(text)


SYNTHETIC = """\
测试用培训提纲
（2024年1月1日）
开场白，不属于任何问题。
一、关于准备工作
（一）、准备阶段相关工作问题
准备阶段要做到三个到位。

1、准备阶段要做什么？
成立小组。

制定方案。
2、谁来负责？
书记负责。
（二）、第一（学习调研）阶段相关工作问题
本阶段只有一项工作
1、学习要写心得吗？
每人写一篇。
（二）、其它工作说明
1、可以请假吗？
从严掌握。
二、关于参加对象
1、退休党员参加吗？
参加。
2、借调的呢？
参加组织关系所在单位的活动。
某某活动办公室
"""


def test_synthetic_outline_parses_with_the_same_rules() -> None:
    outline = parse_outline(SYNTHETIC)
    assert outline.title == "测试用培训提纲"
    got = [(item.section, item.question, item.answer) for item in outline.items]
    assert got == [
        ("一、（一）1", "准备阶段要做什么？", "成立小组。\n制定方案。"),
        ("一、（一）2", "谁来负责？", "书记负责。"),
        ("一、（二）1", "学习要写心得吗？", "每人写一篇。"),
        ("一、（二）其它工作说明 1", "可以请假吗？", "从严掌握。"),
        ("二、1", "退休党员参加吗？", "参加。"),
        ("二、2", "借调的呢？", "参加组织关系所在单位的活动。"),
    ]
    ids = [item.id for item in outline.items]
    assert len(set(ids)) == len(ids)


def test_synthetic_outline_with_windows_line_endings_parses_the_same() -> None:
    plain = parse_outline(SYNTHETIC)
    crlf = parse_outline(SYNTHETIC.replace("\n", "\r\n"))
    assert [(i.id, i.section, i.question, i.answer) for i in crlf.items] == [
        (i.id, i.section, i.question, i.answer) for i in plain.items
    ]


def test_unpunctuated_last_answer_line_is_kept_when_there_is_no_sign_off() -> None:
    text = "提纲\n一、部分\n1、问题一？\n答案一。\n2、小结报哪里？\n各阶段要有小结\n报上一级党委\n"
    outline = parse_outline(text)
    assert outline.items[-1].answer == "各阶段要有小结\n报上一级党委"
