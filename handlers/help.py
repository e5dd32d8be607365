"""「帮助」, greetings and chit-chat: say what the bot can do instead of guessing an answer."""

from __future__ import annotations

import re

from attendance.service import Sender
from bot.messages import IncomingMessage, Reply
from bot.router import Router, handler
from faq.normalize import normalize
from handlers.commands import visible_to

_TAIL = r"(?:呀|啊|呢|吗|哈|嘛|吧|哦|啦|了|的)*"
_HELP_WORDS = (
    r"帮助|help|菜单|功能|用法|使用说明|说明书|怎么用|如何使用|指令|命令|"
    r"你(?:能|会|可以)(?:做|干|帮我做|回答)?(?:什么|啥|些什么|哪些)(?:事|问题)?|能干啥|有什么功能"
)
_GREETING_WORDS = (
    r"你好|您好|大家好|hi|hello|hey|嗨|哈喽|在吗|在不在|在么|有人吗|早|早安|早上好|上午好|中午好|下午好|晚上好|晚安|"
    r"谢谢|谢了|多谢|感谢|辛苦了|好的|收到|知道了|明白了|懂了|嗯|嗯嗯|ok|okay|好|行|对|是的|没事了|再见|拜拜|"
    r"哈+|呵+|嘿+|666+|赞|厉害|牛|"
    r"你是谁|你叫什么(?:名字)?|你是(?:机器人|真人|人|ai|人工智能|谁开发的)|你是不是(?:机器人|真人)|"
    r"(?:讲|说)个(?:笑话|故事)|陪我聊天|聊聊天|无聊"
)
_HELP = re.compile(rf"^(?:{_HELP_WORDS}){_TAIL}$")
# "大家早上好", "各位辛苦了": a greeting addressed to the group is still a greeting.
_ADDRESSEE = r"(?:大家|各位|诸位|同志们|老师们|朋友们|领导们?|助手|小助手|学实助手|机器人)?"
_CHITCHAT = re.compile(rf"^(?:{_ADDRESSEE}(?:{_GREETING_WORDS}){_TAIL}\s*)+$")

EXAMPLES = ("借调的党员在哪里参加？", "第二类单位群众代表要多少人？", "学实期间请假要报哪里？")


def is_help_request(msg: IncomingMessage) -> bool:
    text = normalize(msg.text)
    return not text or bool(_HELP.match(text) or _CHITCHAT.match(text))


def help_text(router: Router, sender: Sender | None = None) -> str:
    """Generated from the handlers' own help lines, showing only the commands ``sender`` may use."""
    lines = ["我是学实助手，可以回答《培训提纲》里关于学习实践活动的问题，并注明出处。", "我能做的事："]
    lines += [f"· {line}" for line in router.help_lines(visible_to(sender))]
    lines.append("可以这样问：" + "；".join(f"“{q}”" for q in EXAMPLES))
    return "\n".join(lines)


@handler("help", matches=is_help_request)
def help_handler(msg: IncomingMessage, router: Router, sender: Sender | None) -> Reply:
    """发「帮助」：查看我能做什么、怎么问"""
    return Reply(text=help_text(router, sender), intent="help")
