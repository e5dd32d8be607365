"""WeCom self-built app callback (``/wecom/app``) end to end: genuinely encrypted XML deliveries through the
ASGI app and a real ``xueshi serve``; message/send and gettoken played by a local fake. The client side
encrypts and signs with wechatpy directly; XML attacks (billion laughs, external entities) are refused."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from wechatpy.enterprise.crypto import PrpCrypto

from bot.clock import SystemClock
from bot.http import create_app
from bot.messages import Reply
from bot.platforms.wecom_app import AccessTokens, reply_parts
from bot.service import Service
from bot.storage import Database, inbound_repo
from bot.storage.models import AskedQuestion
from tests.live_server import LiveServer
from tests.wecom_fake import APP_SECRET, CORP_ID, FakeQyapi

TOKEN = "appTok9000"
AES_KEY = base64.b64encode(bytes(range(101, 133))).decode().rstrip("=")
AGENT_ID = 1000002
QUESTION = "借调到别的单位的党员在哪里参加学习"
ANSWER_PART = "重要节点参加党组织关系所在单位的学习实践活动"
SOURCE_LINE = "——《培训提纲》"

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n<xml><ToUserName>x</ToUserName><Encrypt>&lol9;</Encrypt></xml>"
)
EXTERNAL_ENTITY = ('<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
                   "<xml><ToUserName>x</ToUserName><Encrypt>&xxe;</Encrypt></xml>")


# -- the WeCom side -----------------------------------------------------------------------------------------


def _key() -> bytes:
    return base64.b64decode(AES_KEY + "=")


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def inner_text_xml(content: str, *, user: str = "ChenJiaShun", msg_id: str | None = None,
                   created: int | None = None) -> str:
    created = created if created is not None else int(time.time())
    msg_id = msg_id or str(secrets.randbelow(10**18))
    return (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>{AGENT_ID}</AgentID></xml>")


def delivery(inner_xml: str, *, corp_id: str = CORP_ID, ts: str | None = None,
             token: str = TOKEN) -> tuple[dict[str, str], bytes]:
    ts = ts if ts is not None else str(int(time.time()))
    nonce = str(secrets.randbelow(10**10))
    encrypted = PrpCrypto(_key()).encrypt(inner_xml, corp_id).decode()
    body = (f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><AgentID><![CDATA[{AGENT_ID}]]></AgentID>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
    return {"msg_signature": sha1_signature(token, ts, nonce, encrypted), "timestamp": ts, "nonce": nonce}, body.encode()


def open_passive_reply(response: httpx.Response, nonce: str) -> Any:
    """Verify the reply envelope's signature, decrypt it (corp id checked) and parse the inner XML."""
    assert response.status_code == 200, response.text
    envelope = ElementTree.fromstring(response.content)
    encrypted, stamp = envelope.findtext("Encrypt"), envelope.findtext("TimeStamp")
    assert envelope.findtext("Nonce") == nonce and abs(int(stamp) - time.time()) < 120
    assert envelope.findtext("MsgSignature") == sha1_signature(TOKEN, stamp, nonce, encrypted)
    return ElementTree.fromstring(PrpCrypto(_key()).decrypt(encrypted, CORP_ID))


def post(client: Any, params: dict[str, str], body: bytes | str) -> httpx.Response:
    return client.post("/wecom/app", params=params, content=body, headers={"content-type": "text/xml"})


def asked_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(AskedQuestion))


# -- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeQyapi]:
    with FakeQyapi() as server:
        yield server


def _settings(make_settings, db_url: str, fake: FakeQyapi, **overrides: Any):
    return make_settings(database_url=db_url, wecom_corp_id=CORP_ID, wecom_app_token=TOKEN,
                         wecom_app_aes_key=AES_KEY, wecom_app_agent_id=AGENT_ID, wecom_app_secret=APP_SECRET,
                         wecom_api_base=fake.url, **overrides)


@pytest.fixture
def app(make_settings, shared_matcher, db_url, fake) -> Iterator[tuple[Service, TestClient]]:
    service = Service(_settings(make_settings, db_url, fake), clock=SystemClock(), matcher=shared_matcher)
    with TestClient(create_app(service)) as client:
        yield service, client
    service.close()


@pytest.fixture
def slow_app(make_settings, shared_matcher, db_url, fake) -> Iterator[tuple[Service, TestClient]]:
    # Questions go to a worker thread here (inline_questions=False), so the deadline can pass first.
    settings = _settings(make_settings, db_url, fake, inline_reply_seconds=0.001, inline_questions=False)
    service = Service(settings, clock=SystemClock(), matcher=shared_matcher)
    with TestClient(create_app(service)) as client:
        yield service, client
    service.close()


# -- through the ASGI app -----------------------------------------------------------------------------------


def test_official_sample_get_verification_passes_the_route(make_settings, shared_matcher, fake) -> None:
    # Tencent's official sample (platform-facts §1.6), as WeCom would send it to the app's URL.
    settings = make_settings(wecom_corp_id="ww1436e0e65a779aee", wecom_app_token="hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
                             wecom_app_aes_key="6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
                             wecom_app_agent_id=1000002, wecom_app_secret="s", wecom_api_base=fake.url)
    service = Service(settings, clock=SystemClock(), matcher=shared_matcher)
    params = {"msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "timestamp": "1476416373",
              "nonce": "47744683",
              "echostr": "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="}
    try:
        with TestClient(create_app(service)) as client:
            response = client.get("/wecom/app", params=params)
            assert response.status_code == 200 and response.text == "1288432023552776189"
            assert client.get("/wecom/app", params={**params, "nonce": "47744684"}).status_code == 403
    finally:
        service.close()


def test_get_verification_checks_the_corp_id(app) -> None:
    _, client = app
    ts, nonce = str(int(time.time())), "123"
    for corp, expected in ((CORP_ID, 200), ("wwOTHERCORP", 403)):
        echostr = PrpCrypto(_key()).encrypt("99887766", corp).decode()
        response = client.get("/wecom/app", params={"msg_signature": sha1_signature(TOKEN, ts, nonce, echostr),
                                                    "timestamp": ts, "nonce": nonce, "echostr": echostr})
        assert response.status_code == expected
        assert (response.text == "99887766") == (expected == 200)


def test_faq_question_gets_an_encrypted_passive_reply(app, outline_text: str) -> None:
    service, client = app
    assert ANSWER_PART in outline_text
    params, body = delivery(inner_text_xml(f"  {QUESTION}  ", user="LiSi"))
    reply = open_passive_reply(post(client, params, body), params["nonce"])
    assert reply.findtext("MsgType") == "text"
    assert reply.findtext("ToUserName") == "LiSi" and reply.findtext("FromUserName") == CORP_ID
    content = reply.findtext("Content")
    assert ANSWER_PART in content and SOURCE_LINE in content
    assert len(content.encode()) <= 2048
    assert inbound_repo.count(service.db) == 1 and asked_count(service.db) == 1


def test_three_identical_deliveries_get_one_answer(app) -> None:
    service, client = app
    params, body = delivery(inner_text_xml(QUESTION, msg_id="555000111"))
    first = post(client, params, body)
    assert ANSWER_PART in open_passive_reply(first, params["nonce"]).findtext("Content")
    for _ in range(2):
        again = post(client, params, body)
        assert again.status_code == 200 and again.content == b""
    assert asked_count(service.db) == 1 and inbound_repo.count(service.db) == 1


def test_forgeries_are_refused_and_change_nothing(app, fake: FakeQyapi) -> None:
    service, client = app
    params, body = delivery(inner_text_xml(QUESTION))
    assert post(client, {**params, "msg_signature": "f" * 40}, body).status_code == 403
    assert post(client, {**params, "timestamp": str(int(params["timestamp"]) + 1)}, body).status_code == 403
    other_corp_params, other_corp_body = delivery(inner_text_xml(QUESTION), corp_id="wwWRONG")
    assert post(client, other_corp_params, other_corp_body).status_code == 403
    stale_params, stale_body = delivery(inner_text_xml(QUESTION), ts=str(int(time.time()) - 3 * 3600))
    assert post(client, stale_params, stale_body).status_code == 403
    assert inbound_repo.count(service.db) == 0 and asked_count(service.db) == 0 and fake.requests == []


@pytest.mark.parametrize("attack", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_xml_attacks_are_refused_quickly_without_memory_growth(app, attack: str) -> None:
    service, client = app
    params, _ = delivery(inner_text_xml(QUESTION))
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        started = time.perf_counter()
        response = post(client, params, attack)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400 and "root:" not in response.text and len(response.text) < 40
    assert elapsed < 1.0
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes while refusing the document"
    assert inbound_repo.count(service.db) == 0


def test_xml_attack_inside_a_validly_signed_message_is_refused(app) -> None:
    service, client = app
    params, body = delivery(BILLION_LAUGHS)
    started = time.perf_counter()
    assert post(client, params, body).status_code == 400
    assert time.perf_counter() - started < 1.0
    assert inbound_repo.count(service.db) == 0


@pytest.mark.parametrize("body", [b"", b"not xml", b"<xml><ToUserName>x</ToUserName></xml>", b"<xml><Encrypt>",
                                  b"<xml><Encrypt></Encrypt></xml>"])
def test_malformed_envelopes_are_400(app, body: bytes) -> None:
    _, client = app
    params, _ = delivery(inner_text_xml(QUESTION))
    response = post(client, params, body)
    assert response.status_code == 400 and "Traceback" not in response.text


def test_events_and_other_types_get_an_empty_200(app) -> None:
    service, client = app
    event = (f"<xml><ToUserName>{CORP_ID}</ToUserName><FromUserName>u1</FromUserName><CreateTime>1</CreateTime>"
             f"<MsgType>event</MsgType><Event>enter_agent</Event><AgentID>{AGENT_ID}</AgentID></xml>")
    image = inner_text_xml("x").replace("<![CDATA[text]]>", "<![CDATA[image]]>")
    for inner in (event, image):
        params, body = delivery(inner)
        response = post(client, params, body)
        assert response.status_code == 200 and response.content == b""
    assert inbound_repo.count(service.db) == 0


def test_one_megabyte_body_is_413(app) -> None:
    _, client = app
    params, _ = delivery(inner_text_xml(QUESTION))
    assert post(client, params, b"<xml><Encrypt>" + b"A" * (1 << 20) + b"</Encrypt></xml>").status_code == 413


def test_slow_answer_goes_through_message_send_with_a_cached_token(slow_app, fake: FakeQyapi) -> None:
    service, client = slow_app
    params, body = delivery(inner_text_xml(QUESTION, user="WangWu"))
    response = post(client, params, body)
    assert response.status_code == 200 and response.content == b""
    assert fake.wait_for(lambda f: len(f.sent) == 1)
    sent = fake.sent[0]
    assert sent["touser"] == "WangWu" and sent["agentid"] == AGENT_ID and sent["msgtype"] == "text"
    assert ANSWER_PART in sent["text"]["content"] and SOURCE_LINE in sent["text"]["content"]
    assert fake.token_fetches == 1

    params, body = delivery(inner_text_xml("入党积极分子要参加吗", user="WangWu"))
    post(client, params, body)
    assert fake.wait_for(lambda f: len(f.sent) == 2)
    assert fake.token_fetches == 1  # the cached token was used

    # WeCom expires the token early: the sender fetches a new one and retries once.
    fake.script_send(42001)
    params, body = delivery(inner_text_xml(QUESTION, user="ZhaoLiu"))
    post(client, params, body)
    assert fake.wait_for(lambda f: len(f.sent) == 3)
    assert fake.sent[2]["touser"] == "ZhaoLiu" and fake.token_fetches == 2
    tokens_used = [r.query["access_token"] for r in fake.calls("/cgi-bin/message/send")]
    assert tokens_used == ["tok-1", "tok-1", "tok-1", "tok-2"]
    assert inbound_repo.count(service.db) == 3


def test_other_errcodes_are_logged_without_secrets_and_not_retried(slow_app, fake: FakeQyapi, caplog) -> None:
    _, client = slow_app
    fake.script_send(81013)
    params, body = delivery(inner_text_xml(QUESTION))
    with caplog.at_level("INFO"):
        post(client, params, body)
        deadline = time.monotonic() + 10
        while "errcode=81013" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
    assert "errcode=81013" in caplog.text
    assert len(fake.calls("/cgi-bin/message/send")) == 1 and fake.sent == []
    assert APP_SECRET not in caplog.text and "tok-1" not in caplog.text


def test_long_replies_are_split_at_lines_into_several_messages(app, fake: FakeQyapi) -> None:
    _, client = app
    lines = [f"第{n}行：" + "学习实践活动" * 12 for n in range(1, 41)]
    parts = reply_parts(Reply(text="\n".join(lines), intent="test"))
    assert len(parts) > 1 and all(len(p.encode()) <= 2048 for p in parts)
    assert "\n".join(parts) == "\n".join(lines)  # cut only between lines
    adapter = client.app.state.platforms.adapter("wecom_app")
    assert client.portal.call(adapter.send_text, "LongReader", parts) is True
    assert [m["text"]["content"] for m in fake.sent] == parts


def test_access_token_cache_expires_before_wecom_says(fake: FakeQyapi) -> None:
    now = [1000.0]  # WeCom says 7200 s; minus the 300 s margin the token is reused for 6900 s

    async def scenario() -> list[str]:
        async with httpx.AsyncClient() as http:
            tokens = AccessTokens(http, fake.url, CORP_ID, APP_SECRET, clock=lambda: now[0])
            got = [await tokens.get()]
            now[0] += 6899
            got.append(await tokens.get())
            now[0] += 2
            got.append(await tokens.get())
            tokens.invalidate(got[-1])
            got.append(await tokens.get())
            assert "secret" not in repr(tokens)
            return got

    assert asyncio.run(scenario()) == ["tok-1", "tok-1", "tok-2", "tok-3"]
    assert all(r.query["corpsecret"] == APP_SECRET for r in fake.calls("/cgi-bin/gettoken"))


# -- through a real `xueshi serve` ---------------------------------------------------------------------------


def _server_env(db_url: str, lexicon_cache: Path, fake: FakeQyapi, **extra: str) -> dict[str, str]:
    return {"XUESHI_DATABASE_URL": db_url, "XUESHI_CACHE_DIR": str(lexicon_cache), "XUESHI_SCHEDULER_ENABLED": "false",
            "XUESHI_WECOM_CORP_ID": CORP_ID, "XUESHI_WECOM_APP_TOKEN": TOKEN, "XUESHI_WECOM_APP_AES_KEY": AES_KEY,
            "XUESHI_WECOM_APP_AGENT_ID": str(AGENT_ID), "XUESHI_WECOM_APP_SECRET": APP_SECRET,
            "XUESHI_WECOM_API_BASE": fake.url, **extra}


def test_live_server_answers_refuses_and_dedupes(db_url, lexicon_cache, fake, tmp_path) -> None:
    db = Database(db_url)
    try:
        with LiveServer(_server_env(db_url, lexicon_cache, fake), cwd=tmp_path) as server, \
                httpx.Client(base_url=server.url, timeout=10) as client:
            assert "adapter wecom_app: enabled" in server.output()
            params, body = delivery(inner_text_xml(QUESTION))
            assert post(client, {**params, "msg_signature": "0" * 40}, body).status_code == 403
            wrong_params, wrong_body = delivery(inner_text_xml(QUESTION), corp_id="wwWRONG")
            assert post(client, wrong_params, wrong_body).status_code == 403
            started = time.perf_counter()
            assert post(client, params, BILLION_LAUGHS).status_code == 400
            assert time.perf_counter() - started < 1.0
            assert post(client, params, EXTERNAL_ENTITY).status_code == 400
            assert inbound_repo.count(db) == 0 and asked_count(db) == 0

            answers = [post(client, params, body) for _ in range(3)]
            content = open_passive_reply(answers[0], params["nonce"]).findtext("Content")
            assert ANSWER_PART in content and SOURCE_LINE in content
            assert [(a.status_code, a.content) for a in answers[1:]] == [(200, b""), (200, b"")]
            assert asked_count(db) == 1 and inbound_repo.count(db) == 1
    finally:
        db.dispose()


def test_live_server_slow_path_refreshes_an_expired_token(lexicon_cache, fake, tmp_path) -> None:
    env = _server_env(f"sqlite:///{tmp_path}/live.db", lexicon_cache, fake, XUESHI_INLINE_REPLY_SECONDS="0.001",
                      XUESHI_INLINE_QUESTIONS="false", XUESHI_LOG_LEVEL="DEBUG")
    fake.script_send(42001)
    with LiveServer(env, cwd=tmp_path) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        params, body = delivery(inner_text_xml(QUESTION, user="SunQi"))
        response = post(client, params, body)
        assert response.status_code == 200 and response.content == b""
        assert fake.wait_for(lambda f: f.sent), server.output()
        assert fake.sent[0]["touser"] == "SunQi" and ANSWER_PART in fake.sent[0]["text"]["content"]
        assert fake.token_fetches == 2
        output = server.output()
        assert APP_SECRET not in output and AES_KEY not in output and TOKEN not in output
        assert "tok-1" not in output and "tok-2" not in output
