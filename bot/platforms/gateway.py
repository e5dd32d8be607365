"""The one path from an adapter into the bot: dedupe, then the router, then the after-hooks.

An adapter calls :meth:`Gateway.process` (or :meth:`Gateway.process_async` from the event loop)
with the neutral message and the delivery's :class:`InboundKey`. A redelivery — WeCom's retries
after 5 s, DingTalk's redeliveries after a reconnect — returns ``None``: the adapter sends nothing.
A handler that raises never reaches the chat as a traceback; the user gets a short apology, the
operator a log line, and the claim is released so the platform's next redelivery is tried afresh.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from anyio import CapacityLimiter, to_thread

from bot.messages import IncomingMessage, Reply
from bot.storage import inbound_repo
from bot.storage.inbound_repo import InboundKey

if TYPE_CHECKING:
    from fastapi import APIRouter

    from bot.service import Service

log = logging.getLogger(__name__)

#: A claim outlives its holder by this much before a redelivery may take the message over.
CLAIM_LEASE = timedelta(minutes=2)
#: How often (per process) events older than the retention window are deleted.
PURGE_EVERY = timedelta(hours=1)

#: Messages handled at once per process (see :meth:`Gateway.process_async`).
WORKERS = 4

ERROR_TEXT = "抱歉，处理这条消息时出错了，请稍后再试一次。"

__all__ = ["Adapter", "AdapterStatus", "Gateway", "InboundKey"]


class Gateway:
    def __init__(self, service: Service, *, retention_days: int | None = None) -> None:
        self.service = service
        self.clock = service.clock
        days = retention_days if retention_days is not None else service.settings.inbound_retention_days
        self.retention = timedelta(days=days)
        self._purge_lock = threading.Lock()
        self._next_purge = None
        self._limiter: CapacityLimiter | None = None  # created on the event loop that uses it
        self.inline = service.settings.inline_questions

    def process(self, msg: IncomingMessage, key: InboundKey | None) -> Reply | None:
        """The reply to ``msg``, or ``None`` when this delivery repeats one already claimed."""
        now = self.clock.now()
        if key is not None:
            if not inbound_repo.claim(self.service.db, key, now=now, lease=CLAIM_LEASE):
                log.info("repeat delivery ignored: platform=%s msg_id=%s", key.platform, key.msg_id)
                return None
            self._maybe_purge(now)
        done = functools.partial(inbound_repo.finish_in, key=key) if key is not None else None
        try:
            return self.service.handle(msg, done=done)
        except Exception:
            log.exception("handler failed: platform=%s chat=%s msg_id=%s", msg.platform, msg.chat_id, msg.msg_id)
            if key is not None:
                inbound_repo.release(self.service.db, key)
            return Reply(text=ERROR_TEXT, intent="error")

    async def process_async(self, msg: IncomingMessage, key: InboundKey | None) -> Reply | None:
        """:meth:`process` from the event loop.

        A question is answered right here on the event loop: it takes about a millisecond of CPU
        and a few small queries, and handing it to a worker thread costs more than that (the two
        threads trade the GIL back and forth on every database call; measured: 280 vs 460
        callbacks/s). Meeting commands, which may do much more database work, go to at most
        :data:`WORKERS` worker threads so they never hold up the loop."""
        if self.inline and self.service.is_quick(msg):
            return self.process(msg, key)
        if self._limiter is None:
            self._limiter = CapacityLimiter(WORKERS)
        return await to_thread.run_sync(self.process, msg, key, limiter=self._limiter)

    def _maybe_purge(self, now) -> None:
        if self._next_purge is not None and now < self._next_purge:
            return
        if not self._purge_lock.acquire(blocking=False):
            return
        try:
            self._next_purge = now + PURGE_EVERY
            removed = inbound_repo.purge(self.service.db, older_than=now - self.retention)
            if removed:
                log.info("purged %d inbound events older than %s", removed, self.retention)
        except Exception:  # housekeeping must never cost an answer
            log.exception("purging inbound events failed")
        finally:
            self._purge_lock.release()


@dataclass(frozen=True)
class AdapterStatus:
    """What ``serve`` and ``doctor`` say about one adapter: enabled, or which settings are missing."""

    name: str
    enabled: bool
    missing: tuple[str, ...] = ()
    detail: str = ""

    def line(self) -> str:
        if self.enabled:
            return f"adapter {self.name}: enabled{f' ({self.detail})' if self.detail else ''}"
        missing = ", ".join("XUESHI_" + m.upper() for m in self.missing)
        reasons = "; ".join(filter(None, [f"missing {missing}" if missing else "", self.detail]))
        return f"adapter {self.name}: disabled ({reasons or 'not configured'})"


class Adapter(Protocol):
    """What every platform adapter offers the HTTP app: routes, and/or a background connection."""

    name: str

    def routes(self) -> APIRouter | None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
