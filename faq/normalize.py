"""Text normalisation before matching and before logging a question.

Steps: Unicode NFKC (full-width → half-width), traditional → simplified, @mentions and the bot's
own name removed, punctuation and symbols turned into spaces, leading politeness removed, spaces
collapsed, Latin lower-cased.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

DEFAULT_BOT_NAMES = ("学实助手", "学习实践助手", "学实小助手")

_MENTION = re.compile(r"@\S{1,24}?(?:[\s\u2005\u00a0]|$)")
_SPACES = re.compile(r"\s+")
# "一边查一边改" is the outline's "边查边改": the long spoken form would share no word with it.
_BOTH_AT_ONCE = re.compile(r"一边([\u4e00-\u9fff])(?:问题|毛病)?一?边(?:就|也|再)?([\u4e00-\u9fff])")
# "查完了再统一整改", "找完了再改": finding every problem before fixing any is what the outline's 边查边改 answers.
_FIND_THEN_FIX = re.compile(r"[查找摸]完了?(?:问题|毛病)?(?:以后|之后)?(?:然后再|再|才能?|然后)(?:开始)?(?:统一|集中|一起)?(?:整改|改)")
# "等到整改阶段再改": holding every fix for the last stage is what 边查边改 answers too.
_WAIT_TO_FIX = re.compile(r"等(?:到)?(?:整改|整改落实|第三)(?:阶段)?(?:的时候)?(?:再|才)(?:开始|动手)?(?:整改|改)")
# "边查问题边整改", "问题…当场就改": fixing while finding is the outline's 边查边改.
_FIX_ALONG = re.compile(r"(?<!一)边(查|学|找)(?:问题|毛病)?边(?:就|也|再)?整?改")
_FIX_AT_ONCE = re.compile(r"((?:问题|毛病)[^ ]{0,12}?)(?:当场|马上|立刻|立即|现在)就?(?:动手)?整?改")
# "写好了给谁来评": the bare verb after who is the outline's 评议 (not 评分, 评优 …).
_BARE_REVIEW = re.compile(r"(?<=[谁来去给])评(?![议价分选比优先审定级奖估])")
# "请几天假": the verb and its object split around a length; "请假几天" keeps the outline's word.
_SPLIT_LEAVE = re.compile(r"请([一两三四五六七八九十几半多]{0,2}个?(?:天|日|周|星期|礼拜|月)的?)假")
# "改改管理模式", "查查问题": a doubled verb means the verb (说说/讲讲 stay: they ask for an explanation).
_DOUBLED_VERB = re.compile(r"([改查看问学写弄搞想聊找试理议评列])\1(?!\1)")
# "哪一类的", "哪一种": the question word, not the outline's 一类 (first-type units).
_WHICH_ONE = re.compile(r"哪一(?=[类种样个])")
# "报到哪一级": reporting a paper somewhere, not reporting for duty.
_REPORT_TO = re.compile(r"报到(?=哪|上级|上一级)")
# Slips so common they are nearly spelling ("什么时侯"): undone before anything reads the text.
_COMMON_SLIPS = re.compile(r"时侯")
# Politeness at the start carries no meaning for matching.
_LEADING_FILLER = re.compile(r"^(?:(?:请问|想问|问一下|问下|打听一下|麻烦问下|麻烦问一下|麻烦|你好|您好|小助手|助手|老师|我想问|我想知道|想请教|请教一下|请教)\s*)+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _strip_symbols(text: str) -> str:
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Mn", "Me"):
            # Invisible format characters and combining marks (zero-width space, soft hyphen, emoji
            # variation selectors) vanish without splitting the word around them.
            continue
        out.append(" " if cat[0] in "PSZC" else ch)
    return "".join(out)


@lru_cache(maxsize=8192)
def normalize(text: str, bot_names: tuple[str, ...] = DEFAULT_BOT_NAMES) -> str:
    """The canonical form of a question (pure; cached: every handler's filter asks for it)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    for name in bot_names:
        text = text.replace("@" + name, " ").replace(name, " ")
    text = _MENTION.sub(" ", text)
    text = _strip_symbols(text)
    text = _t2s().convert(text)
    text = _COMMON_SLIPS.sub("时候", _SPACES.sub(" ", text).strip().lower())
    text = _LEADING_FILLER.sub("", text)
    text = _BOTH_AT_ONCE.sub(r"边\1边\2", text)
    text = _SPLIT_LEAVE.sub(r"请假\1", text)
    text = _REPORT_TO.sub("报给", _WHICH_ONE.sub("哪", text))
    text = _BARE_REVIEW.sub("评议", _DOUBLED_VERB.sub(r"\1", text))
    text = _FIX_AT_ONCE.sub(r"\1边查边改", _FIX_ALONG.sub(r"边\1边改", text))
    return _FIND_THEN_FIX.sub("查完再改", _WAIT_TO_FIX.sub("查完再改", text))
