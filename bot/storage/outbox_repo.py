"""Repository functions for groups (push channels) and the reminder outbox.

Same conventions as :mod:`bot.storage.repo`: the :class:`Database` first, keyword arguments, one
transaction per call, plain values out, aware datetimes in and aware UTC datetimes out.

Credentials (webhook URLs carry a key or access token; DingTalk secrets) are stored as given, but
:class:`GroupRecord`'s ``repr`` and :meth:`GroupRecord.describe` only ever show them masked
(:func:`mask_secret`, :func:`mask_url`).

Exactly-once rests on two statements here: :func:`insert_outbox` inserts with ``ON CONFLICT (key) DO
NOTHING``, and :func:`claim` flips rows to ``sending`` with one conditional ``UPDATE`` that only
matches rows nobody holds, so two passes (threads or processes) never both own a row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.storage.common import dialect_insert as _insert
from bot.storage.common import require_aware as _require_aware
from bot.storage.db import Database
from bot.storage.models import Group, OutboxEntry

PLATFORMS = ("wecom", "dingtalk", "console")
CHANNELS = ("wecom_webhook", "wecom_aibot", "dingtalk_webhook", "dingtalk_openapi", "console")
STATES = ("pending", "sending", "sent", "failed", "skipped")

#: Query parameters of a webhook URL that are credentials.
SECRET_PARAMS = frozenset({"key", "access_token", "sign", "session", "token"})

_IN_CHUNK = 500


class GroupExists(ValueError):
    """A group with the same (platform, chat id) is already registered."""


# -- masking ------------------------------------------------------------------------------------------


def mask_secret(value: str | None) -> str:
    """``abcd…wxyz`` for long values; short values are hidden entirely (``****``)."""
    if not value:
        return ""
    if len(value) >= 12:
        return f"{value[:4]}…{value[-4:]}"
    return "****"


def mask_url(url: str | None) -> str:
    """The URL with credential query parameters (``key``, ``access_token``, ``sign`` …) masked."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return mask_secret(url)
    masked = "&".join(
        f"{quote(k, safe='')}={mask_secret(v) if k.lower() in SECRET_PARAMS else quote(v, safe='')}"
        for k, v in query
    )
    return urlunsplit(parts._replace(query=masked, fragment=""))


# ``\b`` keeps e.g. ``corpsecret=`` and ``response_code=`` whole words; every credential-bearing parameter
# of WeCom and DingTalk URLs is listed.
_SECRET_IN_TEXT = re.compile(
    r"(\b(?:key|access_token|sign|session|token|corpsecret|secret|appsecret|response_code|ticket)=)"
    r"([^&\s\"'<>]+)", re.IGNORECASE)


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Mask credential query parameters and any of ``secrets`` appearing in free text (errors, logs)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, mask_secret(secret))
    return _SECRET_IN_TEXT.sub(lambda m: m.group(1) + mask_secret(m.group(2)), text)


# -- groups -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupRecord:
    id: int
    platform: str
    chat_id: str
    name: str
    channel: str
    unit: str | None = None
    category: int | None = None
    webhook_url: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    keyword: str | None = None
    robot_code: str | None = None
    open_conversation_id: str | None = None
    created_at: datetime | None = None

    @property
    def key(self) -> str:
        """Stable identity used in outbox keys: survives removing and re-adding the group."""
        return f"{self.platform}:{self.chat_id}".replace("|", "%7C")

    @property
    def masked_webhook(self) -> str:
        return mask_url(self.webhook_url)

    @property
    def masked_secret(self) -> str:
        return mask_secret(self.secret)

    def describe(self) -> str:
        """A one-line description that is safe to print or log."""
        target = {
            "wecom_webhook": self.masked_webhook,
            "dingtalk_webhook": self.masked_webhook,
            "dingtalk_openapi": f"robotCode={self.robot_code} openConversationId={self.open_conversation_id}",
            "wecom_aibot": f"chatid={self.chat_id}",
            "console": "console",
        }.get(self.channel, "")
        return f"#{self.id} {self.name} ({self.platform}:{self.chat_id}, {self.channel} {target})"


def _group(row: Group) -> GroupRecord:
    return GroupRecord(
        id=row.id,
        platform=row.platform,
        chat_id=row.chat_id,
        name=row.name,
        channel=row.channel,
        unit=row.unit,
        category=row.category,
        webhook_url=row.webhook_url,
        secret=row.secret,
        keyword=row.keyword,
        robot_code=row.robot_code,
        open_conversation_id=row.open_conversation_id,
        created_at=row.created_at,
    )


def add_group(
    db: Database,
    *,
    platform: str,
    chat_id: str,
    name: str,
    channel: str,
    created_at: datetime,
    unit: str | None = None,
    category: int | None = None,
    webhook_url: str | None = None,
    secret: str | None = None,
    keyword: str | None = None,
    robot_code: str | None = None,
    open_conversation_id: str | None = None,
) -> GroupRecord:
    """Register a group; :class:`GroupExists` when (platform, chat id) is taken."""
    _require_aware("created_at", created_at)
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}")
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if category not in (None, 1, 2):
        raise ValueError(f"category must be 1, 2 or None, got {category!r}")
    row = Group(
        platform=platform,
        chat_id=chat_id,
        name=name,
        channel=channel,
        unit=unit,
        category=category,
        webhook_url=webhook_url,
        secret=secret,
        keyword=keyword,
        robot_code=robot_code,
        open_conversation_id=open_conversation_id,
        created_at=created_at,
    )
    try:
        with db.session() as session:
            session.add(row)
            session.flush()
            return _group(row)
    except IntegrityError as exc:
        raise GroupExists(f"{platform}:{chat_id}") from exc


def list_groups(db: Database) -> list[GroupRecord]:
    with db.session() as session:
        return [_group(row) for row in session.scalars(select(Group).order_by(Group.id))]


def get_group(db: Database, group_id: int) -> GroupRecord | None:
    with db.session() as session:
        row = session.get(Group, group_id)
        return _group(row) if row is not None else None


def remove_group(db: Database, group_id: int) -> bool:
    """Delete a group and its unsent outbox rows; sent and skipped rows stay as history (group NULL)."""
    with db.session() as session:
        row = session.get(Group, group_id)
        if row is None:
            return False
        session.execute(
            delete(OutboxEntry).where(
                OutboxEntry.group_id == group_id, OutboxEntry.state.in_(("pending", "sending", "failed"))
            )
        )
        session.execute(update(OutboxEntry).where(OutboxEntry.group_id == group_id).values(group_id=None))
        session.delete(row)
        return True


# -- outbox: inserting --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """What :func:`insert_outbox` stores for one occurrence and one group."""

    key: str
    group_id: int
    rule_id: str
    subject_id: str
    due_at: datetime
    text: str


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_outbox(db: Database, items: Sequence[OutboxItem], *, now: datetime) -> int:
    """Insert the rows whose key is not there yet (``ON CONFLICT DO NOTHING``); returns how many were new.

    Idempotent and safe against a concurrent caller: a key inserted by someone else in between is
    silently left alone by the conflict clause.
    """
    _require_aware("now", now)
    for item in items:
        _require_aware("due_at", item.due_at)
    if not items:
        return 0
    unique = list({item.key: item for item in items}.values())
    with db.session() as session:
        existing: set[str] = set()
        for chunk in _chunks([item.key for item in unique], _IN_CHUNK):
            existing.update(session.scalars(select(OutboxEntry.key).where(OutboxEntry.key.in_(chunk))))
        new = [item for item in unique if item.key not in existing]
        if not new:
            return 0
        insert = _insert(session.get_bind().dialect.name)
        stmt = insert(OutboxEntry).on_conflict_do_nothing(index_elements=["key"])
        for chunk in _chunks(new, _IN_CHUNK):
            session.execute(
                stmt,
                [
                    {
                        "key": item.key,
                        "group_id": item.group_id,
                        "rule_id": item.rule_id,
                        "subject_id": item.subject_id,
                        "due_at": item.due_at,
                        "text": item.text,
                        "state": "pending",
                        "attempts": 0,
                        "parts_sent": 0,
                        "created_at": now,
                    }
                    for item in chunk
                ],
            )
        return len(new)


# -- outbox: one delivery pass ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueRow:
    """A row ready to be sent now, with its group."""

    id: int
    key: str
    rule_id: str
    due_at: datetime
    text: str
    attempts: int
    parts_sent: int
    group: GroupRecord


def _claimable(now: datetime):
    o = OutboxEntry
    return and_(
        o.due_at <= now,
        o.group_id.is_not(None),
        or_(
            and_(
                o.state == "pending",
                or_(o.next_attempt_at.is_(None), o.next_attempt_at <= now),
                or_(o.claimed_until.is_(None), o.claimed_until < now),
            ),
            # A pass that died (crash, SIGKILL) while holding the row: its lease ran out.
            and_(o.state == "sending", o.claimed_until < now),
        ),
    )


SKIP_LATE = "超过宽限期（{hours:g} 小时）仍未发出，已跳过：可能是程序停机或积压"
SKIP_INTERRUPTED = "发送中断后超过宽限期（{hours:g} 小时），已跳过：中断前可能已发出一次"
SKIP_NO_GROUP = "群已删除，未发送"
SKIP_BEFORE_GROUP = "到期时这个群还没有登记，不补发"


def skip_expired(db: Database, *, now: datetime, cutoff: datetime, hours: float) -> list[tuple[int, str]]:
    """Mark skipped every unsent row whose send time (retry time, else due time) is before ``cutoff``.

    Rows held by a live pass are left alone. Returns ``(id, key)`` of the rows skipped; the reason is
    written to ``last_error`` so nothing disappears silently.
    """
    _require_aware("now", now)
    _require_aware("cutoff", cutoff)
    o = OutboxEntry
    send_time = func.coalesce(o.next_attempt_at, o.due_at)
    late_pending = and_(o.state == "pending", send_time < cutoff)
    late_sending = and_(o.state == "sending", o.claimed_until < now, send_time < cutoff)
    orphan = and_(o.state.in_(("pending", "sending")), o.group_id.is_(None))
    before_group = and_(
        late_pending, o.attempts == 0,
        exists(select(Group.id).where(Group.id == o.group_id, Group.created_at > o.due_at)),
    )
    skipped: list[tuple[int, str]] = []
    with db.session() as session:
        for condition, reason in (
            (orphan, SKIP_NO_GROUP),
            (before_group, SKIP_BEFORE_GROUP),
            (late_pending, SKIP_LATE.format(hours=hours)),
            (late_sending, SKIP_INTERRUPTED.format(hours=hours)),
        ):
            rows = session.execute(select(o.id, o.key).where(condition)).all()
            if not rows:
                continue
            ids = [row.id for row in rows]
            for chunk in _chunks(ids, _IN_CHUNK):
                session.execute(
                    update(o)
                    .where(o.id.in_(chunk), condition)
                    .values(state="skipped", last_error=reason, claimed_until=None, claimed_by=None)
                )
            skipped.extend((row.id, row.key) for row in rows)
    return skipped


def due_rows(db: Database, *, now: datetime, limit: int | None = None) -> list[DueRow]:
    """Rows a pass may claim at ``now``, oldest first."""
    _require_aware("now", now)
    stmt = (
        select(OutboxEntry, Group)
        .join(Group, Group.id == OutboxEntry.group_id)
        .where(_claimable(now))
        .order_by(OutboxEntry.due_at, OutboxEntry.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    with db.session() as session:
        return [
            DueRow(
                id=entry.id,
                key=entry.key,
                rule_id=entry.rule_id,
                due_at=entry.due_at,
                text=entry.text,
                attempts=entry.attempts,
                parts_sent=entry.parts_sent,
                group=_group(group),
            )
            for entry, group in session.execute(stmt).all()
        ]


def claim(db: Database, ids: Sequence[int], *, now: datetime, until: datetime, token: str) -> set[int]:
    """Atomically take the rows among ``ids`` that nobody holds; returns the ids now held by ``token``.

    One conditional UPDATE: on PostgreSQL a row changed by a concurrent transaction is re-checked
    against the WHERE clause after that transaction commits; on SQLite the write lock (BEGIN IMMEDIATE)
    serialises the two passes. Either way a row is held by exactly one token.
    """
    _require_aware("now", now)
    _require_aware("until", until)
    if not ids:
        return set()
    o = OutboxEntry
    with db.session() as session:
        session.execute(
            update(o)
            .where(o.id.in_(list(ids)), _claimable(now))
            .values(state="sending", claimed_by=token, claimed_until=until, attempts=o.attempts + 1)
        )
        held = session.scalars(
            select(o.id).where(o.id.in_(list(ids)), o.claimed_by == token, o.state == "sending")
        )
        return set(held)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one delivery attempt: ``sent``, ``retry`` (at ``next_attempt_at``) or ``failed``."""

    id: int
    result: str
    parts_sent: int
    error: str | None = None
    next_attempt_at: datetime | None = None


def record_outcomes(db: Database, outcomes: Sequence[Outcome], *, now: datetime, token: str) -> None:
    """Write a batch of outcomes in one transaction (group commit).

    ``sent`` is recorded whoever holds the row now (the message did go out), in one statement per
    distinct ``parts_sent``; ``retry`` and ``failed`` only while ``token`` still holds the row.
    """
    _require_aware("now", now)
    o = OutboxEntry
    sent: dict[int, list[int]] = {}
    others: list[Outcome] = []
    for outcome in outcomes:
        if outcome.result == "sent":
            sent.setdefault(outcome.parts_sent, []).append(outcome.id)
        elif outcome.result in ("retry", "failed"):
            others.append(outcome)
        else:  # pragma: no cover - programming error
            raise ValueError(f"unknown outcome {outcome.result!r}")
    with db.session() as session:
        for parts_sent, ids in sent.items():
            for chunk in _chunks(ids, _IN_CHUNK):
                session.execute(
                    update(o)
                    .where(o.id.in_(list(chunk)), o.state != "sent")
                    .values(state="sent", sent_at=now, parts_sent=parts_sent, last_error=None,
                            claimed_until=None, claimed_by=None, next_attempt_at=None)
                )
        for outcome in others:
            session.execute(
                update(o)
                .where(o.id == outcome.id, o.state == "sending", o.claimed_by == token)
                .values(
                    state="pending" if outcome.result == "retry" else "failed",
                    next_attempt_at=outcome.next_attempt_at if outcome.result == "retry" else None,
                    last_error=(outcome.error or "")[:2000],
                    parts_sent=outcome.parts_sent,
                    claimed_until=None,
                    claimed_by=None,
                )
            )


def record_progress(db: Database, *, outbox_id: int, parts_sent: int) -> None:
    """Remember how many parts of a split message went out, so a retry does not repeat them."""
    with db.session() as session:
        session.execute(update(OutboxEntry).where(OutboxEntry.id == outbox_id).values(parts_sent=parts_sent))


def retry_failed(db: Database, *, now: datetime, include_skipped: bool = False) -> int:
    """Put failed (and optionally skipped) rows back to pending with a fresh retry budget, due now."""
    _require_aware("now", now)
    states = ("failed", "skipped") if include_skipped else ("failed",)
    o = OutboxEntry
    with db.session() as session:
        result = session.execute(
            update(o)
            .where(o.state.in_(states), o.group_id.is_not(None))
            .values(state="pending", attempts=0, next_attempt_at=now, claimed_until=None, claimed_by=None)
        )
        return int(result.rowcount or 0)


# -- outbox: reading ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    id: int
    key: str
    group_id: int | None
    rule_id: str
    subject_id: str
    due_at: datetime
    text: str
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None


def list_outbox(
    db: Database,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    states: Sequence[str] | None = None,
    group_id: int | None = None,
) -> list[OutboxRecord]:
    """Outbox rows, by due time, optionally within ``[start, end)`` and in the given states."""
    o = OutboxEntry
    stmt = select(o).order_by(o.due_at, o.id)
    if start is not None:
        _require_aware("start", start)
        stmt = stmt.where(o.due_at >= start)
    if end is not None:
        _require_aware("end", end)
        stmt = stmt.where(o.due_at < end)
    if states:
        stmt = stmt.where(o.state.in_(list(states)))
    if group_id is not None:
        stmt = stmt.where(o.group_id == group_id)
    with db.session() as session:
        return [
            OutboxRecord(
                id=row.id, key=row.key, group_id=row.group_id, rule_id=row.rule_id, subject_id=row.subject_id,
                due_at=row.due_at, text=row.text, state=row.state, attempts=row.attempts,
                last_error=row.last_error, next_attempt_at=row.next_attempt_at, sent_at=row.sent_at,
            )
            for row in session.scalars(stmt)
        ]


def outbox_counts(db: Database) -> dict[str, int]:
    """Rows per state."""
    with db.session() as session:
        rows = session.execute(select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all()
    return {state: int(count) for state, count in rows}
