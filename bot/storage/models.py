"""Declarative models. All timestamps are stored as UTC and read back as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that only accepts aware values and always returns aware UTC values.

    PostgreSQL keeps the offset (``timestamptz``); SQLite stores text without one, so values are
    converted to UTC before they are written and UTC is re-attached when they are read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: storage needs an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Explicit constraint names keep migrations (and SQLite batch mode) deterministic across backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class AskedQuestion(Base):
    """One incoming question and how it was handled (``intent``: e.g. answer / suggest / fallback)."""

    __tablename__ = "asked_questions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    asked_at: Mapped[datetime]
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    question: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(String(500), index=True)
    intent: Mapped[str] = mapped_column(String(20), index=True)
    faq_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)


class ChatContext(Base):
    """Short-lived per-user conversation state (e.g. pending suggestions), one row per ``kind``."""

    __tablename__ = "chat_context"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    payload: Mapped[dict[str, Any]]
    expires_at: Mapped[datetime]


class Group(Base):
    """A group chat reminders are pushed into, and the one channel that reaches it.

    ``channel``: ``wecom_webhook`` | ``dingtalk_webhook`` | ``dingtalk_openapi`` | ``console``.
    ``webhook_url`` and ``secret`` are credentials: never print or log them unmasked.
    """

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("platform", "chat_id", name="uq_groups_platform_chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(32))
    webhook_url: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(String(256))
    keyword: Mapped[str | None] = mapped_column(String(64))
    robot_code: Mapped[str | None] = mapped_column(String(128))
    open_conversation_id: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime]


class OutboxEntry(Base):
    """One reminder occurrence for one group; ``key`` (rule, subject, group, due time) is unique.

    ``state``: ``pending`` → ``sending`` (claimed until ``claimed_until``) → ``sent``; or ``failed``
    (after the retry budget or a permanent error; ``xueshi reminders retry`` puts it back) or
    ``skipped`` (older than the grace window when first seen; the reason is in ``last_error``).
    ``group_id`` becomes NULL when the group is removed, so the history of what was sent survives.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), index=True)
    rule_id: Mapped[str] = mapped_column(String(128))
    subject_id: Mapped[str] = mapped_column(String(128))
    due_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


# -- milestone meetings: roster, check-in, leave, audit ---------------------------------------------


class Unit(Base):
    """A unit on the roster; ``category`` is 1 (第一类单位) or 2 (第二类单位); ``parent`` its 直属党委."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    category: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Member(Base):
    """A person on a unit's roster. ``roles``: canonical comma-separated roles (see attendance.roles).

    WeCom userid, DingTalk staff id and mobile each identify at most one person (NULL when unknown).
    """

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    roles: Mapped[str] = mapped_column(String(200))
    wecom_userid: Mapped[str | None] = mapped_column(String(128), unique=True)
    dingtalk_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class UnitGroup(Base):
    """Which unit a group chat belongs to: one unit per (platform, chat id)."""

    __tablename__ = "unit_groups"
    __table_args__ = (UniqueConstraint("platform", "chat_id", name="uq_unit_groups_platform_chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(128))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    bound_by: Mapped[str] = mapped_column(String(200))
    bound_at: Mapped[datetime]


class Meeting(Base):
    """A meeting with a check-in window; ``state``: ``open`` → ``closed`` (结束签到).

    Check-in is accepted in [window_opens_at, window_closes_at); after ``starts_at`` + ``grace_minutes``
    it is late. ``audience`` (canonical roles, empty = everyone but pure 群众代表) and
    ``include_masses`` say who is expected; they are copied from the meeting kind when it is opened.
    """

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_unit_id_state", "unit_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    window_opens_at: Mapped[datetime]
    window_closes_at: Mapped[datetime]
    grace_minutes: Mapped[int] = mapped_column(Integer)
    include_masses: Mapped[bool] = mapped_column(Boolean)
    audience: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str | None] = mapped_column(String(20))
    chat_id: Mapped[str | None] = mapped_column(String(128))
    opened_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    source_key: Mapped[str | None] = mapped_column(String(300), unique=True)


class CheckIn(Base):
    """One person present at one meeting. ``attendee_key`` is ``m:<member id>`` or, for a sender not
    on the roster (未匹配), ``u:<platform>:<user id>``; unique per meeting, so nobody is counted twice.
    ``status``: ``on_time`` | ``late``; ``method``: ``self`` | ``proxy`` (代签) | ``makeup`` (补签).
    ``source_key`` (platform, chat, message id) makes a redelivered message change nothing.
    """

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("meeting_id", "attendee_key", name="uq_checkins_meeting_id_attendee_key"),
        UniqueConstraint("meeting_id", "member_id", name="uq_checkins_meeting_id_member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    attendee_key: Mapped[str] = mapped_column(String(300))
    user_name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20))
    platform_user_id: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    by_member_id: Mapped[int | None] = mapped_column(Integer)
    by_name: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    source_key: Mapped[str | None] = mapped_column(String(300), unique=True)


class Leave(Base):
    """A request for leave from one meeting; ``state``: ``pending`` (待批) | ``approved`` | ``rejected``."""

    __tablename__ = "leaves"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id", name="uq_leaves_meeting_id_member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    decided_by_member_id: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    source_key: Mapped[str | None] = mapped_column(String(300), unique=True)


class AuditEntry(Base):
    """Who changed what, when: ``before`` → ``after`` as JSON (None for a creation / deletion)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))
    actor_member_id: Mapped[int | None] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(300))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class InboundEvent(Base):
    """One message delivered by a platform, remembered so a redelivery is recognised and ignored.

    The unique key is (platform, msg_id, sender_id, sent_key): ``sent_key`` is the platform's own
    timestamp exactly as sent ("" when the platform sends none, as WeCom's AI bot). ``state`` is
    ``handling`` while the router works on it and ``done`` after; a ``handling`` row whose lease ran
    out (the process died) may be taken over by a later redelivery.
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        UniqueConstraint("platform", "msg_id", "sender_id", "sent_key", name="uq_inbound_events_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    msg_id: Mapped[str] = mapped_column(String(128))
    sender_id: Mapped[str] = mapped_column(String(128))
    sent_key: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(index=True)
    lease_until: Mapped[datetime]
