"""Attendance reports: who was expected, who came (on time / late, by whom), who asked for leave,
who is missing; and the .xlsx / .csv export (one sheet per meeting and a per-member summary)."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from attendance.kinds import MeetingKind
from attendance.roles import MASSES
from bot.storage.attendance_repo import CheckinRecord, LeaveRecord, MeetingRecord, MemberRecord, UnitRecord

STATUS_NAMES = {"on_time": "准时", "late": "迟到"}
METHOD_NAMES = {"self": "本人", "proxy": "代签", "makeup": "补签"}
LEAVE_NAMES = {"pending": "待批", "approved": "批准", "rejected": "驳回"}


def expects(meeting: MeetingRecord, roles: Sequence[str]) -> bool:
    """Whether a member with ``roles`` is expected at ``meeting`` (rules copied from its kind)."""
    kind = MeetingKind(meeting.kind, masses=meeting.include_masses, audience=meeting.audience)
    return kind.expects(tuple(roles))


def ended(meeting: MeetingRecord, now: datetime) -> bool:
    return meeting.state == "closed" or now >= meeting.window_closes_at


@dataclass(frozen=True)
class Attendee:
    name: str
    member: MemberRecord | None
    expected: bool
    checkin: CheckinRecord | None
    leave: LeaveRecord | None
    status: str  # 准时 / 迟到 / 请假（待批）/ 请假（批准）/ 未签到 / 缺席

    @property
    def present(self) -> bool:
        return self.checkin is not None

    @property
    def on_leave(self) -> bool:
        return self.checkin is None and self.leave is not None and self.leave.state in ("pending", "approved")


@dataclass
class MeetingReport:
    meeting: MeetingRecord
    unit: UnitRecord
    ended: bool
    expected: list[Attendee] = field(default_factory=list)
    extra: list[Attendee] = field(default_factory=list)  # on the roster, checked in, not expected
    unmatched: list[CheckinRecord] = field(default_factory=list)  # senders not on the roster (未匹配)
    masses_on_roster: int = 0

    @property
    def expected_count(self) -> int:
        return len(self.expected)

    @property
    def present(self) -> list[Attendee]:
        return [a for a in self.expected if a.present]

    @property
    def late(self) -> list[Attendee]:
        return [a for a in self.expected if a.checkin is not None and a.checkin.status == "late"]

    @property
    def on_leave(self) -> list[Attendee]:
        return [a for a in self.expected if a.on_leave]

    @property
    def missing(self) -> list[Attendee]:
        """Expected, not checked in, no pending or approved leave: 未签到 while open, 缺席 after."""
        return [a for a in self.expected if not a.present and not a.on_leave]

    @property
    def rate(self) -> float:
        return len(self.present) / self.expected_count if self.expected else 0.0


def status_of(checkin: CheckinRecord | None, leave: LeaveRecord | None, is_ended: bool) -> str:
    if checkin is not None:
        return STATUS_NAMES.get(checkin.status, checkin.status)
    if leave is not None and leave.state in ("pending", "approved"):
        return f"请假（{LEAVE_NAMES[leave.state]}）"
    return "缺席" if is_ended else "未签到"


def build_report(meeting: MeetingRecord, unit: UnitRecord, members: Sequence[MemberRecord],
                 checkins: Sequence[CheckinRecord], leaves: Sequence[LeaveRecord], now: datetime) -> MeetingReport:
    is_ended = ended(meeting, now)
    by_member = {c.member_id: c for c in checkins if c.meeting_id == meeting.id and c.member_id is not None}
    leave_of = {lv.member_id: lv for lv in leaves if lv.meeting_id == meeting.id}
    report = MeetingReport(meeting=meeting, unit=unit, ended=is_ended)
    report.masses_on_roster = sum(1 for m in members if MASSES in m.roles)
    seen: set[int] = set()
    for member in members:
        expected = expects(meeting, member.roles)
        checkin = by_member.get(member.id)
        if not expected and checkin is None:
            continue
        seen.add(member.id)
        attendee = Attendee(member.name, member, expected, checkin, leave_of.get(member.id),
                            status_of(checkin, leave_of.get(member.id), is_ended))
        (report.expected if expected else report.extra).append(attendee)
    for member_id, checkin in by_member.items():  # checked in, since moved to another unit's roster
        if member_id not in seen:
            report.extra.append(Attendee(checkin.user_name, None, False, checkin, None, status_of(checkin, None, True)))
    report.unmatched = [c for c in checkins if c.meeting_id == meeting.id and c.member_id is None]
    return report


# -- per-member summary across meetings -------------------------------------------------------------


@dataclass
class MemberSummary:
    member: MemberRecord
    expected: int = 0
    present: int = 0
    late: int = 0
    leave: int = 0
    absent: int = 0

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


def summarize(reports: Sequence[MeetingReport], members: Sequence[MemberRecord]) -> list[MemberSummary]:
    rows = {m.id: MemberSummary(m) for m in members}
    for report in reports:
        for attendee in report.expected:
            if attendee.member is None or attendee.member.id not in rows:
                continue
            row = rows[attendee.member.id]
            row.expected += 1
            if attendee.present:
                row.present += 1
                if attendee.checkin is not None and attendee.checkin.status == "late":
                    row.late += 1
            elif attendee.on_leave:
                row.leave += 1
            elif report.ended:
                row.absent += 1
    return [row for row in rows.values() if row.expected]


# -- export -----------------------------------------------------------------------------------------

MEETING_HEADERS = ("序号", "姓名", "角色", "状态", "签到时间", "签到方式", "代签/补签人", "代签/补签原因",
                   "请假原因", "请假审批", "备注")
MEETING_WIDTHS = (6, 12, 22, 14, 18, 10, 14, 24, 24, 14, 20)
SUMMARY_HEADERS = ("序号", "姓名", "单位", "角色", "应到次数", "实到次数", "迟到次数", "请假次数", "缺席次数", "出勤率")
SUMMARY_WIDTHS = (6, 12, 24, 22, 10, 10, 10, 10, 10, 10)
LIST_HEADERS = ("编号", "单位", "会议", "类型", "开始时间", "结束时间", "应到", "实到", "迟到", "请假", "缺席",
                "未匹配", "出勤率", "状态")
LIST_WIDTHS = (8, 24, 30, 22, 18, 18, 8, 8, 8, 8, 8, 8, 10, 10)
CSV_HEADERS = ("会议编号", "会议", "开始时间", *MEETING_HEADERS[1:])


def _local(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""


def meeting_rows(report: MeetingReport, tz: tzinfo) -> list[list[object]]:
    rows: list[list[object]] = []
    attendees = [*report.expected, *report.extra]
    for n, a in enumerate(attendees, 1):
        c, lv = a.checkin, a.leave
        notes = [] if a.expected else ["列席（不在应到范围）"]
        rows.append([
            n, a.name, "、".join(a.member.roles) if a.member else "", a.status,
            _local(c.at, tz) if c else "", METHOD_NAMES.get(c.method, c.method) if c else "",
            (c.by_name or "") if c and c.method != "self" else "", (c.reason or "") if c else "",
            lv.reason if lv else "", (LEAVE_NAMES[lv.state] + (f"（{lv.decided_by}）" if lv.decided_by else "")) if lv else "",
            "；".join(notes),
        ])
    for c in report.unmatched:
        rows.append([len(rows) + 1, c.user_name, "", STATUS_NAMES.get(c.status, c.status), _local(c.at, tz),
                     METHOD_NAMES.get(c.method, c.method), "", "", "", "",
                     f"未匹配：不在名单上（{c.platform} 账号 {c.platform_user_id}）"])
    return rows


def list_row(report: MeetingReport, tz: tzinfo) -> list[object]:
    m = report.meeting
    return [m.id, report.unit.name, m.title, m.kind, _local(m.starts_at, tz), _local(m.ends_at, tz),
            report.expected_count, len(report.present), len(report.late), len(report.on_leave), len(report.missing),
            len(report.unmatched), f"{report.rate:.0%}" if report.expected else "—",
            "已结束" if report.ended else "签到中"]


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(report: MeetingReport, tz: tzinfo, used: set[str]) -> str:
    base = _SHEET_BAD.sub("", f"{report.meeting.starts_at.astimezone(tz):%m%d}{report.meeting.title}")[:28]
    title, n = base, 2
    while title in used or title in ("汇总", "会议一览"):
        title = f"{base[:26]}-{n}"
        n += 1
    used.add(title)
    return title


def write_xlsx(path: Path, reports: Sequence[MeetingReport], members: Sequence[MemberRecord], tz: tzinfo) -> None:
    from openpyxl import Workbook

    from attendance.roster import style_sheet

    workbook = Workbook()
    summary = workbook.active
    summary.title = "汇总"
    summary.append(list(SUMMARY_HEADERS))
    for n, row in enumerate(summarize(reports, members), 1):
        summary.append([n, row.member.name, row.member.unit_name, "、".join(row.member.roles), row.expected,
                        row.present, row.late, row.leave, row.absent, row.rate])
        summary.cell(row=n + 1, column=len(SUMMARY_HEADERS)).number_format = "0%"
    style_sheet(summary, SUMMARY_WIDTHS)

    overview = workbook.create_sheet("会议一览")
    overview.append(list(LIST_HEADERS))
    for report in reports:
        overview.append(list_row(report, tz))
    style_sheet(overview, LIST_WIDTHS)

    used: set[str] = set()
    for report in reports:
        sheet = workbook.create_sheet(_sheet_title(report, tz, used))
        sheet.append(list(MEETING_HEADERS))
        for row in meeting_rows(report, tz):
            sheet.append(row)
        style_sheet(sheet, MEETING_WIDTHS)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def write_csv(path: Path, reports: Sequence[MeetingReport], tz: tzinfo) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:  # the BOM lets Excel read UTF-8
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADERS)
        for report in reports:
            m = report.meeting
            for row in meeting_rows(report, tz):
                writer.writerow([m.id, m.title, _local(m.starts_at, tz), *row[1:]])
