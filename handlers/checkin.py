"""Members' meeting commands: 签到, 请假, 我的签到."""

from __future__ import annotations

from attendance.report import LEAVE_NAMES, STATUS_NAMES
from attendance.service import hm, label, late_after, md_hm, short
from bot.messages import Reply
from handlers.commands import INTENT, Call, command


@command("签到", ("签到", "签个到", "我签到", "报到"))
def checkin_handler(call: Call) -> Reply:
    """「签到」：会议签到（有几个会议同时签到时写上会议名，如「签到 动员大会」）"""
    outcome = call.meetings.checkin(call.sender, call.unit, call.args or None, call.now, call.source_key)
    record, meeting = outcome.record, outcome.meeting
    status = STATUS_NAMES[record.status]
    meta = {"meeting_id": meeting.id, "status": record.status, "created": outcome.created}
    if not outcome.created and not (call.source_key and record.source_key == call.source_key):
        who = "你" if record.member_id is None or record.method == "self" else record.user_name
        how = "" if record.method == "self" else f"，由{record.by_name}{'代签' if record.method == 'proxy' else '补签'}"
        return Reply(text=f"{who}已于 {hm(record.at)} 签到{short(meeting)}（{status}{how}），不用重复签到。",
                     intent=INTENT, meta=meta)
    if record.member_id is None:
        text = (f"已记下你的签到：{short(meeting)}，{hm(record.at)}。但名单上还没有你（未匹配），"
                "请联系本单位书记或联络员把你的账号关联到名单上。")
    elif record.status == "late":
        text = (f"{record.user_name}签到成功：{short(meeting)}，{hm(record.at)}，迟到"
                f"（{hm(meeting.starts_at)} 开会，{hm(late_after(meeting))} 以后算迟到）。")
    else:
        text = f"{record.user_name}签到成功：{short(meeting)}，{hm(record.at)}，准时。"
    return Reply(text=text, intent=INTENT, meta=meta)


@command("请假", ("请假",), space_required=True)
def leave_handler(call: Call) -> Reply:
    """「请假 原因」：不能参加会议时请假（可写会议名，如「请假 动员大会 出差」）"""
    meeting, leave, outcome = call.meetings.request_leave(call.sender, call.unit, call.args, call.now,
                                                           call.source_key)
    state = LEAVE_NAMES[leave.state]
    if outcome == "same":
        text = f"你已请过假：{label(meeting)}，原因：{leave.reason}（{state}），不用重复提交。"
    elif outcome == "updated":
        text = f"已更新请假原因：{label(meeting)}，原因：{leave.reason}（待批）。"
    else:
        again = "重新" if outcome == "again" else ""
        text = (f"已{again}收到{call.sender.name}的请假：{label(meeting)}，原因：{leave.reason}。"
                "等待本单位书记或联络员批准（待批）。")
    return Reply(text=text, intent=INTENT, meta={"meeting_id": meeting.id, "leave": leave.state})


@command("我的签到", ("我的签到", "我的考勤", "我的签到记录", "查看我的签到"))
def my_checkins_handler(call: Call) -> Reply:
    """「我的签到」：查看自己最近的签到和请假记录"""
    rows = call.meetings.my_records(call.sender, call.unit, call.now)
    if not rows:
        return Reply(text=f"{call.sender.name}在「{call.unit.name}」还没有会议记录。", intent=INTENT)
    lines = [f"{call.sender.name}最近的会议记录："]
    lines += [f"· {md_hm(m.starts_at)} {m.title}：{text}" for m, text in rows]
    return Reply(text="\n".join(lines), intent=INTENT)
