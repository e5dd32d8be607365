"""Whole meeting flows through the Service's router (console platform), on SQLite and PostgreSQL:
open → check-ins → late → leave → proxy → close → report → export (read back with openpyxl)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from attendance_helpers import T0, UNIT_NAMES, Chat, seed
from openpyxl import load_workbook

from bot.clock import FixedClock
from bot.service import Service
from bot.storage import attendance_repo as ar


@pytest.fixture
def service(db, make_settings, shared_matcher, tmp_path):
    svc = Service(make_settings(export_dir=tmp_path / "exports"), clock=FixedClock(T0), matcher=shared_matcher, db=db)
    seed(db)
    yield svc


@pytest.fixture
def chat(service) -> Chat:
    return Chat(service.handle, service.clock)


def test_full_meeting_flow(service, chat: Chat, db) -> None:
    # 14:00 the secretary opens check-in for a 14:30 meeting; 群众代表 are expected at a 动员大会.
    opened = chat.say("zsj", "发起签到　「动员大会」　14:30　2小时")
    assert opened.intent == "attendance", opened.text
    assert "【签到】动员大会" in opened.text and "签到时间：14:00–16:30" in opened.text
    assert "14:45 以后算迟到" in opened.text
    assert "应到 7 人（含群众代表 1 人）" in opened.text
    assert "群众代表只有 1 名" in opened.text and "不少于 30 名" in opened.text  # 第一类单位
    meeting_id = opened.meta["meeting_id"]

    # on time, with forgiving forms
    assert "签到成功" in chat.say("wls", "签到").text
    chat.at(10)
    assert "准时" in chat.say("cls", "签到 动员会").text
    # a leave asked before the meeting
    leave = chat.say("ding-zls", "请假 动员大会 外出培训")
    assert "待批" in leave.text and "外出培训" in leave.text
    # somebody not on the roster
    stranger = chat.say("u-999", "签到", name="路人甲")
    assert "未匹配" in stranger.text
    status = chat.say("lll", "签到情况")
    assert "应到 7 人：实到 2（迟到 0），请假 1（待批 1），未签到 4" in status.text
    assert "未签到：张书记、李联络、赵师傅、孙老党员" in status.text
    assert "路人甲" in status.text and "未匹配" in status.text

    # 14:50: late (start 14:30 + 15 minutes grace)
    chat.at(50)
    late = chat.say("zsf", "签到")
    assert "迟到" in late.text and late.meta["status"] == "late"
    assert "批准" in chat.say("zsj", "批准请假 周老师").text
    proxy = chat.say("lll", "代签 孙老党员 行动不便")
    assert "已为孙老党员代签" in proxy.text and "迟到" in proxy.text

    # 15:00 close; 张书记 and 李联络 did not check in
    chat.at(60)
    closed = chat.say("zsj", "结束签到")
    assert "应到 7，实到 4（迟到 2），请假 1，缺席 2" in closed.text
    assert "已经结束" in chat.say("lll", "签到").text
    # make-up for the liaison the next day
    chat.at(60 * 24)
    makeup = chat.say("zsj", "补签 李联络 会上忘了签到")
    assert "已为李联络补签" in makeup.text

    report = chat.say("zsj", "签到情况")
    assert "已结束" in report.text
    assert "应到 7 人：实到 5（迟到 2），请假 1，缺席 1" in report.text
    assert "缺席：张书记" in report.text

    mine = chat.say("wls", "我的签到")
    assert "动员大会：准时" in mine.text

    exported = chat.say("lll", "导出考勤")
    path = exported.meta["path"]
    assert path in exported.text
    workbook = load_workbook(path)
    assert workbook.sheetnames[:2] == ["汇总", "会议一览"] and len(workbook.sheetnames) == 3
    sheet = workbook[workbook.sheetnames[2]]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["序号", "姓名", "角色", "状态", "签到时间", "签到方式"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["王老师"][3] == "准时" and rows["王老师"][5] == "本人"
    assert rows["赵师傅"][3] == "迟到"
    assert rows["孙老党员"][5] == "代签" and rows["孙老党员"][6] == "李联络" and rows["孙老党员"][7] == "行动不便"
    assert rows["李联络"][5] == "补签"
    assert rows["周老师"][3] == "请假（批准）" and rows["周老师"][8] == "外出培训"
    assert rows["张书记"][3] == "缺席"
    assert "未匹配" in rows["路人甲"][10]
    assert sheet.column_dimensions["B"].width >= 10
    summary = {r[1]: r for r in workbook["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["王老师"][4:10] == (1, 1, 0, 0, 0, 1)
    assert summary["张书记"][4:10] == (1, 0, 0, 0, 1, 0)
    overview = list(workbook["会议一览"].iter_rows(min_row=2, values_only=True))
    assert overview[0][0] == meeting_id and overview[0][6:12] == (7, 5, 2, 1, 1, 1)

    # every proxy / late / approval / make-up action is in the audit log, with who did it
    actions = [(a.action, a.actor) for a in ar.list_audit(db, action=None)]
    assert ("checkin.proxy", f"李联络（{UNIT_NAMES['A']}）") in actions
    assert ("checkin.makeup", f"张书记（{UNIT_NAMES['A']}）") in actions
    assert ("leave.approve", f"张书记（{UNIT_NAMES['A']}）") in actions
    assert ("checkin.late", f"赵师傅（{UNIT_NAMES['A']}）") in actions
    assert any(a == "meeting.close" for a, _ in actions)
    approve = ar.list_audit(db, action="leave.approve")[0]
    assert approve.before == {"state": "pending", "decided_by": None}
    assert approve.after["state"] == "approved"


def test_checkin_outside_the_window_names_the_window(chat: Chat) -> None:
    chat.at(-60)  # 13:00
    chat.say("zsj", "发起签到 动员大会 14:30 2小时")
    early = chat.say("wls", "签到")
    assert "还没开始签到" in early.text and "14:00–16:30" in early.text
    chat.at(150)  # 16:30: the window has closed
    late = chat.say("wls", "签到")
    assert "已经结束" in late.text and "14:00–16:30" in late.text
    assert "补签" in late.text


def test_second_checkin_and_redelivered_message_change_nothing(chat: Chat, db) -> None:
    opened = chat.say("zsj", "发起签到 动员大会", msg_id="open-1")
    again = chat.say("zsj", "发起签到 动员大会", msg_id="open-1")  # the platform retried the message
    assert again.text == opened.text and len(ar.list_meetings(db)) == 1
    assert "已经在签到了" in chat.say("zsj", "发起签到 动员大会").text  # a new message: refused, not doubled

    first = chat.say("wls", "签到", msg_id="w-1")
    chat.at(20)
    redelivered = chat.say("wls", "签到", msg_id="w-1")
    assert redelivered.text == first.text
    second = chat.say("wls", "签到 动员大会", msg_id="w-2")
    assert "已于 14:00 签到" in second.text and "不用重复签到" in second.text
    checkins = ar.list_checkins(db)
    assert len(checkins) == 1 and checkins[0].at == T0

    chat.say("cls", "请假 出差", msg_id="l-1")
    chat.say("cls", "请假 出差", msg_id="l-1")
    assert "不用重复提交" in chat.say("cls", "请假 出差").text
    assert len(ar.list_leaves(db)) == 1
    assert "无需代签" in chat.say("zsj", "代签 王老师").text
    assert len(ar.list_checkins(db)) == 1


def test_one_units_data_never_appears_in_another_units_group(chat: Chat) -> None:
    chat.say("zsj", "发起签到 动员大会")
    chat.say("wls", "签到")
    # unit B's secretary in unit B's group sees no meeting of unit A
    other = chat.say("qsj", "签到情况", group="gB")
    assert "王老师" not in other.text and "本单位还没有会议" in other.text
    # a member of B cannot check in to A's meeting, nor a secretary of B act in A's group
    assert "不是「示例小学」的人员" in chat.say("wuls", "签到").text
    denied = chat.say("qsj", "代签 王老师")
    assert denied.intent == "denied" and "只能管理本单位的事" in denied.text
    # exports of B hold none of A's meetings
    assert "没有可以导出的会议" in chat.say("qsj", "导出考勤", group="gB").text


def test_several_open_meetings_need_a_name(chat: Chat) -> None:
    chat.say("zsj", "发起签到 动员大会")
    chat.say("zsj", "发起签到 解放思想讨论会")
    ask = chat.say("wls", "签到")
    assert "现在有几个会议" in ask.text and "动员大会" in ask.text and "例如「签到 " in ask.text
    assert "解放思想讨论会" in chat.say("wls", "签到 讨论会").text
    assert "请假" in chat.say("cls", "请假 动员大会 出差").text


def test_leave_shows_as_leave_not_absent_and_rejection_counts_as_absent(chat: Chat) -> None:
    chat.at(-120)  # 12:00: the meeting is announced for 14:30
    chat.say("zsj", "发起签到 民主生活会 14:30 2小时")
    assert "待批" in chat.say("zsj", "请假 民主生活会 上级开会").text
    chat.at(150)
    report = chat.say("lll", "签到情况")
    assert "请假：张书记（待批：上级开会）" in report.text and "缺席 0" in report.text  # only 领导班子 expected
    assert "已驳回张书记的请假" in chat.say("lll", "驳回请假 张书记").text
    assert "缺席：张书记" in chat.say("lll", "签到情况").text


def test_makeup_only_within_seven_days(chat: Chat) -> None:
    chat.say("zsj", "发起签到 动员大会 14:30 1小时")
    chat.at(60 * 24 * 8)
    refused = chat.say("zsj", "补签 王老师 忘了")
    assert "补签" in refused.text and "7 天" in refused.text
    assert "补签要写明原因" in chat.say("zsj", "补签 王老师").text


def test_proxy_after_the_window_suggests_makeup(chat: Chat) -> None:
    chat.say("zsj", "发起签到 动员大会 14:30 1小时")
    chat.at(120)
    assert "请用「补签 王老师 原因」" in chat.say("zsj", "代签 王老师").text


def test_unbound_group_and_private_chat(chat: Chat, db) -> None:
    reply = chat.say("zsj", "发起签到 动员大会", group="g-new")
    assert "还没有绑定单位" in reply.text and "绑定单位" in reply.text
    assert "只有本单位书记或联络员可以绑定本单位的群" in chat.say("wls", "绑定单位 示例小学", group="g-new").text
    assert "不能为「示例小学」" in chat.say("qsj", "绑定单位 示例小学", group="g-new").text
    assert "没有登记叫「不存在」的单位" in chat.say("zsj", "绑定单位 不存在", group="g-new").text
    assert "已把这个群绑定到「示例小学」" in chat.say("zsj", "绑定单位 「示例小学」", group="g-new").text
    assert "不用重复绑定" in chat.say("lll", "绑定单位 示例小学", group="g-new").text
    taken = chat.say("qsj", "绑定单位 示例中学", group="gA")  # B's secretary, B's name, A's group
    assert "已经绑定了「示例小学」" in taken.text and "--replace" in taken.text
    assert ar.category_of_chat(db, "console", "g-new") == 1
    assert ar.category_of_chat(db, "console", "gB") == 2
    assert ar.category_of_chat(db, "console", "nowhere") is None
    # a private chat acts on the sender's own unit
    chat.say("zsj", "发起签到 动员大会", group="g-new")
    assert "签到成功" in chat.say("wls", "签到", group="dm-wls", is_group=False).text


def test_questions_about_commands_still_reach_the_faq(chat: Chat) -> None:
    assert chat.say("wls", "学实期间请假要报哪里？").meta["handler"] == "faq"
    assert chat.say("wls", "请假找谁批").meta["handler"] == "faq"
    assert chat.say("wls", "签到怎么弄？").meta["handler"] != "command:签到"


def test_unmatched_sender_is_listed_then_linked_and_their_checkin_moves(service, db) -> None:
    units = {u.name: u for u in ar.list_units(db)}
    ar.bind_group(db, platform="wecom", chat_id="wA", unit_id=units["示例小学"].id, at=T0, actor=ar.Actor("t"))
    wecom = Chat(service.handle, service.clock, platform="wecom")
    wecom.say("zsj", "发起签到 动员大会", group="wA")
    assert "未匹配" in wecom.say("new-id", "签到", group="wA", name="小林").text
    report = wecom.say("zsj", "签到情况", group="wA")
    assert "小林（new-id）" in report.text and "xueshi roster link" in report.text
    zls = next(m for m in ar.list_members(db) if m.name == "周老师")
    assert ar.link_member(db, member_id=zls.id, platform="wecom", user_id="new-id", at=T0, actor=ar.Actor("t")) == 1
    report = wecom.say("zsj", "签到情况", group="wA")
    assert "小林" not in report.text and "周老师" not in report.text.split("未签到：")[-1]
    assert "不用重复签到" in wecom.say("new-id", "签到", group="wA").text
    assert [a.action for a in ar.list_audit(db)][-2:] == ["member.link", "checkin.link"]


def test_mentions_for_the_missing_on_request(chat: Chat) -> None:
    chat.say("zsj", "发起签到 动员大会")
    chat.say("wls", "签到")
    reply = chat.say("zsj", "签到情况 提醒")
    assert "zsf" in reply.mention_user_ids and "wls" not in reply.mention_user_ids
    assert chat.say("zsj", "签到情况").mention_user_ids == ()


def test_meeting_window_arithmetic(chat: Chat, db) -> None:
    reply = chat.say("zsj", "发起签到 解放思想讨论会 下午3点 90分钟")
    assert reply.meta.get("meeting_id"), reply.text
    meeting = ar.list_meetings(db)[0]
    assert meeting.starts_at == T0 + timedelta(hours=1)
    assert meeting.ends_at == T0 + timedelta(hours=2, minutes=30)
    assert meeting.window_opens_at == T0 + timedelta(minutes=30)
    assert meeting.include_masses and meeting.kind == "解放思想讨论会"
    assert "15:00–16:30" in reply.text


def test_models_match_the_migrations(db) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.storage.models import Base

    db.ensure_schema()
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata) == []
