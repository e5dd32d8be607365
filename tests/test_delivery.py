"""Reminder delivery: outbox, channels and passes against a real local HTTP server (no sleeps).

Every test that touches storage runs on SQLite and, with XUESHI_TEST_DATABASE_URL set, PostgreSQL.
Time is injected: ``now`` for the outbox, a fake monotonic clock (whose ``sleep`` only advances it)
for the rate limiter and the token cache.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fake_platform import APP_KEY, APP_SECRET, FakePlatform
from sqlalchemy import inspect, select

from bot.storage import Database
from bot.storage import outbox_repo as repo
from bot.storage.models import OutboxEntry
from scheduler.channels import (
    ChannelConfig,
    ChannelFactory,
    DeliveryError,
    DingTalkTokens,
    RateLimiter,
    dingtalk_sign,
    dingtalk_signed_url,
    make_http_client,
    split_text,
)
from scheduler.delivery import (
    LEASE,
    MAX_ATTEMPTS,
    PassResult,
    backoff,
    outbox_items,
    retry_failed,
    send_due,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2009, 4, 27, 9, 0, tzinfo=SHANGHAI)
CREATED = datetime(2009, 3, 1, 8, 0, tzinfo=SHANGHAI)


# -- helpers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occ:
    """The part of scheduler.reminders.Occurrence that delivery uses."""

    rule_id: str
    subject_id: str
    due_at: datetime
    text: str

    def key(self, group_key: str) -> str:
        return f"{self.rule_id}|{self.subject_id}|{group_key}|{self.due_at.isoformat()}"


def queue(db: Database, groups: list[repo.GroupRecord], *, due: datetime = T0, text: str = "【学实提醒】测试提醒",
          rule: str = "deadline-day", subject: str = "s1") -> int:
    items = outbox_items([Occ(rule, subject, due, text)], groups,
                         applies_to=lambda o, c: True, render=lambda o, c: o.text)
    return repo.insert_outbox(db, items, now=due)


class SimulatedCrash(Exception):
    pass


class FakeMonotonic:
    """A monotonic clock for the limiter and the token cache; ``sleep`` advances it instead of waiting."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def config_for(platform: FakePlatform, timeout: float = 2.0) -> ChannelConfig:
    return ChannelConfig(wecom_api_base=platform.url, dingtalk_oapi_base=platform.url,
                         dingtalk_api_base=platform.url, dingtalk_app_key=APP_KEY,
                         dingtalk_app_secret=APP_SECRET, timeout=timeout)


def run_pass(db: Database, now: datetime, platform: FakePlatform, *, limiter: RateLimiter | None = None,
             tokens: DingTalkTokens | None = None, timeout: float = 2.0, **kwargs) -> PassResult:
    async def go() -> PassResult:
        async with make_http_client(timeout) as client:
            factory = ChannelFactory(client, config_for(platform, timeout), limiter=limiter or RateLimiter(),
                                     tokens=tokens)
            return await send_due(db, now, factory, **kwargs)

    return asyncio.run(go())


def add_wecom(db: Database, platform: FakePlatform, n: int, *, prefix: str = "w", category: int | None = None,
              shared_key: str | None = None) -> list[repo.GroupRecord]:
    return [
        repo.add_group(db, platform="wecom", chat_id=f"{prefix}{i}", name=f"群{prefix}{i}", channel="wecom_webhook",
                       webhook_url=platform.wecom_url(shared_key or f"{prefix}{i}"), category=category,
                       created_at=CREATED)
        for i in range(n)
    ]


def states(db: Database) -> dict[str, int]:
    return repo.outbox_counts(db)


@pytest.fixture
def platform():
    server = FakePlatform().start()
    try:
        yield server
    finally:
        server.stop()


# -- signing, splitting, limiter (no storage) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("timestamp", "secret", "sign", "url_form"),
    [
        (1577262236757, "this is secret", "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=",
         "hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D"),
        (1613630252678, "this is secret", "ox3TIxJl5LKAZgITvxdK9KQb2dYy1I7VnAl6A9NnXDg=",
         "ox3TIxJl5LKAZgITvxdK9KQb2dYy1I7VnAl6A9NnXDg%3D"),
        (1700000000000, "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd",
         "8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw=", "8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw%3D"),
    ],
)
def test_dingtalk_sign_matches_the_platform_facts_vectors(timestamp: int, secret: str, sign: str, url_form: str) -> None:
    assert dingtalk_sign(secret, timestamp) == sign
    signed = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=TOKEN", secret, timestamp)
    assert signed == f"https://oapi.dingtalk.com/robot/send?access_token=TOKEN&timestamp={timestamp}&sign={url_form}"


def test_signed_url_replaces_an_old_signature() -> None:
    secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
    old = "https://oapi.dingtalk.com/robot/send?access_token=TOKEN&timestamp=1&sign=stale"
    assert dingtalk_signed_url(old, secret, 1700000000000) == (
        "https://oapi.dingtalk.com/robot/send?access_token=TOKEN&timestamp=1700000000000"
        "&sign=8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw%3D")


def test_split_text_keeps_lines_whole_and_in_order() -> None:
    lines = [f"第{i}行：" + "学习实践科学发展观" * (i % 7 + 1) for i in range(120)]
    text = "\n".join(lines)
    parts = split_text(text, 2048)
    assert len(parts) > 1
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert "\n".join(parts) == text  # nothing lost, nothing reordered, every cut at a line break
    assert {line for p in parts for line in p.split("\n")} == set(lines)


def test_split_text_cuts_an_overlong_line_at_characters_and_leaves_short_text_alone() -> None:
    assert split_text("短消息", 2048) == ["短消息"]
    assert split_text("", 2048) == []
    parts = split_text("前言\n" + "长" * 1000 + "\n结尾", 2048)  # one line of 3,000 bytes
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert "".join(parts).replace("\n", "") == "前言" + "长" * 1000 + "结尾"


def test_rate_limiter_never_allows_more_than_20_in_any_minute() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    stamps: list[float] = []

    async def burst() -> None:
        for _ in range(65):
            await limiter.acquire("robot")
            stamps.append(clock())
            clock.t += 0.5  # a send takes half a second

    asyncio.run(burst())
    assert len(stamps) == 65
    for i, start in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s < start + 60.0) <= 20
    assert clock.slept, "the limiter had to wait (through the injected sleep)"
    assert limiter.available("other robot") == 20  # per robot


# -- storage ------------------------------------------------------------------------------------------


def test_migration_creates_groups_and_outbox(db: Database) -> None:
    db.ensure_schema()
    with db.engine.connect() as conn:
        inspector = inspect(conn)
        assert {"groups", "outbox"} <= set(inspector.get_table_names())
        assert "ix_outbox_state_due_at" in {ix["name"] for ix in inspector.get_indexes("outbox")}
        uniques = inspector.get_unique_constraints("outbox")
    assert any(u["column_names"] == ["key"] for u in uniques)


def test_upgrade_from_0001_keeps_existing_data(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from bot.storage import repo as qrepo
    from bot.storage.db import HEAD_REVISION, MIGRATIONS_DIR

    database = Database(db_url)
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
        with database.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO asked_questions (asked_at, platform, chat_id, user_id, question, normalized, intent, "
                "faq_id, score) VALUES ('2009-04-01 01:00:00', 'wecom', 'c', 'u', '怎么交党费', '交党费', 'answer', "
                "NULL, 0.9)")
        qrepo.log_question(database, asked_at=T0, platform="wecom", chat_id="c", user_id="u", question="二",
                           normalized="二", intent="answer", faq_id=None, score=0.5)  # upgrades to head first
        assert database.health()["revision"] == HEAD_REVISION
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM asked_questions").scalar() == 2
    finally:
        database.dispose()


def test_groups_are_unique_per_platform_and_chat(db: Database) -> None:
    repo.add_group(db, platform="wecom", chat_id="c1", name="一", channel="wecom_webhook",
                   webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1", created_at=CREATED)
    with pytest.raises(repo.GroupExists):
        repo.add_group(db, platform="wecom", chat_id="c1", name="重复", channel="console", created_at=CREATED)
    repo.add_group(db, platform="dingtalk", chat_id="c1", name="钉钉同号", channel="console", created_at=CREATED)
    assert [g.name for g in repo.list_groups(db)] == ["一", "钉钉同号"]


def test_enqueue_is_idempotent(db: Database, platform: FakePlatform) -> None:
    groups = add_wecom(db, platform, 3)
    assert queue(db, groups) == 3
    assert queue(db, groups) == 0
    assert queue(db, groups, subject="s2") == 3
    assert states(db) == {"pending": 6}


def test_removing_a_group_keeps_what_was_sent(db: Database, platform: FakePlatform) -> None:
    groups = add_wecom(db, platform, 2)
    queue(db, groups)
    run_pass(db, T0, platform)
    queue(db, groups, subject="later", due=T0 + timedelta(days=1))
    assert repo.remove_group(db, groups[0].id)
    rows = repo.list_outbox(db)
    assert [(r.state, r.group_id) for r in rows if r.group_id is None] == [("sent", None)]
    assert not [r for r in rows if r.group_id is None and r.state == "pending"]
    # Re-adding the same chat does not resend what it already got (the key uses platform:chat id).
    again = repo.add_group(db, platform="wecom", chat_id="w0", name="又加回来", channel="wecom_webhook",
                           webhook_url=platform.wecom_url("w0"), created_at=CREATED)
    assert queue(db, [again]) == 0


# -- passes -------------------------------------------------------------------------------------------


def test_send_due_twice_sends_nothing_the_second_time(db: Database, platform: FakePlatform) -> None:
    groups = add_wecom(db, platform, 5)
    queue(db, groups)
    first = run_pass(db, T0 + timedelta(minutes=1), platform)
    second = run_pass(db, T0 + timedelta(minutes=1), platform)
    assert (first.sent, second.sent) == (5, 0)
    assert platform.counts() == {f"w{i}": 1 for i in range(5)}
    assert states(db) == {"sent": 5}


def test_real_enqueue_with_calendar_and_rules_targets_audiences(db: Database, platform: FakePlatform) -> None:
    import config
    from scheduler import reminders
    from scheduler.campaign import load_campaign
    from scheduler.delivery import enqueue

    campaign = load_campaign(config.data_path("campaign.toml"))
    rules = reminders.load_rules(config.data_path("reminders.toml"))
    cat1 = add_wecom(db, platform, 1, prefix="one", category=1)
    cat2 = add_wecom(db, platform, 1, prefix="two", category=2)
    now = datetime(2009, 5, 18, 10, 0, tzinfo=SHANGHAI)
    occurrences = [o for o in reminders.plan(campaign, rules) if o.due_at <= now]
    expected1 = sum(reminders.applies_to(o, 1) for o in occurrences)
    expected2 = sum(reminders.applies_to(o, 2) for o in occurrences)
    assert enqueue(db, campaign, rules, None, now) == expected1 + expected2
    assert enqueue(db, campaign, rules, None, now) == 0
    first = run_pass(db, now, platform)
    assert run_pass(db, now, platform).sent == 0
    due_now = [o for o in occurrences if o.due_at > now - timedelta(hours=12)]
    assert first.sent == sum(reminders.applies_to(o, 1) for o in due_now) + sum(
        reminders.applies_to(o, 2) for o in due_now)
    assert first.skipped == expected1 + expected2 - first.sent  # older ones recorded, not lost
    for occ in due_now:
        for group, category in ((cat1[0], 1), (cat2[0], 2)):
            texts = platform.texts(group.chat_id)
            if reminders.applies_to(occ, category):
                assert reminders.render(occ, category) in texts
    exclusive = [o for o in occurrences if reminders.applies_to(o, 1) != reminders.applies_to(o, 2)]
    if exclusive:  # a category-specific item reaches only its category's groups
        keys = {r.key for r in repo.list_outbox(db)}
        for occ in exclusive:
            assert (occ.key(cat1[0].key) in keys) == reminders.applies_to(occ, 1)
            assert (occ.key(cat2[0].key) in keys) == reminders.applies_to(occ, 2)


def test_two_concurrent_passes_send_each_occurrence_once(db_url: str, platform: FakePlatform) -> None:
    setup = Database(db_url)
    groups = add_wecom(setup, platform, 120)
    queue(setup, groups)
    databases = [Database(db_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[PassResult] = []
    errors: list[BaseException] = []
    limiter = RateLimiter()

    def worker(database: Database, name: str) -> None:
        try:
            barrier.wait()
            results.append(run_pass(database, T0, platform, limiter=limiter, worker_id=name, concurrency=10))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(d, f"w{i}")) for i, d in enumerate(databases)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        assert sum(r.sent for r in results) == 120
        assert platform.counts() == {g.chat_id: 1 for g in groups}
        assert states(setup) == {"sent": 120}
    finally:
        for d in (setup, *databases):
            d.dispose()


def test_a_crash_between_send_and_mark_loses_nothing(db: Database, platform: FakePlatform,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    groups = add_wecom(db, platform, 30)
    queue(db, groups)

    real_record = repo.record_outcomes
    calls = {"n": 0}

    def dies_after_first_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 1:
            raise SimulatedCrash("the process died before the outcomes were committed")
        return real_record(*args, **kwargs)

    monkeypatch.setattr(repo, "record_outcomes", dies_after_first_batch)
    with pytest.raises(SimulatedCrash):
        run_pass(db, T0, platform, concurrency=10)
    monkeypatch.setattr(repo, "record_outcomes", real_record)

    delivered_before = sum(platform.counts().values())
    held = repo.list_outbox(db, states=["sending"])
    marked = repo.list_outbox(db, states=["sent"])
    in_flight = len(held)  # claimed, maybe sent, outcome not committed
    assert delivered_before >= len(marked) and in_flight > 0

    # Another pass while the dead pass's lease holds: nothing is sent twice.
    assert run_pass(db, T0 + timedelta(minutes=1), platform).sent == 30 - len(marked) - in_flight
    # After the lease runs out, the held rows are taken over.
    later = run_pass(db, T0 + LEASE + timedelta(minutes=2), platform)
    assert later.sent == in_flight
    counts = platform.counts()
    assert set(counts) == {g.chat_id for g in groups}  # every group has its reminder
    duplicates = sum(c - 1 for c in counts.values())
    assert duplicates <= in_flight
    assert states(db) == {"sent": 30}


def test_restart_mid_batch_after_claim_expiry(db: Database, platform: FakePlatform) -> None:
    """A process claimed a batch, sent part of it and died; a new process finishes after the lease."""
    groups = add_wecom(db, platform, 40)
    queue(db, groups)
    rows = repo.due_rows(db, now=T0)
    held = repo.claim(db, [r.id for r in rows[:25]], now=T0, until=T0 + LEASE, token="dead-process")
    assert len(held) == 25

    async def send_some() -> None:  # the dead process got 10 of its 25 out before it died
        async with make_http_client(2.0) as client:
            factory = ChannelFactory(client, config_for(platform))
            for row in rows[:10]:
                await factory(row.group).send(row.text)

    asyncio.run(send_some())
    restarted = run_pass(db, T0 + timedelta(minutes=1), platform)
    assert restarted.sent == 15  # the unclaimed ones; the held ones wait for the lease
    resumed = run_pass(db, T0 + LEASE + timedelta(seconds=1), platform)
    assert resumed.sent == 25
    counts = platform.counts()
    assert set(counts) == {g.chat_id for g in groups}
    assert sum(c - 1 for c in counts.values()) == 10 <= 25  # duplicates ≤ what was in flight


def test_endpoint_down_for_an_hour_then_back(db: Database, platform: FakePlatform) -> None:
    groups = add_wecom(db, platform, 3)
    queue(db, groups)
    clock = FakeMonotonic()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    platform.down = 500
    now = T0
    attempts_seen = []
    while now < T0 + timedelta(hours=1):  # the scheduler's minute passes while the endpoint is down
        result = run_pass(db, now, platform, limiter=limiter)
        assert result.sent == 0
        if result.retrying:
            attempts_seen.append(now)
        now += timedelta(minutes=1)
        clock.t += 60
    pending = repo.list_outbox(db)
    assert {r.state for r in pending} == {"pending"}
    assert all("HTTP 500" in (r.last_error or "") for r in pending)
    # Exponential backoff: tries at 0, 1, 3, 7, 15, 31 minutes — not 60 hammerings.
    assert [round((t - T0).total_seconds() / 60) for t in attempts_seen] == [0, 1, 3, 7, 15, 31]
    platform.down = None
    while now < T0 + timedelta(hours=3) and states(db) != {"sent": 3}:
        run_pass(db, now, platform, limiter=limiter)
        now += timedelta(minutes=1)
        clock.t += 60
    assert states(db) == {"sent": 3}
    assert platform.counts() == {g.chat_id: 1 for g in groups}
    assert now <= T0 + timedelta(minutes=65)  # the 63-minute retry got it


def test_retry_budget_then_failed_then_retry_command(db: Database, platform: FakePlatform) -> None:
    groups = add_wecom(db, platform, 1)
    queue(db, groups)
    platform.down = 500
    now = T0
    for _ in range(MAX_ATTEMPTS):
        row = repo.list_outbox(db)[0]
        now = max(now, row.next_attempt_at or now)
        run_pass(db, now, platform)
    row = repo.list_outbox(db)[0]
    assert row.state == "failed" and row.attempts == MAX_ATTEMPTS
    assert "已达重试上限" in row.last_error and "HTTP 500" in row.last_error
    platform.down = None
    assert retry_failed(db, now) == 1
    assert run_pass(db, now, platform).sent == 1
    assert platform.counts() == {"w0": 1}


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() / 60 for n in range(1, 10)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.parametrize(("answer", "retryable", "least_wait"), [
    (45009, True, 60), (130101, True, 600), (500, True, 60), (502, True, 60), ("garbage", True, 60),
    (93000, False, None), (310000, False, None), (404, False, None),
])
def test_replies_classified(db: Database, platform: FakePlatform, answer, retryable: bool, least_wait) -> None:
    groups = add_wecom(db, platform, 1)
    queue(db, groups)
    platform.script("w0", answer)
    result = run_pass(db, T0, platform)
    row = repo.list_outbox(db)[0]
    assert result.sent == 0 and platform.counts() == {}
    if retryable:
        assert row.state == "pending" and result.retrying == 1
        assert row.next_attempt_at - T0 >= timedelta(seconds=least_wait)
    else:
        assert row.state == "failed" and result.failed == 1
        assert "不可重试" in row.last_error
    if isinstance(answer, int) and answer >= 1000:
        assert f"errcode {answer}" in row.last_error  # HTTP 200 with errcode ≠ 0 is a failure


def test_hanging_endpoint_times_out_and_is_retried(db: Database, platform: FakePlatform) -> None:
    groups = add_wecom(db, platform, 2)
    queue(db, groups)
    platform.script("w0", "hang")
    result = run_pass(db, T0, platform, timeout=0.3)
    assert (result.sent, result.retrying) == (1, 1)
    row = next(r for r in repo.list_outbox(db) if r.state == "pending")
    assert "超时" in row.last_error
    assert run_pass(db, row.next_attempt_at, platform, timeout=0.3).sent == 1
    assert platform.counts() == {"w0": 1, "w1": 1}


def test_older_than_grace_is_skipped_and_recorded(db: Database, platform: FakePlatform) -> None:
    groups = add_wecom(db, platform, 1)
    queue(db, groups, due=T0 - timedelta(hours=13), subject="old")
    queue(db, groups, due=T0 - timedelta(hours=11), subject="recent")
    result = run_pass(db, T0, platform)
    assert (result.sent, result.skipped) == (1, 1)
    rows = {r.subject_id: r for r in repo.list_outbox(db)}
    assert rows["old"].state == "skipped" and "宽限期" in rows["old"].last_error
    assert rows["recent"].state == "sent"
    assert retry_failed(db, T0, include_skipped=True) == 1  # an operator can still send it on purpose
    assert run_pass(db, T0, platform).sent == 1


def test_rate_limit_20_per_minute_per_robot(db: Database) -> None:
    clock = FakeMonotonic()
    with FakePlatform(rate_clock=clock) as platform:  # the server referees the limit with the same clock
        shared = add_wecom(db, platform, 25, prefix="shared", shared_key="one-robot")
        own = add_wecom(db, platform, 3, prefix="own")
        queue(db, shared + own)
        limiter = RateLimiter(clock=clock, sleep=clock.sleep)
        first = run_pass(db, T0, platform, limiter=limiter)
        assert (first.sent, first.deferred) == (23, 5)  # 20 through the shared robot + 3 others
        assert run_pass(db, T0 + timedelta(minutes=1), platform, limiter=limiter).sent == 0  # same real minute
        clock.t += 60
        assert run_pass(db, T0 + timedelta(minutes=2), platform, limiter=limiter).sent == 5
        assert platform.rate_violations == 0
        assert platform.counts()["one-robot"] == 25


def test_split_message_parts_and_progress(db: Database, platform: FakePlatform) -> None:
    groups = add_wecom(db, platform, 1)
    text = "\n".join(f"· 第{i}项：{'认真学习、深入调研、' * 8}" for i in range(40))
    assert len(text.encode()) > 2 * 2048
    queue(db, groups, text=text)
    platform.script("w0", None, None, 500)  # parts 1 and 2 go out, part 3 fails
    first = run_pass(db, T0, platform)
    assert first.retrying == 1
    row = repo.list_outbox(db)[0]
    sent_before = len(platform.texts("w0"))
    assert sent_before == 2
    with db.session() as session:
        assert session.scalar(select(OutboxEntry.parts_sent)) == 2
    run_pass(db, row.next_attempt_at, platform)
    texts = platform.texts("w0")
    assert all(len(t.encode()) <= 2048 for t in texts)
    assert "\n".join(texts) == text  # resumed after part 2: nothing repeated, nothing lost


def test_dingtalk_webhook_signs_and_adds_keyword(db: Database, platform: FakePlatform) -> None:
    secret = "SEC" + "f" * 64
    url = platform.dingtalk_url("dt-token-1234567890", secret=secret, keyword="学实")
    group = repo.add_group(db, platform="dingtalk", chat_id="d1", name="钉钉群", channel="dingtalk_webhook",
                           webhook_url=url, secret=secret, keyword="学实", created_at=CREATED)
    queue(db, [group], text="请按时提交心得体会")
    assert run_pass(db, T0, platform).sent == 1
    assert platform.texts("dt-token-1234567890") == ["请按时提交心得体会\n学实"]


def test_dingtalk_wrong_secret_fails_without_leaking_it(db: Database, platform: FakePlatform) -> None:
    url = platform.dingtalk_url("dt-token-abcdefghij", secret="SEC" + "a" * 64)
    wrong = "SEC" + "b" * 64
    group = repo.add_group(db, platform="dingtalk", chat_id="d1", name="钉钉群", channel="dingtalk_webhook",
                           webhook_url=url, secret=wrong, created_at=CREATED)
    queue(db, [group])
    result = run_pass(db, T0, platform)
    row = repo.list_outbox(db)[0]
    assert result.failed == 1 and row.state == "failed" and "310000" in row.last_error
    assert wrong not in row.last_error and "dt-token-abcdefghij" not in row.last_error


def test_dingtalk_openapi_token_is_cached_and_refreshed(db: Database, platform: FakePlatform) -> None:
    groups = [
        repo.add_group(db, platform="dingtalk", chat_id=f"cid{i}", name=f"应用群{i}", channel="dingtalk_openapi",
                       robot_code=APP_KEY, open_conversation_id=f"cid{i}", created_at=CREATED)
        for i in range(3)
    ]
    clock = FakeMonotonic()
    tokens = DingTalkTokens(clock=clock)
    queue(db, groups, subject="a")
    assert run_pass(db, T0, platform, tokens=tokens).sent == 3
    assert platform.token_fetches == 1  # one token for three sends
    queue(db, groups, subject="b", due=T0 + timedelta(hours=1))
    assert run_pass(db, T0 + timedelta(hours=1), platform, tokens=tokens).sent == 3
    assert platform.token_fetches == 1  # still cached
    clock.t += 7200  # expired
    queue(db, groups, subject="c", due=T0 + timedelta(hours=3))
    assert run_pass(db, T0 + timedelta(hours=3), platform, tokens=tokens).sent == 3
    assert platform.token_fetches == 2
    platform.revoke_tokens()  # revoked early: a 401, a new token, and the message still goes out
    queue(db, groups, subject="d", due=T0 + timedelta(hours=4))
    assert run_pass(db, T0 + timedelta(hours=4), platform, tokens=tokens).sent == 3
    assert platform.token_fetches == 3
    assert platform.counts() == {f"cid{i}": 4 for i in range(3)}


def test_openapi_without_app_credentials_fails_clearly(db: Database, platform: FakePlatform) -> None:
    group = repo.add_group(db, platform="dingtalk", chat_id="cid", name="应用群", channel="dingtalk_openapi",
                           robot_code="rc", open_conversation_id="cid", created_at=CREATED)
    queue(db, [group])

    async def go() -> PassResult:
        async with make_http_client(2.0) as client:
            factory = ChannelFactory(client, ChannelConfig(dingtalk_api_base=platform.url))
            return await send_due(db, T0, factory)

    assert asyncio.run(go()).failed == 1
    assert "XUESHI_DINGTALK_APP_KEY" in repo.list_outbox(db)[0].last_error


def test_official_urls_are_rebased_onto_the_configured_base(platform: FakePlatform) -> None:
    group = repo.GroupRecord(id=1, platform="wecom", chat_id="c", name="群", channel="wecom_webhook",
                             webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=official-key")

    async def go() -> None:
        async with make_http_client(2.0) as client:
            await ChannelFactory(client, config_for(platform))(group).send("你好")

    asyncio.run(go())
    assert platform.texts("official-key") == ["你好"]


def test_send_raises_delivery_error_with_retryable_flag(platform: FakePlatform) -> None:
    group = repo.GroupRecord(id=1, platform="wecom", chat_id="c", name="群", channel="wecom_webhook",
                             webhook_url=platform.wecom_url("k"))
    platform.script("k", 45009, 93000)

    async def attempt() -> DeliveryError:
        async with make_http_client(2.0) as client:
            with pytest.raises(DeliveryError) as info:
                await ChannelFactory(client, config_for(platform))(group).send("你好")
            return info.value

    first, second = asyncio.run(attempt()), asyncio.run(attempt())
    assert (first.retryable, second.retryable) == (True, False)


def test_secrets_never_reach_the_logs(db: Database, platform: FakePlatform, caplog: pytest.LogCaptureFixture) -> None:
    key = "wecom-key-0123456789abcdef"
    token = "dingtalk-token-0123456789"
    secret = "SEC" + "9" * 64
    platform.dingtalk_url(token, secret="SEC" + "0" * 64)  # the server expects another secret: failures
    groups = [
        repo.add_group(db, platform="wecom", chat_id="w", name="企微", channel="wecom_webhook",
                       webhook_url=platform.wecom_url(key), created_at=CREATED),
        repo.add_group(db, platform="dingtalk", chat_id="d", name="钉钉", channel="dingtalk_webhook",
                       webhook_url=platform.dingtalk_url(token), secret=secret, created_at=CREATED),
    ]
    queue(db, groups)
    platform.script(key, 500)
    caplog.set_level(logging.DEBUG)
    run_pass(db, T0, platform)
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)  # httpx did log its requests
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    stored = " ".join(r.last_error or "" for r in repo.list_outbox(db))
    for credential in (key, token, secret, APP_SECRET):
        assert credential not in logged
        assert credential not in stored
    assert "wecom-key-0123456789abcdef" not in repr(groups[0]) and secret not in repr(groups[1])


def test_masking() -> None:
    assert repo.mask_secret("SEC0123456789abcdef") == "SEC0…cdef"
    assert repo.mask_secret("short") == "****"
    assert repo.mask_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa") == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…5aaa")


def test_channel_settings(make_settings) -> None:
    from pydantic import ValidationError

    settings = make_settings(wecom_api_base="http://127.0.0.1:9/", dingtalk_app_secret="app-secret-value")
    assert settings.wecom_api_base == "http://127.0.0.1:9"
    config = ChannelConfig.from_settings(settings)
    assert config.dingtalk_app_secret == "app-secret-value"
    assert "app-secret-value" not in repr(settings) and "app-secret-value" not in repr(config)
    with pytest.raises(ValidationError):
        make_settings(dingtalk_api_base="api.dingtalk.com")


def test_a_stale_token_refused_twice_is_replaced_once() -> None:
    """Two sends refused with the same revoked token: the second must not throw away the fresh token
    the first one fetched meanwhile."""
    clock = FakeMonotonic()
    tokens = DingTalkTokens(clock=clock)
    tokens._cache[APP_KEY] = ("fresh", clock() + 3600)
    tokens.invalidate(APP_KEY, "revoked")  # the slower of the two callers
    assert tokens._cached(APP_KEY) == "fresh"
    tokens.invalidate(APP_KEY, "fresh")
    assert tokens._cached(APP_KEY) is None
