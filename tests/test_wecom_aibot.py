"""WeCom AI bot HTTP callback (``/wecom/aibot``) end to end: genuinely encrypted and signed deliveries
through the ASGI app and through a real ``xueshi serve``, with the WeCom API (response_url) played by
a local fake. The client side encrypts with wechatpy directly, not with the adapter's own helper."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from wechatpy.enterprise.crypto import PrpCrypto

from bot.clock import SystemClock
from bot.http import create_app
from bot.service import Service
from bot.storage import Database, inbound_repo
from bot.storage import attendance_repo as ar
from bot.storage.models import AskedQuestion
from tests.attendance_helpers import CLI, T0, seed
from tests.live_server import LiveServer
from tests.wecom_fake import FakeQyapi

TOKEN = "aibotTok42"
AES_KEY = base64.b64encode(bytes(range(7, 39))).decode().rstrip("=")
CHAT = "wrkSFfCgAAexampleChat"
QUESTION = "借调到别的单位的党员在哪里参加学习"
# A sentence of the outline's answer to QUESTION (checked against the outline itself below).
ANSWER_PART = "重要节点参加党组织关系所在单位的学习实践活动"
SOURCE_LINE = "——《培训提纲》"


# -- the WeCom side: encrypt, sign, open replies (wechatpy directly) ----------------------------------------


def _key() -> bytes:
    return base64.b64decode(AES_KEY + "=")


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def sign_and_encrypt(plaintext: str, *, receive_id: str = "", ts: str | None = None, nonce: str | None = None,
                     token: str = TOKEN) -> tuple[dict[str, str], str]:
    ts = ts if ts is not None else str(int(time.time()))
    nonce = nonce or secrets.token_hex(5)
    encrypted = PrpCrypto(_key()).encrypt(plaintext, receive_id).decode()
    return {"msg_signature": sha1_signature(token, ts, nonce, encrypted), "timestamp": ts, "nonce": nonce}, encrypted


def delivery(payload: dict[str, Any], **kwargs: Any) -> tuple[dict[str, str], bytes]:
    params, encrypted = sign_and_encrypt(json.dumps(payload, ensure_ascii=False), **kwargs)
    return params, json.dumps({"encrypt": encrypted}).encode()


def text_payload(content: str, *, user: str = "wls", msgid: str | None = None, chat: str | None = CHAT,
                 response_url: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"msgid": msgid or uuid.uuid4().hex, "aibotid": "AIBOTID", "from": {"userid": user},
                               "msgtype": "text", "text": {"content": f"@学实助手 {content}"}}
    if chat:
        payload.update(chattype="group", chatid=chat)
    else:
        payload["chattype"] = "single"
    if response_url:
        payload["response_url"] = response_url
    return payload


def open_reply(response: httpx.Response, nonce: str) -> dict[str, Any]:
    """Check the reply envelope's signature and decrypt it, as WeCom would."""
    assert response.status_code == 200, response.text
    envelope = response.json()
    assert set(envelope) == {"encrypt", "msgsignature", "timestamp", "nonce"}
    assert isinstance(envelope["timestamp"], int) and abs(envelope["timestamp"] - time.time()) < 120
    assert envelope["nonce"] == nonce
    assert envelope["msgsignature"] == sha1_signature(TOKEN, str(envelope["timestamp"]), nonce, envelope["encrypt"])
    return json.loads(PrpCrypto(_key()).decrypt(envelope["encrypt"], ""))


def post(client: Any, params: dict[str, str], body: bytes) -> httpx.Response:
    return client.post("/wecom/aibot", params=params, content=body, headers={"content-type": "application/json"})


# -- database checks ----------------------------------------------------------------------------------------


def asked_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(AskedQuestion))


def seed_wecom_unit(db: Database) -> None:
    """Two units and the roster of the meeting tests; unit A's WeCom group is CHAT."""
    units = seed(db, bind=False)
    ar.bind_group(db, platform="wecom", chat_id=CHAT, unit_id=units["A"].id, at=T0, actor=CLI)


# -- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeQyapi]:
    with FakeQyapi() as server:
        yield server


def _app_client(make_settings, shared_matcher, db_url: str, fake: FakeQyapi, **overrides: Any):
    settings = make_settings(database_url=db_url, wecom_aibot_token=TOKEN, wecom_aibot_aes_key=AES_KEY,
                             wecom_api_base=fake.url, **overrides)
    service = Service(settings, clock=SystemClock(), matcher=shared_matcher)
    return service, TestClient(create_app(service))


@pytest.fixture
def app(make_settings, shared_matcher, db_url, fake) -> Iterator[tuple[Service, TestClient]]:
    service, client = _app_client(make_settings, shared_matcher, db_url, fake)
    with client:
        yield service, client
    service.close()


@pytest.fixture
def slow_app(make_settings, shared_matcher, db_url, fake) -> Iterator[tuple[Service, TestClient]]:
    # Questions go to a worker thread here (inline_questions=False), so the deadline can pass first.
    service, client = _app_client(make_settings, shared_matcher, db_url, fake, inline_reply_seconds=0.001,
                                  inline_questions=False)
    with client:
        yield service, client
    service.close()


# -- through the ASGI app -----------------------------------------------------------------------------------


def test_url_verification_answers_the_plain_echo(app) -> None:
    _, client = app
    params, echostr = sign_and_encrypt("4711820391")
    response = client.get("/wecom/aibot", params={**params, "echostr": echostr})
    assert response.status_code == 200 and response.text == "4711820391"
    assert response.headers["content-type"].startswith("text/plain")
    forged = client.get("/wecom/aibot", params={**params, "echostr": echostr, "nonce": params["nonce"] + "x"})
    assert forged.status_code == 403 and "4711820391" not in forged.text
    _, for_app = sign_and_encrypt("4711820391", receive_id="ww0123456789abcdef")
    wrong_id = client.get("/wecom/aibot", params={
        **params, "echostr": for_app,
        "msg_signature": sha1_signature(TOKEN, params["timestamp"], params["nonce"], for_app)})
    assert wrong_id.status_code == 403


def test_faq_question_is_answered_in_an_encrypted_stream(app, outline_text: str) -> None:
    service, client = app
    assert ANSWER_PART in outline_text  # the expected text really is the outline's
    params, body = delivery(text_payload(QUESTION, user="asker01"))
    reply = open_reply(post(client, params, body), params["nonce"])
    assert reply["msgtype"] == "stream" and reply["stream"]["finish"] is True and reply["stream"]["id"]
    content = reply["stream"]["content"]
    assert ANSWER_PART in content and SOURCE_LINE in content
    assert "<@asker01>" in content  # the asker is mentioned in a group
    assert inbound_repo.count(service.db) == 1 and asked_count(service.db) == 1


def test_single_chat_answer_mentions_nobody(app) -> None:
    _, client = app
    params, body = delivery(text_payload(QUESTION, user="solo", chat=None))
    content = open_reply(post(client, params, body), params["nonce"])["stream"]["content"]
    assert ANSWER_PART in content and "<@" not in content


def test_forged_or_stale_deliveries_are_refused_and_change_nothing(app) -> None:
    service, client = app
    params, body = delivery(text_payload(QUESTION))
    bad = {**params, "msg_signature": sha1_signature("wrong-token", params["timestamp"], params["nonce"], "x")}
    assert post(client, bad, body).status_code == 403
    assert post(client, {k: v for k, v in params.items() if k != "msg_signature"}, body).status_code == 403
    tampered = json.loads(body)
    tampered["encrypt"] = tampered["encrypt"][:-8] + "AAAAAAA="
    assert post(client, params, json.dumps(tampered).encode()).status_code == 403
    stale_params, stale_body = delivery(text_payload(QUESTION), ts=str(int(time.time()) - 2 * 3600))
    stale = post(client, stale_params, stale_body)
    assert stale.status_code == 403 and "Traceback" not in stale.text
    assert inbound_repo.count(service.db) == 0 and asked_count(service.db) == 0


def test_wrong_receive_id_is_refused(app) -> None:
    service, client = app
    params, body = delivery(text_payload(QUESTION), receive_id="ww0123456789abcdef")
    assert post(client, params, body).status_code == 403
    assert inbound_repo.count(service.db) == 0


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"encrypt": 5}', b'{"other": "x"}', b"",
                                  "\u00ff".encode("latin-1")])
def test_malformed_body_is_400(app, body: bytes) -> None:
    _, client = app
    params, _ = delivery(text_payload(QUESTION))
    response = post(client, params, body)
    assert response.status_code == 400 and len(response.text) < 40


def test_signed_but_malformed_plaintext_is_400(app) -> None:
    service, client = app
    params, encrypted = sign_and_encrypt("this is not JSON")
    assert post(client, params, json.dumps({"encrypt": encrypted}).encode()).status_code == 400
    params, body = delivery({"msgtype": "text", "text": {"content": "no msgid, no sender"}})
    assert post(client, params, body).status_code == 400
    assert inbound_repo.count(service.db) == 0


@pytest.mark.parametrize("payload", [
    {"msgid": "i1", "chattype": "group", "chatid": CHAT, "from": {"userid": "u"}, "msgtype": "image",
     "image": {"url": "http://x"}},
    {"msgid": "e1", "chattype": "single", "from": {"userid": "u"}, "msgtype": "event",
     "event": {"eventtype": "enter_chat"}},
    {"msgid": "v1", "msgtype": "never-heard-of-it"},
])
def test_unknown_message_types_get_an_empty_200(app, payload: dict[str, Any]) -> None:
    service, client = app
    params, body = delivery(payload)
    response = post(client, params, body)
    assert response.status_code == 200 and response.content == b""
    assert inbound_repo.count(service.db) == 0


def test_one_megabyte_body_is_413(app) -> None:
    _, client = app
    params, _ = delivery(text_payload(QUESTION))
    response = post(client, params, json.dumps({"encrypt": "A" * (1 << 20)}).encode())
    assert response.status_code == 413


def test_three_identical_deliveries_one_answer_one_checkin(app) -> None:
    service, client = app
    seed_wecom_unit(service.db)
    params, body = delivery(text_payload("发起签到 动员大会", user="zsj"))
    opened = open_reply(post(client, params, body), params["nonce"])["stream"]["content"]
    assert "【签到】动员大会" in opened

    params, body = delivery(text_payload("签到", user="wls"))
    first = post(client, params, body)
    assert "签到成功" in open_reply(first, params["nonce"])["stream"]["content"]
    for _ in range(2):
        again = post(client, params, body)
        assert again.status_code == 200 and again.content == b""
    checkins = ar.list_checkins(service.db)
    assert [(c.user_name, c.platform, c.platform_user_id) for c in checkins] == [("王老师", "wecom", "wls")]
    assert inbound_repo.count(service.db) == 2  # the opening message and the check-in


def test_slow_answer_goes_to_response_url_as_markdown(slow_app, fake: FakeQyapi) -> None:
    service, client = slow_app
    url = f"{fake.url}/cgi-bin/aibot/response?response_code=RC-1"
    params, body = delivery(text_payload(QUESTION, user="asker02", response_url=url))
    response = post(client, params, body)
    assert response.status_code == 200 and response.content == b""
    assert fake.wait_for(lambda f: f.responses), "nothing arrived at response_url"
    (posted,) = fake.responses
    assert posted.query["response_code"] == "RC-1"
    assert posted.body["msgtype"] == "markdown"  # plaintext JSON, not an encrypted envelope
    content = posted.body["markdown"]["content"]
    assert ANSWER_PART in content and SOURCE_LINE in content and "<@asker02>" in content
    # a retry by WeCom while (or after) the answer is made sends nothing more
    assert post(client, params, body).content == b""
    time.sleep(0.2)
    assert len(fake.responses) == 1 and inbound_repo.count(service.db) == 1


def test_response_url_on_a_foreign_origin_is_not_called(slow_app, fake: FakeQyapi, caplog) -> None:
    _, client = slow_app
    with FakeQyapi() as foreign, caplog.at_level(logging.WARNING, logger="bot.platforms.wecom_aibot"):
        url = f"{foreign.url}/cgi-bin/aibot/response?response_code=SECRETCODE"
        params, body = delivery(text_payload(QUESTION, response_url=url))
        assert post(client, params, body).status_code == 200
        deadline = time.monotonic() + 10
        while "late answer dropped" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "not the WeCom API origin" in caplog.text and "late answer dropped" in caplog.text
        assert foreign.requests == [] and fake.requests == []
        assert "SECRETCODE" not in caplog.text  # the URL's query is never logged


class StubLongConnection:
    """Stands in for the long-connection adapter (bot.platforms.wecom_aibot_ws): its push interface."""

    name = "wecom_aibot_ws"
    ready = True

    def __init__(self) -> None:
        self.pushed: list[tuple[str, str]] = []

    async def push_markdown(self, chat_id: str, content: str) -> None:
        self.pushed.append((chat_id, content))


@pytest.mark.parametrize("where", ["foreign", "missing"])
def test_without_a_usable_response_url_the_long_connection_carries_the_answer(slow_app, fake, where) -> None:
    _, client = slow_app
    stub = StubLongConnection()
    client.app.state.platforms.adapters.append(stub)
    with FakeQyapi() as foreign:
        url = f"{foreign.url}/cgi-bin/aibot/response?response_code=X" if where == "foreign" else None
        params, body = delivery(text_payload(QUESTION, user="asker05", response_url=url))
        assert post(client, params, body).content == b""
        deadline = time.monotonic() + 10
        while not stub.pushed and time.monotonic() < deadline:
            time.sleep(0.02)
        assert foreign.requests == [] and fake.requests == []
    (chat_id, content), = stub.pushed
    assert chat_id == CHAT and ANSWER_PART in content and "<@asker05>" in content


# -- through a real `xueshi serve` ---------------------------------------------------------------------------


def _server_env(db_url: str, lexicon_cache: Path, fake: FakeQyapi, **extra: str) -> dict[str, str]:
    return {"XUESHI_DATABASE_URL": db_url, "XUESHI_CACHE_DIR": str(lexicon_cache),
            "XUESHI_WECOM_AIBOT_TOKEN": TOKEN, "XUESHI_WECOM_AIBOT_AES_KEY": AES_KEY,
            "XUESHI_WECOM_API_BASE": fake.url, "XUESHI_SCHEDULER_ENABLED": "false", **extra}


def test_live_server_verifies_answers_refuses_and_dedupes(db_url, lexicon_cache, fake, tmp_path) -> None:
    db = Database(db_url)
    try:
        seed_wecom_unit(db)
        with LiveServer(_server_env(db_url, lexicon_cache, fake), cwd=tmp_path) as server, \
                httpx.Client(base_url=server.url, timeout=10) as client:
            assert "adapter wecom_aibot: enabled" in server.output()
            params, echostr = sign_and_encrypt("8675309")
            verified = client.get("/wecom/aibot", params={**params, "echostr": echostr})
            assert verified.status_code == 200 and verified.text == "8675309"

            # forged first: nothing may be stored
            params, body = delivery(text_payload(QUESTION))
            bad = {**params, "msg_signature": "0" * 40}
            assert post(client, bad, body).status_code == 403
            assert inbound_repo.count(db) == 0 and asked_count(db) == 0

            params, body = delivery(text_payload(QUESTION, user="asker03"))
            content = open_reply(post(client, params, body), params["nonce"])["stream"]["content"]
            assert ANSWER_PART in content and SOURCE_LINE in content and "<@asker03>" in content
            assert asked_count(db) == 1

            params, body = delivery(text_payload("发起签到 动员大会", user="zsj"))
            assert "【签到】" in open_reply(post(client, params, body), params["nonce"])["stream"]["content"]
            params, body = delivery(text_payload("签到", user="wls"))
            answers = [post(client, params, body) for _ in range(3)]
            assert "签到成功" in open_reply(answers[0], params["nonce"])["stream"]["content"]
            assert [(a.status_code, a.content) for a in answers[1:]] == [(200, b""), (200, b"")]
            assert len(ar.list_checkins(db)) == 1
            assert post(client, params, b"x" * (1 << 20)).status_code == 413
            assert TOKEN not in server.output() and AES_KEY not in server.output()
    finally:
        db.dispose()


def test_live_server_slow_path_uses_response_url(lexicon_cache, fake, tmp_path) -> None:
    db_url = f"sqlite:///{tmp_path}/live.db"
    env = _server_env(db_url, lexicon_cache, fake, XUESHI_INLINE_REPLY_SECONDS="0.001",
                      XUESHI_INLINE_QUESTIONS="false")
    with LiveServer(env, cwd=tmp_path) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        url = f"{fake.url}/cgi-bin/aibot/response?response_code=LIVE-1"
        params, body = delivery(text_payload(QUESTION, user="asker04", response_url=url))
        response = post(client, params, body)
        assert response.status_code == 200 and response.content == b""
        assert fake.wait_for(lambda f: f.responses), server.output()
        content = fake.responses[0].body["markdown"]["content"]
        assert ANSWER_PART in content and "<@asker04>" in content
        assert "LIVE-1" not in server.output()
