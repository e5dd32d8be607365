"""DingTalk Stream mode: the official SDK (``dingtalk_stream``) inside the app — in the ASGI app's
lifespan and in a real ``xueshi serve`` — connected to a local fake that speaks the Stream frames.

The fake hands out an endpoint and a ticket at ``/v1.0/gateway/connections/open``, pushes CALLBACK
frames with robot messages, records the client's acks, and can cut the connection. Replies arrive at
the fake's sessionWebhook.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from dingtalk_fake import APP_KEY, APP_SECRET, BOT_TOPIC, DingTalkFake
from live_server import LiveServer
from test_dingtalk_http import ANSWER_START, QUESTION, ROUTE, STAFF, body_of, robot_message, signed

from bot.clock import CAMPAIGN_TZ, SystemClock
from bot.http import create_app
from bot.platforms import dingtalk_stream
from bot.platforms.dingtalk_message import millis
from bot.service import Service
from bot.storage import Database, inbound_repo

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx2
    from fastapi.testclient import TestClient


def now_ms() -> int:
    return millis(datetime.now(CAMPAIGN_TZ))


def ack_for(fake: DingTalkFake, message_id: str) -> dict:
    return fake.wait_for(lambda: next((a for a in fake.acks() if a["headers"].get("messageId") == message_id), None))


def flush(fake: DingTalkFake, msg_id: str) -> None:
    """Send one more question and wait for its answer: whatever an earlier frame caused has been sent."""
    before = len(fake.posts("session"))
    fake.push_callback(robot_message(fake, QUESTION, msg_id=msg_id, created_ms=now_ms(), session=f"flush-{msg_id}"))
    fake.wait_for(lambda: any(p.target == f"flush-{msg_id}" for p in fake.posts("session")))
    assert len(fake.posts("session")) == before + 1


# -- status -------------------------------------------------------------------------------------------


def test_status_needs_both_credentials_and_the_switch(make_settings) -> None:
    assert dingtalk_stream.status(make_settings()).missing == ("dingtalk_client_id", "dingtalk_client_secret")
    off = make_settings(dingtalk_client_id=APP_KEY, dingtalk_client_secret=APP_SECRET, dingtalk_stream_enabled=False)
    switched_off = dingtalk_stream.status(off)
    assert not switched_off.enabled and switched_off.missing == ()
    assert "switched off" in switched_off.line() and "missing" not in switched_off.line()
    on = make_settings(dingtalk_client_id=APP_KEY, dingtalk_client_secret=APP_SECRET)
    assert dingtalk_stream.status(on).enabled
    assert APP_SECRET not in dingtalk_stream.status(on).line()


# -- inside the ASGI app's lifespan ---------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[DingTalkFake]:
    with DingTalkFake() as server:
        yield server


@pytest.fixture
def stream_app(make_settings, shared_matcher, db_url: str, db: Database, fake: DingTalkFake):
    settings = make_settings(database_url=db_url, dingtalk_client_id=APP_KEY, dingtalk_client_secret=APP_SECRET,
                             dingtalk_api_base=fake.url, dingtalk_oapi_base=fake.url, scheduler_enabled=False)
    service = Service(settings, clock=SystemClock(), matcher=shared_matcher, db=db)
    app = create_app(service)
    adapter = app.state.platforms.adapter("dingtalk_stream")
    assert adapter is not None
    assert adapter.sender is app.state.platforms.adapter("dingtalk_http").sender  # one token cache per app
    # The SDK's own loop waits 10 s before reconnecting; ours starts at 1 s — shorter still for tests.
    adapter.client.RECONNECT_FIRST_DELAY = 0.05
    return app, adapter


@pytest.fixture
def connected(stream_app, fake: DingTalkFake) -> Iterator[TestClient]:
    app, _adapter = stream_app
    with TestClient(app) as client:
        fake.wait_for(lambda: fake.connected)
        yield client


def test_the_sdk_opens_its_connection_at_the_configured_api_base(connected, fake: DingTalkFake) -> None:
    assert len(fake.connection_opens) == 1
    opened = fake.connection_opens[0]
    assert opened["clientId"] == APP_KEY and opened["clientSecret"] == APP_SECRET
    assert opened["subscriptions"] == [{"type": "CALLBACK", "topic": BOT_TOPIC}]


def test_a_question_is_acked_and_answered_at_the_session_webhook(connected, fake: DingTalkFake, db,
                                                                  outline_text: str) -> None:
    frame_id = fake.push_callback(robot_message(fake, QUESTION, msg_id="stream-faq", created_ms=now_ms()))
    ack = ack_for(fake, frame_id)
    assert ack["code"] == 200 and json.loads(ack["data"]) == {"response": "OK"}
    post = fake.wait_for(lambda: fake.posts("session"))[0]
    assert post.body["at"]["atUserIds"] == [STAFF]
    quoted, source = post.text.rsplit("\n", 1)
    assert quoted.startswith(ANSWER_START) and quoted in outline_text and source.startswith("——《培训提纲》")
    assert fake.token_fetches == 0  # the SDK's own token fetch is not used, nor needed for the webhook


def test_the_ack_does_not_wait_for_the_answer_to_be_sent(connected, fake: DingTalkFake) -> None:
    fake.hold_sessions()
    try:
        frame_id = fake.push_callback(robot_message(fake, QUESTION, msg_id="stream-slow", created_ms=now_ms()))
        assert ack_for(fake, frame_id)["code"] == 200
        assert fake.posts() == []  # acked while the reply is still held at the webhook
    finally:
        fake.release_sessions()
    fake.wait_for(lambda: fake.posts("session"))


def test_a_redelivered_message_is_acked_but_not_answered_again(connected, fake: DingTalkFake, db) -> None:
    message = robot_message(fake, QUESTION, msg_id="stream-twice", created_ms=now_ms())
    first = fake.push_callback(message)
    fake.wait_for(lambda: fake.posts("session"))
    second = fake.push_callback(message)  # a new frame messageId, the same msgId
    assert first != second
    assert ack_for(fake, second)["code"] == 200
    flush(fake, "stream-after")
    assert sum(p.target == "s-1" for p in fake.posts("session")) == 1
    assert inbound_repo.count(db) == 2  # the question and the flush, not the redelivery


def test_unsupported_and_malformed_messages_are_acked_and_ignored(connected, fake: DingTalkFake, db) -> None:
    picture = robot_message(fake, "x", msg_id="stream-picture", created_ms=now_ms())
    picture["msgtype"] = "picture"
    broken = {"msgtype": "text", "msgId": "stream-broken"}
    for data in (picture, broken):
        assert ack_for(fake, fake.push_callback(data))["code"] == 200
    flush(fake, "stream-after-ignored")
    assert len(fake.posts()) == 1 and inbound_repo.count(db) == 1


def test_a_server_ping_is_answered_with_its_own_data(connected, fake: DingTalkFake) -> None:
    frame_id = fake.push_ping({"opaque": "1f2e"})
    ack = ack_for(fake, frame_id)
    assert ack["code"] == 200 and json.loads(ack["data"]) == {"opaque": "1f2e"}


def test_after_a_dropped_connection_the_client_reconnects_and_answers(connected, fake: DingTalkFake) -> None:
    fake.drop_connection()
    fake.wait_for(lambda: fake.ws_connections == 2 and fake.connected)
    assert len(fake.connection_opens) == 2  # a fresh ticket for every connection
    frame_id = fake.push_callback(robot_message(fake, QUESTION, msg_id="stream-reconnected", created_ms=now_ms()))
    assert ack_for(fake, frame_id)["code"] == 200
    assert fake.wait_for(lambda: fake.posts("session"))[0].text.startswith(ANSWER_START)


def test_stopping_the_app_closes_the_connection_promptly(stream_app, fake: DingTalkFake) -> None:
    app, adapter = stream_app
    with TestClient(app):
        fake.wait_for(lambda: fake.connected)
        started = time.monotonic()
    fake.wait_for(lambda: not fake.connected, timeout=5)
    assert time.monotonic() - started < 5
    assert adapter.client.websocket is None
    time.sleep(0.2)  # no reconnect after the stop
    assert fake.ws_connections == 1


def test_refused_credentials_back_off_and_leave_the_app_serving(make_settings, shared_matcher,
                                                                 fake: DingTalkFake, caplog) -> None:
    settings = make_settings(dingtalk_client_id=APP_KEY, dingtalk_client_secret="not-the-secret",
                             dingtalk_api_base=fake.url, dingtalk_oapi_base=fake.url, scheduler_enabled=False)
    service = Service(settings, clock=SystemClock(), matcher=shared_matcher)
    app = create_app(service)
    stream_client = app.state.platforms.adapter("dingtalk_stream").client
    stream_client.RECONNECT_FIRST_DELAY = 0.1
    try:
        with caplog.at_level("INFO"), TestClient(app) as client:
            fake.wait_for(lambda: len(fake.refused) >= 4)
            assert client.get("/healthz").status_code == 200
            refusals = list(fake.refused)
    finally:
        service.close()
    assert set(refusals) == {("/v1.0/gateway/connections/open", 401)}
    assert stream_client.RECONNECT_MAX_DELAY >= 30  # a wrong secret is not hammered at forever
    times = [r.created for r in caplog.records if "opening a connection refused" in r.getMessage()]
    assert len(times) >= 4 and times[3] - times[2] > 2 * (times[1] - times[0]) * 0.9  # 0.1 s, 0.2 s, 0.4 s …
    assert "not-the-secret" not in caplog.text and fake.ws_connections == 0


# -- a real `xueshi serve` ------------------------------------------------------------------------------


def test_live_server_stream_answers_once_and_survives_a_reconnect(db_url: str, lexicon_cache, tmp_path,
                                                                    fake: DingTalkFake) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUESHI_")}
    env.update(XUESHI_DATABASE_URL=db_url, XUESHI_CACHE_DIR=str(lexicon_cache), XUESHI_SCHEDULER_ENABLED="false",
               XUESHI_DINGTALK_CLIENT_ID=APP_KEY, XUESHI_DINGTALK_CLIENT_SECRET=APP_SECRET,
               XUESHI_DINGTALK_API_BASE=fake.url, XUESHI_DINGTALK_OAPI_BASE=fake.url)
    with LiveServer(env, cwd=tmp_path) as server:
        assert "adapter dingtalk_stream: enabled" in server.output()
        fake.wait_for(lambda: fake.connected)
        message = robot_message(fake, QUESTION, msg_id="live-stream", created_ms=now_ms())
        first = fake.push_callback(message)
        assert ack_for(fake, first)["code"] == 200
        assert fake.wait_for(lambda: fake.posts("session"))[0].text.startswith(ANSWER_START)

        # DingTalk redelivers the frame, and the same message also reaches the HTTP route: both repeats
        assert ack_for(fake, fake.push_callback(message))["code"] == 200
        with httpx.Client(timeout=10) as client:
            response = client.post(server.url + ROUTE, content=body_of(message), headers=signed(now_ms()))
            assert response.status_code == 200

        # the connection drops; the client (first retry after 1 s) reconnects with a new ticket
        fake.drop_connection()
        fake.wait_for(lambda: fake.ws_connections == 2 and fake.connected, timeout=15)
        flush(fake, "live-stream-after")
        assert sum(p.target == "s-1" for p in fake.posts("session")) == 1
        output = server.output()
    assert APP_SECRET not in output
    db = Database(db_url)
    try:
        assert inbound_repo.count(db) == 2
    finally:
        db.dispose()
