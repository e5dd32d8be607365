"""faq.normalize: what every question goes through before matching and logging."""

from __future__ import annotations

import unicodedata

import pytest

from faq.normalize import normalize


def test_full_width_letters_digits_and_spaces_become_half_width() -> None:
    assert normalize("ＡＢＣ１２３") == "abc123"
    assert normalize("第二批有３６１个单位吗") == "第二批有361个单位吗"
    assert normalize("借调\u3000党员") == "借调 党员"  # ideographic space


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("借調的黨員如何參加學習實踐活動", "借调的党员如何参加学习实践活动"),
        ("專題民主生活會怎麼開", "专题民主生活会怎么开"),
        ("離退休黨員", "离退休党员"),
    ],
)
def test_traditional_becomes_simplified(traditional: str, simplified: str) -> None:
    assert normalize(traditional) == simplified


@pytest.mark.parametrize("space", [" ", "\u2005", "\u00a0"])
def test_mentions_are_removed(space: str) -> None:
    assert normalize(f"@张三{space}借调的党员怎么参加") == "借调的党员怎么参加"
    assert normalize(f"@张三{space}@李四{space}借调的党员怎么参加") == "借调的党员怎么参加"
    assert normalize(f"借调的党员怎么参加{space}@张三") == "借调的党员怎么参加"


@pytest.mark.parametrize("name", ["学实助手", "学习实践助手", "学实小助手"])
def test_the_bots_own_name_is_removed(name: str) -> None:
    assert normalize(f"@{name} 借调的党员怎么参加") == "借调的党员怎么参加"
    assert normalize(f"@{name}\u2005借调的党员怎么参加") == "借调的党员怎么参加"
    assert normalize(f"{name}，借调的党员怎么参加") == "借调的党员怎么参加"
    assert normalize(f"@{name}") == ""


def test_bot_name_list_can_be_passed_in() -> None:
    assert normalize("小学 借调", bot_names=("小学",)) == "借调"
    assert normalize("小学 借调", bot_names=()) == "小学 借调"


@pytest.mark.parametrize("text", ["！！！", "。，？!?", "……", "——", "、；：“”‘’（）【】《》", "...???", "   "])
def test_punctuation_only_is_empty(text: str) -> None:
    assert normalize(text) == ""


@pytest.mark.parametrize(
    "text",
    [
        "😀",
        "😀🎉👍",
        "👍🏻",
        "👨\u200d👩\u200d👧",
        "🇨🇳",
        pytest.param("❤\ufe0f", id="heart-vs16"),
        pytest.param("✌\ufe0f👍", id="victory-vs16"),
    ],
)
def test_emoji_only_is_empty(text: str) -> None:
    assert normalize(text) == ""


def test_emoji_around_a_question_are_dropped() -> None:
    assert normalize("👍借调的党员怎么参加🙏") == "借调的党员怎么参加"


@pytest.mark.parametrize(
    "text",
    ["请问借调的党员怎么参加", "请问，借调的党员怎么参加？", "请问 请问 借调的党员怎么参加", "您好，请问借调的党员怎么参加"],
)
def test_leading_politeness_is_removed(text: str) -> None:
    assert normalize(text) == "借调的党员怎么参加"


def test_politeness_inside_the_question_is_kept() -> None:
    # only a *leading* 请问 is filler; the same characters later on are content
    assert normalize("借调的党员请问怎么参加").startswith("借调的党员")
    assert "请问" in normalize("借调的党员请问怎么参加")


def test_control_characters_do_not_survive() -> None:
    text = "借调\x00的\x07党员\x1b怎么\r\n参加\x7f"
    out = normalize(text)
    assert not any(unicodedata.category(ch) == "Cc" for ch in out)
    assert out.replace(" ", "") == "借调的党员怎么参加"


def test_whitespace_is_collapsed_and_latin_lower_cased() -> None:
    assert normalize("  Hello \t\n WORLD  ") == "hello world"


def test_empty_and_none_like_input() -> None:
    assert normalize("") == ""


def test_normalize_is_idempotent() -> None:
    for text in ["@学实助手 請問，借調的黨員怎麼參加？？", "ＡＢＣ　借调😀", "请问 请问 老师 借调"]:
        once = normalize(text)
        assert normalize(once) == once


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\u2060"])
def test_invisible_format_characters_do_not_split_words(invisible: str) -> None:
    assert normalize(f"借{invisible}调的党员怎么参加") == "借调的党员怎么参加"


def test_the_spoken_both_at_once_becomes_the_outlines_short_form() -> None:
    assert normalize("能一边学一边改吗") == "能边学边改吗"
    assert normalize("一边走") == "一边走"  # one half only: nothing to shorten


def test_finding_everything_before_fixing_becomes_one_phrase() -> None:
    assert normalize("问题都查完了以后再统一整改吗") == "问题都查完再改吗"
    assert normalize("查完了没") == "查完了没"  # nothing about fixing



def test_a_leave_split_around_its_length_is_joined() -> None:
    assert normalize("五一想请几天假") == "五一想请假几天"
    assert normalize("请两天假行吗") == "请假两天行吗"
    assert normalize("请个假") == "请个假"  # already a phrase the lexicon knows


def test_a_doubled_verb_is_the_verb() -> None:
    assert normalize("想改改管理模式") == "想改管理模式"
    assert normalize("方案随便写写就行吗") == "方案随便写就行吗"
    # 说说/讲讲 ask for an explanation; other doubled characters are words of their own.
    assert normalize("说说三力") == "说说三力"
    assert normalize("谢谢") == "谢谢"


def test_both_at_once_with_an_object_and_find_all_then_start_fixing() -> None:
    assert normalize("能不能一边查问题一边就改") == "能不能边查边改"
    assert normalize("要等全查完了才开始整改吗") == "要等全查完再改吗"
    assert normalize("得先找完毛病然后再改吗") == "得先查完再改吗"


def test_fixing_along_waiting_for_the_last_stage_and_fixing_on_the_spot() -> None:
    assert normalize("可以边找问题边整改吗") == "可以边找边改吗"
    assert normalize("是不是得等到整改阶段再改") == "是不是得查完再改"
    assert normalize("问题发现了能马上就改吗") == "问题发现了能边查边改吗"
    # Without a problem named, "马上改" is just soon.
    assert normalize("方案马上改") == "方案马上改"


def test_a_bare_review_verb_after_who_is_the_outlines_review() -> None:
    assert normalize("报告写完了谁来评") == "报告写完了谁来评议"
    assert normalize("谁来评分") == "谁来评分"


def test_which_one_is_a_question_word_and_reporting_to_is_not_reporting_for_duty() -> None:
    # "一类" alone would read as the outline's first-type units.
    assert normalize("问题找哪一类的") == "问题找哪类的"
    assert normalize("小结报到哪一级") == "小结报给哪一级"
    assert normalize("新同志明天报到") == "新同志明天报到"
