"""The attendance rules on top of storage: which meeting a message means, check-in windows and
lateness, leave, proxies and make-ups, reports and exports.

Every refusal is an :class:`AttendanceError` whose text is what the user reads (Chinese, short,
saying what went wrong and what to do). Handlers are given one :class:`Attendance` object by name
(``meetings``) and the identified :class:`Sender`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from attendance import report as reports
from attendance.kinds import MeetingKind, MeetingRules
from attendance.parsing import WhenError, clean, parse_when
from attendance.roles import MASSES, masses_shortfall
from bot.clock import CAMPAIGN_TZ
from bot.messages import IncomingMessage
from bot.storage import Database
from bot.storage import attendance_repo as repo
from bot.storage.attendance_repo import (
    Actor,
    CheckinRecord,
    LeaveRecord,
    MeetingRecord,
    MemberRecord,
    UnitRecord,
)

TITLE_MAX = 60
REASON_MAX = 200


class AttendanceError(Exception):
    """A refusal; ``str(exc)`` is the Chinese text for the user."""


@dataclass(frozen=True)
class Sender:
    """Who sent a message and where: the roster entry (None: not on the roster) and the chat's unit."""

    platform: str
    user_id: str
    user_name: str
    chat_id: str
    is_group: bool
    member: MemberRecord | None
    chat_unit: UnitRecord | None

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.member.roles) if self.member else frozenset()

    @property
    def name(self) -> str:
        if self.member is not None:
            return self.member.name
        return self.user_name or self.user_id

    @property
    def actor(self) -> Actor:
        if self.member is not None:
            return Actor(f"{self.member.name}（{self.member.unit_name}）", self.member.id)
        return Actor(f"{self.user_name or self.user_id}（{self.platform}:{self.user_id}，未匹配）")


@dataclass(frozen=True)
class CheckinOutcome:
    meeting: MeetingRecord
    record: CheckinRecord
    created: bool


@dataclass(frozen=True)
class OpenOutcome:
    meeting: MeetingRecord
    created: bool
    expected: int
    masses_expected: int
    warning: str | None


def hm(value: datetime, tz: tzinfo = CAMPAIGN_TZ) -> str:
    return value.astimezone(tz).strftime("%H:%M")


def md_hm(value: datetime, tz: tzinfo = CAMPAIGN_TZ) -> str:
    local = value.astimezone(tz)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def span(start: datetime, end: datetime, now: datetime | None = None, tz: tzinfo = CAMPAIGN_TZ) -> str:
    """「14:00–16:30」 on the day of ``now``, else with dates."""
    s, e = start.astimezone(tz), end.astimezone(tz)
    today = now.astimezone(tz).date() if now else None
    if s.date() == e.date():
        head = hm(s, tz) if s.date() == today else md_hm(s, tz)
        return f"{head}–{hm(e, tz)}"
    return f"{md_hm(s, tz)}–{md_hm(e, tz)}"


def window_text(meeting: MeetingRecord, now: datetime) -> str:
    return span(meeting.window_opens_at, meeting.window_closes_at, now)


def late_after(meeting: MeetingRecord) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.grace_minutes)


def live(meeting: MeetingRecord, now: datetime) -> bool:
    """Check-in open now or later (not closed, window not over)."""
    return meeting.state == "open" and now < meeting.window_closes_at


def label(meeting: MeetingRecord) -> str:
    """「动员大会」（#3，4月20日 14:30）: the name, the number to tell it from namesakes, the start."""
    return f"「{meeting.title}」（#{meeting.id}，{md_hm(meeting.starts_at)}）"


def short(meeting: MeetingRecord) -> str:
    return f"「{meeting.title}」"


class Attendance:
    def __init__(self, db: Database, rules: MeetingRules, *, export_dir: Path, tz: tzinfo = CAMPAIGN_TZ) -> None:
        self.db = db
        self.rules = rules
        self.export_dir = export_dir
        self.tz = tz

    # -- who and where ------------------------------------------------------------------------------

    def identify(self, msg: IncomingMessage) -> Sender:
        member, unit = repo.identify(self.db, platform=msg.platform, user_id=msg.user_id, chat_id=msg.chat_id)
        return Sender(platform=msg.platform, user_id=msg.user_id, user_name=msg.user_name, chat_id=msg.chat_id,
                      is_group=msg.is_group, member=member, chat_unit=unit)

    def unit_named(self, name: str) -> UnitRecord | None:
        return repo.get_unit(self.db, name=name.strip())

    def bind(self, sender: Sender, unit: UnitRecord, now: datetime) -> str:
        try:
            outcome, previous = repo.bind_group(self.db, platform=sender.platform, chat_id=sender.chat_id,
                                                unit_id=unit.id, at=now, actor=sender.actor)
        except repo.Conflict as exc:
            raise AttendanceError(f"这个群已经绑定了「{exc}」，不能再绑定「{unit.name}」。"
                                  "如需改绑，请管理员用 xueshi groups bind --replace。") from exc
        if outcome == "same":
            return f"这个群已经绑定「{unit.name}」了，不用重复绑定。"
        return (f"已把这个群绑定到「{unit.name}」（{'第一类' if unit.category == 1 else '第二类'}单位）。"
                "本单位的签到、请假、考勤都在这个群里进行。")

    # -- finding the meeting a message means --------------------------------------------------------

    def unit_meetings(self, unit: UnitRecord) -> list[MeetingRecord]:
        return repo.list_meetings(self.db, unit_id=unit.id)

    def _names(self, meeting: MeetingRecord) -> list[str]:
        kind = self.rules.by_name(meeting.kind)
        names = [meeting.title, meeting.kind, f"#{meeting.id}"]
        if kind is not None:
            names += list(kind.aliases)
        return [n for n in names if n]

    def _match(self, meetings: Sequence[MeetingRecord], hint: str) -> list[MeetingRecord]:
        hint = clean(hint)
        number = re.fullmatch(r"#?(\d{1,9})(?:号会议)?", hint)
        if number:
            return [m for m in meetings if m.id == int(number.group(1))]
        exact = [m for m in meetings if hint in (m.title, m.kind)]
        if exact:
            return exact
        kind = self.rules.find(hint)
        if kind is not None and kind.name != "其他":
            by_kind = [m for m in meetings if m.kind == kind.name]
            if by_kind:
                return by_kind
        return [m for m in meetings if hint in m.title or m.title in hint]

    def split_hint(self, meetings: Sequence[MeetingRecord], text: str) -> tuple[str | None, str]:
        """「动员大会 出差」→ ("动员大会", "出差") when the text starts with a meeting's name."""
        text = clean(text)
        names = sorted({n for m in meetings for n in self._names(m)}, key=len, reverse=True)
        for name in names:
            if text.startswith(name) and (len(text) == len(name) or text[len(name)] == " " or not name.startswith("#")):
                return name, text[len(name):].strip()
        return None, text

    def _choice_text(self, meetings: Sequence[MeetingRecord], now: datetime, example: str) -> str:
        lines = [f"{n}. {label(m)}" for n, m in enumerate(meetings[:5], 1)]
        return "\n".join(lines) + f"\n请写明会议名或编号，例如「{example.format(name=meetings[0].title)}」。"

    def pick(self, unit: UnitRecord, hint: str | None, now: datetime, *, purpose: str,
             example: str = "签到 {name}") -> MeetingRecord:
        """The one meeting a command means. ``purpose``: ``checkin`` (check-in, leave, proxy: live
        meetings), ``close`` (not yet closed), ``makeup`` (started, ended at most makeup_days ago),
        ``report`` (live, else the latest)."""
        meetings = self.unit_meetings(unit)
        if not meetings:
            raise AttendanceError("本单位还没有会议。书记或联络员可以发「发起签到 会议名 开始时间 时长」，例如"
                                  "「发起签到 动员大会 14:30 2小时」。")
        if purpose == "makeup":
            limit = timedelta(days=self.rules.makeup_days)
            pool = [m for m in meetings if m.starts_at <= now <= max(m.ends_at, m.window_closes_at) + limit]
        elif purpose == "close":
            pool = [m for m in meetings if m.state == "open"]
        else:
            pool = [m for m in meetings if live(m, now)]
        if hint:
            found = self._match(pool, hint) or self._match(meetings, hint)
            if not found:
                current = "；".join(label(m) for m in pool[:3])
                raise AttendanceError(f"本单位没有找到会议「{clean(hint)}」。"
                                      + (f"现在可用的会议：{current}。" if current else "发「签到情况」可以查看最近的会议。"))
            preferred = [m for m in found if m in pool] or found
            if len(preferred) > 1:
                raise AttendanceError("有几个会议都叫这个名字：\n" + self._choice_text(preferred, now, "#" + str(preferred[0].id)))
            return preferred[0]
        if len(pool) == 1:
            return pool[0]
        if len(pool) > 1:
            raise AttendanceError("现在有几个会议：\n" + self._choice_text(pool, now, example))
        if purpose == "report":
            return meetings[0]
        if purpose == "makeup":
            raise AttendanceError(f"最近 {self.rules.makeup_days} 天内没有可以补签的会议（补签只能在会议开始后、"
                                  f"结束后 {self.rules.makeup_days} 天内）。")
        if purpose == "close":
            raise AttendanceError("现在没有正在签到的会议，不用结束。")
        last = meetings[0]
        if last.window_opens_at > now:  # pragma: no cover - a future meeting is live
            raise AttendanceError(f"{label(last)}还没开始签到：签到时间 {window_text(last, now)}。")
        raise AttendanceError(f"现在没有正在签到的会议。最近的{label(last)}签到时间是 {window_text(last, now)}，"
                              "已经结束；没签上的请联系本单位书记或联络员补签。")

    # -- opening and closing ------------------------------------------------------------------------

    def open_meeting(self, sender: Sender, unit: UnitRecord, args: str, now: datetime,
                     source_key: str | None) -> OpenOutcome:
        if source_key:  # the same 「发起签到」 delivered again: the meeting it opened, nothing new
            earlier = repo.meeting_by_source(self.db, source_key)
            if earlier is not None:
                return self._opened(unit, earlier, created=False)
        try:
            when = parse_when(clean(args), now, self.tz)
        except WhenError as exc:
            raise AttendanceError(f"{exc}。") from exc
        name = when.rest.strip()
        if not name:
            raise AttendanceError("请写明会议名或类型，例如「发起签到 动员大会 14:30 2小时」"
                                  "（开始时间、时长可以不写：默认现在开始、开 2 小时）。")
        if len(name) > TITLE_MAX:
            raise AttendanceError(f"会议名太长了（{len(name)} 字），请控制在 {TITLE_MAX} 字以内。")
        kind = self.rules.find(name) or self.rules.other
        title = kind.name if name in (kind.name, *kind.aliases) else name
        start = when.start or now
        if when.end is not None:
            end = when.end
        else:
            end = start + timedelta(minutes=when.minutes or kind.minutes or self.rules.default_minutes)
        if end <= now:
            raise AttendanceError(f"按你写的时间（{span(start, end, now)}），这个会已经结束了，"
                                  "请检查开始时间和时长；会后补记请用「补签 姓名 原因」。")
        if start - now > timedelta(days=60):
            raise AttendanceError(f"开始时间 {md_hm(start)} 离现在太远了，请检查日期。")
        window_opens = start - timedelta(minutes=self.rules.window_before_minutes)
        for other in self.unit_meetings(unit):
            if (live(other, now) and other.title == title and other.window_opens_at < end
                    and window_opens < other.window_closes_at):
                raise AttendanceError(f"{label(other)}已经在签到了（签到时间 {window_text(other, now)}）。"
                                      f"如果是另一场，请换个名字，例如「发起签到 {title}（第二场）」；"
                                      "要提前结束请发「结束签到」。")
        new = repo.NewMeeting(
            unit_id=unit.id, kind=kind.name, title=title, starts_at=start, ends_at=end,
            window_opens_at=window_opens, window_closes_at=end, grace_minutes=self.rules.grace_minutes,
            include_masses=kind.masses, audience=",".join(kind.audience), platform=sender.platform,
            chat_id=sender.chat_id,
        )
        meeting, created = repo.create_meeting(self.db, new, at=now, actor=sender.actor, source_key=source_key)
        return self._opened(unit, meeting, created=created)

    def _opened(self, unit: UnitRecord, meeting: MeetingRecord, *, created: bool) -> OpenOutcome:
        members = repo.list_members(self.db, unit_id=unit.id)
        expected = [m for m in members if reports.expects(meeting, m.roles)]
        masses = sum(1 for m in members if MASSES in m.roles)
        warning = masses_shortfall(unit.category, masses) if meeting.include_masses else None
        return OpenOutcome(meeting, created, len(expected), sum(1 for m in expected if MASSES in m.roles), warning)

    def close_meeting(self, sender: Sender, unit: UnitRecord, hint: str | None, now: datetime) -> reports.MeetingReport:
        meeting = self.pick(unit, hint, now, purpose="close", example="结束签到 {name}")
        closed = repo.close_meeting(self.db, meeting_id=meeting.id, at=now, actor=sender.actor)
        return self.report(unit, closed or meeting, now)

    # -- check-in -----------------------------------------------------------------------------------

    def _checkable(self, meeting: MeetingRecord, now: datetime) -> None:
        if now < meeting.window_opens_at:
            raise AttendanceError(f"{label(meeting)}还没开始签到：签到时间 {window_text(meeting, now)}，"
                                  f"{hm(late_after(meeting))} 以后算迟到。")
        if not live(meeting, now):
            raise AttendanceError(f"{label(meeting)}的签到已经结束（签到时间 {window_text(meeting, now)}）。"
                                  "没签上的请联系本单位书记或联络员补签。")

    def checkin(self, sender: Sender, unit: UnitRecord, hint: str | None, now: datetime,
                source_key: str | None) -> CheckinOutcome:
        meeting = self.pick(unit, hint, now, purpose="checkin")
        self._checkable(meeting, now)
        late = now > late_after(meeting)
        member = sender.member
        if member is not None:
            key, name = f"m:{member.id}", member.name
        else:
            key, name = f"u:{sender.platform}:{sender.user_id}", sender.user_name or sender.user_id
        record, created = repo.insert_checkin(
            self.db,
            repo.NewCheckin(meeting_id=meeting.id, member_id=member.id if member else None, attendee_key=key,
                            user_name=name[:200], platform=sender.platform,
                            platform_user_id=sender.user_id or None, at=now, status="late" if late else "on_time",
                            method="self", source_key=source_key),
            unit_id=unit.id, audit=sender.actor if late else None, audit_action="checkin.late",
        )
        return CheckinOutcome(meeting, record, created)

    def person(self, unit: UnitRecord, text: str) -> tuple[MemberRecord, str]:
        """The roster member ``text`` starts with (name, mobile or platform id) and the rest of the text."""
        text = clean(text)
        if not text:
            raise AttendanceError("请写上姓名。")
        members = repo.list_members(self.db, unit_id=unit.id)
        head, _, rest = text.partition(" ")
        found = [m for m in members if head in (m.name, m.mobile, m.wecom_userid, m.dingtalk_id)]
        if not found:  # 「代签张三出差」: the longest roster name the text starts with
            names = sorted({m.name for m in members if text.startswith(m.name)}, key=len, reverse=True)
            if names:
                head, rest = names[0], text[len(names[0]):]
                found = [m for m in members if m.name == head]
        if not found:
            raise AttendanceError(f"「{unit.name}」的名单上没有「{head}」。请核对姓名；"
                                  "名单需要更新的，请管理员重新导入花名册（xueshi roster import）。")
        if len(found) > 1:
            tails = "、".join(f"{m.name}（手机尾号 {m.mobile[-4:]}）" if m.mobile else f"{m.name}（#{m.id}）"
                             for m in found)
            raise AttendanceError(f"名单上有 {len(found)} 个「{head}」：{tails}。请改写手机号，例如把姓名换成 11 位手机号。")
        return found[0], rest.strip()

    def proxy(self, sender: Sender, unit: UnitRecord, args: str, now: datetime, source_key: str | None,
              *, makeup: bool) -> tuple[MemberRecord, CheckinOutcome]:
        target, rest = self.person(unit, args)
        meetings = self.unit_meetings(unit)
        hint, reason = self.split_hint(meetings, rest)
        reason = reason[:REASON_MAX]
        if makeup:
            if not reason:
                raise AttendanceError(f"补签要写明原因，例如「补签 {target.name} 会上忘了签到」。")
            meeting = self.pick(unit, hint, now, purpose="makeup", example=f"补签 {target.name} {{name}} 原因")
            if now < meeting.starts_at:
                raise AttendanceError(f"{label(meeting)}还没开始，不能补签；会议进行中请用「代签 {target.name}」。")
            last = max(meeting.ends_at, meeting.window_closes_at) + timedelta(days=self.rules.makeup_days)
            if now > last:
                raise AttendanceError(f"{label(meeting)}已结束超过 {self.rules.makeup_days} 天"
                                      f"（补签截止到 {md_hm(last)}），不能再补签。")
            status, method, action = "on_time", "makeup", "checkin.makeup"
        else:
            if hint is None and not any(live(m, now) for m in meetings):
                raise AttendanceError(f"现在没有正在签到的会议，不能代签；会后 {self.rules.makeup_days} 天内"
                                      f"请用「补签 {target.name} 原因」。")
            meeting = self.pick(unit, hint, now, purpose="checkin", example=f"代签 {target.name} {{name}}")
            if now < meeting.window_opens_at:
                raise AttendanceError(f"{label(meeting)}还没开始签到：签到时间 {window_text(meeting, now)}。")
            if not live(meeting, now):
                raise AttendanceError(f"{label(meeting)}的签到已经结束，不能代签；请用「补签 {target.name} 原因」"
                                      f"（会后 {self.rules.makeup_days} 天内）。")
            status = "late" if now > late_after(meeting) else "on_time"
            method, action = "proxy", "checkin.proxy"
        record, created = repo.insert_checkin(
            self.db,
            repo.NewCheckin(meeting_id=meeting.id, member_id=target.id, attendee_key=f"m:{target.id}",
                            user_name=target.name, platform=sender.platform,
                            platform_user_id=target.platform_id(sender.platform), at=now, status=status,
                            method=method, by_member_id=sender.member.id if sender.member else None,
                            by_name=sender.name, reason=reason or None, source_key=source_key),
            unit_id=unit.id, audit=sender.actor, audit_action=action,
        )
        return target, CheckinOutcome(meeting, record, created)

    # -- leave --------------------------------------------------------------------------------------

    def request_leave(self, sender: Sender, unit: UnitRecord, args: str, now: datetime,
                      source_key: str | None) -> tuple[MeetingRecord, LeaveRecord, str]:
        assert sender.member is not None  # the permission table lets only roster members ask
        meetings = self.unit_meetings(unit)
        hint, reason = self.split_hint([m for m in meetings if live(m, now)] or meetings, args)
        if not reason:
            raise AttendanceError("请写明请假原因，例如「请假 出差」或「请假 动员大会 出差」。")
        meeting = self.pick(unit, hint, now, purpose="checkin", example="请假 {name} 原因")
        if not live(meeting, now):
            raise AttendanceError(f"{label(meeting)}已经结束，不能再请假；有特殊情况请直接联系本单位书记或联络员。")
        mine = [c for c in repo.list_checkins(self.db, meeting_ids=[meeting.id], member_id=sender.member.id)]
        if mine:
            raise AttendanceError(f"你已于 {hm(mine[0].at)} 签到{label(meeting)}，不用请假了。")
        leave, outcome = repo.request_leave(self.db, meeting_id=meeting.id, member_id=sender.member.id,
                                            unit_id=unit.id, reason=reason[:REASON_MAX], at=now,
                                            actor=sender.actor, source_key=source_key)
        return meeting, leave, outcome

    def decide_leave(self, sender: Sender, unit: UnitRecord, args: str, now: datetime,
                     approve: bool) -> tuple[MemberRecord, MeetingRecord, LeaveRecord, bool]:
        target, rest = self.person(unit, args)
        meetings = {m.id: m for m in self.unit_meetings(unit)}
        leaves = [lv for lv in repo.list_leaves(self.db, member_id=target.id) if lv.meeting_id in meetings]
        hint = self.split_hint(list(meetings.values()), rest)[0] if rest else None
        if hint:
            chosen = {m.id for m in self._match(list(meetings.values()), hint)}
            leaves = [lv for lv in leaves if lv.meeting_id in chosen]
        if not leaves:
            raise AttendanceError(f"{target.name}没有请过假" + (f"（{clean(hint)}）" if hint else "") + "。")
        pending = [lv for lv in leaves if lv.state == "pending"]
        pool = pending or [max(leaves, key=lambda lv: lv.requested_at)]
        if len(pool) > 1:
            lines = "\n".join(f"{n}. {label(meetings[lv.meeting_id])}：{lv.reason}" for n, lv in enumerate(pool, 1))
            word = "批准请假" if approve else "驳回请假"
            raise AttendanceError(f"{target.name}有几条待批的请假：\n{lines}\n"
                                  f"请写明会议，例如「{word} {target.name} #{pool[0].meeting_id}」。")
        leave, changed = repo.decide_leave(self.db, leave_id=pool[0].id, approve=approve, unit_id=unit.id, at=now,
                                           actor=sender.actor)
        return target, meetings[leave.meeting_id], leave, changed

    # -- reading ------------------------------------------------------------------------------------

    def report(self, unit: UnitRecord, meeting: MeetingRecord, now: datetime) -> reports.MeetingReport:
        members = repo.list_members(self.db, unit_id=unit.id)
        checkins = repo.list_checkins(self.db, meeting_ids=[meeting.id])
        leaves = repo.list_leaves(self.db, meeting_ids=[meeting.id])
        return reports.build_report(meeting, unit, members, checkins, leaves, now)

    def reports_for(self, unit: UnitRecord, meetings: Sequence[MeetingRecord],
                    now: datetime) -> tuple[list[reports.MeetingReport], list[MemberRecord]]:
        members = repo.list_members(self.db, unit_id=unit.id)
        ids = [m.id for m in meetings]
        checkins = repo.list_checkins(self.db, meeting_ids=ids)
        leaves = repo.list_leaves(self.db, meeting_ids=ids)
        ordered = sorted(meetings, key=lambda m: (m.starts_at, m.id))
        return [reports.build_report(m, unit, members, checkins, leaves, now) for m in ordered], members

    def status(self, unit: UnitRecord, hint: str | None, now: datetime) -> reports.MeetingReport:
        return self.report(unit, self.pick(unit, hint, now, purpose="report", example="签到情况 {name}"), now)

    def masses_warning(self, unit: UnitRecord, report: reports.MeetingReport) -> str | None:
        return masses_shortfall(unit.category, report.masses_on_roster) if report.meeting.include_masses else None

    def my_records(self, sender: Sender, unit: UnitRecord, now: datetime,
                   limit: int = 10) -> list[tuple[MeetingRecord, str]]:
        assert sender.member is not None
        member = sender.member
        meetings = self.unit_meetings(unit)
        ids = [m.id for m in meetings]
        checkins = {c.meeting_id: c for c in repo.list_checkins(self.db, meeting_ids=ids, member_id=member.id)}
        leaves = {lv.meeting_id: lv for lv in repo.list_leaves(self.db, meeting_ids=ids, member_id=member.id)}
        rows = []
        for meeting in meetings:
            checkin, leave = checkins.get(meeting.id), leaves.get(meeting.id)
            if checkin is None and leave is None and not reports.expects(meeting, member.roles):
                continue
            text = reports.status_of(checkin, leave, reports.ended(meeting, now))
            if checkin is not None:
                text += f"（{hm(checkin.at)}" + ("" if checkin.method == "self" else
                                                 f"，{reports.METHOD_NAMES[checkin.method]}：{checkin.by_name}") + "）"
            elif leave is not None and leave.state == "rejected":
                text += "（请假被驳回）"
            rows.append((meeting, text))
            if len(rows) >= limit:
                break
        return rows

    # -- export -------------------------------------------------------------------------------------

    def export(self, unit: UnitRecord, meetings: Sequence[MeetingRecord], now: datetime, *, fmt: str = "xlsx",
               out: Path | None = None) -> Path:
        if not meetings:
            raise AttendanceError("没有可以导出的会议。")
        built, members = self.reports_for(unit, meetings, now)
        if out is None:
            stamp = now.astimezone(self.tz).strftime("%Y%m%d-%H%M%S")
            what = built[0].meeting.title if len(built) == 1 else "全部会议"
            out = self.export_dir / _safe_file(f"考勤_{unit.name}_{what}_{stamp}.{fmt}")
        if fmt == "csv":
            reports.write_csv(out, built, self.tz)
        else:
            reports.write_xlsx(out, built, members, self.tz)
        return out.resolve()


def _safe_file(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name)


def kind_of(rules: MeetingRules, text: str) -> MeetingKind:
    return rules.find(text) or rules.other
