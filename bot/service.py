"""Wiring: settings → database, matcher, router. The CLI, the HTTP app and adapters share it."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from attendance.kinds import load_rules
from attendance.service import Attendance
from bot.clock import Clock, SystemClock
from bot.conversation import Conversation, NoConversation
from bot.messages import IncomingMessage, Reply
from bot.router import Router
from bot.settings import Settings
from bot.storage import Database, repo
from bot.storage.attendance_repo import category_of_chat
from faq.matcher import Matcher
from faq.normalize import normalize
from scheduler.campaign import load_campaign

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

# Messages from this platform are one-shot questions: no follow-up state is kept for them.
ONE_SHOT_PLATFORM = "cli-ask"
#: A chat's unit category is cached this long per process; a binding made through another process
#: (``xueshi groups bind``) is seen by a running server within this time.
CATEGORY_CACHE_SECONDS = 30.0
CATEGORY_CACHE_MAX = 10_000
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def build_matcher(settings: Settings) -> Matcher:
    return Matcher.from_files(
        settings.faq_path,
        settings.lexicon_path,
        settings.cache_dir,
        answer_threshold=settings.answer_threshold,
        suggest_threshold=settings.suggest_threshold,
        answer_confidence=settings.answer_confidence,
    )


class Service:
    def __init__(self, settings: Settings, clock: Clock | None = None, matcher: Matcher | None = None,
                 db: Database | None = None, default_category: int | None = None) -> None:
        from handlers import HANDLER_ORDER

        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = db or Database(settings.database_url)
        self.matcher = matcher or build_matcher(settings)
        self.campaign = load_campaign(settings.campaign_path)
        # The unit category (1 or 2) of the asker's group; `xueshi ask --category` sets a default.
        self.default_category = default_category
        # A group bound to a unit (xueshi groups bind / 绑定单位) answers with that unit's category.
        self.category_lookup: Callable[[IncomingMessage], int | None] | None = self._chat_category
        # (platform, chat) → (category, valid until): asked on every question, changed almost never.
        self._categories: dict[tuple[str, str], tuple[int | None, float]] = {}
        # Conversations opened for messages being handled (by id of the message), see handle().
        self._conversations: dict[int, Conversation] = {}
        # Milestone meetings: the roster, check-in, leave and attendance ("meetings"), and the sender
        # identified against the roster ("sender", looked up only by handlers that ask for it).
        self.meetings = Attendance(self.db, load_rules(settings.meetings_path), export_dir=settings.export_dir)
        self.router = Router(
            HANDLER_ORDER,
            deps={"clock": self.clock, "settings": settings, "matcher": self.matcher, "campaign": self.campaign,
                  "meetings": self.meetings},
            providers={"conversation": self._conversation, "category": self._category,
                       "sender": self.meetings.identify},
        )

    def _conversation(self, msg: IncomingMessage) -> Conversation | NoConversation:
        if msg.platform == ONE_SHOT_PLATFORM:
            return NoConversation()
        conversation = Conversation(self.db, self.clock, msg)
        # handle() applies its writes together with the message's log line.
        self._conversations[id(msg)] = conversation
        return conversation

    def _category(self, msg: IncomingMessage) -> int | None:
        found = self.category_lookup(msg) if self.category_lookup else None
        return found if found is not None else self.default_category

    def _chat_category(self, msg: IncomingMessage) -> int | None:
        if msg.platform == ONE_SHOT_PLATFORM:
            return None
        key = (msg.platform, msg.chat_id)
        now = time.monotonic()
        cached = self._categories.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        found = category_of_chat(self.db, msg.platform, msg.chat_id)
        if len(self._categories) > CATEGORY_CACHE_MAX:
            self._categories.clear()
        self._categories[key] = (found, now + CATEGORY_CACHE_SECONDS)
        return found

    def is_quick(self, msg: IncomingMessage) -> bool:
        """True for messages answered from memory with a few small queries (questions, 帮助, stage
        questions); False for meeting commands, which may read and write much more (导出考勤 …)."""
        found = self.router.first_match(msg)
        return found is not None and found.command is None

    def handle(self, msg: IncomingMessage, *, done: Callable[[Connection], None] | None = None) -> Reply:
        """The reply to ``msg``; the question is logged afterwards, in one transaction with the
        conversation's writes and ``done`` (the gateway marking the delivery handled)."""
        try:
            reply = self.router.dispatch(msg)
        finally:
            conversation = self._conversations.pop(id(msg), None)
        writes = [w for w in (conversation.flush_in if conversation is not None and conversation.has_pending
                              and reply.intent != "error" else None, done) if w is not None]

        def also(conn: Connection) -> None:
            for write in writes:
                write(conn)

        try:
            self._log_question(msg, reply, also if writes else None)
        except Exception:  # a lost log line must not cost the user the answer (nor the follow-up state)
            log.exception("logging the question failed for msg %s", msg.msg_id)
            if writes:
                with self.db.transaction() as conn:
                    also(conn)
        return reply

    def ask(self, question: str, *, platform: str = "console", chat_id: str = "console",
            user_id: str = "console", user_name: str = "", now: datetime | None = None) -> Reply:
        msg = IncomingMessage(
            platform=platform, chat_id=chat_id, user_id=user_id, user_name=user_name,
            text=question, sent_at=now or self.clock.now(),
        )
        return self.handle(msg)

    def _log_question(self, msg: IncomingMessage, reply: Reply,
                      done: Callable[[Connection], None] | None = None) -> None:
        if reply.meta.get("command"):  # a meeting command (签到, 请假 …) is not a question
            # A command may have bound this chat to a unit: its category is read afresh next time.
            self._categories.pop((msg.platform, msg.chat_id), None)
            if done is not None:
                with self.db.transaction() as conn:
                    done(conn)
            return
        question = _UNPRINTABLE.sub("", msg.text)
        repo.log_question(
            self.db,
            asked_at=msg.sent_at,
            platform=msg.platform,
            chat_id=msg.chat_id,
            user_id=msg.user_id,
            question=question,
            normalized=reply.meta.get("normalized") or normalize(question),
            intent=reply.intent,
            # For a miss, the closest item is what the knowledge-base editor needs to see.
            faq_id=reply.meta.get("faq_id") or reply.meta.get("closest_faq_id"),
            score=float(reply.meta.get("score") or 0.0),
            also=done,
        )

    def close(self) -> None:
        self.db.dispose()


def reply_record(question: str, reply: Reply) -> dict[str, Any]:
    """The ``xueshi ask --json`` / ``POST /api/ask`` contract."""
    score = reply.meta.get("score")
    record = {
        "question": question,
        "intent": reply.intent,
        "answer": reply.text,
        "faq_id": reply.meta.get("faq_id"),
        "source": reply.meta.get("source"),
        "score": round(float(score), 4) if score is not None else None,
    }
    if reply.meta.get("suggestions"):
        record["suggestions"] = reply.meta["suggestions"]
    return record
