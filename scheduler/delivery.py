"""Delivery: planned reminder occurrences → outbox rows → messages in groups, each exactly once.

Two steps, both safe to run at any time, any number of times, from any number of processes:

``enqueue(db, campaign, rules, groups, now)``
    For every occurrence due by ``now`` and every group it ``applies_to``, insert an outbox row under
    ``occurrence.key(group.key)``. The key is UNIQUE and the insert is ``ON CONFLICT DO NOTHING``, so
    running it again (a restart, a second scheduler, ``send-due`` twice) adds nothing.

``await send_due(db, now, channel_factory)`` — one pass:
    1. Rows whose send time (retry time, else due time) is more than ``grace`` (12 h) ago and were
       never sent are marked ``skipped`` with the reason — never silently dropped.
    2. Due rows are claimed with one conditional UPDATE (``pending`` and unheld, or ``sending`` with an
       expired lease) → ``sending`` + ``claimed_until = now + lease``. A second pass, thread or process
       gets only the rows nobody holds.
    3. Claimed rows are sent concurrently (at most ``concurrency`` at once), in chunks of
       ``concurrency`` so that at most two chunks are ever claimed and unrecorded.
    4. Outcomes are written in small group commits: ``sent``; or, on a retryable error, back to
       ``pending`` with ``next_attempt_at`` = now + 1, 2, 4 … minutes (capped at 1 h, at least what
       the platform asked for) until ``max_attempts`` attempts, then ``failed`` with the error;
       a permanent error → ``failed`` at once. ``retry_failed`` puts failed rows back.

Crash safety: a row is marked ``sent`` only after the platform accepted it, and a row held by a
pass that died becomes claimable again when its lease runs out. So a crash loses nothing; the only
thing that can repeat is a send that was *in flight* (request sent, outcome not yet recorded) at the
crash — at most ``2 × concurrency`` rows, in practice the few whose reply had arrived but not been
committed. Multi-part (split) messages record each part, so a retry resumes after the last part sent.

Rate limits: before claiming, a pass budgets each robot's free slots in the shared limiter; rows for
a robot that is out of slots stay ``pending`` for the next pass (counted as ``deferred``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.storage import Database
from bot.storage import outbox_repo as repo
from bot.storage.outbox_repo import DueRow, GroupRecord, OutboxItem, Outcome
from scheduler.channels import Channel, DeliveryError

log = logging.getLogger(__name__)

GRACE = timedelta(hours=12)
MAX_ATTEMPTS = 10  # 1+2+4+8+16+32+60+60+60 min: keeps trying for about four hours
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
#: How long a claim holds a row. Must exceed the longest send (timeouts and rate-limit waits included).
LEASE = timedelta(minutes=10)
CONCURRENCY = 50

ChannelFactoryType = Callable[[GroupRecord], Channel]


@dataclass
class PassResult:
    """What one pass did (``enqueued`` is filled in by callers that also enqueue)."""

    enqueued: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0  # due, but the robot had no free slot: left for the next pass
    taken: int = 0  # due, but another pass held it

    def summary(self) -> str:
        return (f"新入队 {self.enqueued}，已发送 {self.sent}，稍后重试 {self.retrying}，失败 {self.failed}，"
                f"跳过 {self.skipped}，限流顺延 {self.deferred}")


def backoff(attempts: int, base: timedelta = BACKOFF_BASE, cap: timedelta = BACKOFF_CAP) -> timedelta:
    """Delay before the next try after ``attempts`` failed attempts: 1, 2, 4 … minutes, capped."""
    return min(cap, base * (2 ** max(attempts - 1, 0)))


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


# -- enqueue ------------------------------------------------------------------------------------------


def outbox_items(
    occurrences: Iterable[Any],
    groups: Sequence[GroupRecord],
    *,
    applies_to: Callable[[Any, int | None], bool],
    render: Callable[[Any, int | None], str],
) -> list[OutboxItem]:
    """One item per (occurrence, group) the occurrence applies to, worded for the group's category."""
    items = []
    for occurrence in occurrences:
        for group in groups:
            if not applies_to(occurrence, group.category):
                continue
            items.append(OutboxItem(
                key=occurrence.key(group.key),
                group_id=group.id,
                rule_id=occurrence.rule_id,
                subject_id=occurrence.subject_id,
                due_at=occurrence.due_at,
                text=render(occurrence, group.category),
            ))
    return items


def enqueue(
    db: Database,
    campaign: Any,
    rules: Any,
    groups: Sequence[GroupRecord] | None,
    now: datetime,
    *,
    horizon: timedelta = timedelta(0),
) -> int:
    """Insert the outbox rows of every occurrence due by ``now + horizon``; returns how many were new.

    ``groups`` None = every registered group. Occurrences further in the future are left to later
    passes, so edits to the rules or the calendar still reach them.
    """
    from scheduler import reminders

    if groups is None:
        groups = repo.list_groups(db)
    if not groups:
        return 0
    limit = now + horizon
    due = [occ for occ in reminders.plan(campaign, rules) if occ.due_at <= limit]
    items = outbox_items(due, groups, applies_to=reminders.applies_to, render=reminders.render)
    inserted = repo.insert_outbox(db, items, now=now)
    if inserted:
        log.info("enqueued %d reminder deliveries (%d occurrences due by %s)", inserted, len(due), limit.isoformat())
    return inserted


def retry_failed(db: Database, now: datetime, *, include_skipped: bool = False) -> int:
    """Put failed (and optionally skipped) rows back to pending, due now, with a fresh retry budget."""
    count = repo.retry_failed(db, now=now, include_skipped=include_skipped)
    if count:
        log.info("%d reminder deliveries put back for another try", count)
    return count


# -- one pass -----------------------------------------------------------------------------------------


@dataclass
class _Planned:
    row: DueRow
    channel: Channel | None
    messages: list[str]  # the parts still to send
    error: DeliveryError | None = None


def _plan_pass(rows: Sequence[DueRow], channel_factory: ChannelFactoryType) -> tuple[list[_Planned], int]:
    """Channels for the rows, keeping within each robot's free rate-limit slots; returns (plan, deferred)."""
    planned: list[_Planned] = []
    budgets: dict[str, int] = {}
    deferred = 0
    for row in rows:
        try:
            channel = channel_factory(row.group)
        except DeliveryError as exc:
            planned.append(_Planned(row, None, [], exc))
            continue
        messages = channel.prepare(row.text)[row.parts_sent:]
        key, limiter = channel.rate_key, channel.limiter
        if key is not None and limiter is not None:
            if key not in budgets:
                budgets[key] = limiter.available(key)
            need = max(len(messages), 1)
            fresh = budgets[key] == limiter.limit
            if need > budgets[key] and not fresh:
                deferred += 1
                continue
            budgets[key] -= min(need, budgets[key])
        planned.append(_Planned(row, channel, messages))
    return planned, deferred


async def send_due(
    db: Database,
    now: datetime,
    channel_factory: ChannelFactoryType,
    *,
    grace: timedelta = GRACE,
    worker_id: str | None = None,
    concurrency: int = CONCURRENCY,
    lease: timedelta = LEASE,
    max_attempts: int = MAX_ATTEMPTS,
) -> PassResult:
    """One delivery pass at ``now`` (see the module docstring). Returns the counts."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("send_due needs an aware 'now'")
    if concurrency < 1:
        raise ValueError("concurrency must be ≥ 1")
    result = PassResult()
    token = f"{worker_id or default_worker_id()}:{uuid.uuid4().hex[:12]}"[-128:]

    skipped = await asyncio.to_thread(
        repo.skip_expired, db, now=now, cutoff=now - grace, hours=grace.total_seconds() / 3600
    )
    result.skipped = len(skipped)
    if skipped:
        examples = ", ".join(key for _, key in skipped[:3])
        log.warning("%d reminder deliveries skipped (past the %s grace window, or their group is gone); "
                    "reasons are in the outbox; e.g. %s", len(skipped), grace, examples)

    rows = await asyncio.to_thread(repo.due_rows, db, now=now)
    if not rows:
        return result
    planned, result.deferred = _plan_pass(rows, channel_factory)

    semaphore = asyncio.Semaphore(concurrency)
    outcomes: asyncio.Queue[Outcome | None] = asyncio.Queue()
    unrecorded = 0  # claimed rows whose outcome is not committed yet
    changed = asyncio.Condition()

    async def deliver(item: _Planned) -> None:
        async with semaphore:
            outcome = await _deliver(db, item, now, max_attempts)
        if outcome.result == "sent":
            result.sent += 1
        elif outcome.result == "retry":
            result.retrying += 1
        else:
            result.failed += 1
        await outcomes.put(outcome)

    recorder_alive = True

    async def recorder() -> None:
        nonlocal unrecorded, recorder_alive
        try:
            done = False
            while not done:
                batch = [await outcomes.get()]
                while not outcomes.empty():
                    batch.append(outcomes.get_nowait())
                done = None in batch
                real = [o for o in batch if o is not None]
                if real:
                    await asyncio.to_thread(repo.record_outcomes, db, real, now=now, token=token)
                    async with changed:
                        unrecorded -= len(real)
                        changed.notify_all()
        finally:
            recorder_alive = False
            async with changed:
                changed.notify_all()

    def may_claim() -> bool:
        return unrecorded <= concurrency or not recorder_alive

    recording = asyncio.create_task(recorder())
    tasks: list[asyncio.Task[None]] = []
    try:
        for start in range(0, len(planned), concurrency):
            chunk = planned[start : start + concurrency]
            async with changed:
                await changed.wait_for(may_claim)
            if not recorder_alive:
                break  # recording failed (database down?): stop claiming; its error is raised below
            held = await asyncio.to_thread(
                repo.claim, db, [p.row.id for p in chunk], now=now, until=now + lease, token=token
            )
            result.taken += len(chunk) - len(held)
            async with changed:
                unrecorded += len(held)
            tasks.extend(asyncio.create_task(deliver(p)) for p in chunk if p.row.id in held)
    finally:
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await outcomes.put(None)
        await recording
    log.info("reminder pass at %s: %s", now.isoformat(), result.summary())
    return result


async def _deliver(db: Database, item: _Planned, now: datetime, max_attempts: int) -> Outcome:
    row = item.row
    attempts = row.attempts + 1  # the claim counted this attempt
    sent_parts = row.parts_sent
    error = item.error
    if error is None and item.channel is not None:
        try:
            for index, message in enumerate(item.messages):
                await item.channel.send_one(message)
                sent_parts += 1
                if index < len(item.messages) - 1:
                    await asyncio.to_thread(repo.record_progress, db, outbox_id=row.id, parts_sent=sent_parts)
            return Outcome(row.id, "sent", sent_parts)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # a bug must not leave the row held until the lease runs out
            log.error("reminder %s to group #%d: unexpected %s", row.key, row.group.id, type(exc).__name__)
            error = DeliveryError(f"内部错误：{type(exc).__name__}", True)
    assert error is not None
    where = f"群 #{row.group.id}「{row.group.name}」"
    if error.retryable and attempts < max_attempts:
        delay = backoff(attempts)
        if error.retry_after:
            delay = max(delay, timedelta(seconds=error.retry_after))
        log.warning("reminder %s to group #%d failed (attempt %d/%d), retry in %s: %s",
                    row.key, row.group.id, attempts, max_attempts, delay, error.message)
        return Outcome(row.id, "retry", sent_parts, f"第 {attempts} 次发送失败（{where}）：{error.message}",
                       now + delay)
    why = "已达重试上限" if error.retryable else "不可重试的错误"
    log.error("reminder %s to group #%d failed for good after %d attempt(s) (%s): %s",
              row.key, row.group.id, attempts, "retry budget used up" if error.retryable else "permanent error",
              error.message)
    return Outcome(row.id, "failed", sent_parts, f"{why}，共尝试 {attempts} 次（{where}）：{error.message}")
