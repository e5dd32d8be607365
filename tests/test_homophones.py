"""faq.homophones: slips of a pinyin input method in the outline's terms are undone, nothing else."""

from __future__ import annotations

import pytest

from faq.homophones import HomophoneTable

TERMS = ["调研报告", "调研", "整改", "联系点", "动员会", "学实", "退休"]


@pytest.fixture(scope="module")
def table() -> HomophoneTable:
    return HomophoneTable.build(TERMS)


def fix(table: HomophoneTable, text: str, words: list[str], known=frozenset()) -> str:
    """Correct ``text`` segmented as ``words`` (as jieba would cut it); ``known``: the index's words."""
    assert "".join(words) == text
    return table.correct(words, known.__contains__)


def test_one_wrong_character_of_the_same_sound_is_undone(table) -> None:
    assert fix(table, "调妍报告写几页", ["调妍", "报告", "写", "几页"]) == "调研报告写几页"
    assert fix(table, "整该咋弄", ["整该", "咋弄"]) == "整改咋弄"
    assert fix(table, "动原会开了吗", ["动", "原", "会", "开", "了", "吗"]) == "动员会开了吗"


def test_a_different_sound_or_two_slips_are_left_alone(table) -> None:
    assert fix(table, "整理咋弄", ["整理", "咋弄"]) == "整理咋弄"  # zheng li is not zheng gai
    assert fix(table, "掉眼报告", ["掉眼", "报告"]) == "掉眼报告"  # two characters differ


def test_a_stretch_that_is_not_a_word_of_its_own_is_never_replaced(table) -> None:
    # "联系电" sounds like 联系点 but "电话" is one word: the phone is not a contact point.
    assert fix(table, "联系电话多少", ["联系", "电话", "多少"], known=frozenset({"电话"})) == "联系电话多少"


def test_a_slip_the_segmenter_glued_to_the_next_character_is_undone(table) -> None:
    # jieba makes "原会开" a word of its own; the slip ends inside it and the rest is kept.
    assert fix(table, "动原会开了吗", ["动", "原会开", "了", "吗"]) == "动员会开了吗"
    assert fix(table, "调妍报告写几页", ["调", "妍报", "告写", "几页"]) == "调研报告写几页"
    # A word the segmenter knows is never cut open.
    assert fix(table, "动原会开了吗", ["动", "原会开", "了", "吗"], known=frozenset({"原会开"})) == "动原会开了吗"


def test_a_word_the_knowledge_base_uses_is_no_slip(table) -> None:
    assert fix(table, "退修咋办", ["退修", "咋办"], known=frozenset({"退修"})) == "退修咋办"
    assert fix(table, "退修咋办", ["退修", "咋办"]) == "退休咋办"


def test_the_matcher_reads_questions_with_slips_undone(shared_matcher) -> None:
    result = shared_matcher.match("调妍报告要分几块来写")
    assert result.normalized == "调妍报告要分几块来写"  # the question as asked is kept
    assert result.outcome == "answer" and result.best.item.id == "s1-report"


def test_an_everyday_word_is_what_the_asker_meant(shared_matcher) -> None:
    """"事情" sounds like the outline's "视情", but an input method offers the everyday word first."""
    assert "事情" in shared_matcher.corrected("问题的事情太多了")
    assert shared_matcher.corrected("轻假要找谁批") == "请假要找谁批"


def test_a_free_standing_adverb_opening_a_slip_was_meant() -> None:
    """都 + 查 sounds like 督查, but 都 stands as a word of its own before almost any verb."""
    table = HomophoneTable.build(["督查", "整改"])
    assert fix(table, "问题都查完", ["问题", "都", "查", "完"]) == "问题都查完"
    assert fix(table, "整该", ["整", "该"]) == "整改"  # a slip in the second character is still undone

