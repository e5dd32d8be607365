"""``xueshi groups …`` / ``xueshi reminders …`` as real subprocesses, and the APScheduler runner.

The subprocesses push to a local fake WeCom / DingTalk server (``XUESHI_*_API_BASE`` point the
official hosts at it), so the whole path — CLI, storage, enqueue, pass, HTTP — is exercised.
"""

from __future__ import annotations

import subprocess
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import XUESHI_BIN
from fake_platform import APP_KEY, APP_SECRET, FakePlatform

SHANGHAI = ZoneInfo("Asia/Shanghai")
WECOM_KEY = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"
DT_TOKEN = "dingtalk-access-token-0123456789"
DT_SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
NOW = "2009-04-27T10:00:00+08:00"


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(XUESHI_BIN), *args], capture_output=True, text=True, encoding="utf-8",
                            env=env, cwd=cwd, timeout=120)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


@pytest.fixture
def platform():
    server = FakePlatform().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def env(cli_env: dict[str, str], platform: FakePlatform) -> dict[str, str]:
    return {**cli_env, "XUESHI_WECOM_API_BASE": platform.url, "XUESHI_DINGTALK_OAPI_BASE": platform.url,
            "XUESHI_DINGTALK_API_BASE": platform.url, "XUESHI_DINGTALK_APP_KEY": APP_KEY,
            "XUESHI_DINGTALK_APP_SECRET": APP_SECRET}


def _add_groups(env: dict[str, str], cwd: Path, platform: FakePlatform) -> None:
    platform.dingtalk_secrets[DT_TOKEN] = DT_SECRET  # the fake server checks the signature
    commands = [
        ["groups", "add", "--platform", "wecom", "--chat-id", "wx-1", "--name", "一支部群", "--category", "1",
         "--webhook", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", "--unit", "一支部"],
        ["groups", "add", "--platform", "dingtalk", "--chat-id", "dt-1", "--name", "二支部群", "--category", "2",
         "--webhook", f"https://oapi.dingtalk.com/robot/send?access_token={DT_TOKEN}", "--secret", DT_SECRET,
         "--keyword", "学实"],
        ["groups", "add", "--platform", "dingtalk", "--chat-id", "cidXYZ", "--name", "机关群",
         "--robot-code", APP_KEY, "--conversation-id", "cidXYZ"],
    ]
    for command in commands:
        result = _run(command, env, cwd)
        assert result.returncode == 0, result.stderr
        assert "已登记群" in result.stdout


def test_groups_list_masks_secrets(tmp_path: Path, env: dict[str, str], platform: FakePlatform) -> None:
    _add_groups(env, tmp_path, platform)
    result = _run(["groups", "list"], env, tmp_path)
    assert result.returncode == 0
    out = result.stdout
    assert "一支部群" in out and "二支部群" in out and "机关群" in out
    for secret in (WECOM_KEY, DT_TOKEN, DT_SECRET, APP_SECRET):
        assert secret not in out and secret not in result.stderr
    assert "693a…5aaa" in out and "SEC0…abcd" in out


def test_send_due_twice_delivers_nothing_the_second_time(tmp_path: Path, env: dict[str, str],
                                                         platform: FakePlatform) -> None:
    _add_groups(env, tmp_path, platform)
    first = _run(["reminders", "send-due", "--now", NOW], env, tmp_path)
    assert first.returncode == 0, first.stderr
    delivered = sum(platform.counts().values())
    assert delivered > 0 and "已发送" in first.stdout
    assert set(platform.counts()) == {WECOM_KEY, DT_TOKEN, "cidXYZ"}  # all three channel kinds
    assert all(text.endswith("学实") or "学实" in text for text in platform.texts(DT_TOKEN))  # keyword
    second = _run(["reminders", "send-due", "--now", NOW], env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "已发送 0" in second.stdout
    assert sum(platform.counts().values()) == delivered
    for secret in (WECOM_KEY, DT_TOKEN, DT_SECRET, APP_SECRET):
        assert secret not in first.stderr + first.stdout + second.stderr + second.stdout

    listed = _run(["reminders", "list", "--from", "2009-04-27", "--to", "2009-04-27", "--state", "sent"], env, tmp_path)
    assert listed.returncode == 0
    assert "已发送" in listed.stdout and "一支部群" in listed.stdout


def test_failed_then_retry(tmp_path: Path, env: dict[str, str], platform: FakePlatform) -> None:
    result = _run(["groups", "add", "--platform", "wecom", "--chat-id", "wx-1", "--name", "一支部群",
                   "--webhook", WECOM_KEY], env, tmp_path)  # a bare key is accepted
    assert result.returncode == 0, result.stderr
    platform.script(WECOM_KEY, *([93000] * 20))  # bad key: a permanent error
    first = _run(["reminders", "send-due", "--now", NOW], env, tmp_path)
    assert "失败" in first.stdout and "reminders retry" in first.stdout
    failed = _run(["reminders", "list", "--state", "failed"], env, tmp_path)
    assert "93000" in failed.stdout
    platform.clear_scripts()
    retried = _run(["reminders", "retry", "--now", NOW], env, tmp_path)
    assert retried.returncode == 0 and "放回队列" in retried.stdout
    again = _run(["reminders", "send-due", "--now", NOW], env, tmp_path)
    assert "失败 0" in again.stdout
    assert sum(platform.counts().values()) > 0


def test_groups_test_sends_a_message(tmp_path: Path, env: dict[str, str], platform: FakePlatform) -> None:
    _add_groups(env, tmp_path, platform)
    result = _run(["groups", "test", "2"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert platform.texts(DT_TOKEN) and "测试消息" in platform.texts(DT_TOKEN)[0]
    platform.script(WECOM_KEY, 93000)
    failed = _run(["groups", "test", "1"], env, tmp_path)
    assert failed.returncode == 1 and "93000" in failed.stderr and WECOM_KEY not in failed.stderr


@pytest.mark.parametrize("args", [
    ["groups", "add", "--platform", "qq", "--chat-id", "x", "--name", "x"],
    ["groups", "add", "--platform", "wecom", "--chat-id", "x", "--name", "x"],
    ["groups", "add", "--platform", "wecom", "--chat-id", "x", "--name", "x", "--webhook", "k", "--category", "3"],
    ["groups", "add", "--platform", "wecom", "--chat-id", "x", "--name", "x", "--webhook", "k", "--secret", "s"],
    ["groups", "add", "--platform", "dingtalk", "--chat-id", "x", "--name", "x"],
    ["groups", "add", "--platform", "dingtalk", "--chat-id", "x", "--name", "x", "--robot-code", "r"],
    ["groups", "add", "--platform", "dingtalk", "--chat-id", "x", "--name", "x",
     "--webhook", "https://oapi.dingtalk.com/robot/send"],
    ["groups", "add", "--platform", "console", "--name", "x"],
    ["groups", "remove", "abc"],
    ["reminders", "send-due", "--now", "昨天"],
    ["reminders", "list", "--state", "lost"],
    ["reminders", "list", "--from", "2009-05-01", "--to", "2009-04-01"],
    ["reminders", "preview", "no-such-rule"],
])
def test_bad_input_exits_2_with_a_chinese_message(tmp_path: Path, cli_env: dict[str, str], args: list[str]) -> None:
    result = _run(args, cli_env, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("错误：")


def test_duplicate_group_and_unknown_id(tmp_path: Path, cli_env: dict[str, str]) -> None:
    add = ["groups", "add", "--platform", "console", "--chat-id", "c", "--name", "控制台群"]
    assert _run(add, cli_env, tmp_path).returncode == 0
    again = _run(add, cli_env, tmp_path)
    assert again.returncode == 2 and "已经登记过" in again.stderr
    assert _run(["groups", "remove", "9"], cli_env, tmp_path).returncode == 1
    removed = _run(["groups", "remove", "1"], cli_env, tmp_path)
    assert removed.returncode == 0 and "已删除" in removed.stdout


def test_preview_prints_texts(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _run(["reminders", "preview", "stage-start"], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stage-start" in result.stdout and "【学实提醒】" in result.stdout


# -- the APScheduler runner ---------------------------------------------------------------------------


def test_runner_catch_up_pass_at_start_and_job_settings(make_settings) -> None:
    from bot.clock import FixedClock
    from bot.storage.outbox_repo import add_group, outbox_counts
    from scheduler.runner import JOB_ID, MISFIRE_GRACE_S, ReminderRunner

    settings = make_settings()
    received: list[str] = []
    done = threading.Event()

    def sink(group, text: str) -> None:
        received.append(text)
        done.set()

    clock = FixedClock(datetime(2009, 4, 27, 10, 0, tzinfo=SHANGHAI))
    runner = ReminderRunner(settings, clock=clock, console_sink=sink)
    add_group(runner.db, platform="console", chat_id="c", name="控制台群", channel="console",
              created_at=clock.now())
    scheduler = runner.start()
    try:
        job = scheduler.get_job(JOB_ID)
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == MISFIRE_GRACE_S
        assert done.wait(60), "the catch-up pass at start did not deliver"
    finally:
        runner.shutdown()
    assert received
    # A second runner (a restart) on the same database sends nothing again.
    again = ReminderRunner(settings, clock=clock, console_sink=sink)
    try:
        sent_before = outbox_counts(again.db).get("sent", 0)
        assert sent_before == len(received) > 0
        assert again.run_pass().sent == 0
        assert outbox_counts(again.db).get("sent", 0) == sent_before
    finally:
        again.shutdown()


def test_serve_lifespan_starts_and_stops_the_scheduler(make_settings, shared_matcher) -> None:
    import warnings

    from bot.clock import FixedClock
    from bot.http import create_app
    from bot.service import Service
    from bot.storage.outbox_repo import add_group
    from scheduler.runner import ReminderRunner, with_runner

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    clock = FixedClock(datetime(2009, 4, 27, 10, 0, tzinfo=SHANGHAI))
    service = Service(make_settings(), clock=clock, matcher=shared_matcher)
    done = threading.Event()
    runner = ReminderRunner(service.settings, db=service.db, clock=clock, console_sink=lambda g, t: done.set())
    add_group(service.db, platform="console", chat_id="c", name="控制台群", channel="console", created_at=clock.now())
    try:
        with TestClient(with_runner(create_app(service), runner)) as client:
            assert client.get("/healthz").status_code == 200
            assert runner._scheduler is not None and runner._scheduler.running
            assert done.wait(60), "the scheduler inside the web app did not deliver"
        assert runner._scheduler is None  # stopped with the app
    finally:
        service.close()


def test_aibot_push_group_is_registered_against_seen_chats(tmp_path: Path, cli_env: dict[str, str]) -> None:
    """``--aibot`` registers a WeCom group pushed over the AI bot's long connection; the CLI says whether
    the bot has heard from that chat (``groups seen`` lists the chats it has)."""
    from datetime import timedelta

    from bot.clock import SystemClock
    from bot.storage import Database, inbound_repo
    from bot.storage.inbound_repo import InboundKey

    db = Database(cli_env["XUESHI_DATABASE_URL"])
    try:
        inbound_repo.claim(db, InboundKey(platform="wecom-aibot", msg_id="m1", sender_id="u1", chat_id="wrkSEEN"),
                           now=SystemClock().now(), lease=timedelta(minutes=2))
    finally:
        db.dispose()
    seen = _run(["groups", "seen"], cli_env, tmp_path)
    assert seen.returncode == 0 and "wrkSEEN" in seen.stdout and "未登记" in seen.stdout

    added = _run(["groups", "add", "--platform", "wecom", "--chat-id", "wrkSEEN", "--name", "三支部群", "--aibot"],
                 cli_env, tmp_path)
    assert added.returncode == 0, added.stderr
    assert "智能机器人" in added.stdout and "没有收到过" not in added.stdout
    unseen = _run(["groups", "add", "--platform", "wecom", "--chat-id", "wrkNEVER", "--name", "四支部群",
                   "--aibot"], cli_env, tmp_path)
    assert unseen.returncode == 0 and "没有收到过" in unseen.stdout
    listed = _run(["groups", "list"], cli_env, tmp_path)
    assert "chatid=wrkSEEN" in listed.stdout
    assert "已登记" in _run(["groups", "seen"], cli_env, tmp_path).stdout

    both = _run(["groups", "add", "--platform", "wecom", "--chat-id", "x", "--name", "x", "--aibot",
                 "--webhook", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"], cli_env, tmp_path)
    assert both.returncode == 2 and "二选一" in both.stderr
    dingtalk = _run(["groups", "add", "--platform", "dingtalk", "--chat-id", "x", "--name", "x", "--aibot"],
                    cli_env, tmp_path)
    assert dingtalk.returncode == 2 and "只用于企业微信" in dingtalk.stderr
