"""faq.answers: what the user sees — the outline's words cut to the platform's byte budget, then the source."""

from __future__ import annotations

import re

import pytest

import config
from faq.answers import MORE_HINT, SOURCE_PREFIX, render, render_item, source_of, split_for_budget
from faq.kb import FaqItem, load_kb
from faq.outline import parse_outline

WECOM_BUDGET = 2048
SENTENCE_ENDS = "。！？；\n"
CLAUSE_ENDS = "，、：）”"


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


@pytest.fixture(scope="module")
def long_body(outline_text: str) -> str:
    """Every answer of the real outline, one after another: about 17 KB of real sentences."""
    return "\n".join(item.answer for item in parse_outline(outline_text).items)


# -- split_for_budget --------------------------------------------------------------------------------


def test_short_text_is_not_split() -> None:
    assert split_for_budget("参加第二批学习实践活动。", 100) == ("参加第二批学习实践活动。", "")


def _first_sentence(text: str) -> str:
    match = re.search(f"[{SENTENCE_ENDS}]", text)
    return text[: match.end()] if match else text


@pytest.mark.parametrize("budget", [60, 100, 200, 333, 500, 1000, 1500, 2000])
def test_long_text_is_cut_after_a_sentence_mark_within_budget(long_body: str, budget: int) -> None:
    head, rest = split_for_budget(long_body, budget)
    assert rest, "a 17 KB body cannot fit"
    assert head + rest == long_body
    assert 0 < _bytes(head) <= budget
    if _bytes(_first_sentence(long_body)) > budget:
        # the first sentence alone is too long (446 bytes): cut at a clause mark instead
        assert head[-1] in CLAUSE_ENDS, f"cut mid-clause: ...{head[-15:]!r}"
        return
    assert head[-1] in SENTENCE_ENDS, f"cut mid-sentence: ...{head[-15:]!r}"
    # and it is the longest such cut: the next sentence would not have fitted
    assert _bytes(head + _first_sentence(rest)) > budget


def test_repeated_splitting_reassembles_the_body(long_body: str) -> None:
    parts, rest = [], long_body
    while rest:
        head, rest = split_for_budget(rest, 700)
        assert 0 < _bytes(head) <= 700
        parts.append(head)
    assert "".join(parts) == long_body
    assert all(p[-1] in SENTENCE_ENDS for p in parts[:-1])


def test_single_over_long_sentence_is_cut_at_a_clause_mark() -> None:
    clause = "各单位要结合实际情况认真组织学习，"  # 17 characters, 51 bytes
    sentence = clause * 10 + "形成成果。"
    head, rest = split_for_budget(sentence, 120)
    assert head + rest == sentence
    assert _bytes(head) <= 120
    assert head.endswith("，")
    assert head == clause * 2  # two clauses (102 bytes) fit, a third would not


def test_clause_longer_than_the_budget_is_cut_within_budget_without_breaking_characters() -> None:
    sentence = "甲" * 100 + "。"
    head, rest = split_for_budget(sentence, 50)
    assert head + rest == sentence
    assert _bytes(head) <= 50
    assert head == "甲" * 16  # 48 bytes: whole characters only


def test_split_text_is_never_empty_headed() -> None:
    head, rest = split_for_budget("。" * 10 + "甲" * 100, 30)
    assert head and head + rest == "。" * 10 + "甲" * 100


# -- render ------------------------------------------------------------------------------------------


SOURCE = SOURCE_PREFIX + "一、（一）2"


def _body_of(text: str) -> str:
    """A rendered message without its hint and source lines."""
    lines = text.split("\n")
    assert lines[-1].startswith(SOURCE_PREFIX)
    lines = lines[:-1]
    if lines and lines[-1] == MORE_HINT:
        lines = lines[:-1]
    return "\n".join(lines)


def test_render_short_body_has_body_then_source() -> None:
    text, rest = render("参加第二批学习实践活动。", SOURCE, WECOM_BUDGET)
    assert text == "参加第二批学习实践活动。\n" + SOURCE
    assert rest == ""


@pytest.mark.parametrize("budget", [300, 512, 1024, WECOM_BUDGET])
def test_render_long_body_fits_and_ends_with_hint_and_source(long_body: str, budget: int) -> None:
    text, rest = render(long_body, SOURCE, budget)
    assert _bytes(text) <= budget
    lines = text.split("\n")
    assert lines[-1] == SOURCE, "the source line is always last"
    assert lines[-2] == MORE_HINT
    head = _body_of(text)
    room = budget - _bytes("\n" + SOURCE) - _bytes("\n" + MORE_HINT)
    assert head[-1] in (SENTENCE_ENDS if _bytes(_first_sentence(long_body)) <= room else CLAUSE_ENDS)
    # head + rest is the body; only whitespace at the cut may be dropped
    assert long_body.startswith(head)
    assert long_body.endswith(rest)
    assert long_body[len(head) : len(long_body) - len(rest)].strip() == ""


def test_render_follow_up_pages_cover_the_whole_body(long_body: str) -> None:
    pages, rest = [], long_body
    while True:
        text, rest = render(rest, SOURCE, WECOM_BUDGET)
        assert _bytes(text) <= WECOM_BUDGET
        assert text.split("\n")[-1] == SOURCE
        pages.append(_body_of(text))
        if not rest:
            assert MORE_HINT not in text
            break
        assert len(pages) < 50
    assert re.sub(r"\s", "", "".join(pages)) == re.sub(r"\s", "", long_body)


def test_render_exact_fit_is_not_split() -> None:
    tail = _bytes("\n" + SOURCE)
    body = "甲" * ((300 - tail) // 3)
    text, rest = render(body, SOURCE, _bytes(body) + tail)
    assert rest == "" and text == body + "\n" + SOURCE


# -- render_item -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def committed_items() -> list[FaqItem]:
    return load_kb(config.data_path("faq.toml")).items


def test_every_committed_item_renders_within_the_wecom_budget(committed_items: list[FaqItem]) -> None:
    for item in committed_items:
        text, rest = render_item(item, WECOM_BUDGET)
        assert _bytes(text) <= WECOM_BUDGET, item.id
        assert text.split("\n")[-1] == f"{SOURCE_PREFIX}{item.section}" == source_of(item)
        if not rest:
            assert _body_of(text) == item.answer, f"{item.id}: the answer must be quoted unchanged"
        else:
            assert item.answer.startswith(_body_of(text)) or item.short_answer


def test_every_committed_item_renders_within_a_tight_budget(committed_items: list[FaqItem]) -> None:
    for item in committed_items:
        text, rest = render_item(item, 400)
        assert _bytes(text) <= 400, item.id
        assert text.split("\n")[-1] == source_of(item)
        if not item.short_answer:
            head = _body_of(text)
            assert item.answer.startswith(head)
            assert re.sub(r"\s", "", head + rest) == re.sub(r"\s", "", item.answer)


def test_item_with_short_answer_sends_it_first_and_keeps_the_full_answer() -> None:
    item = FaqItem("x", "二、5", "借调的党员如何参加？", "借调的党员原则上参加原单位的活动。学习阶段可就近参加。",
                   short_answer="借调的党员原则上参加原单位的活动。")
    text, rest = render_item(item, WECOM_BUDGET)
    assert text == f"借调的党员原则上参加原单位的活动。\n{MORE_HINT}\n{SOURCE_PREFIX}二、5"
    assert rest == item.answer


def test_over_long_short_answer_still_has_one_hint(long_body: str) -> None:
    item = FaqItem("x", "一、1", "问题？", long_body, short_answer=long_body[:3000])
    text, _ = render_item(item, WECOM_BUDGET)
    assert _bytes(text) <= WECOM_BUDGET
    assert text.count(MORE_HINT) == 1
    assert text.split("\n")[-1] == SOURCE_PREFIX + "一、1"
