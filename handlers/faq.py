"""Answers from the training outline: the answer itself, 「全文」 for the rest, and picking a suggestion."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.conversation import Conversation
from bot.messages import IncomingMessage, Reply
from bot.router import handler
from faq.answers import render, render_item, source_of
from faq.kb import FaqItem
from faq.matcher import Matcher, MatchResult
from faq.normalize import normalize

# WeCom's text limit is the tightest of the platforms; every answer fits it.
REPLY_BUDGET_BYTES = 2048
MAX_QUESTION_CHARS = 500
FOLLOW_UP_TTL = timedelta(minutes=30)
REST_KEY = "faq_rest"
SUGGESTIONS_KEY = "faq_suggestions"

FALLBACK_TEXT = (
    "这个问题培训提纲里没有找到，我不乱答。\n"
    "我能回答提纲里的内容，例如：参加单位和对象（离退休、借调挂职、非在编、党校学习、兼职领导、非党领导干部），"
    "三个阶段的安排，群众代表，动员会、民主生活会、群众评议、满意度测评，要写要报的材料，请假规定。\n"
    "换个说法再问一次，或发「帮助」查看用法；提纲以外的事请咨询本单位联络员。"
)
TOO_LONG_TEXT = "问题太长了（{n} 字），我只能回答一两句话的提问。请把想问的事简短说一下，例如“借调的党员在哪里参加？”"
NOTHING_MORE_TEXT = "没有需要接着看的内容了。请直接提问，或发「帮助」查看用法。"

_MORE = re.compile(r"^(?:全文|看全文|查看全文|更多|继续|接着说|后面呢|还有呢|剩下的|其余部分|完整内容|全部)(?:呢|吧|啊)?$")
_PICK = re.compile(r"^第?([1-9一二三四五六七八九])(?:个|条|项)?$")
_CHINESE_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", 1)}


def _is_more(msg: IncomingMessage) -> bool:
    return bool(_MORE.match(normalize(msg.text)))


def _picked_number(msg: IncomingMessage) -> int | None:
    match = _PICK.match(normalize(msg.text).replace(" ", ""))
    if not match:
        return None
    digit = match.group(1)
    return int(digit) if digit.isdigit() else _CHINESE_DIGITS[digit]


def _answer_item(item: FaqItem, conversation: Conversation, score: float | None, category: int | None) -> Reply:
    text, rest = render_item(item, REPLY_BUDGET_BYTES, category)
    if rest:
        conversation.remember(REST_KEY, {"faq_id": item.id, "source": source_of(item), "rest": rest}, FOLLOW_UP_TTL)
    else:
        conversation.forget(REST_KEY)
    return Reply(text=text, intent="faq", meta={"faq_id": item.id, "source": source_of(item), "score": score})


@handler("faq_more", matches=_is_more)
def more_handler(conversation: Conversation) -> Reply:
    """回复「全文」：接着看上一条较长回答的其余部分"""
    state = conversation.recall(REST_KEY)
    if not state:
        return Reply(text=NOTHING_MORE_TEXT, intent="help")
    source = state.get("source") or ""
    text, rest = render(state["rest"], source, REPLY_BUDGET_BYTES)
    if rest:
        conversation.remember(REST_KEY, {**state, "rest": rest}, FOLLOW_UP_TTL)
    else:
        conversation.forget(REST_KEY)
    return Reply(text=text, intent="faq", meta={"faq_id": state.get("faq_id"), "source": source, "score": None})


@handler("faq_pick", matches=lambda msg: _picked_number(msg) is not None)
def pick_handler(msg: IncomingMessage, conversation: Conversation, matcher: Matcher,
                 category: int | None) -> Reply | None:
    """看到「您是不是想问」后回复序号（如 1），查看对应问题的答案"""
    state = conversation.recall(SUGGESTIONS_KEY)
    number = _picked_number(msg)
    if not state or number is None or not 1 <= number <= len(state["ids"]):
        return None  # not a pick after all: let the FAQ handler treat it as a question
    item = matcher.kb.by_id(state["ids"][number - 1])
    if item is None:  # the knowledge base changed since the suggestion
        conversation.forget(SUGGESTIONS_KEY)
        return None
    conversation.forget(SUGGESTIONS_KEY)
    return _answer_item(item, conversation, None, category)


def _suggest(result: MatchResult, conversation: Conversation) -> Reply:
    items = [c.item for c in result.candidates[:3]]
    conversation.remember(SUGGESTIONS_KEY, {"ids": [i.id for i in items]}, FOLLOW_UP_TTL)
    lines = ["您是不是想问："] + [f"{n}. {item.question}" for n, item in enumerate(items, 1)]
    lines.append("回复序号（如 1）查看答案；都不是的话，请换个说法再问。")
    return Reply(
        text="\n".join(lines),
        intent="suggest",
        meta={"faq_id": None, "source": None, "score": result.score, "suggestions": [i.id for i in items],
              "closest_faq_id": items[0].id if items else None},
    )


@handler("faq")
def faq_handler(msg: IncomingMessage, matcher: Matcher, conversation: Conversation, category: int | None) -> Reply:
    """直接提问：回答《培训提纲》里的问题，并注明出处"""
    if len(msg.text) > MAX_QUESTION_CHARS:
        return Reply(text=TOO_LONG_TEXT.format(n=len(msg.text)), intent="fallback",
                     meta={"faq_id": None, "source": None, "score": 0.0, "reason": "too long"})
    result = matcher.match(msg.text)
    if result.outcome == "answer" and result.best is not None:
        reply = _answer_item(result.best.item, conversation, result.score, category)
    elif result.outcome == "suggest":
        reply = _suggest(result, conversation)
    else:
        closest = result.best.item.id if result.best else None
        reply = Reply(text=FALLBACK_TEXT, intent="fallback",
                      meta={"faq_id": None, "source": None, "score": result.score, "reason": result.reason,
                            "closest_faq_id": closest})
    reply.meta["normalized"] = result.normalized
    return reply
