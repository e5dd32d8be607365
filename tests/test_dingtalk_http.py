"""DingTalk HTTP mode (``POST /dingtalk/robot``): signed deliveries through the real ASGI app and a real
``xueshi serve``, replies arriving at a local fake of DingTalk (sessionWebhook and OpenAPI).

Every request is signed as DingTalk signs it (HMAC-SHA256 of "timestamp\\nsecret"); forged, stale,
malformed and oversized requests must be refused and change nothing in the database.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from attendance_helpers import T0, seed
from dingtalk_fake import APP_KEY, APP_SECRET, DingTalkFake
from dingtalk_stream import ChatbotMessage
from live_server import LiveServer, free_port
from sqlalchemy import func, select

from bot.clock import CAMPAIGN_TZ, FixedClock
from bot.http import create_app
from bot.messages import Reply
from bot.platforms.dingtalk_message import REPLY_MAX_BYTES, ReplySender, millis, parse_message, sign
from bot.service import Service
from bot.storage import Database, inbound_repo
from bot.storage import attendance_repo as ar
from bot.storage.models import AskedQuestion, InboundEvent

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx2
    from fastapi.testclient import TestClient

ROUTE = "/dingtalk/robot"
GROUP = "cidGroupA=="
STAFF = "ding-wls"  # 王老师 of unit A in attendance_helpers.ROSTER
QUESTION = "借调的党员在哪里参加？"
ANSWER_START = "借调、挂职的党员原则上参加党组织关系所在单位的学习实践活动"
SESSION_LIFETIME_MS = 5_400_060  # the official sample's createAt → sessionWebhookExpiredTime


def robot_message(fake: DingTalkFake, text: str, *, msg_id: str, created_ms: int, staff: str = STAFF,
                  conversation_type: str = "2", session: str = "s-1", session_ms: int = SESSION_LIFETIME_MS,
                  webhook: str | None = None) -> dict[str, Any]:
    """A robot message as DingTalk sends it (the official sample's fields), @-mention already removed."""
    return {
        "msgtype": "text", "text": {"content": f" {text}"}, "msgId": msg_id, "createAt": created_ms,
        "conversationType": conversation_type, "conversationId": GROUP, "conversationTitle": "示例小学党员群",
        "senderId": "$:LWCP_v1:$sender==", "senderNick": "王老师", "senderStaffId": staff,
        "senderCorpId": "dingcorp", "chatbotCorpId": "dingcorp", "chatbotUserId": "$:LWCP_v1:$bot==",
        "isAdmin": False, "isInAtList": True, "atUsers": [{"dingtalkId": "$:LWCP_v1:$bot=="}],
        "sessionWebhook": webhook or fake.session_webhook(session),
        "sessionWebhookExpiredTime": created_ms + session_ms, "robotCode": APP_KEY,
    }


def signed(timestamp_ms: int, secret: str = APP_SECRET) -> dict[str, str]:
    return {"timestamp": str(timestamp_ms), "sign": sign(secret, timestamp_ms), "content-type": "application/json"}


def body_of(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode()


def asked_count(db: Database) -> int:
    with db.transaction(write=False) as conn:
        return int(conn.execute(select(func.count()).select_from(AskedQuestion)).scalar_one())


def nothing_stored(db: Database) -> bool:
    return inbound_repo.count(db) == 0 and asked_count(db) == 0


def open_meeting(db: Database, unit_id: int, starts_at: datetime) -> ar.MeetingRecord:
    """A 动员大会 of unit A whose check-in window is open at ``starts_at``."""
    new = ar.NewMeeting(unit_id=unit_id, kind="动员大会", title="动员大会", starts_at=starts_at,
                        ends_at=starts_at + timedelta(hours=2), window_opens_at=starts_at - timedelta(minutes=30),
                        window_closes_at=starts_at + timedelta(hours=2), grace_minutes=15, include_masses=True,
                        audience="", platform="dingtalk", chat_id=GROUP)
    meeting, _ = ar.create_meeting(db, new, at=starts_at, actor=ar.Actor("测试"), source_key=None)
    return meeting


def seed_dingtalk_unit(db: Database, meeting_at: datetime) -> ar.MeetingRecord:
    units = seed(db, bind=False)
    ar.bind_group(db, platform="dingtalk", chat_id=GROUP, unit_id=units["A"].id, at=meeting_at, actor=ar.Actor("测试"))
    return open_meeting(db, units["A"].id, meeting_at)


# -- the ASGI app -------------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[DingTalkFake]:
    with DingTalkFake() as server:
        yield server


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app_client(make_settings, shared_matcher, db_url: str, db: Database, fake: DingTalkFake,
               clock: FixedClock) -> Iterator[TestClient]:
    settings = make_settings(database_url=db_url,
                             dingtalk_client_id=APP_KEY, dingtalk_client_secret=APP_SECRET,
                             dingtalk_api_base=fake.url, dingtalk_oapi_base=fake.url,
                             dingtalk_stream_enabled=False, scheduler_enabled=False)
    service = Service(settings, clock=clock, matcher=shared_matcher, db=db)
    app = create_app(service)
    names = [a.name for a in app.state.platforms.adapters]
    assert "dingtalk_http" in names and "dingtalk_stream" not in names
    with TestClient(app) as client:
        yield client


NOW_MS = millis(T0)


def test_signed_question_is_answered_at_the_session_webhook(app_client: TestClient, fake: DingTalkFake, db,
                                                             outline_text: str) -> None:
    message = robot_message(fake, QUESTION, msg_id="msg-faq-1", created_ms=NOW_MS)
    response = app_client.post(ROUTE, content=body_of(message), headers=signed(NOW_MS))
    assert response.status_code == 200 and response.json() == {}

    post = fake.wait_for(lambda: fake.posts("session"))[0]
    assert post.target == "s-1"
    assert post.body["msgtype"] == "text"
    assert post.body["at"]["atUserIds"] == [STAFF]
    answer = post.text
    assert answer.startswith(ANSWER_START)
    quoted, source = answer.rsplit("\n", 1)
    assert source.startswith("——《培训提纲》")
    assert quoted in outline_text  # the answer is the outline's own words
    assert fake.posts("group") == [] and fake.token_fetches == 0
    assert inbound_repo.count(db) == 1 and asked_count(db) == 1


def test_expired_session_webhook_goes_through_the_group_send(app_client: TestClient, fake: DingTalkFake) -> None:
    created = NOW_MS - SESSION_LIFETIME_MS - 1_000  # sent 90 min ago: still signed now, webhook gone
    message = robot_message(fake, QUESTION, msg_id="msg-expired", created_ms=created)
    assert app_client.post(ROUTE, content=body_of(message), headers=signed(NOW_MS)).status_code == 200

    post = fake.wait_for(lambda: fake.posts("group"))[0]
    assert post.target == GROUP
    assert post.body["robotCode"] == APP_KEY and post.body["msgKey"] == "sampleText"
    assert post.text.startswith(ANSWER_START)
    assert fake.posts("session") == [] and fake.token_fetches == 1


def test_a_dead_session_falls_back_to_the_group_send(app_client: TestClient, fake: DingTalkFake) -> None:
    fake.dead_sessions.add("s-dead")
    message = robot_message(fake, QUESTION, msg_id="msg-dead", created_ms=NOW_MS, session="s-dead")
    assert app_client.post(ROUTE, content=body_of(message), headers=signed(NOW_MS)).status_code == 200
    post = fake.wait_for(lambda: fake.posts("group"))[0]
    assert post.text.startswith(ANSWER_START)
    assert ("/robot/sendBySession", 300001) in fake.refused
    # the token is cached: a second fallback fetches none
    second = robot_message(fake, QUESTION, msg_id="msg-dead-2", created_ms=NOW_MS, session="s-dead")
    assert app_client.post(ROUTE, content=body_of(second), headers=signed(NOW_MS)).status_code == 200
    fake.wait_for(lambda: len(fake.posts("group")) == 2)
    assert fake.token_fetches == 1


def test_a_session_webhook_on_another_host_is_never_called(app_client: TestClient, fake: DingTalkFake) -> None:
    foreign = fake.session_webhook("s-foreign").replace("127.0.0.1", "localhost")  # same server, other origin
    message = robot_message(fake, QUESTION, msg_id="msg-foreign", created_ms=NOW_MS, webhook=foreign)
    assert app_client.post(ROUTE, content=body_of(message), headers=signed(NOW_MS)).status_code == 200
    fake.wait_for(lambda: fake.posts("group"))
    assert fake.posts("session") == []


def test_a_single_chat_is_answered_to_the_user(app_client: TestClient, fake: DingTalkFake, db) -> None:
    created = NOW_MS - SESSION_LIFETIME_MS - 1  # expired: the answer goes through batchSend
    message = robot_message(fake, QUESTION, msg_id="msg-single", created_ms=created, conversation_type="1")
    assert app_client.post(ROUTE, content=body_of(message), headers=signed(NOW_MS)).status_code == 200
    post = fake.wait_for(lambda: fake.posts("single"))[0]
    assert post.body["userIds"] == [STAFF] and post.text.startswith(ANSWER_START)
    with db.transaction(write=False) as conn:
        chat_ids = conn.execute(select(AskedQuestion.chat_id)).scalars().all()
    assert chat_ids == [f"u:{STAFF}"]


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        (signed(NOW_MS - 2 * 3600 * 1000), "two hours old"),
        (signed(NOW_MS + 2 * 3600 * 1000), "two hours ahead"),
        (signed(NOW_MS, secret="another secret"), "signed with another secret"),
        ({"timestamp": str(NOW_MS), "sign": sign(APP_SECRET, NOW_MS + 1)}, "sign of another timestamp"),
        ({"timestamp": str(NOW_MS)}, "no sign"),
        ({"sign": sign(APP_SECRET, NOW_MS)}, "no timestamp"),
        ({}, "no headers"),
    ],
)
def test_forged_or_stale_requests_are_refused_and_store_nothing(app_client: TestClient, fake: DingTalkFake, db,
                                                                 headers: dict[str, str], why: str) -> None:
    message = robot_message(fake, QUESTION, msg_id="msg-forged", created_ms=NOW_MS)
    response = app_client.post(ROUTE, content=body_of(message), headers=headers)
    assert response.status_code == 403, why
    assert "Traceback" not in response.text and len(response.content) < 100
    assert nothing_stored(db), why
    # the same message, properly signed afterwards, is still answered: the refusal claimed nothing
    assert app_client.post(ROUTE, content=body_of(message), headers=signed(NOW_MS)).status_code == 200
    fake.wait_for(lambda: fake.posts("session"))


def test_the_signature_is_checked_before_the_body_is_read(app_client: TestClient, db) -> None:
    response = app_client.post(ROUTE, content=b"{not json", headers=signed(NOW_MS, secret="wrong"))
    assert response.status_code == 403  # not 400: nothing of the body was looked at


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe\x00", b"", b"[1, 2]", b'"text"', b'{"msgtype": "text"}',
     json.dumps({"msgtype": "text", "text": {"content": "hi"}, "msgId": "m", "senderStaffId": "u",
                 "conversationType": "3"}).encode()],
)
def test_malformed_bodies_with_a_good_sign_are_400(app_client: TestClient, fake: DingTalkFake, db,
                                                    body: bytes) -> None:
    response = app_client.post(ROUTE, content=body, headers=signed(NOW_MS))
    assert response.status_code == 400
    assert "Traceback" not in response.text and len(response.content) < 100
    assert nothing_stored(db) and fake.posts() == []


def test_an_unsupported_message_type_is_ignored_politely(app_client: TestClient, fake: DingTalkFake, db) -> None:
    message = robot_message(fake, "x", msg_id="msg-picture", created_ms=NOW_MS)
    message["msgtype"] = "picture"
    message["content"] = {"downloadCode": "abc"}
    response = app_client.post(ROUTE, content=body_of(message), headers=signed(NOW_MS))
    assert response.status_code == 200 and response.json() == {}
    assert nothing_stored(db) and fake.posts() == []


@pytest.mark.parametrize("good_sign", [True, False])
def test_a_one_megabyte_body_is_413(app_client: TestClient, db, good_sign: bool) -> None:
    headers = signed(NOW_MS) if good_sign else {}
    response = app_client.post(ROUTE, content=b"{" + b" " * (1024 * 1024) + b"}", headers=headers)
    assert response.status_code == 413
    assert nothing_stored(db)


def test_three_identical_deliveries_give_one_answer_and_one_checkin(app_client: TestClient, fake: DingTalkFake,
                                                                     db) -> None:
    meeting = seed_dingtalk_unit(db, T0 + timedelta(minutes=10))
    message = robot_message(fake, "签到", msg_id="msg-checkin", created_ms=NOW_MS)
    for _ in range(3):
        response = app_client.post(ROUTE, content=body_of(message), headers=signed(NOW_MS))
        assert response.status_code == 200 and response.json() == {}
    post = fake.wait_for(lambda: fake.posts("session"))[0]
    assert "签到成功" in post.text and post.body["at"]["atUserIds"] == [STAFF]
    checkins = ar.list_checkins(db, meeting_ids=[meeting.id])
    assert [(c.platform, c.platform_user_id) for c in checkins] == [("dingtalk", STAFF)]
    assert inbound_repo.count(db) == 1
    # a later, different message shows the app is still answering — and the repeats sent nothing
    again = robot_message(fake, QUESTION, msg_id="msg-after", created_ms=NOW_MS)
    app_client.post(ROUTE, content=body_of(again), headers=signed(NOW_MS))
    fake.wait_for(lambda: len(fake.posts("session")) == 2)
    texts = [p.text for p in fake.posts("session")]
    assert sum("签到" in t for t in texts) == 1 and texts[1].startswith(ANSWER_START)


# -- a real `xueshi serve` ----------------------------------------------------------------------------


def live_env(db_url: str, lexicon_cache, fake: DingTalkFake) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUESHI_")}
    env.update(
        XUESHI_DATABASE_URL=db_url, XUESHI_CACHE_DIR=str(lexicon_cache), XUESHI_SCHEDULER_ENABLED="false",
        XUESHI_DINGTALK_CLIENT_ID=APP_KEY, XUESHI_DINGTALK_CLIENT_SECRET=APP_SECRET,
        XUESHI_DINGTALK_API_BASE=fake.url, XUESHI_DINGTALK_OAPI_BASE=fake.url,
        XUESHI_DINGTALK_STREAM_ENABLED="false",
    )
    return env


def test_live_server_answers_refuses_and_counts_once(db_url: str, lexicon_cache, tmp_path, fake: DingTalkFake,
                                                     outline_text: str) -> None:
    now = datetime.now(CAMPAIGN_TZ)
    db = Database(db_url)
    try:
        meeting = seed_dingtalk_unit(db, now)
    finally:
        db.dispose()
    with LiveServer(live_env(db_url, lexicon_cache, fake), cwd=tmp_path) as server:
        assert "adapter dingtalk_http: enabled" in server.output()
        assert "adapter dingtalk_stream: disabled" in server.output()
        url = server.url + ROUTE
        with httpx.Client(timeout=10) as client:
            now_ms = millis(datetime.now(CAMPAIGN_TZ))
            question = robot_message(fake, QUESTION, msg_id="live-faq", created_ms=now_ms)
            response = client.post(url, content=body_of(question), headers=signed(now_ms))
            assert response.status_code == 200 and response.json() == {}
            post = fake.wait_for(lambda: fake.posts("session"))[0]
            quoted, source = post.text.rsplit("\n", 1)
            assert quoted.startswith(ANSWER_START) and quoted in outline_text and source.startswith("——《培训提纲》")
            assert post.body["at"]["atUserIds"] == [STAFF]

            stale_ms = now_ms - 2 * 3600 * 1000
            stale = robot_message(fake, QUESTION, msg_id="live-stale", created_ms=stale_ms)
            assert client.post(url, content=body_of(stale), headers=signed(stale_ms)).status_code == 403

        # three identical deliveries at once, as DingTalk's retries might overlap
        checkin = robot_message(fake, "签到", msg_id="live-checkin", created_ms=now_ms)
        statuses: list[int] = []
        barrier = threading.Barrier(3)

        def deliver() -> None:
            with httpx.Client(timeout=10) as own:
                barrier.wait(5)
                statuses.append(own.post(url, content=body_of(checkin), headers=signed(now_ms)).status_code)

        threads = [threading.Thread(target=deliver) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(15)
        assert statuses == [200, 200, 200]
        fake.wait_for(lambda: len(fake.posts("session")) == 2)
        with httpx.Client(timeout=10) as client:  # one more message flushes anything still on its way
            last_ms = millis(datetime.now(CAMPAIGN_TZ))
            final = robot_message(fake, QUESTION, msg_id="live-final", created_ms=last_ms)
            assert client.post(url, content=body_of(final), headers=signed(last_ms)).status_code == 200
        fake.wait_for(lambda: len(fake.posts("session")) == 3)
        output = server.output()

    texts = [p.text for p in fake.posts("session")]
    assert sum("签到成功" in t for t in texts) == 1, texts
    assert APP_SECRET not in output
    assert "session=s-1" not in output  # the sessionWebhook's query is masked in every log line
    db = Database(db_url)
    try:
        assert len(ar.list_checkins(db, meeting_ids=[meeting.id])) == 1
        with db.transaction(write=False) as conn:
            stored = set(conn.execute(select(InboundEvent.msg_id)).scalars())
        assert stored == {"live-faq", "live-checkin", "live-final"}  # nothing of the stale one
        assert asked_count(db) == 2
    finally:
        db.dispose()


# -- the shared message module: parsing and sending, without the HTTP route ------------------------


OFFICIAL_SAMPLE = {  # platform-facts §5 / §8.2: the official sample body
    "conversationId": "cid29ks7HFqdSLpRbTrJmdyhzw==", "atUsers": [{"dingtalkId": "$:LWCP_v1:$Jk5Tj"}],
    "chatbotCorpId": "dinge8a565xxxx", "chatbotUserId": "$:LWCP_v1:$Cxxxxx", "msgId": "msg0xxxxx",
    "senderNick": "杨xx", "isAdmin": True, "senderStaffId": "user123", "sessionWebhookExpiredTime": 1613635652738,
    "createAt": 1613630252678, "senderCorpId": "dinge8a565xxxx", "conversationType": "2",
    "senderId": "$:LWCP_v1:$Ff09GIxxxxx", "conversationTitle": "机器人测试-TEST", "isInAtList": True,
    "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=xxxxx",
    "text": {"content": " 你好"}, "msgtype": "text",
}


def test_the_official_sample_parses_as_the_sdk_reads_it() -> None:
    sdk = ChatbotMessage.from_dict(OFFICIAL_SAMPLE)
    delivery = parse_message(OFFICIAL_SAMPLE, received_at=T0)
    msg = delivery.message
    assert (msg.platform, msg.chat_id, msg.user_id, msg.user_name) == (
        "dingtalk", sdk.conversation_id, sdk.sender_staff_id, sdk.sender_nick)
    assert msg.text == sdk.text.content.strip() == "你好" and msg.is_group
    assert msg.msg_id == sdk.message_id == "msg0xxxxx"
    assert msg.sent_at == datetime.fromtimestamp(sdk.create_at / 1000, tz=CAMPAIGN_TZ)
    assert (delivery.key.platform, delivery.key.sender_id, delivery.key.sent_key) == ("dingtalk", "user123",
                                                                                      "1613630252678")
    assert delivery.session_webhook_expires_ms == sdk.session_webhook_expired_time


def test_parsing_fallbacks_and_single_chats() -> None:
    single = {**OFFICIAL_SAMPLE, "conversationType": "1", "senderStaffId": None}
    del single["createAt"]
    delivery = parse_message(single, received_at=T0)
    assert delivery.message.user_id == "$:LWCP_v1:$Ff09GIxxxxx"  # no staff id: the encrypted sender id
    assert delivery.message.chat_id == "u:$:LWCP_v1:$Ff09GIxxxxx" and not delivery.message.is_group
    assert delivery.message.sent_at == T0 and delivery.key.sent_key == ""
    assert delivery.staff_id == ""


def sender_for(fake: DingTalkFake, make_settings, clock):
    settings = make_settings(dingtalk_client_id=APP_KEY, dingtalk_client_secret=APP_SECRET,
                             dingtalk_api_base=fake.url, dingtalk_oapi_base=fake.url)
    client = httpx.AsyncClient(timeout=5)
    return client, ReplySender(client, settings, clock)


def run_send(fake: DingTalkFake, make_settings, clock, message: dict, reply, *, twice: bool = False,
             between=None) -> list[str]:
    """Send ``reply`` to ``message`` with a fresh sender (twice: the second send reuses its token)."""
    async def go() -> list[str]:
        client, sender = sender_for(fake, make_settings, clock)
        try:
            routes = await sender.send(parse_message(message, received_at=clock.now()), reply)
            if twice:
                if between is not None:
                    between()
                routes += await sender.send(parse_message(message, received_at=clock.now()), reply)
            return routes
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_a_long_reply_is_split_at_line_boundaries(fake: DingTalkFake, make_settings, clock) -> None:
    lines = [f"第{n}条：" + "学习实践活动" * 20 for n in range(200)]
    text = "\n".join(lines)
    assert len(text.encode()) > 2 * REPLY_MAX_BYTES
    message = robot_message(fake, QUESTION, msg_id="m-long", created_ms=NOW_MS)
    routes = run_send(fake, make_settings, clock, message, Reply(text=text, intent="answer"))
    posts = fake.posts("session")
    assert routes == ["session"] * len(posts) and len(posts) >= 3
    assert all(len(p.text.encode()) <= REPLY_MAX_BYTES for p in posts)
    assert "\n".join(p.text for p in posts).split("\n") == lines  # whole lines, in order, none lost
    for piece, following in zip(posts, posts[1:], strict=False):  # each piece is as full as it can be
        next_line = following.text.split("\n", 1)[0]
        assert len(f"{piece.text}\n{next_line}".encode()) > REPLY_MAX_BYTES


def test_a_markdown_reply_goes_out_as_markdown(fake: DingTalkFake, make_settings, clock) -> None:
    reply = Reply(text="签到情况\n应到 7 人", intent="attendance", markdown="### 签到情况\n- 应到 7 人")
    message = robot_message(fake, QUESTION, msg_id="m-md", created_ms=NOW_MS)
    assert run_send(fake, make_settings, clock, message, reply) == ["session"]
    body = fake.posts("session")[0].body
    assert body["msgtype"] == "markdown"
    assert body["markdown"] == {"title": "签到情况", "text": "### 签到情况\n- 应到 7 人"}
    assert body["at"]["atUserIds"] == [STAFF]


def test_a_cached_token_is_reused_and_a_revoked_one_fetched_again(fake: DingTalkFake, make_settings,
                                                                 clock) -> None:
    message = robot_message(fake, QUESTION, msg_id="m-token", created_ms=NOW_MS - SESSION_LIFETIME_MS - 1)
    reply = Reply(text="好的", intent="answer")
    assert run_send(fake, make_settings, clock, message, reply, twice=True) == ["openapi", "openapi"]
    assert fake.token_fetches == 1
    routes = run_send(fake, make_settings, clock, message, reply, twice=True, between=fake.revoke_tokens)
    assert routes == ["openapi", "openapi"]  # the 401 is answered by one new token and one retry
    assert fake.token_fetches == 3 and ("/v1.0/robot/groupMessages/send", 401) in fake.refused
    assert len(fake.posts("group")) == 4


def test_an_unreachable_platform_is_logged_without_secrets(make_settings, clock, caplog) -> None:
    class Closed:  # nothing listens there: every request fails to connect
        url = f"http://127.0.0.1:{free_port()}"

        def session_webhook(self, session: str) -> str:
            return f"{self.url}/robot/sendBySession?session={session}"

    message = robot_message(Closed(), QUESTION, msg_id="m-down", created_ms=NOW_MS, session="secret-session")
    with caplog.at_level("INFO"):
        routes = run_send(Closed(), make_settings, clock, message, Reply(text="好的", intent="answer"))
    assert routes == ["failed"]
    assert APP_SECRET not in caplog.text and "secret-session" not in caplog.text
    assert "sessionWebhook reply failed" in caplog.text
