"""Repository functions: the only way the rest of the bot reads and writes storage.

Every function takes the :class:`~bot.storage.db.Database` first and keyword-only arguments, runs in
its own transaction and returns plain values. Datetimes must be aware on the way in and are aware UTC
on the way out, on SQLite as well as PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.engine import Connection

from bot.storage.common import dialect_insert
from bot.storage.common import require_aware as _require_aware
from bot.storage.db import Database
from bot.storage.models import AskedQuestion, ChatContext

QUESTION_MAX_CHARS = 2000
NORMALIZED_MAX_CHARS = 500

#: Intents that count as "the knowledge base did not answer directly".
MISS_INTENTS = ("suggest", "fallback")

_ASKED = AskedQuestion.__table__
_ASKED_INSERT = _ASKED.insert()
_CONTEXT = ChatContext.__table__
_CONTEXT_MATCH = and_(*(_CONTEXT.c[name] == bindparam(name) for name in ("platform", "chat_id", "user_id", "kind")))
_CONTEXT_EXISTS = select(_CONTEXT.c.kind).where(_CONTEXT_MATCH)
_CONTEXT_DELETE = _CONTEXT.delete().where(_CONTEXT_MATCH)


@dataclass(frozen=True, slots=True)
class Miss:
    """A frequently asked question the FAQ did not answer directly, grouped by normalized text."""

    normalized: str
    example: str  # the most recent original wording
    count: int
    last_asked: datetime  # aware, UTC
    best_faq_id: str | None  # the candidate of the best-scoring ask (None if it had none)
    best_score: float


# -- questions ----------------------------------------------------------------------------------------


def log_question(
    db: Database,
    *,
    asked_at: datetime,
    platform: str,
    chat_id: str,
    user_id: str,
    question: str,
    normalized: str,
    intent: str,
    faq_id: str | None,
    score: float,
    also: Callable[[Connection], None] | None = None,
) -> None:
    """Record one incoming question; ``question`` and ``normalized`` are truncated to fit. ``also``
    runs in the same transaction (one commit for the log line and the caller's own write)."""
    _require_aware("asked_at", asked_at)
    # Core insert, not an ORM session: every message in every chat passes here. Not durable on
    # PostgreSQL (see Database.transaction): a log line lost in a crash costs nothing that matters.
    with db.transaction(durable=False) as conn:
        conn.execute(
            _ASKED_INSERT,
            {
                "asked_at": asked_at,
                "platform": platform,
                "chat_id": chat_id,
                "user_id": user_id,
                "question": question[:QUESTION_MAX_CHARS],
                "normalized": normalized[:NORMALIZED_MAX_CHARS],
                "intent": intent,
                "faq_id": faq_id,
                "score": float(score),
            },
        )
        if also is not None:
            also(conn)


def top_misses(db: Database, *, limit: int = 20) -> list[Miss]:
    """Questions answered only by a suggestion or a fallback, most frequent (then most recent) first."""
    q = AskedQuestion
    # Window functions (SQLite >= 3.25 and PostgreSQL) pick the example and the best candidate per
    # group without relying on SQLite's "bare column" aggregate behaviour, which PostgreSQL rejects.
    ranked = (
        select(
            q.normalized,
            q.question,
            q.asked_at,
            q.faq_id,
            q.score,
            func.row_number()
            .over(partition_by=q.normalized, order_by=(q.asked_at.desc(), q.id.desc()))
            .label("recent_rank"),
            func.row_number()
            .over(partition_by=q.normalized, order_by=(q.score.desc(), q.asked_at.desc(), q.id.desc()))
            .label("best_rank"),
        )
        .where(q.intent.in_(MISS_INTENTS))
        .subquery()
    )
    count = func.count().label("count")
    last_asked = func.max(ranked.c.asked_at).label("last_asked")
    stmt = (
        select(
            ranked.c.normalized,
            func.max(case((ranked.c.recent_rank == 1, ranked.c.question))).label("example"),
            count,
            last_asked,
            func.max(case((ranked.c.best_rank == 1, ranked.c.faq_id))).label("best_faq_id"),
            func.max(ranked.c.score).label("best_score"),
        )
        .group_by(ranked.c.normalized)
        .order_by(count.desc(), last_asked.desc(), ranked.c.normalized)
        .limit(limit)
    )
    with db.session() as session:
        rows = session.execute(stmt).all()
    return [
        Miss(
            normalized=row.normalized,
            example=row.example,
            count=int(row.count),
            last_asked=_as_utc(row.last_asked),
            best_faq_id=row.best_faq_id,
            best_score=float(row.best_score),
        )
        for row in rows
    ]


def _as_utc(value: datetime | str) -> datetime:
    # The column type already re-attaches UTC; this also covers drivers that hand back text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- chat context -------------------------------------------------------------------------------------


def save_context(
    db: Database,
    *,
    platform: str,
    chat_id: str,
    user_id: str,
    kind: str,
    payload: dict[str, Any],
    expires_at: datetime,
) -> None:
    """Insert or replace the context of one (platform, chat, user, kind)."""
    with db.transaction() as conn:
        save_context_in(conn, platform=platform, chat_id=chat_id, user_id=user_id, kind=kind, payload=payload,
                        expires_at=expires_at)


def save_context_in(conn: Connection, *, platform: str, chat_id: str, user_id: str, kind: str,
                    payload: dict[str, Any], expires_at: datetime) -> None:
    """:func:`save_context` inside the caller's transaction."""
    _require_aware("expires_at", expires_at)
    key = {"platform": platform, "chat_id": chat_id, "user_id": user_id, "kind": kind}
    # Atomic upsert: safe when two processes write the same key at once.
    stmt = dialect_insert(conn.dialect.name)(_CONTEXT).values(**key, payload=dict(payload), expires_at=expires_at)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=list(key), set_={"payload": stmt.excluded.payload, "expires_at": stmt.excluded.expires_at}))


def load_context(
    db: Database,
    *,
    platform: str,
    chat_id: str,
    user_id: str,
    kind: str,
    now: datetime,
) -> dict[str, Any] | None:
    """The stored payload, or None when there is none or it expired at or before ``now``."""
    _require_aware("now", now)
    with db.session() as session:
        row = session.get(ChatContext, (platform, chat_id, user_id, kind))
        if row is None or row.expires_at <= now:
            return None
        return dict(row.payload)


def clear_context(db: Database, *, platform: str, chat_id: str, user_id: str, kind: str) -> None:
    """Forget the context of one (platform, chat, user, kind); no error when there is none.

    Called after every direct answer, and usually there is nothing to forget: a read first (no
    write lock, no commit) keeps that common case cheap."""
    key = {"platform": platform, "chat_id": chat_id, "user_id": user_id, "kind": kind}
    with db.transaction(write=False) as conn:
        if conn.execute(_CONTEXT_EXISTS, key).first() is None:
            return
    with db.transaction() as conn:
        conn.execute(_CONTEXT_DELETE, key)


def clear_context_in(conn: Connection, *, platform: str, chat_id: str, user_id: str, kind: str) -> None:
    """:func:`clear_context` inside the caller's (write) transaction: no need to look first."""
    conn.execute(_CONTEXT_DELETE, {"platform": platform, "chat_id": chat_id, "user_id": user_id, "kind": kind})
