"""The permission matrix (commands × roles), forgiving parsing, meeting kinds, and 「帮助」 filtering."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from attendance_helpers import T0, Chat, seed

from attendance.kinds import load_rules
from attendance.parsing import WhenError, clean, looks_like_question, parse_when
from attendance.permissions import PERMISSIONS, allowed_commands
from attendance.roles import UnknownRole, masses_shortfall, parse_roles
from attendance.service import Attendance
from bot.clock import CAMPAIGN_TZ, FixedClock
from bot.messages import IncomingMessage
from bot.router import Router
from bot.storage import Database
from config import data_path
from handlers import HANDLER_ORDER
from handlers.commands import visible_to

COMMAND_HANDLERS = [h for h in HANDLER_ORDER if h.command]

# sender id → who they are (unit 示例小学 owns the group gA)
SENDERS = {
    "zsj": "本单位书记",
    "lll": "本单位联络员",
    "wls": "本单位党员",
    "zsf": "本单位群众代表",
    "nobody": "不在名单上",
    "qsj": "外单位书记",
}
COMMANDS = {
    "签到": "签到",
    "请假": "请假 出差",
    "我的签到": "我的签到",
    "发起签到": "发起签到 动员大会",
    "结束签到": "结束签到",
    "签到情况": "签到情况",
    "代签": "代签 王老师 手机没电",
    "补签": "补签 王老师 忘了",
    "批准请假": "批准请假 王老师",
    "驳回请假": "驳回请假 王老师",
    "导出考勤": "导出考勤",
    "绑定单位": "绑定单位 示例小学",
}
SECRETARY_COMMANDS = {"发起签到", "结束签到", "签到情况", "代签", "补签", "批准请假", "驳回请假", "导出考勤", "绑定单位"}


def expected_denial(command: str, sender: str) -> str | None:
    doing = PERMISSIONS[command].doing
    if sender == "nobody":
        return None if command == "签到" else f"你还不在花名册上，不能{doing}"
    if command in SECRETARY_COMMANDS:
        if sender in ("wls", "zsf"):
            return f"只有本单位书记或联络员可以{doing}。"
        if sender == "qsj":
            return f"你是「示例中学」的书记，只能管理本单位的事，不能为「示例小学」{doing}。"
        return None
    if sender == "qsj":
        return f"你在「示例中学」的名单上，不是「示例小学」的人员，不能在这里{doing}。"
    return None


@pytest.fixture(scope="module")
def meetings(tmp_path_factory) -> Attendance:
    tmp = tmp_path_factory.mktemp("permissions")
    db = Database(f"sqlite:///{tmp}/p.db")
    seed(db)
    yield Attendance(db, load_rules(data_path("meetings.toml")), export_dir=tmp / "exports")
    db.dispose()


@pytest.fixture(scope="module")
def chat(meetings: Attendance) -> Chat:
    """Only the command handlers, behind a bare router: what the permission check decides, nothing else."""
    router = Router(COMMAND_HANDLERS, deps={"meetings": meetings}, providers={"sender": meetings.identify})
    chat = Chat(router.dispatch, FixedClock(T0))
    chat.say("zsj", "发起签到 动员大会 14:30 2小时")  # a live meeting so allowed commands have work to do
    chat.say("wls", "请假 出差")
    return chat


@pytest.mark.parametrize("sender", list(SENDERS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_permission_matrix(chat: Chat, command: str, sender: str) -> None:
    reply = chat.say(sender, COMMANDS[command], name="路人")
    assert reply.meta["command"] == command
    denial = expected_denial(command, sender)
    if denial is None:
        assert reply.intent != "denied", f"{SENDERS[sender]} should be allowed to {command}: {reply.text}"
    else:
        assert reply.intent == "denied", f"{SENDERS[sender]} should not {command}: {reply.text}"
        assert reply.text.startswith(denial)


def test_the_table_and_the_handlers_name_the_same_commands() -> None:
    assert {h.command for h in COMMAND_HANDLERS} == set(PERMISSIONS) == set(COMMANDS)
    assert all(h.help_line for h in COMMAND_HANDLERS)


def test_allowed_commands_and_help_visibility(meetings: Attendance) -> None:
    assert allowed_commands(None) == ["签到"]
    assert allowed_commands({"党员"}) == ["签到", "请假", "我的签到"]
    assert set(allowed_commands({"联络员"})) == set(PERMISSIONS)
    router = Router(HANDLER_ORDER, deps={})

    def sender(user: str):
        return meetings.identify(IncomingMessage("console", "gA", user, "帮助", T0))

    member_lines = router.help_lines(visible_to(sender("wls")))
    secretary_lines = router.help_lines(visible_to(sender("zsj")))
    stranger_lines = router.help_lines(visible_to(sender("nobody")))
    assert any("「签到」" in line for line in member_lines)
    assert not any("发起签到" in line for line in member_lines)
    assert any("发起签到" in line for line in secretary_lines) and any("批准请假" in line for line in secretary_lines)
    assert not any("请假" in line for line in stranger_lines) and any("「签到」" in line for line in stranger_lines)
    assert any("直接提问" in line for line in stranger_lines)  # handlers without a command: everyone
    assert len(router.help_lines()) == len(secretary_lines)


# -- parsing ----------------------------------------------------------------------------------------

NOW = datetime(2009, 4, 20, 10, 0, tzinfo=CAMPAIGN_TZ)


def _at(hour: int, minute: int = 0, day: int = 20) -> datetime:
    return datetime(2009, 4, day, hour, minute, tzinfo=CAMPAIGN_TZ)


@pytest.mark.parametrize(
    ("text", "start", "end", "minutes", "rest"),
    [
        ("动员大会 14:30 2小时", _at(14, 30), None, 120, "动员大会"),
        ("动员大会", None, None, None, "动员大会"),
        ("民主生活会 下午2点半 90分钟", _at(14, 30), None, 90, "民主生活会"),
        ("4月21日 9:00-11:30 解放思想讨论会", _at(9, 0, 21), _at(11, 30, 21), None, "解放思想讨论会"),
        ("动员会 明天上午9点 一个半小时", _at(9, 0, 21), None, 90, "动员会"),
        ("动员会 3点 半小时", _at(15, 0), None, 30, "动员会"),
        ("讨论会 3点90分钟", _at(15, 0), None, 90, "讨论会"),
        ("测评会 2h", None, None, 120, "测评会"),
        ("学习会 14：30 45min", _at(14, 30), None, 45, "学习会"),
    ],
)
def test_parse_when(text, start, end, minutes, rest) -> None:
    when = parse_when(clean(text), NOW, CAMPAIGN_TZ)
    assert (when.start, when.end, when.minutes, when.rest) == (start, end, minutes, rest)


@pytest.mark.parametrize("text", ["动员会 25:00", "动员会 13:61", "动员会 4月20日", "动员会 14:00-13:00",
                                  "动员会 2月30日 9:00", "动员会 30小时"])
def test_parse_when_rejects_nonsense(text) -> None:
    with pytest.raises(WhenError):
        parse_when(clean(text), NOW, CAMPAIGN_TZ)


def test_clean_and_questions() -> None:
    assert clean("\u3000签到\u3000「动员大会」！") == "签到 动员大会"
    assert clean("@学实助手 签到") == "签到"
    assert clean("签\u200b到\t动员大会") == "签到 动员大会"
    assert looks_like_question("怎么弄？") and looks_like_question("找谁批") and not looks_like_question("出差")


def test_meeting_kinds_from_config() -> None:
    rules = load_rules(data_path("meetings.toml"))
    names = [k.name for k in rules.kinds]
    assert names == ["动员大会", "中心组专题学习交流会", "学习体会交流会", "解放思想讨论会", "解放思想成果交流会",
                     "专题民主生活会", "专题组织生活会", "分析检查报告评议会", "整改落实方案征求意见会", "满意度测评会", "其他"]
    assert rules.find("动员会").name == "动员大会"
    assert rules.find("解放思想成果交流会").name == "解放思想成果交流会"
    assert rules.find("下午的民主生活会").name == "专题民主生活会"
    assert rules.find("群众评议").name == "分析检查报告评议会"
    assert rules.find("支部大会") is None
    masses = {k.name for k in rules.kinds if k.masses}
    assert masses == {"动员大会", "解放思想讨论会", "分析检查报告评议会", "整改落实方案征求意见会", "满意度测评会"}
    assert (rules.grace_minutes, rules.makeup_days) == (15, 7)
    democratic = rules.by_name("专题民主生活会")
    assert democratic.expects(("党员", "领导班子")) and not democratic.expects(("党员",))
    mobilise = rules.by_name("动员大会")
    assert mobilise.expects(("群众代表",)) and mobilise.expects(("党员",))
    assert not rules.by_name("其他").expects(("群众代表",))


def test_roles_and_the_masses_rule() -> None:
    assert parse_roles("书记、党员，领导班子") == ("党员", "领导班子", "书记")
    assert parse_roles("支部书记/中共党员") == ("党员", "书记")
    with pytest.raises(UnknownRole) as info:
        parse_roles("党员、党委委员")
    assert info.value.unknown == ["党委委员"]
    assert masses_shortfall(1, 29) and masses_shortfall(1, 30) is None
    assert masses_shortfall(2, 14) and masses_shortfall(2, 15) is None
    assert "不少于 15 名" in masses_shortfall(2, 3)


def test_a_large_roster_fits_one_message() -> None:
    from attendance.report import build_report
    from bot.storage.attendance_repo import MeetingRecord, MemberRecord, UnitRecord
    from handlers.meeting_admin import render_report

    unit = UnitRecord(1, "大单位", 1)
    members = [MemberRecord(n, f"成员{n:05d}", 1, "大单位", ("党员",), f"u{n}", None, None) for n in range(7454)]
    meeting = MeetingRecord(1, 1, "动员大会", "动员大会", T0, T0, T0, T0 + timedelta(hours=2), 15, True, (), "open",
                            "wecom", "g", "书记", T0, None)
    report = build_report(meeting, unit, members, [], [], T0)
    text = render_report(report, T0, warning="提醒：群众代表不足。")
    assert len(text.encode()) <= 2048
    assert "未签到 7454" in text and "等 7454 人" in text and text.endswith("提醒：群众代表不足。")
