"""Short-lived per-user conversation state (last suggestions, the rest of a long answer).

Kept in the database, not in memory, so a follow-up like 「1」 or 「全文」 works whichever replica
receives it. Reads happen at once; writes are collected and applied, in order, by :meth:`flush_in`
inside the transaction that also logs the message (one commit per message instead of several).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Connection

from bot.clock import Clock
from bot.messages import IncomingMessage
from bot.storage import Database, repo


class Conversation:
    def __init__(self, db: Database, clock: Clock, msg: IncomingMessage) -> None:
        self._db = db
        self._clock = clock
        self._key = {"platform": msg.platform, "chat_id": msg.chat_id, "user_id": msg.user_id}
        self._pending: list[tuple[str, str, dict[str, Any] | None, timedelta | None]] = []

    def remember(self, kind: str, payload: dict[str, Any], ttl: timedelta) -> None:
        self._pending.append(("save", kind, dict(payload), ttl))

    def recall(self, kind: str) -> dict[str, Any] | None:
        return repo.load_context(self._db, **self._key, kind=kind, now=self._clock.now())

    def forget(self, kind: str) -> None:
        self._pending.append(("clear", kind, None, None))

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def flush_in(self, conn: Connection) -> None:
        """Apply the collected writes inside the caller's transaction."""
        now = self._clock.now()
        for op, kind, payload, ttl in self._pending:
            if op == "save":
                assert payload is not None and ttl is not None
                repo.save_context_in(conn, **self._key, kind=kind, payload=payload, expires_at=now + ttl)
            else:
                repo.clear_context_in(conn, **self._key, kind=kind)
        self._pending.clear()



class NoConversation:
    """For one-shot questions (``xueshi ask``): nothing carries over from one line to the next."""

    has_pending = False

    def remember(self, kind: str, payload: dict[str, Any], ttl: timedelta) -> None:
        pass

    def recall(self, kind: str) -> dict[str, Any] | None:
        return None

    def forget(self, kind: str) -> None:
        pass

    def flush_in(self, conn: Connection) -> None:
        pass
