"""Secretaries' meeting commands: open and close check-in, the state of a meeting, proxy and
make-up check-ins, leave decisions, export, and binding the group to the unit."""

from __future__ import annotations

import re
from datetime import datetime

from attendance.report import LEAVE_NAMES, METHOD_NAMES, STATUS_NAMES, MeetingReport
from attendance.service import hm, label, late_after, span, window_text
from bot.messages import Reply
from handlers.commands import INTENT, Call, command

# WeCom's text limit is the tightest of the platforms; name lists are cut to stay well inside it.
REPLY_BUDGET_BYTES = 2000
MAX_MENTIONS = 100
_REMIND = re.compile(r"\s*(?:提醒|催签|催一下|@)\s*$")


def _names(names: list[str], budget: int) -> str:
    shown: list[str] = []
    used = 0
    for n, name in enumerate(names):
        cost = len(name.encode()) + 3
        if used + cost > budget:
            return "、".join(shown) + f"等 {len(names)} 人（其余 {len(names) - n} 人见「导出考勤」）"
        shown.append(name)
        used += cost
    return "、".join(shown)


def render_report(report: MeetingReport, now: datetime, *, warning: str | None = None) -> str:
    """签到情况 in one message: counts, then the names (cut to fit WeCom's limit), then any warning."""
    m = report.meeting
    state = "已结束" if report.ended else ("签到中" if now >= m.window_opens_at else "未开始")
    leave_pending = sum(1 for a in report.on_leave if a.leave and a.leave.state == "pending")
    missing_word = "缺席" if report.ended else "未签到"
    head = [
        f"{label(m)}{state}，签到时间 {window_text(m, now)}，{hm(late_after(m))} 以后算迟到",
        f"应到 {report.expected_count} 人：实到 {len(report.present)}（迟到 {len(report.late)}），"
        f"请假 {len(report.on_leave)}" + (f"（待批 {leave_pending}）" if leave_pending else "")
        + f"，{missing_word} {len(report.missing)}",
    ]
    tail = [warning] if warning else []
    budget = REPLY_BUDGET_BYTES - sum(len(line.encode()) + 1 for line in head + tail)
    sections: list[tuple[str, list[str]]] = []
    if report.missing:
        sections.append((missing_word, [a.name for a in report.missing]))
    if report.late:
        sections.append(("迟到", [f"{a.name}（{hm(a.checkin.at)}）" for a in report.late if a.checkin]))
    if report.on_leave:
        sections.append(("请假", [f"{a.name}（{LEAVE_NAMES[a.leave.state]}：{a.leave.reason}）"
                                for a in report.on_leave if a.leave]))
    if report.unmatched:
        sections.append(("未匹配（不在名单上，请管理员用 xueshi roster link 关联）",
                         [f"{c.user_name}（{c.platform_user_id}）" for c in report.unmatched]))
    if report.extra:
        sections.append(("列席", [a.name for a in report.extra]))
    body = []
    for n, (title, names) in enumerate(sections):  # each list gets a fair share of what is left
        share = max(60, budget // (len(sections) - n))
        line = f"{title}：" + _names(names, share - len(title.encode()) - 4)
        budget -= len(line.encode()) + 1
        body.append(line)
    return "\n".join(head + body + tail)


@command("发起签到", ("发起签到", "开始签到", "开启签到", "签到开始"))
def open_handler(call: Call) -> Reply:
    """「发起签到 会议名 开始时间 时长」：开启会议签到并通知大家（如「发起签到 动员大会 14:30 2小时」）"""
    outcome = call.meetings.open_meeting(call.sender, call.unit, call.args, call.now, call.source_key)
    m = outcome.meeting
    expected = f"应到 {outcome.expected} 人" + (f"（含群众代表 {outcome.masses_expected} 人）"
                                                 if outcome.masses_expected else "")
    lines = [
        f"【签到】{m.title}（#{m.id}）",
        f"会议时间：{span(m.starts_at, m.ends_at, call.now)}",
        f"签到时间：{window_text(m, call.now)}，{hm(late_after(m))} 以后算迟到",
        f"{expected}。请发「签到」；不能参加的请发「请假 原因」。",
    ]
    if outcome.warning:
        lines.append(outcome.warning)
    return Reply(text="\n".join(lines), intent=INTENT, meta={"meeting_id": m.id, "created": outcome.created})


@command("结束签到", ("结束签到", "签到结束", "停止签到", "关闭签到"))
def close_handler(call: Call) -> Reply:
    """「结束签到」：结束正在进行的签到，并给出统计"""
    report = call.meetings.close_meeting(call.sender, call.unit, call.args or None, call.now)
    m = report.meeting
    text = (f"{label(m)}签到已结束：应到 {report.expected_count}，实到 {len(report.present)}"
            f"（迟到 {len(report.late)}），请假 {len(report.on_leave)}，缺席 {len(report.missing)}。"
            "发「签到情况」查看名单，发「导出考勤」导出表格。")
    return Reply(text=text, intent=INTENT, meta={"meeting_id": m.id})


@command("签到情况", ("签到情况", "签到统计", "查看签到", "签到名单", "考勤情况"))
def status_handler(call: Call) -> Reply:
    """「签到情况」：应到、实到、迟到、请假、缺席人数和没签到的名单（加「提醒」会 @ 没签到的人）"""
    args = call.args
    remind = bool(_REMIND.search(args))
    hint = _REMIND.sub("", args).strip() or None
    report = call.meetings.status(call.unit, hint, call.now)
    text = render_report(report, call.now, warning=call.meetings.masses_warning(call.unit, report))
    mentions: tuple[str, ...] = ()
    if remind and not report.ended:
        ids = [a.member.platform_id(call.msg.platform) for a in report.missing if a.member]
        mentions = tuple(i for i in ids if i)[:MAX_MENTIONS]
        if mentions:
            text += "\n请以上同志尽快签到。"
    return Reply(text=text, intent=INTENT, mention_user_ids=mentions,
                 meta={"meeting_id": report.meeting.id, "expected": report.expected_count,
                       "present": len(report.present), "late": len(report.late), "leave": len(report.on_leave),
                       "missing": len(report.missing), "unmatched": len(report.unmatched)})


def _proxy_reply(call: Call, *, makeup: bool) -> Reply:
    target, outcome = call.meetings.proxy(call.sender, call.unit, call.args, call.now, call.source_key,
                                          makeup=makeup)
    record, meeting = outcome.record, outcome.meeting
    word = "补签" if makeup else "代签"
    meta = {"meeting_id": meeting.id, "created": outcome.created}
    if not outcome.created and (call.source_key is None or record.source_key != call.source_key):
        how = "本人签到" if record.method == "self" else f"由{record.by_name}{METHOD_NAMES[record.method]}"
        return Reply(text=f"{target.name}已于 {hm(record.at)} 签到{label(meeting)}（{STATUS_NAMES[record.status]}，"
                          f"{how}），无需{word}。", intent=INTENT, meta=meta)
    reason = f"，原因：{record.reason}" if record.reason else ""
    return Reply(text=f"已为{target.name}{word}：{label(meeting)}，{STATUS_NAMES[record.status]}{reason}。"
                      "已记入操作记录。", intent=INTENT, meta=meta)


@command("代签", ("代签", "代为签到", "帮签"))
def proxy_handler(call: Call) -> Reply:
    """「代签 姓名 原因」：会议进行中替本单位人员签到（记入操作记录）"""
    if not call.args:
        return Reply(text="请写上要代签的人，例如「代签 张三 在会场忘带手机」。", intent=INTENT)
    return _proxy_reply(call, makeup=False)


@command("补签", ("补签",))
def makeup_handler(call: Call) -> Reply:
    """「补签 姓名 原因」：会后 7 天内为参加了会议但没签上的人补签（记入操作记录）"""
    if not call.args:
        return Reply(text="请写上姓名和原因，例如「补签 张三 会上忘了签到」。", intent=INTENT)
    return _proxy_reply(call, makeup=True)


def _decide(call: Call, *, approve: bool) -> Reply:
    word = "批准" if approve else "驳回"
    if not call.args:
        return Reply(text=f"请写上姓名，例如「{word}请假 张三」。", intent=INTENT)
    target, meeting, leave, changed = call.meetings.decide_leave(call.sender, call.unit, call.args, call.now,
                                                                 approve=approve)
    if not changed:
        text = f"{target.name}的请假（{label(meeting)}）已经{word}过了。"
    else:
        text = f"已{word}{target.name}的请假：{label(meeting)}，原因：{leave.reason}。"
        if not approve:
            text += "如能参加，请按时签到。"
    return Reply(text=text, intent=INTENT, meta={"meeting_id": meeting.id, "leave": leave.state})


@command("批准请假", ("批准请假", "同意请假", "准假"))
def approve_handler(call: Call) -> Reply:
    """「批准请假 姓名」：批准本单位人员的请假"""
    return _decide(call, approve=True)


@command("驳回请假", ("驳回请假", "不批准请假", "拒绝请假", "不同意请假"))
def reject_handler(call: Call) -> Reply:
    """「驳回请假 姓名」：驳回本单位人员的请假"""
    return _decide(call, approve=False)


@command("导出考勤", ("导出考勤", "导出签到", "考勤导出", "导出考勤表"))
def export_handler(call: Call) -> Reply:
    """「导出考勤」：把本单位的考勤导出为 Excel 表格（可写会议名只导出一个会）"""
    meetings = call.meetings
    if call.args:
        chosen = [meetings.pick(call.unit, call.args, call.now, purpose="report", example="导出考勤 {name}")]
    else:
        chosen = meetings.unit_meetings(call.unit)
    path = meetings.export(call.unit, chosen, call.now)
    what = f"{label(chosen[0])}" if len(chosen) == 1 else f"全部 {len(chosen)} 个会议"
    return Reply(text=f"已导出「{call.unit.name}」{what}的考勤表：\n{path}\n请联系管理员从服务器上取回这个文件。",
                 intent=INTENT, meta={"path": str(path), "meetings": [m.id for m in chosen]})


@command("绑定单位", ("绑定单位", "绑定本单位", "本群绑定单位"), target="named")
def bind_handler(call: Call) -> Reply:
    """「绑定单位 单位名」：把这个群绑定到本单位（书记或联络员在本单位的群里发）"""
    return Reply(text=call.meetings.bind(call.sender, call.unit, call.now), intent=INTENT,
                 meta={"unit": call.unit.name})
