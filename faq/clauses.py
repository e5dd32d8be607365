"""Which part of a message asks the question.

People often say who they are or what happened before (or after) asking: "刚入党啥也不懂 学实开始了没",
"整改落实要搞到啥时候 想排个年假". The statement around the question can drown it; this module
finds the clauses that ask. It works on normalized text (clauses separated by spaces) and knows
nothing about items or scores.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Words that make a clause a question: question particles, question words, A-not-A endings.
_ASKS = re.compile(r"吗|么|呢|吧|啥|什么|怎|咋|几|多少|哪|谁|是否|是不是|要不要|能不能|可不可以|用不用|有没有|如何|何时|"
                   r"多久|多长|还是|[行中能要可对好算搞去]不|不[行中]|[了完过]没|没有?$|不$|"
                   r"([\u4e00-\u9fff])[不没]\1")
# "啥也不懂", "什么都没说": a question word used in a statement.
_STATEMENT_USE = re.compile(r"(?:啥|什么|哪儿|哪里)(?:也|都)")


# "听说已经进入分析检查了 是吗": a tag asking to confirm the statement makes the statement the question.
_CONFIRMS = re.compile(r"^(?:是|对|真的|是真的|没错|确实|属实|可以|行)?(?:吗|么|嘛|吧|不|不是|不对|没)?$|^是不是|^对不对|^真的假的|^是这样")


def _asks(clause: str) -> bool:
    return bool(_ASKS.search(_STATEMENT_USE.sub("", clause)))


@lru_cache(maxsize=4096)
def split_asking(normalized: str) -> tuple[str, str] | None:
    """The clauses of ``normalized`` that ask something and those that only tell, when there are
    both; None when the message is one clause, or every clause asks, or none does."""
    clauses = [c for c in normalized.split(" ") if c]
    if len(clauses) < 2:
        return None
    asking = [c for c in clauses if _asks(c)]
    if not asking or len(asking) == len(clauses) or any(_CONFIRMS.match(c) for c in asking):
        return None
    return " ".join(asking), " ".join(c for c in clauses if c not in asking)



# "我们是二级医院 调研往哪些方面搞", "我们职校想先把调研搞起来 学校主要围绕啥": a clause telling what
# the asker's unit is or does.
_OUR_UNIT = re.compile(r"^(?:我们|咱们|咱|俺们|我们单位|我们这)")


def told_about_us(normalized: str) -> str | None:
    """The clauses of ``normalized`` that tell about the asker's unit without asking, when another
    clause asks (see :func:`split_asking`); None otherwise."""
    split = split_asking(normalized)
    told = [c for c in split[1].split(" ") if _OUR_UNIT.match(c)] if split else []
    return " ".join(told) or None
