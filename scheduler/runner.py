"""APScheduler 3 wiring: every minute, enqueue what is due and run one delivery pass.

The scheduler is only a cache of *when to look*; what to send lives in the outbox (see
:mod:`scheduler.delivery`), so a restart, a second scheduler or a manual ``xueshi reminders send-due``
can never send an occurrence twice. On start a catch-up pass runs at once: occurrences missed while
the bot was down go out if they are within the grace window and are recorded as skipped otherwise.

Job settings: ``coalesce=True`` (a backlog of missed runs collapses into one), ``max_instances=1``
(a slow pass is never overlapped by the next one in this process), ``misfire_grace_time`` 5 min (a
run delayed longer is dropped — the next minute's pass does the same work). Runs at second 5 of each
minute, so a 09:00 reminder goes out at about 09:00:05.

Used by ``xueshi serve`` (inside the web process, unless ``XUESHI_SCHEDULER_ENABLED=false``) and by
``xueshi scheduler`` (its own process). Run one of them per deployment: the outbox keeps deliveries
exactly-once either way, but the per-robot rate limit is counted per process.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock, SystemClock
from bot.lifespan import run_alongside
from bot.storage import Database
from bot.storage.outbox_repo import GroupRecord
from scheduler.channels import (
    ChannelConfig,
    ChannelFactory,
    DingTalkTokens,
    HttpClients,
    RateLimiter,
    make_http_client,
)
from scheduler.delivery import CONCURRENCY, PassResult, enqueue, send_due

log = logging.getLogger(__name__)

JOB_ID = "reminders-send-due"
MISFIRE_GRACE_S = 300


class ReminderRunner:
    """Enqueue + one send pass, on demand (:meth:`run_pass`) or every minute (:meth:`start`)."""

    def __init__(
        self,
        settings: Any,
        *,
        db: Database | None = None,
        clock: Clock | None = None,
        worker_id: str | None = None,
        channel_config: ChannelConfig | None = None,
        limiter: RateLimiter | None = None,
        tokens: DingTalkTokens | None = None,
        console_sink: Any = None,
    ) -> None:
        self.settings = settings
        self._own_db = db is None
        self.db = db if db is not None else Database(settings.database_url)
        self.clock = clock or SystemClock()
        self.worker_id = worker_id
        self.channel_config = channel_config or ChannelConfig.from_settings(settings)
        # Shared by every pass of this process: the robots' rate-limit windows and the DingTalk token.
        self.limiter = limiter or RateLimiter()
        self.tokens = tokens or DingTalkTokens()
        self.console_sink = console_sink
        self.grace = timedelta(hours=float(settings.reminder_grace_hours))
        self._scheduler: Any = None
        self._lock = threading.Lock()

    # -- one pass -------------------------------------------------------------------------------------

    def load_plan(self) -> tuple[Any, Any]:
        """The campaign calendar and the reminder rules (raises their loading errors)."""
        from scheduler.campaign import load_campaign
        from scheduler.reminders import load_rules

        return load_campaign(self.settings.campaign_path), load_rules(self.settings.reminders_path)

    def enqueue(self, now: datetime) -> int:
        campaign, rules = self.load_plan()
        return enqueue(self.db, campaign, rules, None, now)

    def run_pass(self, now: datetime | None = None) -> PassResult:
        """Enqueue what is due at ``now`` (default: the clock) and deliver it; returns the counts.

        A broken calendar or rules file is logged and the pass still delivers what is already queued.
        """
        now = now or self.clock.now()
        with self._lock:  # one pass at a time per runner (APScheduler's max_instances does the same)
            enqueued = 0
            try:
                enqueued = self.enqueue(now)
            except (ValueError, OSError) as exc:  # CampaignError / ReminderRulesError are ValueErrors
                log.error("reminders not enqueued: %s", exc)
            result = asyncio.run(self._send(now))
            result.enqueued = enqueued
            return result

    async def _send(self, now: datetime) -> PassResult:
        async with HttpClients(self.channel_config.timeout, size=CONCURRENCY) as clients:
            factory = self.channel_factory(clients)
            return await send_due(self.db, now, factory, grace=self.grace, worker_id=self.worker_id,
                                  concurrency=CONCURRENCY)

    def channel_factory(self, client: Any) -> ChannelFactory:
        return ChannelFactory(client, self.channel_config, limiter=self.limiter, tokens=self.tokens,
                              console_sink=self.console_sink)

    async def send_test(self, group: GroupRecord, text: str) -> None:
        """Send ``text`` to one group now (``xueshi groups test``); raises ``DeliveryError``."""
        async with make_http_client(self.channel_config.timeout) as client:
            await self.channel_factory(client)(group).send(text)

    def _job(self) -> None:
        try:
            self.run_pass()
        except Exception:  # keep the scheduler alive; the next minute tries again
            log.exception("reminder pass failed")

    # -- the schedule ---------------------------------------------------------------------------------

    def start(self) -> Any:
        """Start a background APScheduler that runs a pass now (catch-up) and then every minute."""
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.cron import CronTrigger

        tz = self.settings.timezone
        scheduler = BackgroundScheduler(timezone=tz)
        scheduler.add_job(
            self._job,
            CronTrigger(second=5, timezone=tz),
            id=JOB_ID,
            name="reminders: enqueue + send due",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_S,
            replace_existing=True,
        )
        # The catch-up pass: at once, in the scheduler's own worker thread.
        scheduler.add_job(self._job, id=f"{JOB_ID}-catch-up", name="reminders: catch-up at start",
                          max_instances=1, misfire_grace_time=None)
        scheduler.start()
        self._scheduler = scheduler
        log.info("reminder scheduler started (every minute; grace %s)", self.grace)
        return scheduler

    def shutdown(self, wait: bool = True) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=wait)
            self._scheduler = None
            log.info("reminder scheduler stopped")
        if self._own_db:
            self.db.dispose()


def with_runner(app: Any, runner: ReminderRunner) -> Any:
    """Run ``runner`` for the lifetime of an ASGI (FastAPI) app: started at startup, stopped — after
    the pass in progress finishes — at shutdown, inside the server's own shutdown sequence."""
    return run_alongside(app, runner.start, lambda: runner.shutdown(True))
