"""``xueshi units | roster | meetings`` and ``xueshi groups bind``: the roster, group ↔ unit bindings,
meeting lists, reports and attendance exports. Registered on the main app by :func:`register`."""

from __future__ import annotations

import functools
import getpass
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from bot.storage import Database
    from bot.storage.attendance_repo import Actor, UnitRecord

units_app = typer.Typer(help="单位：登记单位（第一类 / 第二类）并查看。", no_args_is_help=True)
roster_app = typer.Typer(help="花名册：生成模板、导入、查看、关联平台账号。", no_args_is_help=True)
meetings_app = typer.Typer(help="会议考勤：列表、详情、统计、导出 Excel / CSV。", no_args_is_help=True)

PLATFORM_NAMES = {"wecom": "企业微信", "dingtalk": "钉钉", "console": "控制台"}
log = logging.getLogger("xueshi")
F = TypeVar("F", bound=Callable[..., None])


def _guarded(func: F) -> F:
    """A database that cannot be reached (or refuses a statement) is a message, not a traceback."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        from sqlalchemy.exc import SQLAlchemyError

        from bot.storage.db import _mask_credentials

        try:
            return func(*args, **kwargs)
        except SQLAlchemyError as exc:
            log.debug("database error in %s", func.__name__, exc_info=True)
            detail = _mask_credentials(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0])[:200]
            raise _fail(f"数据库出错：{detail}。请检查 XUESHI_DATABASE_URL 和数据库是否在运行", 1) from exc

    return run  # type: ignore[return-value]
CATEGORY_NAMES = {1: "第一类", 2: "第二类"}


def register(app: typer.Typer, groups_app: typer.Typer) -> None:
    """Add the sub-apps to ``xueshi`` and ``bind`` to ``xueshi groups``."""
    app.add_typer(units_app, name="units")
    app.add_typer(roster_app, name="roster")
    app.add_typer(meetings_app, name="meetings")
    groups_app.command("bind")(_guarded(groups_bind))


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"错误：{message}", err=True)
    return typer.Exit(code)


def _open_db() -> Database:
    from bot.cli import _settings, _setup_logging
    from bot.storage import Database

    settings = _settings()
    _setup_logging(level="WARNING")
    return Database(settings.database_url)


def _actor() -> Actor:
    from bot.storage.attendance_repo import Actor

    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = ""
    return Actor(f"命令行（{user}）" if user else "命令行")


def _now():
    from bot.clock import SystemClock

    return SystemClock().now()


def _unit(db: Database, name: str) -> UnitRecord:
    from bot.storage.attendance_repo import get_unit

    unit = get_unit(db, name=name.strip())
    if unit is None:
        raise _fail(f"没有登记叫「{name}」的单位；用 `xueshi units list` 查看，或先 `xueshi units add {name} --category 1`", 1)
    return unit


def _console():
    from rich.console import Console

    return Console(width=max(Console().width, 140))


# -- units ----------------------------------------------------------------------------------------------


@units_app.command("add")
@_guarded
def units_add(
    name: Annotated[str, typer.Argument(help="单位名称（与花名册里的“单位”一致）")],
    category: Annotated[str, typer.Option(help="单位类别：1（第一类单位）或 2（第二类单位）")] = "",
    parent: Annotated[str | None, typer.Option(help="上级单位（直属党委）的名称，须已登记")] = None,
) -> None:
    """登记一个单位。"""
    from bot.storage.attendance_repo import Conflict, add_unit

    name = name.strip()
    if not name or len(name) > 200:
        raise _fail("单位名称不能为空，最长 200 个字")
    if category.strip() not in ("1", "2"):
        raise _fail("--category 必须是 1（第一类单位）或 2（第二类单位）" + (f"，收到：{category!r}" if category else ""))
    db = _open_db()
    try:
        unit = add_unit(db, name=name, category=int(category), parent=(parent or "").strip() or None, at=_now(),
                        actor=_actor())
    except Conflict as exc:
        raise _fail(f"单位「{name}」已经登记过了", 1) from exc
    except LookupError as exc:
        raise _fail(f"上级单位「{parent}」还没有登记；先 `xueshi units add {parent} --category 1`", 1) from exc
    finally:
        db.dispose()
    typer.echo(f"已登记单位 #{unit.id}「{unit.name}」（{CATEGORY_NAMES[unit.category]}单位"
               + (f"，上级：{unit.parent_name}" if unit.parent_name else "") + "）。"
               f"下一步：`xueshi roster import 花名册.xlsx --unit {unit.name}`。")


@units_app.command("list")
@_guarded
def units_list() -> None:
    """列出单位、人数、群众代表人数（对照提纲要求）和绑定的群。"""
    from rich.table import Table

    from attendance.roles import MASSES, MASSES_REQUIRED
    from bot.storage.attendance_repo import list_bindings, list_members, list_units

    db = _open_db()
    try:
        units = list_units(db)
        members = list_members(db)
        bindings = list_bindings(db)
    finally:
        db.dispose()
    if not units:
        typer.echo("还没有登记单位。用 `xueshi units add 单位名 --category 1` 添加。")
        return
    table = Table("编号", "单位", "类别", "上级", "人数", "群众代表（要求）", "绑定的群", title=f"单位（{len(units)} 个）")
    for unit in units:
        people = [m for m in members if m.unit_id == unit.id]
        masses = sum(1 for m in people if MASSES in m.roles)
        required = MASSES_REQUIRED[unit.category]
        chats = [f"{PLATFORM_NAMES.get(p, p)}:{c}" for p, c, u in bindings if u.id == unit.id]
        table.add_row(str(unit.id), unit.name, CATEGORY_NAMES[unit.category], unit.parent_name or "—", str(len(people)),
                      f"{masses}（≥{required}）" + ("" if masses >= required else " 不足"), "、".join(chats) or "—")
    _console().print(table)


# -- roster ---------------------------------------------------------------------------------------------


@roster_app.command("template")
@_guarded
def roster_template(
    out: Annotated[Path, typer.Option(help="写到哪个文件")] = Path("花名册模板.xlsx"),
) -> None:
    """生成花名册示例表格（.xlsx，含填写说明）。"""
    from attendance.roster import HEADERS, write_template

    if out.suffix.lower() != ".xlsx":
        raise _fail(f"--out 需要 .xlsx 文件名，收到：{out}")
    try:
        write_template(out)
    except OSError as exc:
        raise _fail(f"无法写入 {out}：{exc.strerror or exc}", 1) from exc
    typer.echo(f"已生成花名册模板：{out.resolve()}\n表头：{'、'.join(HEADERS)}。填好后运行 `xueshi roster import {out}`。")


@roster_app.command("import")
@_guarded
def roster_import(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="花名册文件（.xlsx 或 .csv）")],
    unit: Annotated[str | None, typer.Option(help="导入到哪个单位（文件里的“单位”列可不填；填了须一致）")] = None,
) -> None:
    """导入花名册：有任何一行不对就整个不导入，并列出每一行的问题；重复导入只更新，不重复添加。"""
    from attendance.roles import MASSES, encode, masses_shortfall
    from attendance.roster import Existing, RosterError, plan_import, read_roster
    from bot.storage.attendance_repo import Conflict, MemberValues, apply_roster, list_members, list_units

    try:
        rows = read_roster(path, default_unit=unit.strip() if unit else None)
    except RosterError as exc:
        _report_problems(path, exc.problems)
        raise typer.Exit(1) from exc
    db = _open_db()
    try:
        if unit:
            _unit(db, unit)
        units = {u.name: u for u in list_units(db)}
        existing = [Existing(m.id, m.name, m.unit_name, m.roles, m.wecom_userid, m.dingtalk_id, m.mobile)
                    for m in list_members(db)]
        try:
            changes = plan_import(rows, existing, set(units))
        except RosterError as exc:
            _report_problems(path, exc.problems)
            raise typer.Exit(1) from exc
        values = [MemberValues(member_id=c.member_id, name=c.row.name, unit_id=units[c.row.unit].id,
                               roles=encode(c.row.roles), wecom_userid=c.row.wecom, dingtalk_id=c.row.dingtalk,
                               mobile=c.row.mobile, source_row=c.row.row) for c in changes]
        try:
            outcome = apply_roster(db, values, at=_now(), actor=_actor(), source=path.name)
        except Conflict as exc:
            raise _fail(f"导入时账号或手机号与名单上的人冲突（{exc}），没有导入任何人；请检查后重试", 1) from exc
        after = list_members(db)
    finally:
        db.dispose()
    typer.echo(f"已导入 {path.name}：{len(rows)} 人，新增 {outcome.added}，更新 {outcome.updated}，未变 {outcome.unchanged}。")
    for name in sorted({row.unit for row in rows}):
        u = units[name]
        masses = sum(1 for m in after if m.unit_id == u.id and MASSES in m.roles)
        warning = masses_shortfall(u.category, masses)
        if warning:
            typer.echo(f"「{name}」{warning}")


def _report_problems(path: Path, problems: list[str]) -> None:
    typer.echo(f"错误：{path.name} 有 {len(problems)} 处问题，没有导入任何人。改好后重新导入：", err=True)
    for problem in problems:
        typer.echo(f"  · {problem}", err=True)


@roster_app.command("list")
@_guarded
def roster_list(unit: Annotated[str | None, typer.Option(help="只看这个单位")] = None) -> None:
    """列出花名册（账号和手机号只显示部分）。"""
    from rich.table import Table

    from bot.storage.attendance_repo import list_members

    db = _open_db()
    try:
        unit_id = _unit(db, unit).id if unit else None
        members = list_members(db, unit_id=unit_id)
    finally:
        db.dispose()
    if not members:
        typer.echo("名单是空的。用 `xueshi roster template` 生成模板，填好后 `xueshi roster import 文件`。")
        return
    table = Table("编号", "姓名", "单位", "角色", "企业微信账号", "钉钉账号", "手机号", title=f"花名册（{len(members)} 人）")
    for m in members:
        table.add_row(str(m.id), m.name, m.unit_name, "、".join(m.roles), m.wecom_userid or "—", m.dingtalk_id or "—",
                      _mask_mobile(m.mobile))
    _console().print(table)


def _mask_mobile(mobile: str | None) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if mobile and len(mobile) >= 7 else (mobile or "—")


@roster_app.command("link")
@_guarded
def roster_link(
    member: Annotated[str, typer.Option(help="名单上的人：姓名或手机号")],
    wecom: Annotated[str | None, typer.Option(help="企业微信账号（userid）")] = None,
    dingtalk: Annotated[str | None, typer.Option(help="钉钉账号（staffId）")] = None,
    unit: Annotated[str | None, typer.Option(help="同名时用单位区分")] = None,
) -> None:
    """把一个平台账号（如签到情况里的“未匹配”）关联到名单上的人，并把这个账号的签到记到此人名下。"""
    from bot.storage.attendance_repo import Conflict, link_member, list_members

    if (wecom is None) == (dingtalk is None):
        raise _fail("请给出 --wecom 或 --dingtalk 中的一个")
    platform, user_id = ("wecom", wecom) if wecom is not None else ("dingtalk", dingtalk)
    user_id = (user_id or "").strip()
    if not user_id or len(user_id) > 128 or any(c.isspace() for c in user_id):
        raise _fail("账号不能为空、不能有空格，最长 128 个字符")
    db = _open_db()
    try:
        unit_id = _unit(db, unit).id if unit else None
        key = member.strip()
        found = [m for m in list_members(db, unit_id=unit_id) if key in (m.name, m.mobile)]
        if not found:
            raise _fail(f"名单上没有「{key}」" + (f"（{unit}）" if unit else "") + "；用 `xueshi roster list` 查看", 1)
        if len(found) > 1:
            where = "、".join(f"{m.name}（{m.unit_name}，{_mask_mobile(m.mobile)}）" for m in found)
            raise _fail(f"名单上有 {len(found)} 个「{key}」：{where}；请用 --unit 或手机号区分", 1)
        target = found[0]
        try:
            moved = link_member(db, member_id=target.id, platform=platform, user_id=user_id, at=_now(), actor=_actor())
        except Conflict as exc:
            raise _fail(f"{PLATFORM_NAMES[platform]}账号 {user_id} 已属于名单上的「{exc}」", 1) from exc
    finally:
        db.dispose()
    typer.echo(f"已把{PLATFORM_NAMES[platform]}账号 {user_id} 关联到「{target.name}」（{target.unit_name}）"
               + (f"，{moved} 条未匹配的签到已记到此人名下" if moved else "") + "。")


# -- groups bind ----------------------------------------------------------------------------------------


def groups_bind(
    unit: Annotated[str, typer.Option(help="单位名称（须已登记）")],
    chat_id: Annotated[str, typer.Option("--chat-id", help="群的 ID")],
    platform: Annotated[str, typer.Option(help="平台：wecom / dingtalk / console")] = "wecom",
    replace: Annotated[bool, typer.Option("--replace", help="群已绑定别的单位时改绑")] = False,
) -> None:
    """把一个群绑定到单位：群里的签到、请假、考勤都算这个单位的（群里也可由书记发「绑定单位 单位名」）。"""
    from bot.storage.attendance_repo import Conflict, bind_group

    if platform not in PLATFORM_NAMES:
        raise _fail(f"--platform 只能是 wecom、dingtalk 或 console，收到：{platform!r}")
    chat_id = chat_id.strip()
    if not chat_id or len(chat_id) > 128:
        raise _fail("--chat-id 不能为空，最长 128 个字符")
    db = _open_db()
    try:
        target = _unit(db, unit)
        try:
            outcome, previous = bind_group(db, platform=platform, chat_id=chat_id, unit_id=target.id, at=_now(),
                                           actor=_actor(), replace=replace)
        except Conflict as exc:
            raise _fail(f"这个群已绑定「{exc}」；确实要改绑请加 --replace", 1) from exc
    finally:
        db.dispose()
    where = f"{PLATFORM_NAMES[platform]}群 {chat_id}"
    if outcome == "same":
        typer.echo(f"{where} 已经绑定「{target.name}」，没有变化。")
    elif outcome == "rebound":
        typer.echo(f"已把{where} 从「{previous.name if previous else ''}」改绑到「{target.name}」。")
    else:
        typer.echo(f"已把{where} 绑定到「{target.name}」（{CATEGORY_NAMES[target.category]}单位）。")


def registered_unit(db: Database, platform: str, chat_id: str, unit_name: str,
                    category: int | None) -> tuple[UnitRecord | None, int | None]:
    """For ``xueshi groups add --unit``: the registered unit of that name (None: a free-text label)
    and the category to store (the unit's, unless --category says otherwise, which is an error)."""
    from bot.storage.attendance_repo import get_unit, identify

    unit = get_unit(db, name=unit_name) if unit_name else None
    if unit is None:
        return None, category
    if category is not None and category != unit.category:
        raise _fail(f"单位「{unit.name}」登记的是{CATEGORY_NAMES[unit.category]}单位，与 --category {category} 不一致；"
                    "不写 --category 即按单位的类别")
    bound = identify(db, platform=platform, user_id="", chat_id=chat_id)[1]
    if bound is not None and bound.id != unit.id:
        raise _fail(f"这个群已绑定「{bound.name}」；要改绑请先运行 `xueshi groups bind --unit {unit.name} "
                    f"--chat-id {chat_id} --platform {platform} --replace`")
    return unit, unit.category


def bind_added_group(db: Database, platform: str, chat_id: str, unit: UnitRecord | None, unit_name: str) -> str:
    """Bind a group just registered with ``--unit`` to that unit; the line to print about it."""
    from bot.storage.attendance_repo import bind_group

    if unit is None:
        if not unit_name:
            return ""
        return (f"提示：单位「{unit_name}」还没有登记，这个群暂时不能签到、请假。登记后（xueshi units add）"
                f"用 `xueshi groups bind --unit {unit_name} --chat-id {chat_id} --platform {platform}` 绑定。")
    bind_group(db, platform=platform, chat_id=chat_id, unit_id=unit.id, at=_now(), actor=_actor())
    return f"已绑定到「{unit.name}」（{CATEGORY_NAMES[unit.category]}单位）：群里可以签到、请假。"


# -- meetings -------------------------------------------------------------------------------------------


def _attendance(db: Database):
    from attendance.kinds import MeetingConfigError, load_rules
    from attendance.service import Attendance
    from bot.cli import _settings

    settings = _settings()
    try:
        rules = load_rules(settings.meetings_path)
    except MeetingConfigError as exc:
        raise _fail(str(exc)) from exc
    return Attendance(db, rules, export_dir=settings.export_dir)


def _meeting(db: Database, meeting_ref: str):
    from bot.storage.attendance_repo import get_meeting, get_unit

    try:
        number = int(meeting_ref.lstrip("#"))
    except ValueError:
        number = 0
    meeting = get_meeting(db, number) if number > 0 else None
    if meeting is None:
        raise _fail(f"没有编号为 {meeting_ref} 的会议；用 `xueshi meetings list` 查看", 1)
    unit = get_unit(db, unit_id=meeting.unit_id)
    assert unit is not None
    return meeting, unit


@meetings_app.command("list")
@_guarded
def meetings_list(unit: Annotated[str | None, typer.Option(help="只看这个单位")] = None) -> None:
    """列出会议和出勤统计。"""
    from rich.table import Table

    from attendance.report import LIST_HEADERS, list_row
    from bot.storage.attendance_repo import list_meetings, list_units

    db = _open_db()
    try:
        meetings_service = _attendance(db)
        units = [_unit(db, unit)] if unit else list_units(db)
        rows = []
        now = _now()
        for u in units:
            meetings = list_meetings(db, unit_id=u.id)
            if meetings:
                built, _ = meetings_service.reports_for(u, meetings, now)
                rows += [list_row(r, meetings_service.tz) for r in built]
    finally:
        db.dispose()
    if not rows:
        typer.echo("还没有会议。书记或联络员在群里发「发起签到 会议名 开始时间 时长」即可开始签到。")
        return
    table = Table(*LIST_HEADERS, title=f"会议（{len(rows)} 个）")
    for row in rows:
        table.add_row(*[str(v) for v in row])
    _console().print(table)


@meetings_app.command("show")
@_guarded
def meetings_show(meeting_ref: Annotated[str, typer.Argument(metavar="ID", help="会议编号")]) -> None:
    """显示一个会议的详情和每个人的签到状态。"""
    from rich.table import Table

    from attendance.report import MEETING_HEADERS, meeting_rows
    from attendance.service import md_hm

    db = _open_db()
    try:
        meeting, unit = _meeting(db, meeting_ref)
        service = _attendance(db)
        report = service.report(unit, meeting, _now())
    finally:
        db.dispose()
    typer.echo(f"会议 #{meeting.id}「{meeting.title}」（{meeting.kind}），{unit.name}")
    typer.echo(f"会议时间：{md_hm(meeting.starts_at)} – {md_hm(meeting.ends_at)}；签到时间：{md_hm(meeting.window_opens_at)}"
               f" – {md_hm(meeting.window_closes_at)}；迟到宽限 {meeting.grace_minutes} 分钟；发起人：{meeting.opened_by}")
    table = Table(*MEETING_HEADERS, title="签到名单")
    for row in meeting_rows(report, service.tz):
        table.add_row(*[str(v) for v in row])
    _console().print(table)


@meetings_app.command("report")
@_guarded
def meetings_report(meeting_ref: Annotated[str, typer.Argument(metavar="ID", help="会议编号")]) -> None:
    """一个会议的统计：应到、实到、迟到、请假、缺席，以及各类名单。"""
    from attendance.report import LEAVE_NAMES

    db = _open_db()
    try:
        meeting, unit = _meeting(db, meeting_ref)
        service = _attendance(db)
        report = service.report(unit, meeting, _now())
        warning = service.masses_warning(unit, report)
    finally:
        db.dispose()
    missing = "缺席" if report.ended else "未签到"
    typer.echo(f"#{meeting.id}「{meeting.title}」（{unit.name}，{'已结束' if report.ended else '签到中'}）")
    typer.echo(f"应到 {report.expected_count}，实到 {len(report.present)}，迟到 {len(report.late)}，"
               f"请假 {len(report.on_leave)}，{missing} {len(report.missing)}，未匹配 {len(report.unmatched)}，"
               f"出勤率 {report.rate:.0%}")
    sections = [
        (missing, [a.name for a in report.missing]),
        ("迟到", [a.name for a in report.late]),
        ("请假", [f"{a.name}（{LEAVE_NAMES[a.leave.state]}：{a.leave.reason}）" for a in report.on_leave if a.leave]),
        ("未匹配", [f"{c.user_name}（{c.platform}:{c.platform_user_id}）" for c in report.unmatched]),
        ("列席", [a.name for a in report.extra]),
    ]
    for title, names in sections:
        if names:
            typer.echo(f"{title}（{len(names)}）：" + "、".join(names))
    if warning:
        typer.echo(warning)


@meetings_app.command("export")
@_guarded
def meetings_export(
    meeting_ref: Annotated[str | None, typer.Argument(metavar="[ID]", help="会议编号；不写则导出全部会议")] = None,
    unit: Annotated[str | None, typer.Option(help="只导出这个单位的会议")] = None,
    fmt: Annotated[str, typer.Option("--format", help="xlsx 或 csv")] = "xlsx",
    out: Annotated[Path | None, typer.Option(help="写到哪个文件（默认在 export_dir 下自动命名）")] = None,
) -> None:
    """导出考勤：.xlsx（汇总表、会议一览、每个会议一张表）或 .csv。"""
    from attendance.service import AttendanceError
    from bot.storage.attendance_repo import list_meetings, list_units

    fmt = fmt.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        raise _fail(f"--format 只能是 xlsx 或 csv，收到：{fmt!r}")
    if out is not None and out.suffix.lower() != f".{fmt}":
        raise _fail(f"--out 的扩展名应是 .{fmt}，收到：{out}")
    db = _open_db()
    written: list[Path] = []
    try:
        service = _attendance(db)
        now = _now()
        if meeting_ref is not None:
            meeting, meeting_unit = _meeting(db, meeting_ref)
            if unit and meeting_unit.name != unit.strip():
                raise _fail(f"会议 #{meeting.id} 属于「{meeting_unit.name}」，不是「{unit}」", 1)
            groups = [(meeting_unit, [meeting])]
        else:
            units = [_unit(db, unit)] if unit else list_units(db)
            groups = [(u, list_meetings(db, unit_id=u.id)) for u in units]
            groups = [(u, ms) for u, ms in groups if ms]
        if not groups:
            raise _fail("没有可以导出的会议", 1)
        if out is not None and len(groups) > 1:
            raise _fail("有多个单位的会议：请用 --unit 选一个单位，或不写 --out（每个单位一个文件）")
        for u, meetings in groups:
            try:
                written.append(service.export(u, meetings, now, fmt=fmt, out=out))
            except AttendanceError as exc:
                raise _fail(str(exc), 1) from exc
            except OSError as exc:
                raise _fail(f"无法写入文件：{exc.strerror or exc}", 1) from exc
    finally:
        db.dispose()
    for path in written:
        typer.echo(f"已导出：{path}")
