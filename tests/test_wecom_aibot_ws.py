"""WeCom AI bot over its long connection: the real SDK (``aibot``) inside the app's lifespan — and inside a
real ``xueshi serve`` — against a local server speaking WeCom's frames (tests/wecom_ws_fake.py).

Subscribe with the configured credentials; FAQ answers as a finished stream on the callback's req_id;
three deliveries of one message → one reply and one check-in; reminders pushed through the channel
from another thread's event loop arrive as ``aibot_send_msg``; no connection → a retryable
``DeliveryError``; a wrong secret → a clear error, no hammering, and the server keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.clock import FixedClock
from bot.http import create_app
from bot.platforms.wecom_aibot_ws import WeComAibotWs
from bot.service import Service
from bot.storage import attendance_repo as ar
from bot.storage.outbox_repo import GroupRecord
from scheduler.aibot_channel import CONVERSATION_LIMIT, CONVERSATION_PERIOD_S, WeComAibotChannel
from scheduler.channels import ChannelConfig, ChannelFactory, DeliveryError, RateLimiter, make_http_client
from scheduler.runner import ReminderRunner
from tests.attendance_helpers import CLI, T0, seed
from tests.live_server import LiveServer
from tests.wecom_ws_fake import BOT_ID, SECRET, FakeWeComWs, text_callback

GROUP = "wrkGroupA"
FAQ_QUESTION = "借调的党员在哪里参加学习"
SOURCE_MARK = "——《培训提纲》"


@dataclass
class Running:
    client: TestClient
    service: Service
    adapter: WeComAibotWs
    fake: FakeWeComWs


@pytest.fixture
def fake() -> Iterator[FakeWeComWs]:
    with FakeWeComWs() as server:
        yield server


@contextlib.contextmanager
def _running(make_settings, matcher, fake: FakeWeComWs, *, database_url: str | None = None,
             secret: str = SECRET, wait_subscribed: bool = True, **tuning: Any) -> Iterator[Running]:
    overrides: dict[str, Any] = {"wecom_aibot_id": BOT_ID, "wecom_aibot_secret": secret,
                                 "wecom_aibot_ws_url": fake.url, "scheduler_enabled": False}
    if database_url:
        overrides["database_url"] = database_url
    service = Service(make_settings(**overrides), clock=FixedClock(T0), matcher=matcher)
    app = create_app(service)
    adapter = app.state.platforms.adapter("wecom_aibot_ws")
    assert isinstance(adapter, WeComAibotWs)
    for name, value in {"heartbeat_seconds": 30.0, "reconnect_seconds": 0.05, "restart_seconds": 0.2,
                        "watch_seconds": 0.05, "stale_seconds": 0.3, **tuning}.items():
        setattr(adapter, name, value)
    try:
        with TestClient(app) as client:
            if wait_subscribed:
                _wait(lambda: adapter.ready)
            yield Running(client, service, adapter, fake)
    finally:
        service.close()


@pytest.fixture
def running(make_settings, shared_matcher, fake, db_url, caplog) -> Iterator[Running]:
    caplog.set_level(logging.INFO, logger="bot.platforms.gateway")
    with _running(make_settings, shared_matcher, fake, database_url=db_url) as run:
        yield run


def _wait(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def _wait_repeats(caplog, msgid: str, count: int) -> None:
    """Wait until the gateway has turned away ``count`` repeats of ``msgid`` (its log line says so)."""
    _wait(lambda: sum(f"repeat delivery ignored: platform=wecom-aibot msg_id={msgid}" in r.getMessage()
                      for r in caplog.records) >= count)


def _reply_to(fake: FakeWeComWs, req_id: str) -> dict[str, Any]:
    return fake.wait_for(lambda: next((f for f in fake.responses if f["headers"]["req_id"] == req_id), None))


def _ask(fake: FakeWeComWs, msgid: str, text: str, *, user: str = "zhangsan", chat: str | None = GROUP) -> str:
    return fake.push_callback(text_callback(msgid, f"@学实助手 {text}", userid=user, chatid=chat))


def _say(fake: FakeWeComWs, msgid: str, text: str, **kw: Any) -> str:
    """Push a message and return the content of the stream reply to it."""
    return _reply_to(fake, _ask(fake, msgid, text, **kw))["body"]["stream"]["content"]


def _push_from_other_loop(group: GroupRecord, text: str, **factory_kw: Any) -> DeliveryError | None:
    """Send like a reminder pass does: a thread with its own event loop and its own channel factory."""
    outcome: list[DeliveryError | None] = []

    def run() -> None:
        async def send() -> None:
            async with make_http_client(5.0) as http:
                await ChannelFactory(http, ChannelConfig(timeout=5.0), **factory_kw)(group).send(text)

        try:
            asyncio.run(send())
            outcome.append(None)
        except DeliveryError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert outcome, "the push did not finish"
    return outcome[0]


def _group(chat_id: str = GROUP) -> GroupRecord:
    return GroupRecord(id=7, platform="wecom", chat_id=chat_id, name="示例小学党支部", channel="wecom_aibot")


# -- subscribe, answer, repeats ------------------------------------------------------------------------


def test_subscribes_with_the_configured_bot_id_and_secret(running: Running) -> None:
    assert running.fake.subscribes == [{"bot_id": BOT_ID, "secret": SECRET}]
    assert running.client.get("/healthz").status_code == 200


def test_faq_question_gets_a_finished_stream_on_the_same_req_id(running: Running, outline_text: str) -> None:
    fake = running.fake
    req_id = _ask(fake, "msg-faq-1", FAQ_QUESTION)
    frame = _reply_to(fake, req_id)
    assert frame["cmd"] == "aibot_respond_msg"
    assert frame["headers"]["req_id"] == req_id
    stream = frame["body"]["stream"]
    assert frame["body"]["msgtype"] == "stream" and stream["finish"] is True and stream["id"]
    content = stream["content"]
    assert content.startswith("<@zhangsan>")  # the asker is @-mentioned in a group
    assert SOURCE_MARK in content
    # The answer is quoted from the outline itself.
    answer = content.split("\n", 1)[1].split(SOURCE_MARK)[0]
    squeeze = re.compile(r"\s+")
    assert len(answer.strip()) > 20 and squeeze.sub("", answer) in squeeze.sub("", outline_text)
    # … and it is what the bot answers to the same question anywhere else.
    assert answer.strip() in running.service.ask(FAQ_QUESTION, user_id="elsewhere").text


def test_single_chat_is_answered_without_a_mention(running: Running) -> None:
    content = _say(running.fake, "msg-single-1", FAQ_QUESTION, user="lisi", chat=None)
    assert SOURCE_MARK in content and "<@" not in content


def test_same_message_three_times_gets_one_reply(running: Running, caplog) -> None:
    fake = running.fake
    body = text_callback("msg-repeat-1", f"@学实助手 {FAQ_QUESTION}", userid="zhangsan", chatid=GROUP)
    req_ids = [fake.push_callback(body) for _ in range(3)]
    _wait_repeats(caplog, "msg-repeat-1", 2)
    # Anything still on its way is out once a later message's reply is (the link is ordered).
    _say(fake, "msg-repeat-2", "活动分几个阶段")
    answered = [f for f in fake.responses if f["headers"]["req_id"] in req_ids]
    assert len(answered) == 1, answered
    assert SOURCE_MARK in answered[0]["body"]["stream"]["content"]


def test_check_in_three_deliveries_one_check_in(running: Running, caplog) -> None:
    db = running.service.db
    units = seed(db, bind=False)
    ar.bind_group(db, platform="wecom", chat_id=GROUP, unit_id=units["A"].id, at=T0, actor=CLI)
    fake = running.fake
    opened = _say(fake, "msg-open-1", "发起签到　「动员大会」　14:30　2小时", user="zsj")
    assert "【签到】动员大会" in opened
    meeting = ar.list_meetings(db, unit_id=units["A"].id)[0]

    body = text_callback("msg-checkin-1", "@学实助手 签到", userid="wls", chatid=GROUP)
    req_ids = [fake.push_callback(body) for _ in range(3)]
    _wait_repeats(caplog, "msg-checkin-1", 2)
    status = _say(fake, "msg-status-1", "签到情况", user="lll")
    answered = [f for f in fake.responses if f["headers"]["req_id"] in req_ids]
    assert len(answered) == 1
    assert "签到成功" in answered[0]["body"]["stream"]["content"]
    assert ar.count_checkins(db, meeting.id) == 1
    assert "实到 1" in status


# -- pushes ----------------------------------------------------------------------------------------------


def test_reminder_push_arrives_as_aibot_send_msg_to_the_chat(running: Running) -> None:
    fake = running.fake
    _say(fake, "msg-seen-1", FAQ_QUESTION)  # the bot sees the group first
    assert GROUP in running.adapter.seen_chats()

    text = "【提醒】今天下午 14:30 召开动员大会，请各位党员准时参加。"
    assert _push_from_other_loop(_group(), text) is None
    frame = fake.wait_for(lambda: fake.sends[-1] if fake.sends else None)
    assert frame["cmd"] == "aibot_send_msg"
    assert frame["body"] == {"chatid": GROUP, "msgtype": "markdown", "markdown": {"content": text}}

    # The reminder runner's own path (`xueshi groups test`) reaches the same connection.
    runner = ReminderRunner(running.service.settings, db=running.service.db)
    thread_error: list[BaseException] = []
    thread = threading.Thread(target=lambda: _catch(thread_error, asyncio.run,
                                                    runner.send_test(_group(), "测试消息")))
    thread.start()
    thread.join(30)
    assert not thread_error
    fake.wait_for(lambda: len(fake.sends) == 2)
    assert fake.sends[1]["body"]["markdown"]["content"] == "测试消息"


def _catch(errors: list[BaseException], fn, *args: Any) -> None:
    try:
        fn(*args)
    except BaseException as exc:  # noqa: BLE001 - reported to the test thread
        errors.append(exc)


def test_seen_chats_come_back_from_inbound_events(running: Running) -> None:
    _say(running.fake, "msg-seen-2", FAQ_QUESTION, chat="wrkGroupB")
    _say(running.fake, "msg-seen-3", FAQ_QUESTION, chat=None, user="lisi")  # a single chat is not a group
    fresh = WeComAibotWs(running.adapter.context)  # a new process knows only what the database kept
    assert fresh.seen_chats() == ["wrkGroupB"]


def test_long_reminder_is_split_within_the_markdown_limit(running: Running) -> None:
    lines = [f"第{i}条：请各党支部按照培训提纲的要求，认真组织党员开展学习讨论并做好记录。" for i in range(120)]
    text = "\n".join(lines)
    assert len(text.encode()) > 4096
    assert _push_from_other_loop(_group(), text) is None
    sent = [f["body"]["markdown"]["content"] for f in running.fake.sends]
    assert len(sent) >= 2 and all(len(part.encode()) <= 4096 for part in sent)
    assert "\n".join(sent) == text


def test_throttled_push_is_retryable_and_a_bad_chat_is_not(running: Running) -> None:
    running.fake.send_errcodes.extend([45009, 40058])
    throttled = _push_from_other_loop(_group(), "提醒一")
    assert throttled is not None and throttled.retryable and throttled.retry_after
    refused = _push_from_other_loop(_group(), "提醒二")
    assert refused is not None and not refused.retryable and "40058" in refused.message
    assert running.fake.sends == []


def test_a_broken_link_is_reconnected(running: Running) -> None:
    before = running.fake.connections
    running.fake.drop_connections()
    _wait(lambda: running.fake.connections > before and running.adapter.ready)
    assert SOURCE_MARK in _say(running.fake, "msg-after-drop", FAQ_QUESTION)


def test_push_without_a_connection_is_retryable(running: Running) -> None:
    running.fake.stop()  # a clean close: the SDK alone would never reconnect
    _wait(lambda: not running.adapter.ready)
    error = _push_from_other_loop(_group(), "连接断开时的提醒")
    assert error is not None and error.retryable
    # The connection comes back by itself, and pushes work again.
    running.fake.start()
    _wait(lambda: running.adapter.ready)
    assert _push_from_other_loop(_group(), "恢复后的提醒") is None
    assert [f["body"]["markdown"]["content"] for f in running.fake.sends] == ["恢复后的提醒"]


def test_no_adapter_in_this_process_means_retryable(make_settings) -> None:
    channel = WeComAibotChannel(_group())
    assert channel.limiter is None
    with pytest.raises(DeliveryError) as caught:
        asyncio.run(channel.send("提醒"))
    assert caught.value.retryable


def test_replies_and_pushes_share_thirty_a_minute_per_chat(make_settings, shared_matcher, fake) -> None:
    now = [1000.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(CONVERSATION_LIMIT, CONVERSATION_PERIOD_S, clock=lambda: now[0], sleep=fake_sleep)
    with _running(make_settings, shared_matcher, fake, limiter=limiter) as run:
        _say(fake, "msg-rate-1", FAQ_QUESTION)
        assert limiter.available(run.adapter.rate_key(GROUP)) == CONVERSATION_LIMIT - 1  # the reply counted
        for n in range(CONVERSATION_LIMIT - 1):
            assert _push_from_other_loop(_group(), f"提醒{n}") is None
        assert slept == []
        assert _push_from_other_loop(_group(), "第三十一条") is None
        assert slept and 59.0 <= sum(slept) <= 60.0
        assert len(fake.sends) == CONVERSATION_LIMIT
        # Another conversation has its own budget.
        assert _push_from_other_loop(_group("wrkOther"), "另一个群") is None
        assert len(slept) == 1


# -- connection care -------------------------------------------------------------------------------------


def test_heartbeat_is_acknowledged(make_settings, shared_matcher, fake) -> None:
    with _running(make_settings, shared_matcher, fake, heartbeat_seconds=0.05) as run:
        fake.wait_for(lambda: fake.pings >= 3)
        assert run.adapter.ready


def test_wrong_secret_is_a_clear_error_and_the_server_keeps_serving(make_settings, shared_matcher, caplog) -> None:
    caplog.set_level(logging.INFO)
    with FakeWeComWs(secret="the-real-secret-is-different") as fake:
        with _running(make_settings, shared_matcher, fake, wait_subscribed=False) as run:
            fake.wait_for(lambda: fake.subscribes)
            _wait(lambda: any("refused the subscription" in r.getMessage() for r in caplog.records))
            assert run.client.get("/healthz").status_code == 200
            time.sleep(0.5)  # several reconnect delays: a refused secret is not retried at once
            assert len(fake.subscribes) == 1
            assert not run.adapter.ready
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "XUESHI_WECOM_AIBOT_SECRET" in errors[0].getMessage()
    assert all(SECRET not in r.getMessage() for r in caplog.records)


def test_welcome_on_enter_chat(running: Running) -> None:
    fake = running.fake
    req_id = fake.push_event({"msgid": "ev1", "aibotid": BOT_ID, "chattype": "single", "from": {"userid": "lisi"},
                              "msgtype": "event", "event": {"eventtype": "enter_chat"}})
    frame = fake.wait_for(lambda: next((f for f in fake.welcomes if f["headers"]["req_id"] == req_id), None))
    assert frame["body"]["msgtype"] == "text" and "学实助手" in frame["body"]["text"]["content"]


def test_displaced_by_another_connection_stops_reconnecting(make_settings, shared_matcher, fake) -> None:
    with _running(make_settings, shared_matcher, fake) as run:
        adapter = run.adapter
        fake.push_event({"msgid": "ev2", "aibotid": BOT_ID, "msgtype": "event",
                         "event": {"eventtype": "disconnected_event"}})
        _wait(lambda: not adapter.ready)
        time.sleep(0.5)  # longer than restart_seconds: it stays away
        assert fake.connections == 1 and not fake.subscribed


def test_other_message_types_are_ignored(running: Running) -> None:
    fake = running.fake
    fake.push_callback({"msgid": "img1", "aibotid": BOT_ID, "chattype": "single", "from": {"userid": "lisi"},
                        "msgtype": "image", "image": {"url": "https://example.invalid/x"}})
    fake.push_callback({"msgid": "bad1", "aibotid": BOT_ID, "chattype": "group", "msgtype": "text",
                        "text": {"content": "no sender"}})
    _say(fake, "msg-after-1", FAQ_QUESTION)
    assert len(fake.responses) == 1 and running.adapter.ready


# -- a real `xueshi serve` -------------------------------------------------------------------------------


def _serve_env(cli_env: dict[str, str], fake: FakeWeComWs, database_url: str, secret: str = SECRET) -> dict[str, str]:
    return {**cli_env, "XUESHI_DATABASE_URL": database_url, "XUESHI_WECOM_AIBOT_ID": BOT_ID,
            "XUESHI_WECOM_AIBOT_SECRET": secret, "XUESHI_WECOM_AIBOT_WS_URL": fake.url,
            "XUESHI_SCHEDULER_ENABLED": "false"}


def test_live_server_answers_once_over_the_long_connection(cli_env, fake, db_url, tmp_path) -> None:
    with LiveServer(_serve_env(cli_env, fake, db_url), cwd=tmp_path) as server:
        fake.wait_for(lambda: fake.subscribed, timeout=15)
        assert "adapter wecom_aibot_ws: enabled" in server.output()
        body = text_callback("live-1", f"@学实助手 {FAQ_QUESTION}", userid="zhangsan", chatid=GROUP)
        req_ids = [fake.push_callback(body) for _ in range(3)]
        first = _reply_to(fake, req_ids[0])
        content = first["body"]["stream"]["content"]
        assert first["body"]["stream"]["finish"] is True and SOURCE_MARK in content
        _wait(lambda: server.output().count("repeat delivery ignored: platform=wecom-aibot msg_id=live-1") == 2)
        _say(fake, "live-2", "活动分几个阶段")
        assert len([f for f in fake.responses if f["headers"]["req_id"] in req_ids]) == 1
        assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200
    assert SECRET not in server.output()


def test_live_server_with_a_wrong_secret_keeps_serving(cli_env, tmp_path) -> None:
    with FakeWeComWs(secret="the-real-secret-is-different") as fake:
        env = _serve_env(cli_env, fake, f"sqlite:///{tmp_path}/live.db")
        with LiveServer(env, cwd=tmp_path) as server:
            fake.wait_for(lambda: fake.subscribes, timeout=15)
            _wait(lambda: "refused the subscription" in server.output())
            assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200
            assert server.proc is not None and server.proc.poll() is None
        assert len(fake.subscribes) == 1
        assert SECRET not in server.output()


def test_plain_ws_to_a_remote_host_is_refused(make_settings, shared_matcher, caplog) -> None:
    settings = make_settings(wecom_aibot_id=BOT_ID, wecom_aibot_secret=SECRET,
                             wecom_aibot_ws_url="ws://example.invalid:9", scheduler_enabled=False)
    service = Service(settings, clock=FixedClock(T0), matcher=shared_matcher)
    try:
        app = create_app(service)
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
            assert not app.state.platforms.adapter("wecom_aibot_ws").ready
    finally:
        service.close()
    assert any("plain ws://" in r.getMessage() for r in caplog.records)


def test_the_channel_factory_builds_the_aibot_channel() -> None:
    factory = ChannelFactory(None, ChannelConfig(timeout=3.0))  # type: ignore[arg-type]
    channel = factory(_group())
    assert isinstance(channel, WeComAibotChannel) and channel.max_bytes == 4096
    with pytest.raises(DeliveryError) as caught:
        factory(GroupRecord(id=8, platform="wecom", chat_id="", name="x", channel="wecom_aibot"))
    assert not caught.value.retryable
