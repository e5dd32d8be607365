"""Expected answer types: a question asking "who / when / how many / where" prefers items whose
answer actually names a person, a date, a number or a place.

Each type is a pseudo-term: items whose answer shows the evidence carry it, questions that ask
for it contain it, and the index scores it like any other term.
"""

from __future__ import annotations

import re

TYPE_WEIGHT = 1.0

_QUESTION_CUES = {
    "⟨who⟩": re.compile(r"谁|哪位|什么人|啥人|哪些人|负责人|一把手"),
    "⟨when⟩": re.compile(r"什么时候|啥时候|几时|何时|哪天|几号|几月|月份|多久|截止|日期|期限|时间|什么时间|周几|星期几|"
                          r"礼拜几|哪一天|几点|哪年|哪一年|年份"),
    "⟨count⟩": re.compile(r"多少|几个|几名|几篇|几份|几项|几人|几条|人数|字数|多少字|多长|几块|几部分|数量|数目|个数"),
    "⟨where⟩": re.compile(r"哪里|在哪|哪儿|什么地方|啥地方|几号楼|哪个房间|地址|地点"),
}
_ANSWER_EVIDENCE = {
    "⟨who⟩": re.compile(r"[\u4e00-\u9fff]{2,3}(?:同志|书记)"),
    "⟨when⟩": re.compile(r"\d+月(?:上旬|中旬|下旬|底)?"),
    "⟨count⟩": re.compile(r"\d+(?:名|个|篇|份|项|字)|不少于|字数"),
    "⟨where⟩": re.compile(r"\d+号楼|\d+室"),
}


def asked_types(question: str) -> list[str]:
    return [name for name, cue in _QUESTION_CUES.items() if cue.search(question)]


def evidenced_types(answer: str) -> list[str]:
    return [name for name, evidence in _ANSWER_EVIDENCE.items() if evidence.search(answer)]
