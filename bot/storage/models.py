"""Declarative models. All timestamps are stored as UTC and read back as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
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
