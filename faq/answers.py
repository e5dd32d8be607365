"""Turn an item into the text a user sees: the outline's own words, then the source.

Long answers are cut at a sentence boundary to fit a byte budget (WeCom text: 2,048 bytes); the
rest is kept so the user can ask for it (「全文」). Nothing is ever cut mid-sentence unless one
sentence alone exceeds the budget, which is then cut at a clause mark.
"""

from __future__ import annotations

import re

from faq.kb import FaqItem

SOURCE_PREFIX = "——《培训提纲》"
MORE_HINT = "（内容较长，回复「全文」查看其余部分）"
_SENTENCE_END = re.compile(r"(?<=[。！？；\n])")
_CLAUSE_END = re.compile(r"(?<=[，、：）”])")


def source_of(item: FaqItem) -> str:
    return f"{SOURCE_PREFIX}{item.section}"


def _units(text: str) -> list[str]:
    return [u for u in _SENTENCE_END.split(text) if u]


def _fit(units: list[str], budget: int) -> int:
    """How many leading units fit into ``budget`` bytes."""
    used = 0
    for n, unit in enumerate(units):
        size = len(unit.encode("utf-8"))
        if used + size > budget:
            return n
        used += size
    return len(units)


def split_for_budget(text: str, budget: int) -> tuple[str, str]:
    """(head, rest) with head ≤ budget bytes, split after a sentence (or clause) mark."""
    if len(text.encode("utf-8")) <= budget:
        return text, ""
    units = _units(text)
    n = _fit(units, budget)
    if n == 0:
        clauses = [c for c in _CLAUSE_END.split(units[0]) if c]
        k = max(1, _fit(clauses, budget))
        head = "".join(clauses[:k])
        while len(head.encode("utf-8")) > budget:  # a single clause longer than the budget
            head = head[:-1]
        return head, text[len(head) :]
    head = "".join(units[:n])
    return head, text[len(head) :]


def render(body: str, source: str, budget: int) -> tuple[str, str]:
    """Text for one message (body + source line) within ``budget`` bytes, and what is left over."""
    tail = "\n" + source
    room = budget - len(tail.encode("utf-8"))
    head, rest = split_for_budget(body.strip(), room)
    if rest:
        room -= len(("\n" + MORE_HINT).encode("utf-8"))
        head, rest = split_for_budget(body.strip(), room)
        return head.rstrip() + "\n" + MORE_HINT + tail, rest.strip()
    return head.rstrip() + tail, ""


CATEGORY_NAMES = {1: "第一类单位", 2: "第二类单位"}


def category_lead(item: FaqItem, category: int | None) -> str:
    """The line that leads an answer in a group of a known category: the outline's own rule for it."""
    rule = item.category_rule(category)
    return f"【{CATEGORY_NAMES[category]}】{rule}。" if rule and category in CATEGORY_NAMES else ""


def render_item(item: FaqItem, budget: int, category: int | None = None) -> tuple[str, str]:
    """First message for ``item`` and the remainder of its answer ("" when complete).

    In a group whose unit category is known, the category's own rule (quoted from the answer) comes
    first, then the whole answer, so nothing is left out and nothing is reworded.
    """
    lead = category_lead(item, category)
    if lead:
        return render(f"{lead}\n{item.answer}", source_of(item), budget)
    if item.short_answer:
        # The full answer always follows on 「全文」, so the hint is always there, exactly once.
        tail = f"\n{MORE_HINT}\n{source_of(item)}"
        head, _ = split_for_budget(item.short_answer.strip(), budget - len(tail.encode("utf-8")))
        return head.rstrip() + tail, item.answer
    return render(item.answer, source_of(item), budget)
