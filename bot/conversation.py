"""Short-lived per-user conversation state (last suggestions, the rest of a long answer).

Kept in the database, not in memory, so a follow-up like 「1」 or 「全文」 works whichever replica
receives it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.messages import IncomingMessage
from bot.storage import Database, repo


class Conversation:
    def __init__(self, db: Database, clock: Clock, msg: IncomingMessage) -> None:
        self._db = db
        self._clock = clock
        self._key = {"platform": msg.platform, "chat_id": msg.chat_id, "user_id": msg.user_id}

    def remember(self, kind: str, payload: dict[str, Any], ttl: timedelta) -> None:
        repo.save_context(self._db, **self._key, kind=kind, payload=payload, expires_at=self._clock.now() + ttl)

    def recall(self, kind: str) -> dict[str, Any] | None:
        return repo.load_context(self._db, **self._key, kind=kind, now=self._clock.now())

    def forget(self, kind: str) -> None:
        repo.clear_context(self._db, **self._key, kind=kind)


class NoConversation:
    """For one-shot questions (``xueshi ask``): nothing carries over from one line to the next."""

    def remember(self, kind: str, payload: dict[str, Any], ttl: timedelta) -> None:
        pass

    def recall(self, kind: str) -> dict[str, Any] | None:
        return None

    def forget(self, kind: str) -> None:
        pass
