"""Storage for the roster, group ↔ unit bindings, meetings, check-ins, leaves and the audit log.

Plain functions over :class:`~bot.storage.db.Database` that take and return neutral records; the
rules (windows, lateness, who is expected, who may do what) live in :mod:`attendance`. "Exactly once"
is a database constraint here: a check-in is unique per (meeting, attendee) and per source message,
and inserting one is ``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.common import dialect_insert as _insert
from bot.storage.common import require_aware as _require_aware
from bot.storage.db import Database
from bot.storage.models import AuditEntry, CheckIn, Group, Leave, Meeting, Member, Unit, UnitGroup

# Platforms whose user ids are roster columns; any other (console, api) matches any of the ids.
PLATFORM_ID_COLUMN = {"wecom": "wecom_userid", "dingtalk": "dingtalk_id"}
_IN_CHUNK = 500


class Conflict(Exception):
    """A unique value (unit name, platform id, mobile, binding) is already taken."""


@contextmanager
def _reading(db: Database) -> Iterator[Connection]:
    """A read-only connection: a plain deferred transaction, so readers never wait for SQLite's write lock."""
    with db.transaction(write=False) as conn:
        yield conn


def _decode_roles(text: str | None) -> tuple[str, ...]:
    return tuple(part for part in (text or "").split(",") if part)


# -- records --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitRecord:
    id: int
    name: str
    category: int
    parent_id: int | None = None
    parent_name: str | None = None


@dataclass(frozen=True, slots=True)
class MemberRecord:
    id: int
    name: str
    unit_id: int
    unit_name: str
    roles: tuple[str, ...]
    wecom_userid: str | None
    dingtalk_id: str | None
    mobile: str | None

    def platform_id(self, platform: str) -> str | None:
        """The id that reaches this person on ``platform`` (for @mentions)."""
        column = PLATFORM_ID_COLUMN.get(platform)
        if column is not None:
            return getattr(self, column)
        return self.wecom_userid or self.dingtalk_id or self.mobile


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    id: int
    unit_id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    window_opens_at: datetime
    window_closes_at: datetime
    grace_minutes: int
    include_masses: bool
    audience: tuple[str, ...]
    state: str
    platform: str | None
    chat_id: str | None
    opened_by: str
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class CheckinRecord:
    id: int
    meeting_id: int
    member_id: int | None
    attendee_key: str
    user_name: str
    platform: str
    platform_user_id: str | None
    at: datetime
    status: str
    method: str
    by_member_id: int | None
    by_name: str | None
    reason: str | None
    source_key: str | None = None


@dataclass(frozen=True, slots=True)
class LeaveRecord:
    id: int
    meeting_id: int
    member_id: int
    reason: str
    state: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    actor_member_id: int | None
    unit_id: int | None
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change, for the audit log: a roster member, or an operator on the command line."""

    name: str
    member_id: int | None = None


def _meeting(row: Any) -> MeetingRecord:
    return MeetingRecord(
        id=row.id, unit_id=row.unit_id, kind=row.kind, title=row.title, starts_at=row.starts_at,
        ends_at=row.ends_at, window_opens_at=row.window_opens_at, window_closes_at=row.window_closes_at,
        grace_minutes=row.grace_minutes, include_masses=bool(row.include_masses),
        audience=_decode_roles(row.audience), state=row.state, platform=row.platform, chat_id=row.chat_id,
        opened_by=row.opened_by, created_at=row.created_at, closed_at=row.closed_at,
    )


def _checkin(row: Any) -> CheckinRecord:
    return CheckinRecord(
        id=row.id, meeting_id=row.meeting_id, member_id=row.member_id, attendee_key=row.attendee_key,
        user_name=row.user_name, platform=row.platform, platform_user_id=row.platform_user_id, at=row.at,
        status=row.status, method=row.method, by_member_id=row.by_member_id, by_name=row.by_name,
        reason=row.reason, source_key=row.source_key,
    )


def _leave(row: Any) -> LeaveRecord:
    return LeaveRecord(
        id=row.id, meeting_id=row.meeting_id, member_id=row.member_id, reason=row.reason, state=row.state,
        requested_at=row.requested_at, decided_by=row.decided_by, decided_at=row.decided_at,
    )


_MEMBER_COLUMNS = (Member.id, Member.name, Member.unit_id, Unit.name.label("unit_name"), Member.roles,
                   Member.wecom_userid, Member.dingtalk_id, Member.mobile)


def _member(row: Any) -> MemberRecord:
    return MemberRecord(
        id=row.id, name=row.name, unit_id=row.unit_id, unit_name=row.unit_name, roles=_decode_roles(row.roles),
        wecom_userid=row.wecom_userid, dingtalk_id=row.dingtalk_id, mobile=row.mobile,
    )


def _audit(session: Session, *, at: datetime, actor: Actor, unit_id: int | None, action: str, target: str,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    session.add(AuditEntry(at=at, actor=actor.name[:200], actor_member_id=actor.member_id, unit_id=unit_id,
                           action=action, target=target[:300], before=_jsonable(before), after=_jsonable(after)))


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# -- units ----------------------------------------------------------------------------------------------


def add_unit(db: Database, *, name: str, category: int, parent: str | None, at: datetime, actor: Actor) -> UnitRecord:
    """Register a unit; :class:`Conflict` when the name is taken, :class:`LookupError` for an unknown parent."""
    _require_aware("at", at)
    if category not in (1, 2):
        raise ValueError(f"category must be 1 or 2, got {category!r}")
    try:
        with db.session() as session:
            parent_row = None
            if parent:
                parent_row = session.scalar(select(Unit).where(Unit.name == parent))
                if parent_row is None:
                    raise LookupError(parent)
            row = Unit(name=name, category=category, parent_id=parent_row.id if parent_row else None, created_at=at)
            session.add(row)
            session.flush()
            _audit(session, at=at, actor=actor, unit_id=row.id, action="unit.add", target=name,
                   after={"name": name, "category": category, "parent": parent})
            return UnitRecord(row.id, row.name, row.category, row.parent_id, parent)
    except IntegrityError as exc:
        raise Conflict(name) from exc


def list_units(db: Database) -> list[UnitRecord]:
    parent = Unit.__table__.alias("parent")
    stmt = (select(Unit.id, Unit.name, Unit.category, Unit.parent_id, parent.c.name.label("parent_name"))
            .outerjoin(parent, parent.c.id == Unit.parent_id).order_by(Unit.id))
    with _reading(db) as conn:
        return [UnitRecord(r.id, r.name, r.category, r.parent_id, r.parent_name) for r in conn.execute(stmt)]


def get_unit(db: Database, *, name: str | None = None, unit_id: int | None = None) -> UnitRecord | None:
    for unit in list_units(db):
        if (name is not None and unit.name == name) or (unit_id is not None and unit.id == unit_id):
            return unit
    return None


# -- members --------------------------------------------------------------------------------------------


def find_member(db: Database, *, platform: str, user_id: str) -> MemberRecord | None:
    """The roster member a platform user id belongs to (console / api: any of their ids or mobile)."""
    return identify(db, platform=platform, user_id=user_id, chat_id=None)[0]


# The check-in path runs these for every message: built once, so each call only binds values.
_MEMBER_BASE = select(*_MEMBER_COLUMNS).join(Unit, Unit.id == Member.unit_id)
_MEMBER_BY_ID = {
    column: _MEMBER_BASE.where(getattr(Member, column) == bindparam("uid"))
    for column in PLATFORM_ID_COLUMN.values()
}
_MEMBER_BY_ANY_ID = _MEMBER_BASE.where(or_(Member.wecom_userid == bindparam("uid"), Member.dingtalk_id == bindparam("uid"),
                                           Member.mobile == bindparam("uid"))).order_by(Member.id)
_CHAT_UNIT = (select(Unit.id, Unit.name, Unit.category, Unit.parent_id).join(UnitGroup, UnitGroup.unit_id == Unit.id)
              .where(UnitGroup.platform == bindparam("platform"), UnitGroup.chat_id == bindparam("chat_id")))


def identify(db: Database, *, platform: str, user_id: str,
             chat_id: str | None) -> tuple[MemberRecord | None, UnitRecord | None]:
    """The sender's roster entry and the unit the chat is bound to, in one read. On WeCom and
    DingTalk the user id is that platform's id; elsewhere (console, api) it may be any of the ids or
    the mobile."""
    with _reading(db) as conn:
        member = None
        if user_id:
            column = PLATFORM_ID_COLUMN.get(platform)
            stmt = _MEMBER_BY_ID[column] if column else _MEMBER_BY_ANY_ID
            rows = conn.execute(stmt, {"uid": user_id}).all()
            if rows:
                # console: an exact platform id beats a mobile that happens to equal it
                rows.sort(key=lambda r: (r.wecom_userid != user_id, r.dingtalk_id != user_id))
                member = _member(rows[0])
        unit = None
        if chat_id is not None:
            row = conn.execute(_CHAT_UNIT, {"platform": platform, "chat_id": chat_id}).first()
            if row is not None:
                unit = UnitRecord(row.id, row.name, row.category, row.parent_id)
    return member, unit


def list_members(db: Database, *, unit_id: int | None = None) -> list[MemberRecord]:
    stmt = select(*_MEMBER_COLUMNS).join(Unit, Unit.id == Member.unit_id).order_by(Unit.id, Member.id)
    if unit_id is not None:
        stmt = stmt.where(Member.unit_id == unit_id)
    with _reading(db) as conn:
        return [_member(row) for row in conn.execute(stmt)]


def get_member(db: Database, member_id: int) -> MemberRecord | None:
    with _reading(db) as conn:
        row = conn.execute(select(*_MEMBER_COLUMNS).join(Unit, Unit.id == Member.unit_id)
                           .where(Member.id == member_id)).first()
    return _member(row) if row is not None else None


@dataclass(frozen=True, slots=True)
class MemberValues:
    """One roster row to write: ``member_id`` None creates a person; a None id/mobile keeps the stored one."""

    member_id: int | None
    name: str
    unit_id: int
    roles: str
    wecom_userid: str | None
    dingtalk_id: str | None
    mobile: str | None
    source_row: int = 0


@dataclass(frozen=True, slots=True)
class RosterOutcome:
    added: int
    updated: int
    unchanged: int


def apply_roster(db: Database, rows: Sequence[MemberValues], *, at: datetime, actor: Actor,
                 source: str) -> RosterOutcome:
    """Write every row in one transaction (all or nothing); :class:`Conflict` names the first clash."""
    _require_aware("at", at)
    added = updated = unchanged = 0
    try:
        with db.session() as session:
            existing = {}
            ids = [r.member_id for r in rows if r.member_id is not None]
            for start in range(0, len(ids), _IN_CHUNK):
                for member in session.scalars(select(Member).where(Member.id.in_(ids[start:start + _IN_CHUNK]))):
                    existing[member.id] = member
            for values in rows:
                fields = {"name": values.name, "unit_id": values.unit_id, "roles": values.roles}
                for column in ("wecom_userid", "dingtalk_id", "mobile"):
                    if getattr(values, column) is not None:
                        fields[column] = getattr(values, column)
                if values.member_id is None:
                    member = Member(created_at=at, updated_at=at, **fields)
                    session.add(member)
                    session.flush()
                    added += 1
                    _audit(session, at=at, actor=actor, unit_id=values.unit_id, action="member.add",
                           target=f"member:{member.id} {values.name}", after={**fields, "source": source})
                    continue
                member = existing[values.member_id]
                before = {k: getattr(member, k) for k in fields}
                if before == fields:
                    unchanged += 1
                    continue
                for key, value in fields.items():
                    setattr(member, key, value)
                member.updated_at = at
                session.flush()
                updated += 1
                _audit(session, at=at, actor=actor, unit_id=values.unit_id, action="member.update",
                       target=f"member:{member.id} {values.name}",
                       before={k: v for k, v in before.items() if fields[k] != v},
                       after={**{k: v for k, v in fields.items() if before[k] != v}, "source": source})
    except IntegrityError as exc:
        raise Conflict(str(exc.orig).splitlines()[0] if exc.orig else str(exc)) from exc
    return RosterOutcome(added, updated, unchanged)


def link_member(db: Database, *, member_id: int, platform: str, user_id: str, at: datetime,
                actor: Actor) -> int:
    """Give a member their WeCom / DingTalk id and move the check-ins recorded for that sender as
    未匹配 onto the member; returns how many check-ins moved. :class:`Conflict` when someone else has the id."""
    _require_aware("at", at)
    column = PLATFORM_ID_COLUMN[platform]
    moved = 0
    try:
        with db.session() as session:
            member = session.get(Member, member_id)
            if member is None:
                raise LookupError(member_id)
            holder = session.scalar(select(Member).where(getattr(Member, column) == user_id))
            if holder is not None and holder.id != member_id:
                raise Conflict(holder.name)
            before = getattr(member, column)
            setattr(member, column, user_id)
            member.updated_at = at
            _audit(session, at=at, actor=actor, unit_id=member.unit_id, action="member.link",
                   target=f"member:{member.id} {member.name}", before={column: before}, after={column: user_id})
            key = f"u:{platform}:{user_id}"
            for checkin in session.scalars(select(CheckIn).where(CheckIn.attendee_key == key)):
                taken = session.scalar(select(CheckIn.id).where(CheckIn.meeting_id == checkin.meeting_id,
                                                                CheckIn.member_id == member_id))
                old = {"attendee": checkin.attendee_key, "user_name": checkin.user_name}
                if taken is not None:
                    session.delete(checkin)  # the member already has a check-in for that meeting
                    _audit(session, at=at, actor=actor, unit_id=member.unit_id, action="checkin.merge",
                           target=f"meeting:{checkin.meeting_id} {member.name}", before=old, after=None)
                    continue
                checkin.member_id = member_id
                checkin.attendee_key = f"m:{member_id}"
                checkin.user_name = member.name
                moved += 1
                _audit(session, at=at, actor=actor, unit_id=member.unit_id, action="checkin.link",
                       target=f"meeting:{checkin.meeting_id} {member.name}", before=old,
                       after={"attendee": checkin.attendee_key, "user_name": member.name})
    except IntegrityError as exc:
        raise Conflict(user_id) from exc
    return moved


# -- group ↔ unit ---------------------------------------------------------------------------------------


def bind_group(db: Database, *, platform: str, chat_id: str, unit_id: int, at: datetime, actor: Actor,
               replace: bool = False) -> tuple[str, UnitRecord | None]:
    """Bind a chat to a unit. Returns ``("bound" | "same" | "rebound", previous unit)``; a chat bound
    to another unit raises :class:`Conflict` (with that unit's name) unless ``replace``."""
    _require_aware("at", at)
    try:
        with db.session() as session:
            row = session.scalar(select(UnitGroup).where(UnitGroup.platform == platform, UnitGroup.chat_id == chat_id))
            previous = None
            if row is not None:
                prev_unit = session.get(Unit, row.unit_id)
                previous = UnitRecord(prev_unit.id, prev_unit.name, prev_unit.category, prev_unit.parent_id)
                if row.unit_id == unit_id:
                    return "same", previous
                if not replace:
                    raise Conflict(prev_unit.name)
                row.unit_id, row.bound_by, row.bound_at = unit_id, actor.name, at
                outcome = "rebound"
            else:
                session.add(UnitGroup(platform=platform, chat_id=chat_id, unit_id=unit_id, bound_by=actor.name,
                                      bound_at=at))
                outcome = "bound"
            unit = session.get(Unit, unit_id)
            # Reminders read the category from the groups table: keep a registered group in step.
            session.execute(update(Group).where(Group.platform == platform, Group.chat_id == chat_id)
                            .values(unit=unit.name, category=unit.category))
            _audit(session, at=at, actor=actor, unit_id=unit_id, action="group.bind", target=f"{platform}:{chat_id}",
                   before={"unit": previous.name} if previous else None, after={"unit": unit.name})
            return outcome, previous
    except IntegrityError as exc:  # a concurrent bind of the same chat
        raise Conflict(chat_id) from exc


def list_bindings(db: Database) -> list[tuple[str, str, UnitRecord]]:
    stmt = (select(UnitGroup.platform, UnitGroup.chat_id, Unit.id, Unit.name, Unit.category, Unit.parent_id)
            .join(Unit, Unit.id == UnitGroup.unit_id).order_by(UnitGroup.id))
    with _reading(db) as conn:
        return [(r.platform, r.chat_id, UnitRecord(r.id, r.name, r.category, r.parent_id)) for r in conn.execute(stmt)]


def category_of_chat(db: Database, platform: str, chat_id: str) -> int | None:
    """The category (1 or 2) of the unit a chat is bound to; else the category the group was registered
    with (``xueshi groups add --category``); else None."""
    with _reading(db) as conn:
        found = conn.execute(select(Unit.category).join(UnitGroup, UnitGroup.unit_id == Unit.id)
                             .where(UnitGroup.platform == platform, UnitGroup.chat_id == chat_id)).scalar()
        if found is None:
            found = conn.execute(select(Group.category).where(Group.platform == platform,
                                                              Group.chat_id == chat_id)).scalar()
    return int(found) if found in (1, 2) else None


# -- meetings -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewMeeting:
    unit_id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    window_opens_at: datetime
    window_closes_at: datetime
    grace_minutes: int
    include_masses: bool
    audience: str
    platform: str | None
    chat_id: str | None


def meeting_by_source(db: Database, source_key: str) -> MeetingRecord | None:
    with _reading(db) as conn:
        row = conn.execute(select(Meeting.__table__).where(Meeting.source_key == source_key)).first()
    return _meeting(row) if row is not None else None


def create_meeting(db: Database, new: NewMeeting, *, at: datetime, actor: Actor,
                   source_key: str | None) -> tuple[MeetingRecord, bool]:
    """Open a meeting; the same source message twice returns the first meeting and ``False``."""
    for name in ("starts_at", "ends_at", "window_opens_at", "window_closes_at"):
        _require_aware(name, getattr(new, name))
    if source_key:
        found = meeting_by_source(db, source_key)
        if found is not None:
            return found, False
    try:
        with db.session() as session:
            row = Meeting(**asdict(new), state="open", opened_by=actor.name, created_at=at, closed_at=None,
                          source_key=source_key)
            session.add(row)
            session.flush()
            _audit(session, at=at, actor=actor, unit_id=new.unit_id, action="meeting.open",
                   target=f"meeting:{row.id} {new.title}", after={"kind": new.kind, "title": new.title,
                                                                  "starts_at": new.starts_at, "ends_at": new.ends_at})
            return _meeting(row), True
    except IntegrityError:
        found = meeting_by_source(db, source_key) if source_key else None
        if found is None:
            raise
        return found, False


_UNIT_MEETINGS = (select(Meeting.__table__).where(Meeting.unit_id == bindparam("unit_id"))
                  .order_by(Meeting.starts_at.desc(), Meeting.id.desc()))


def list_meetings(db: Database, *, unit_id: int | None = None, states: Iterable[str] | None = None,
                  ids: Iterable[int] | None = None) -> list[MeetingRecord]:
    """Meetings, latest start first."""
    if unit_id is not None and states is None and ids is None:
        with _reading(db) as conn:
            return [_meeting(row) for row in conn.execute(_UNIT_MEETINGS, {"unit_id": unit_id})]
    stmt = select(Meeting.__table__).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    if unit_id is not None:
        stmt = stmt.where(Meeting.unit_id == unit_id)
    if states is not None:
        stmt = stmt.where(Meeting.state.in_(list(states)))
    if ids is not None:
        stmt = stmt.where(Meeting.id.in_(list(ids)))
    with _reading(db) as conn:
        return [_meeting(row) for row in conn.execute(stmt)]


def get_meeting(db: Database, meeting_id: int) -> MeetingRecord | None:
    found = list_meetings(db, ids=[meeting_id])
    return found[0] if found else None


def close_meeting(db: Database, *, meeting_id: int, at: datetime, actor: Actor) -> MeetingRecord | None:
    """Close check-in now (the window ends at ``at`` if it was still open); None when already closed."""
    _require_aware("at", at)
    with db.session() as session:
        row = session.get(Meeting, meeting_id)
        if row is None or row.state == "closed":
            return None
        before = {"state": row.state, "window_closes_at": row.window_closes_at}
        row.state = "closed"
        row.closed_at = at
        if at < row.window_closes_at:
            row.window_closes_at = max(at, row.window_opens_at)
        session.flush()
        _audit(session, at=at, actor=actor, unit_id=row.unit_id, action="meeting.close",
               target=f"meeting:{row.id} {row.title}", before=before,
               after={"state": "closed", "window_closes_at": row.window_closes_at})
        return _meeting(row)


# -- check-ins ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewCheckin:
    meeting_id: int
    member_id: int | None
    attendee_key: str
    user_name: str
    platform: str
    platform_user_id: str | None
    at: datetime
    status: str
    method: str
    by_member_id: int | None = None
    by_name: str | None = None
    reason: str | None = None
    source_key: str | None = None


_CHECKIN_COLUMNS = tuple(c.name for c in CheckIn.__table__.columns if c.name != "id")
_EXISTING_CHECKIN = (select(CheckIn.__table__)
                     .where(CheckIn.meeting_id == bindparam("meeting_id"), CheckIn.attendee_key == bindparam("attendee_key"))
                     .order_by(CheckIn.id).limit(1))
_CHECKIN_BY_SOURCE = select(CheckIn.__table__).where(CheckIn.source_key == bindparam("source_key")).limit(1)
_AUDIT_INSERT = AuditEntry.__table__.insert()
_INSERT_CHECKIN: dict[str, Any] = {}


def _insert_checkin_stmt(dialect: str):
    stmt = _INSERT_CHECKIN.get(dialect)
    if stmt is None:
        insert = _insert(dialect)
        stmt = (insert(CheckIn).values({name: bindparam(name) for name in _CHECKIN_COLUMNS})
                .on_conflict_do_nothing().returning(CheckIn.id))
        _INSERT_CHECKIN[dialect] = stmt
    return stmt


def insert_checkin(db: Database, new: NewCheckin, *, unit_id: int, audit: Actor | None = None,
                   audit_action: str = "") -> tuple[CheckinRecord, bool]:
    """Record a check-in unless one exists for the attendee (or the source message): returns the
    stored row and whether it is new. Audited (in the same transaction) when ``audit`` is given.

    One write transaction with ``INSERT … ON CONFLICT DO NOTHING``: concurrent callers for the same
    attendee (threads, processes, replicas) end with one row, and each learns which row won."""
    _require_aware("at", new.at)
    values = asdict(new)
    with db.transaction() as conn:
        existing = _existing_checkin(conn, new)
        if existing is not None:
            return existing, False
        new_id = conn.execute(_insert_checkin_stmt(db.dialect), values).scalar()
        if new_id is None:  # lost a race with a concurrent insert: report the winner
            existing = _existing_checkin(conn, new)
            if existing is None:  # pragma: no cover - a conflict implies a row
                raise RuntimeError("check-in conflict without a conflicting row")
            return existing, False
        if audit is not None:
            conn.execute(_AUDIT_INSERT, {
                "at": new.at, "actor": audit.name[:200], "actor_member_id": audit.member_id, "unit_id": unit_id,
                "action": audit_action, "target": f"meeting:{new.meeting_id} {new.user_name}"[:300], "before": None,
                "after": _jsonable({"status": new.status, "method": new.method, "at": new.at, "reason": new.reason}),
            })
    return CheckinRecord(id=new_id, **values), True


def _existing_checkin(conn: Connection, new: NewCheckin) -> CheckinRecord | None:
    if new.source_key:
        row = conn.execute(_CHECKIN_BY_SOURCE, {"source_key": new.source_key}).first()
        if row is not None:
            return _checkin(row)
    row = conn.execute(_EXISTING_CHECKIN, {"meeting_id": new.meeting_id, "attendee_key": new.attendee_key}).first()
    return _checkin(row) if row is not None else None


def list_checkins(db: Database, *, meeting_ids: Iterable[int] | None = None,
                  member_id: int | None = None) -> list[CheckinRecord]:
    stmt = select(CheckIn.__table__).order_by(CheckIn.at, CheckIn.id)
    if meeting_ids is not None:
        stmt = stmt.where(CheckIn.meeting_id.in_(list(meeting_ids)))
    if member_id is not None:
        stmt = stmt.where(CheckIn.member_id == member_id)
    with _reading(db) as conn:
        return [_checkin(row) for row in conn.execute(stmt)]


def count_checkins(db: Database, meeting_id: int) -> int:
    with _reading(db) as conn:
        return int(conn.execute(select(func.count()).select_from(CheckIn).where(CheckIn.meeting_id == meeting_id))
                   .scalar() or 0)


# -- leaves ---------------------------------------------------------------------------------------------


def request_leave(db: Database, *, meeting_id: int, member_id: int, unit_id: int, reason: str, at: datetime,
                  actor: Actor, source_key: str | None) -> tuple[LeaveRecord, str]:
    """Ask for leave. Returns the row and ``"new"``, ``"again"`` (a rejected one asked again),
    ``"updated"`` (a pending one with a new reason) or ``"same"`` (nothing changed)."""
    _require_aware("at", at)
    with db.session() as session:
        if source_key:
            row = session.scalar(select(Leave).where(Leave.source_key == source_key))
            if row is not None:
                return _leave(row), "same"
        row = session.scalar(select(Leave).where(Leave.meeting_id == meeting_id, Leave.member_id == member_id))
        if row is None:
            insert = _insert(session.get_bind().dialect.name)
            new_id = session.execute(
                insert(Leave).values(meeting_id=meeting_id, member_id=member_id, reason=reason, state="pending",
                                     requested_at=at, source_key=source_key)
                .on_conflict_do_nothing().returning(Leave.id)
            ).scalar()
            row = session.scalar(select(Leave).where(Leave.meeting_id == meeting_id, Leave.member_id == member_id))
            if new_id is None:
                return _leave(row), "same"
            _audit(session, at=at, actor=actor, unit_id=unit_id, action="leave.request",
                   target=f"meeting:{meeting_id} member:{member_id}", after={"reason": reason, "state": "pending"})
            return _leave(row), "new"
        if row.state == "approved" or (row.state == "pending" and row.reason == reason):
            return _leave(row), "same"
        before = {"reason": row.reason, "state": row.state}
        outcome = "again" if row.state == "rejected" else "updated"
        row.reason, row.state, row.requested_at = reason, "pending", at
        row.decided_by = row.decided_at = row.decided_by_member_id = None
        session.flush()
        _audit(session, at=at, actor=actor, unit_id=unit_id, action="leave.request",
               target=f"meeting:{meeting_id} member:{member_id}", before=before,
               after={"reason": reason, "state": "pending"})
        return _leave(row), outcome


def decide_leave(db: Database, *, leave_id: int, approve: bool, unit_id: int, at: datetime,
                 actor: Actor) -> tuple[LeaveRecord, bool]:
    """Approve or reject; returns the row and whether it changed."""
    _require_aware("at", at)
    state = "approved" if approve else "rejected"
    with db.session() as session:
        row = session.get(Leave, leave_id)
        if row is None:
            raise LookupError(leave_id)
        if row.state == state:
            return _leave(row), False
        before = {"state": row.state, "decided_by": row.decided_by}
        row.state, row.decided_by, row.decided_by_member_id, row.decided_at = state, actor.name, actor.member_id, at
        session.flush()
        _audit(session, at=at, actor=actor, unit_id=unit_id, action=f"leave.{'approve' if approve else 'reject'}",
               target=f"meeting:{row.meeting_id} member:{row.member_id}", before=before,
               after={"state": state, "decided_by": actor.name})
        return _leave(row), True


def list_leaves(db: Database, *, meeting_ids: Iterable[int] | None = None,
                member_id: int | None = None) -> list[LeaveRecord]:
    stmt = select(Leave.__table__).order_by(Leave.requested_at, Leave.id)
    if meeting_ids is not None:
        stmt = stmt.where(Leave.meeting_id.in_(list(meeting_ids)))
    if member_id is not None:
        stmt = stmt.where(Leave.member_id == member_id)
    with _reading(db) as conn:
        return [_leave(row) for row in conn.execute(stmt)]


# -- audit ----------------------------------------------------------------------------------------------


def add_audit(db: Database, *, at: datetime, actor: Actor, unit_id: int | None, action: str, target: str,
              before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    _require_aware("at", at)
    with db.session() as session:
        _audit(session, at=at, actor=actor, unit_id=unit_id, action=action, target=target, before=before, after=after)


def list_audit(db: Database, *, unit_id: int | None = None, action: str | None = None) -> list[AuditRecord]:
    stmt = select(AuditEntry.__table__).order_by(AuditEntry.id)
    if unit_id is not None:
        stmt = stmt.where(AuditEntry.unit_id == unit_id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    with _reading(db) as conn:
        return [AuditRecord(id=r.id, at=r.at, actor=r.actor, actor_member_id=r.actor_member_id, unit_id=r.unit_id,
                            action=r.action, target=r.target, before=r.before, after=r.after)
                for r in conn.execute(stmt)]
