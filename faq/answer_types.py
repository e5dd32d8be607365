"""Expected answer types: a question asking "who / when / how many / where" prefers items whose
answer actually names a person, a date, a number or a place.

Each type is a pseudo-term: items whose answer shows the evidence carry it, questions that ask
for it contain it, and the index scores it like any other term.

Some details are asked so precisely that only an answer containing them can answer at all (the
exact day, a phone number, the room, a file to download): :func:`missing_detail` names the one an
answer lacks, and the matcher declines rather than answer with the item that merely shares the topic.
"""

from __future__ import annotations

import re

TYPE_WEIGHT = 1.0

_QUESTION_CUES = {
    "⟨who⟩": re.compile(r"谁|哪位|什么人|啥人|哪些人|负责人|一把手"),
    "⟨when⟩": re.compile(r"什么时候|啥时候|几时|何时|哪天|几号|几月|月份|多久|截止|日期|期限|时间|什么时间|周几|星期几|"
                          r"礼拜几|哪一天|几点|哪年|哪一年|年份"),
    "⟨count⟩": re.compile(r"多少|几个|几名|几篇|几份|几项|几人|几条|几家|几所|人数|字数|多少字|多长|几块|几部分|几段|数量|数目|个数"),
    "⟨where⟩": re.compile(r"哪里|在哪|哪儿|什么地方|啥地方|几号楼|哪个房间|地址|地点"),
    # "Do we / does X take part": only items saying who takes part answer it.
    "⟨join⟩": re.compile(r"也要搞|要搞吗|要搞不|搞不搞|参加不|参不参加|要参加|参加吗|也参加|算在里面|算不算在|在不在|轮到|轮上|"
                         r"有没有我们|跑不掉|跑得掉|跑不跑|要不要参加|需要参加|参与吗|要参与|需要参与|用不用参加|参加么"),
}
_ANSWER_EVIDENCE = {
    "⟨who⟩": re.compile(r"[\u4e00-\u9fff]{2,3}(?:同志|书记)"),
    "⟨when⟩": re.compile(r"\d+月(?:上旬|中旬|下旬|底)?"),
    "⟨count⟩": re.compile(r"\d+(?:名|个|篇|份|项|字)|[二两三四五六七八九十]个|不少于|字数"),
    "⟨where⟩": re.compile(r"\d+号楼|\d+室"),
    "⟨join⟩": re.compile(r"参加|参与"),
}


def asked_types(question: str) -> list[str]:
    return [name for name, cue in _QUESTION_CUES.items() if cue.search(question)]


def evidenced_types(answer: str) -> list[str]:
    return [name for name, evidence in _ANSWER_EVIDENCE.items() if evidence.search(answer)]


# (question cue, answer evidence) per precise detail. A cue must not catch the outline's own ways of
# asking where ("在哪参加" is about which unit, "报哪里" about whom to report to).
_DETAILS = {
    "no date given": (
        re.compile(r"哪天|哪一天|几号(?![楼线门房室窗院床])|具体日期|星期几|周几|礼拜几|几点|(?<!从)哪一?年(?!算起)"),
        re.compile(r"\d+月"),
    ),
    # "联系方式见附表" points to a table the bot does not have: only a number or an address answers.
    "no contact given": (
        re.compile(r"电话|手机|号码|邮箱|微信号|qq"),
        re.compile(r"\d{7,}|@"),
    ),
    # The outline never speaks of money: allowances, refunds and budgets are somebody else's rules.
    "no money given": (
        re.compile(r"补贴|补助|报销|奖金|加班费|工资|津贴|费用|经费|钱|发票|误餐"),
        re.compile(r"经费|费用|\d+元"),
    ),
    "no place given": (
        re.compile(r"会场|在哪[里儿]?(?:开|领|举行|举办|集合|买|拿)|去哪[里儿]?(?:领|拿|买)|哪[里儿]领|地址|地点|什么地方开|啥地方开"),
        re.compile(r"号楼|\d+室|会议室|礼堂|会场|地址|地点"),
    ),
    "no length given": (
        re.compile(r"多少字|字数|几个字|几千字|几百字|写多长|篇幅|几页|多长(?!时间)"),
        re.compile(r"\d+字|字数|篇幅"),
    ),
    "no file given": (
        re.compile(r"下载|范本|网址|链接|二维码|软件|app|公众号|小程序"),
        re.compile(r"下载|网址|http|软件"),
    ),
}


def missing_detail(question: str, answer: str) -> str | None:
    """The precise detail ``question`` asks for that ``answer`` does not contain, or None."""
    for reason, (cue, evidence) in _DETAILS.items():
        if cue.search(question) and not evidence.search(answer):
            return reason
    return None
