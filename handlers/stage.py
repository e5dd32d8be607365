"""Stage and deadline answers from the campaign calendar, relative to the time of the message."""

from __future__ import annotations

import re
from datetime import date

from bot.clock import CAMPAIGN_TZ
from bot.messages import IncomingMessage, Reply
from bot.router import handler
from faq.answer_types import EXACT_DAY, missing_detail
from faq.answers import SOURCE_PREFIX
from faq.clauses import split_asking
from faq.matcher import Matcher
from faq.normalize import normalize
from scheduler.campaign import Campaign, Deadline, Stage

# A stage question asks WHEN something happens, WHERE the campaign stands NOW, whether something
# is DONE yet, or what comes NEXT. "X结束要交什么" (what to do at an end) is not one: it goes to the FAQ.
_WHEN = (r"什么时候|啥时候|什么时间|几时|几号(?![楼室房线窗人])|几月|哪个月|月份|哪天|哪一天|何时|多久|多长时间|多少时间|距离|(?<![请休放歇假差去])几天|(?<![请休放歇假差去])多少天|还[有差]几(?:天|个?星期|周|个?礼拜)?|剩几天|"
         r"剩下几天|截止日期|截止时间|日子|快截止|快到期|要截止了|期限|最晚|最后一天|今天|明天|快到|快完|快结束|快收尾|快收官|快到头")
# "八月底了，还有啥要做的": the asker tells today's date, which asks about now.
_TOLD_NOW = r"(?:[一二三四五六七八九十\d]{1,2}月(?:份|底|初|中|末|上旬|中旬|下旬)?|年底|年末)(?:了|啦)(?=$| )"
_NOW = (_TOLD_NOW + r"|现在|目前|眼下|这会儿|这会|当前|当下|现阶段|这个阶段|这阶段|本阶段|此时|这阵子|最近|这周|本周|这个星期|这礼拜|这两天|这几天|"
        r"第几步|哪一步|到哪了|到哪一步|"
        r"到哪个阶段|哪个阶段|哪阶段|什么阶段|啥阶段|第几阶段|第几个阶段|哪一段|哪段|第几段|哪一块|哪块|哪个环节|什么环节|啥环节")
_DONE = (r"(?<!不用)(?<!不要)(?<!不必)(?<!用不着)(?:开始|结束|截止|开|交|搞完|弄完|完|过|到|启动|开展|收官|收尾|过去|进入|完事|完成|做完|干完)"
         r"(?:了吗|了没有?|了没呢|没有?|了么|了不|了吧|了呗)|(?:是不是|是否)(?:已经)?[都全]?(?:已经)?(?:(?:搞|弄|做|干|忙|办)?完|(?:搞|弄|做|办)好)了|"
         r"已经(?:进入|开始|到了|结束|搞完|弄完|完了)|已经完了|是不是完了|已经到|已经过了|过了时间|还能报|还可以报|还来得及|还早(?:吧|吗|么|不|呢)|早不早|(?:还算|算不算|属于).{0,6}阶段|(?:进入|到|开始|结束|完)[^，。 ]{0,8}了(?:吗|没有?|不|么)$|(?:是不是|是否)(?:已经)?(?:进入|到|开始|结束|收尾|收官|完成)[^，。 ]{0,8}了$|多长时间了|多久了|还在搞|还在弄|还搞着|还在干|还在写|还在做|还在准备|"
         r"还在进行|在进行|进行中|进行到|结束了|过去了|收官了|来得及|晚不晚|过期|赶得上|赶不上|还能算|算数|还收|还能交|还能投|"
         r"还在.{0,6}阶段|(?:还算|算不算|还属于|属不属于|还是|是不是)(?:在)?(?:学实|活动|学习实践活动)?(?:期间|期内|范围内)|阶段了(?:吗|没|不|么)|过去多少天|过了多少天|过去几天|有多少天了|多少天了|几天了|"
         r"还没(?:完|结束|搞完|弄完|开始|到)(?:吗|么|呢|呀|啊|吧)?$|还在(?:吗|么|不|嘛)|还在不在|还在.{0,6}期间|(?:完了|搞完|弄完|结束了?)(?:以后|之后)?(?:接下来|然后|接着)(?:干|做|搞)|还有吗|还搞(?:吗|么)|还搞不(?=$| )|还搞不搞|还弄不弄|还继续|还要继续|还进行(?:吗|不)|还开展(?:吗|不)|还要搞(?:吗|不)")
_NEXT_CUE = (r"下一个|接下来|紧接着|下个阶段|下一阶段|最近要|马上要|快到|下周|这周|本周|这个星期|下个星期|这个月|下个月|"
             r"下个截止|结束后|完了以后|之后要|后面还有|后边还有|后续还有|还有什么安排|还有啥安排")
_PROGRESS = r"(?:后面|后边|后续|接下来)还有(?:什么|啥)(?:安排|事|活动|任务|工作)|(?:现在|目前|眼下|这会儿?|当前)(?:是不是|是否|应不应该|应)?该(?:干|做|搞|弄|忙|写|开|交|进入|准备|着手|动手|开始)|(?:哪个|什么|啥)环节(?=$|[了呢啦啊吗 ])|(?:现在|目前|眼下|这会儿?|当前|这阵子)(?:是|在|到|处于|进行到)?第?几个?阶段|(?<![进入转])下一?个?阶段(?:是|叫|干|做|啥|什么|几|哪|从|开始|要做|重点)|进展到|到什么程度了|到啥程度了|现阶段|这个阶段|这阶段|本阶段|当前阶段|目前阶段|第几步|哪一步|到哪步|到哪了|到哪一步|到哪个阶段|哪个阶段|哪阶段|什么阶段|啥阶段|第几阶段|第几个阶段|哪一段|哪段|进行到|还在进行|进行中|搞到哪|推进到|[啥什么]么?进度|进度(?:如何|怎样|怎么样|咋样|到哪)"
_DUE_WORDS = r"交|截止|报|做|任务|材料|事项|开会|召开"
_LEAVE_RE = re.compile(r"请假|请个?假|外出|出差|休假|出去|出国|回老家")
_WHEN_RE = re.compile(_WHEN)
_NOW_RE = re.compile(_NOW)
_TOLD_NOW_RE = re.compile(_TOLD_NOW)
_DONE_RE = re.compile(_DONE)
_NEXT_RE = re.compile(_NEXT_CUE)
_PROGRESS_RE = re.compile(_PROGRESS)
_DUE_RE = re.compile(_DUE_WORDS)
_EXACT_DAY = re.compile(EXACT_DAY)
# "还在整改落实吗": a named stage and "still" ask where the calendar stands.
_STILL_RE = re.compile(r"还在|仍在|仍然|依然")
_STATUS_RE = re.compile(r"(?:学实|活动|第二批|现在|目前|眼下|当前)(?:是|到了|进行到)?(?:什么|啥)(?:情况|状况|状态|样子)|"
                        # "现在还有学实的事要做吗": whether anything is left ("还要参加吗" is a member's own case).
                        r"还有.{0,8}(?:事|事情|活|任务|工作)(?:要|得|需要)?(?:做|干|忙|搞)?(?:吗|不|没)|"
                        r"(?:学实|活动|第二批)(?:现在|目前|眼下|当前)?(?:进展|情况|进行得?)?(?:如何|怎样|怎么样|咋样)了?")
# "这阵子学实主要在干啥", "最近学实的重点是啥": what the campaign is busy with now is the calendar's stage.
_BUSY_RE = re.compile(r"(?:主要|正|都|一直)?在(?:干|做|搞|忙|弄)(?:些|点)?(?:啥|什么)|忙(?:些|点)?(?:啥|什么)|"
                      r"重点(?:是|在|放在)?(?:啥|什么|哪)|主要(?:任务|工作)?(?:是)?(?:干|做|搞|忙)?(?:啥|什么)")
# "这段还剩几天", "下一段是干嘛的": a span of the campaign said for its stage.
_SPAN_AS_STAGE = re.compile(r"(?<=[这那下上])(一?)段(?=还|快|完|结束|剩|是|到|开始|什么|啥|干|搞|要|离|过)")
# "改问题的那段", "学习这一段": a stage named by what is done in it.
_NAMED_SPAN = re.compile(r"的?[这那]一?阶?段(?!时间|日子|话|路)")
_CAMPAIGN = re.compile(r"学习实践活动|学实|活动|阶段|第二批")
_FILLER_RE = re.compile(r"开始|结束|收尾|完事|完成|一共|总共|前后|全部|整个|正式|真正|算|搞|弄|干|过|完|[\s还有了吗呢啊呀的是在要我们咱现到底离距剩下天已经多少几才就差都从起没么]")
_NEXT_STAGE = re.compile(r"下一个?阶段|下一?个?(?:是|叫)?(?:什么|啥|哪个)阶段|下个阶段|下一步.{0,3}阶段|(?:接下来|之后|后面|然后).{0,3}阶段|进入?(?:什么|哪个|哪一个|啥)阶段|进入?哪一步|"
                         r"(?:完了?|结束了?后?|之后|过了)(?:接着|然后|再|接下来|后面|后边|下面|下边|以后|下一步){0,2}(?:(?:干|做|搞)(?:啥|什么)|下一?个?(?:是|叫)?(?:啥|什么|哪个)|(?:是|叫)(?:啥|什么|哪个))")
_IN_WHICH_STEP = re.compile(r"在(?:活动|学实|整个活动)?的?(?:哪一步|哪步|哪个阶段|什么阶段|啥阶段|第几阶段|哪个环节|什么环节|哪一段|哪段)"
                            r"(?:搞|开|做|进行|弄|交|写|办|举行|组织|召开|测|评|安排)")
# "评议完结果贴出来还是开会宣布": a choice between two ways of doing a thing asks how, not when.
_CHOICE_RE = re.compile(r"还是")
_HOW_OFTEN = re.compile(r"(?:多长时间|多久|几天|多少天|几个?月|几周|几个?星期)[^，。 ]{0,6}一次")
_EACH_STAGE = r"每一?个?阶段|各个?阶段"
# "之后每个阶段都要小结吗" asks about every stage (the outline's rules), not which one is next.
_EVERY_STAGE = re.compile(_EACH_STAGE + r"|所有阶段|几个阶段")
# "一个阶段结束了要写小结吗": any stage, not the one the calendar is in.
_ANY_STAGE = re.compile(_EACH_STAGE + r"|(?<![还剩后有上下])一个阶段(?!是)")
_MOVE_ON_RE = re.compile(r"(?:换|转|进入|转入|进到|转到|跨|进)到?下一?个?阶段|转段")
_TASKS = re.compile(r"做什么|干什么|干啥|做啥|忙啥|忙什么|干嘛|[干做]点(?:啥|什么)|该[干做]|重点|任务|要做|工作")
# "下个月开生活会之前要准备啥" asks what to do for a milestone, which the outline answers; only a
# when/done cue makes it a question about the date.
_ASKS_WHAT = re.compile(r"[做干]些?(?:啥|什么)|[交写报](?:些|点)?(?:啥|什么|哪些)|[做干搞](?:哪些|哪几|几)(?:件|项|样)?(?:事|工作)|准备些?(?:啥|什么)|准备工作|[怎咋]么?准备|如何准备|注意(?:啥|什么)|[怎咋]么?开|如何开")


# "演讲会谁组织 啥时候开": the calendar says when, never who organises, so the FAQ answers the whole.
_ASKS_WHO_DOES = re.compile(r"谁[来去]?(?:组织|负责|主持|牵头|召集|参加|开)|由谁|哪个部门|哪个单位(?:组织|负责|牵头)")
# "这个阶段要交啥，多少字": "this stage" beside a count of something asks about that thing.
_THIS_STAGE_ONLY = re.compile(r"^(?:现阶段|这个阶段|这阶段|本阶段|当前阶段|目前阶段)$")
# "活动快结束了要做哪些收尾": nearing the end is what the asker tells; what to do then is the
# outline's content, so the cue is weak and a confident FAQ answer wins on any day.
_NEARING_END_TASKS = re.compile(r"快(?:要)?(?:结束|完|收尾|收官)了?.{0,6}?(?:要|该|得)?(?:做|干|搞|准备|弄)(?:哪些|什么|啥|些啥|些什么)")
# "普通党员这个阶段要交啥": what a member hands in is the outline's (the report item says it per
# kind of member), so a confident item wins; "这个阶段要交什么材料" alone stays the calendar's.
_ASKS_HAND_IN = re.compile(r"(?:党员|个人|每人|每个人|老师|医生|护士|职工|干部).{0,8}?"
                           r"(?:[交写报](?:些|点)?(?:啥|什么|哪些)|[交写报](?:不)?[交写报]?.{0,2}东西)")
_ASKS_AMOUNT = re.compile(r"多少字|几个?字|字数|几篇|几份|多少份|多少篇|[开有]几[个次场]会?|几[个次场]会")


def stage_cue(text: str, campaign: Campaign) -> str | None:
    """How sure we are that ``text`` asks about time: "strong", "weak" (defer to a confident FAQ
    answer), or None. Asks when something happens, where the campaign stands, whether something is
    done, or what is next."""
    if _NEARING_END_TASKS.search(text):
        return "weak"
    # "活动情况多长时间报一次": how often is the outline's rule, not a date.
    if _HOW_OFTEN.search(text):
        return None
    # "一个阶段结束了要写小结吗": any stage's end is the outline's rule, unless a date is asked.
    if _ANY_STAGE.search(text) and not _WHEN_RE.search(text):
        return "weak"
    progress = [m.group(0) for m in _PROGRESS_RE.finditer(text)]
    # "满意度打分是在活动哪一步搞": in which step a thing is done is the outline's, unless it is on the
    # calendar or the asker asks about now.
    if progress and _IN_WHICH_STEP.search(text) and not _NOW_RE.search(_IN_WHICH_STEP.sub(" ", text)) \
            and campaign.find_deadline(text) is None:
        return "weak"
    if progress:
        if all(_THIS_STAGE_ONLY.match(p) for p in progress) and not _WHEN_RE.search(text) and \
                (_ASKS_AMOUNT.search(text) or _ASKS_HAND_IN.search(text)):
            return "weak"
        return "strong"
    timely = bool(_WHEN_RE.search(text) or _DONE_RE.search(text))
    # "换下个阶段要报批吗" asks how to move on (the outline's 转段 rules), not when.
    if not timely and _MOVE_ON_RE.search(text):
        return None
    # "分析检查搞完后面是啥", "学实还有下一阶段吗": which stage comes next is the calendar's.
    if _NEXT_STAGE.search(text) and not _EVERY_STAGE.search(text):
        return "strong"
    now = bool(_NOW_RE.search(text))
    if campaign.find_deadline(text) is not None:
        if timely:
            return "strong"
        if _NEXT_RE.search(text):
            return "weak" if _ASKS_WHAT.search(text) or _CHOICE_RE.search(text) else "strong"
        return "weak" if now else None
    if _named_stage(campaign, text) is not None or _CAMPAIGN.search(text):
        if timely:
            return "strong"
        # "现在还在调研阶段吗": a named stage and "now" ask where the calendar stands.
        if (now or _STILL_RE.search(text)) and _named_stage(campaign, text) is not None:
            return "strong"
        # "学实现在什么情况": how the campaign is doing now, whatever the asker told before it.
        if now and (_STATUS_RE.search(text) or _BUSY_RE.search(text)):
            return "strong"
        return "weak" if now or _NEXT_RE.search(text) else None
    if _NEXT_RE.search(text):
        # "下周想请假出去开会可以吗": the asker's own trip next week is a leave question, not a due date.
        # "接下来要做哪几件事" may be the outline's list of steps after a meeting: a confident item wins.
        if _LEAVE_RE.search(text) or (_ASKS_WHAT.search(text) and _leftover(text, _NEXT_RE, _ASKS_WHAT)):
            return "weak"
        return "strong" if _DUE_RE.search(text) else None
    if now and _TASKS.search(text):
        return "weak"
    # "还有几天" / "现在呢" with no topic at all: the campaign is the only calendar we know. A topic
    # we do not know ("年终奖啥时候发") is not ours to date.
    if not (timely or now):
        return None
    return None if _leftover(text, _WHEN_RE, _NOW_RE) else "strong"


def _leftover(text: str, *cues: re.Pattern[str]) -> str:
    """What ``text`` names besides the given cues and words that name nothing ("还有几天" → "")."""
    for cue in cues:
        text = cue.sub("", text)
    return _FILLER_RE.sub("", text)


def _named_stage(campaign: Campaign, text: str) -> Stage | None:
    """The stage ``text`` names, also as people say it ("改问题的那段" for the alias 改问题阶段)."""
    return campaign.find_stage(_NAMED_SPAN.sub("阶段", text))


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _source(section: str) -> str:
    return f"{SOURCE_PREFIX}{section}"


def _days(n: int) -> str:
    return "今天" if n == 0 else f"{n}天"


def _campaign_status(campaign: Campaign, today: date) -> str:
    if today < campaign.start:
        return (f"学习实践活动还没开始：{campaign.schedule_line}三个阶段，"
                f"{campaign.stages[0].period.split('-')[0]}（{_md(campaign.start)}）开始，还有{(campaign.start - today).days}天。")
    if today > campaign.end:
        last = campaign.stages[-1]
        return (f"学习实践活动已经结束：{campaign.schedule_line}三个阶段，"
                f"已于{campaign.year}年{last.period.split('-')[-1]}（{_md(campaign.end)}）结束，"
                f"前后共{(campaign.end - campaign.start).days + 1}天，到今天已结束{(today - campaign.end).days}天。")
    stage = campaign.stage_at(today)
    assert stage is not None  # stages are contiguous; a gap would need its own wording
    left = (stage.window.end - today).days
    return (f"现在（{today.year}年{_md(today)}）处于{stage.label}，{_md(stage.window.end)}结束，"
            f"还有{_days(left)}。\n{_campaign_days(campaign, today)}")


def _campaign_days(campaign: Campaign, today: date) -> str:
    """How far into the whole campaign ``today`` is (both counts: people ask either way)."""
    first, last = campaign.stages[0], campaign.stages[-1]
    return (f"整个活动{first.period.split('-')[0]}（{_md(campaign.start)}）开始、{last.period.split('-')[-1]}"
            f"（{_md(campaign.end)}）结束，共{(campaign.end - campaign.start).days + 1}天；"
            f"已开展{(today - campaign.start).days}天，离全部结束还有{_days((campaign.end - today).days)}。")


def _stage_answer(campaign: Campaign, stage: Stage, today: date, text: str) -> str:
    start, end = stage.window.start, stage.window.end
    head = f"{stage.label}：{_md(start)}开始，{_md(end)}结束，共{(end - start).days + 1}天。"
    if today < start:
        rel = f"现在还没开始，还有{(start - today).days}天开始。"
    elif today > end:
        rel = f"这个阶段已经结束{(today - end).days}天。"
    else:
        rel = f"现在正处于这个阶段，已开始{(today - start).days}天，离结束还有{_days((end - today).days)}。"
    lines = [head + rel, f"三个阶段：{campaign.schedule_line}。"]
    if _TASKS.search(text) and stage.tasks:
        lines.append("这个阶段要做：")
        lines += [f"{n}. {task}" for n, task in enumerate(stage.tasks, 1)]
    return "\n".join(lines)


def _deadline_answer(campaign: Campaign, deadline: Deadline, today: date) -> str:
    due = deadline.due
    when = f"时间：{deadline.period}（{_md(due)}前）" if deadline.window.is_deadline else \
        f"时间：{deadline.period}（{_md(deadline.window.start)}至{_md(due)}）"
    if today > due:
        rel = f"已于{_md(due)}截止。"
    elif today == due:
        rel = "今天截止。"
    else:
        rel = f"还有{(due - today).days}天。"
    stage = campaign.stage_at(due)
    within = f"\n属于{stage.label}。" if stage is not None else ""
    # "是不是还在写分析检查报告": once a paper is due, the asker also needs to know where things stand.
    current = campaign.stage_at(today)
    if today > due and current is not None and current != stage:
        within += f"现在（{_md(today)}）已进入{current.label}。"
    return f"「{deadline.name}」：{deadline.action}。\n{when}，{rel}{within}"


def _current_answer(campaign: Campaign, today: date, text: str) -> str:
    lines = [_campaign_status(campaign, today)]
    stage = campaign.stage_at(today)
    if stage is not None:
        following = campaign.next_stage(today)
        if following is not None:
            lines.append(f"下一阶段是{following.label}，{_md(following.window.start)}开始。")
        lines.append(f"三个阶段：{campaign.schedule_line}。")
        lines.append("这个阶段要做：")
        lines += [f"{n}. {task}" for n, task in enumerate(stage.tasks, 1)]
    upcoming = campaign.upcoming(today)[:3]
    if upcoming and campaign.start <= today <= campaign.end:
        lines.append("最近的截止：" + "；".join(f"{d.name}（{d.period}，{_md(d.due)}）" for d in upcoming))
    return "\n".join(lines)


def _next_stage_answer(campaign: Campaign, today: date) -> str:
    upcoming = campaign.next_stage(today)
    if upcoming is None:
        return _campaign_status(campaign, today)
    current = campaign.stage_at(today)
    now = f"现在处于{current.label}。" if current else ""
    return (f"{now}下一阶段是{upcoming.label}，{_md(upcoming.window.start)}开始，"
            f"还有{(upcoming.window.start - today).days}天。\n三个阶段：{campaign.schedule_line}。")


# "分析检查搞完后面是啥": the stage after a named one, whatever today is.
_AFTER_NAMED = r"(?:阶段)?(?:搞|弄|做)?(?:完|结束|之后|以后|过后|过了)"


def _stage_after(campaign: Campaign, stage: Stage, text: str) -> str | None:
    if not any(re.search(re.escape(name) + _AFTER_NAMED, text) for name in (stage.name, *stage.aliases)):
        return None
    following = campaign.stage_by_ordinal(stage.ordinal + 1)
    if following is None:
        return f"{stage.label}是最后一个阶段，{_md(stage.window.end)}结束后整个活动就结束了。"
    lines = [f"{stage.label}之后是{following.label}，{_md(following.window.start)}开始，{_md(following.window.end)}结束。"]
    if _TASKS.search(text) and following.tasks:
        lines.append("那个阶段要做：")
        lines += [f"{n}. {task}" for n, task in enumerate(following.tasks, 1)]
    return "\n".join(lines)


def _next_answer(campaign: Campaign, today: date) -> str:
    upcoming = campaign.upcoming(today)[:3]
    if not upcoming:
        return _campaign_status(campaign, today)
    lines = ["接下来的截止事项："]
    lines += [f"{n}. {d.name}：{d.period}（{_md(d.due)}），还有{_days((d.due - today).days)}——{d.action}"
              for n, d in enumerate(upcoming, 1)]
    return "\n".join(lines)


_OTHER_BATCH = re.compile(r"第[一三四五六七八九十1-9]批")
_YEAR = re.compile(r"(?<!\d)(19|20)(\d\d)(?:年|$|\D)")
CAMPAIGN_YEAR = 2009


# "国庆前", "过年以后": a holiday used to say when, not what the question is about.
_HOLIDAY_ANCHOR = re.compile(r"(?:国庆节?|春节|元旦|五一|劳动节|端午节?|中秋节?|清明节?|重阳节?|七一|过年|暑假|寒假|开学)"
                             r"(?:前|后|之前|之后|以前|以后|前后|左右|期间|那会儿?|刚过|过后|过完|一过|回来|结束)")
_RELATIVE_YEAR = re.compile(r"明年|后年|去年|前年|来年|下一年|上一年|下年度|上年度")
_CUES = re.compile("|".join((_WHEN, _NOW, _DONE, _NEXT_CUE)))


def _asks_time(text: str) -> bool:
    if _HOW_OFTEN.search(text):
        return False
    return bool(_WHEN_RE.search(text) or _DONE_RE.search(text) or _NOW_RE.search(text))


def _about_the_schedule(matcher: Matcher, text: str, campaign: Campaign) -> bool:
    result = matcher.match(text)
    return result.outcome != "fallback" and result.best is not None and result.best.item.section == campaign.source


def _foreign_nouns(matcher: Matcher, text: str) -> list[str]:
    """Nouns the outline never uses, read without the time words ("多少天才开始" holds no "天才")."""
    topics = matcher.segmenter.lexicon.other_topics
    # "五一过后算进入第二阶段了吗": a holiday named as a point in time is no topic of the question.
    return [w for w in matcher.unknown_words(_CUES.sub(" ", _HOLIDAY_ANCHOR.sub(" ", text)))
            if w in topics or matcher.segmenter.tag(w).startswith("n")]


def _other_campaign(text: str) -> bool:
    """Whether ``text`` names another batch (第一批, 第三批 …) or a year other than the campaign's."""
    if _OTHER_BATCH.search(text) or _RELATIVE_YEAR.search(text):
        return True
    return any(int(a + b) != CAMPAIGN_YEAR for a, b in _YEAR.findall(text))



@handler("stage")
def stage_handler(msg: IncomingMessage, campaign: Campaign, matcher: Matcher) -> Reply | None:
    """问阶段和时间：现在是什么阶段、还有几天、某项材料什么时候交"""
    # The filter needs the calendar, which only the handler is given; None passes the message on.
    # Read with typing slips undone, as the matcher does: "现在还是分析减查吗" names a stage.
    text = _SPAN_AS_STAGE.sub(r"\1阶段", matcher.corrected(normalize(msg.text)))
    # "刚入党啥也不懂 学实开始了没": people tell who they are or what happened before they ask. The
    # clauses that ask decide whether this is a calendar question at all.
    split = split_asking(text)
    if split is None or _TOLD_NOW_RE.search(split[1]):
        return _stage_reply(text, msg, campaign, matcher)
    asking, telling = split
    cue = stage_cue(asking, campaign)
    if cue is None and not _asks_time(asking):
        return None  # "调研报告ddl下周 救命 报告分几部分": the time is in the statement only
    # The asking clause names its own stage or deadline ("我们评议才弄完 分析检查结束了吗").
    names_its_own = cue == "strong" and bool(_named_stage(campaign, asking) or campaign.find_deadline(asking))
    # "调研报告交了 下一个阶段是啥": the asking clause asks where the campaign stands; the paper in
    # the statement is what the asker has done, not what is asked.
    about_the_campaign = cue == "strong" and bool(_NEXT_STAGE.search(asking) or _PROGRESS_RE.search(asking))
    if names_its_own or about_the_campaign:
        reply = _stage_reply(asking, msg, campaign, matcher)
        if reply is not None:
            return reply
    reply = _stage_reply(text, msg, campaign, matcher)
    if reply is None and cue == "strong" and not names_its_own:
        # Unless the FAQ answers the whole message well and the statement names what it is about
        # ("我是借调的 现在该去哪边"): then the statement was part of the question.
        whole = matcher.match(text)
        if whole.outcome != "answer" or whole.focused or whole.best.item.section == campaign.source \
                or not matcher.named_things(telling):
            reply = _stage_reply(asking, msg, campaign, matcher)
    return reply


def _stage_reply(text: str, msg: IncomingMessage, campaign: Campaign, matcher: Matcher) -> Reply | None:
    cue = stage_cue(text, campaign)
    if cue is None and _asks_time(text) and _about_the_schedule(matcher, text, campaign):
        # "到底啥时候完": no calendar word of ours, but the outline item it matches is the schedule
        # itself, so the answer is the schedule as of today.
        cue = "strong"
    if cue is None:
        return None
    if cue == "weak":
        # A confident FAQ answer wins, unless it is the schedule item itself: then the answer is
        # the schedule as of today ("眼下该做点啥 学实"). A count asked ("这阶段开几个会") is
        # never the calendar's.
        faq = matcher.match(text)
        if faq.outcome == "answer" and (faq.best.item.section != campaign.source or _ASKS_AMOUNT.search(text)):
            return None
    # "活动结束后发不发纪念品": a loose time cue beside something the outline never names.
    if cue == "weak" and _foreign_nouns(matcher, text):
        return None
    today = msg.sent_at.astimezone(CAMPAIGN_TZ).date()
    deadline = campaign.find_deadline(text)
    stage = None if deadline else _named_stage(campaign, text)
    # "这周是学习调研还是分析检查": two stages named, so the question is which one it is now.
    which_stage = stage is not None and _named_stage(campaign, text.replace(stage.name, " ")) not in (None, stage)
    if which_stage:
        stage = None
    # "主题党日这个月搞什么" asks about something the campaign calendar does not hold: a time word
    # alone does not make it a stage question.
    if deadline is None and stage is None and not _PROGRESS_RE.search(text) and not _NEXT_STAGE.search(text) \
            and matcher.off_outline_topic(_HOLIDAY_ANCHOR.sub(" ", text)):
        return None
    # The calendar is the 2009 second batch's: another batch or year is not ours to date, and a named
    # deadline or stage next to a word the outline never uses ("消防检查整改期限", "年度总结报告") is
    # somebody else's deadline.
    if _other_campaign(text) or ((deadline or stage) and _foreign_nouns(matcher, text)):
        return None
    if deadline is not None:
        # "分析检查报告几号前交": the outline dates a paper by part of a month, never by the day, so
        # the FAQ answers with the item's own words or declines.
        if _EXACT_DAY.search(text):
            return None
        body, source = _deadline_answer(campaign, deadline, today), deadline.source
        if today > campaign.end:
            body += "\n" + _campaign_status(campaign, today)
    elif stage is not None and _NEXT_STAGE.search(text) and (after := _stage_after(campaign, stage, text)):
        body, source = f"{after}\n{_campaign_status(campaign, today)}", campaign.source
    elif stage is not None:
        body, source = _stage_answer(campaign, stage, today, text), stage.source
    elif which_stage:
        body, source = _current_answer(campaign, today, text), campaign.source
    elif _NEXT_STAGE.search(text):
        body, source = _next_stage_answer(campaign, today), campaign.source
    elif _NEXT_RE.search(text):
        body, source = _next_answer(campaign, today), campaign.source
    else:
        body, source = _current_answer(campaign, today, text), campaign.source
    # "整改方案几号前交，交哪个办公室": the calendar gives the date but not the other detail asked, so
    # the question goes on to the FAQ, which answers it whole or declines.
    if missing_detail(text, body) or _ASKS_WHO_DOES.search(text):
        return None
    return Reply(text=f"{body}\n{_source(source)}", intent="stage",
                 meta={"faq_id": None, "source": _source(source), "score": None, "normalized": text})
