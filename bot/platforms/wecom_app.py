"""WeCom self-built app (自建应用) callback: ``GET``/``POST /wecom/app``, for 1:1 questions to the app.

GET is URL verification (receive id = the corp id). POST carries an XML envelope
``<xml><ToUserName/><AgentID/><Encrypt/></xml>``: it is parsed with defusedxml (no DTD, no entities:
an XML bomb or an external entity is refused with 400 before anything expands), the signature over
``Encrypt`` is checked (403), then the timestamp's freshness (403), then it is decrypted with the
corp id as receive id (another corp → 403) and the inner XML parsed with defusedxml as well.

Text messages go to the gateway (platform ``wecom``, dedupe namespace ``wecom-app``, chat ``u:<user>``).
The answer is a passive encrypted XML reply when it is ready within ``inline_reply_seconds`` and fits
in one message (2,048 bytes); otherwise the callback gets an empty 200 and the answer is sent with
``message/send``, split at line boundaries, using an access token that is cached and refreshed once
when WeCom says it expired. Other message types and events get an empty 200.

This module knows the app's wire format, its crypto and its API; not what an answer means.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, ParseError

import httpx
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from fastapi import Request
from fastapi.responses import Response

from bot.clock import CAMPAIGN_TZ
from bot.messages import IncomingMessage, Reply
from bot.platforms.gateway import AdapterStatus, InboundKey
from bot.platforms.wecom_callback import (
    TaskKeeper,
    WeComCallbackAdapter,
    callback_status,
    empty_ok,
    refuse,
    reply_within,
)
from bot.platforms.wecom_crypto import (
    WeComCrypto,
)
from bot.storage.outbox_repo import redact_text
from scheduler.channels import WECOM_TEXT_MAX_BYTES, split_text

if TYPE_CHECKING:
    from bot.platforms.registry import PlatformContext
    from bot.settings import Settings

log = logging.getLogger(__name__)

NAME = "wecom_app"
ROUTE = "/wecom/app"
PLATFORM = "wecom"
DEDUPE_NAMESPACE = "wecom-app"
REQUIRED = ("wecom_corp_id", "wecom_app_token", "wecom_app_aes_key", "wecom_app_agent_id", "wecom_app_secret")
#: errcodes meaning "this access token is no good": fetch a new one and retry once.
TOKEN_ERRCODES = frozenset({42001, 40014, 42007, 42009})
#: Refresh a cached token this long before WeCom says it expires.
TOKEN_MARGIN_SECONDS = 300.0

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def status(settings: Settings) -> AdapterStatus:
    return callback_status(NAME, settings, REQUIRED, "wecom_app_aes_key", ROUTE)


def build(context: PlatformContext) -> WeComAppCallback:
    return WeComAppCallback(context)


class WeComApiError(Exception):
    """A WeCom API call failed; the message holds status and errcode only, never a token or secret."""


class AccessTokens:
    """The app's access token from ``GET /cgi-bin/gettoken``, cached until shortly before it expires."""

    def __init__(self, http: httpx.AsyncClient, api_base: str, corp_id: str, secret: str, *,
                 clock: Callable[[], float] = time.monotonic, margin: float = TOKEN_MARGIN_SECONDS) -> None:
        self._http = http
        self._url = f"{api_base}/cgi-bin/gettoken"
        self._corp_id = corp_id
        self._secret = secret
        self._clock = clock
        self._margin = margin
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return "AccessTokens(<hidden>)"

    async def get(self) -> str:
        async with self._lock:
            if self._token is not None and self._clock() < self._expires_at:
                return self._token
            try:
                response = await self._http.get(self._url, params={"corpid": self._corp_id,
                                                                   "corpsecret": self._secret})
            except httpx.HTTPError as exc:
                raise WeComApiError(f"gettoken failed: {type(exc).__name__}") from None
            data = _json(response)
            token = data.get("access_token")
            if response.status_code != 200 or data.get("errcode", 0) != 0 or not isinstance(token, str) or not token:
                raise WeComApiError(f"gettoken answered HTTP {response.status_code} errcode={data.get('errcode')}")
            expires_in = data.get("expires_in")
            lifetime = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 7200.0
            self._token = token
            self._expires_at = self._clock() + max(lifetime - self._margin, lifetime / 2)
            return token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (unless another caller already replaced it)."""
        if self._token == token:
            self._token = None


class WeComAppCallback(WeComCallbackAdapter):
    name = NAME
    route = ROUTE

    def __init__(self, context: PlatformContext, *, crypto: WeComCrypto | None = None,
                 token_clock: Callable[[], float] = time.monotonic) -> None:
        settings = context.settings
        self.context = context
        self.settings = settings
        self.corp_id = settings.wecom_corp_id or ""
        self.agent_id = int(settings.wecom_app_agent_id or 0)
        self._secret = settings.value("wecom_app_secret") or ""
        self.crypto = crypto or WeComCrypto(settings.value("wecom_app_token") or "",
                                            settings.value("wecom_app_aes_key") or "", self.corp_id)
        self.tokens = AccessTokens(context.http, settings.wecom_api_base, self.corp_id, self._secret,
                                   clock=token_clock)
        self.tasks = TaskKeeper(NAME)

    # -- POST: a message -----------------------------------------------------------------------------------

    async def callback(self, request: Request) -> Response:
        query = request.query_params
        nonce = query.get("nonce", "")
        envelope = parse_xml(await request.body())
        encrypt = envelope.findtext("Encrypt") if envelope is not None else None
        if not encrypt:
            return refuse(400, "bad request")
        now = self.context.service.clock.now()
        plaintext = self.open_envelope(query, encrypt.strip(), now)
        if isinstance(plaintext, Response):
            return plaintext
        inner = parse_xml(plaintext.encode("utf-8"))
        if inner is None:
            return refuse(400, "bad request")
        if (inner.findtext("MsgType") or "").strip() != "text":
            return empty_ok()  # events, images, voice …: received, nothing to say
        parsed = text_message(inner, now)
        if parsed is None:
            return refuse(400, "bad request")
        message, key = parsed

        work = self.context.gateway.process_async(message, key)
        try:
            ready, reply = await reply_within(self.tasks, work, self.settings.inline_reply_seconds,
                                              lambda task: self._answer_later(task, message.user_id))
        except Exception:
            log.exception("%s: handling msg_id=%s failed", NAME, message.msg_id)
            return refuse(503, "try again")
        if not ready or reply is None:
            return empty_ok()
        parts = reply_parts(reply)
        if len(parts) != 1:  # too long for one passive reply (or empty): send them all through the API
            if parts:
                self.tasks.spawn(self.send_text(message.user_id, parts))
            return empty_ok()
        stamp = int(self.context.service.clock.now().timestamp())
        xml = passive_text_xml(to_user=message.user_id, from_corp=self.corp_id, created=stamp, content=parts[0])
        return Response(self.crypto.xml_envelope(xml, nonce, stamp), media_type="application/xml")

    async def _answer_later(self, task: asyncio.Task[Any], user_id: str) -> None:
        try:
            reply = await task
        except Exception:
            log.exception("%s: handling a message from %s failed", NAME, user_id)
            return
        if reply is not None:
            await self.send_text(user_id, reply_parts(reply))

    # -- message/send -------------------------------------------------------------------------------------

    async def send_text(self, user_id: str, parts: list[str]) -> bool:
        """Send each part as an app text message to ``user_id``; False when one did not go out."""
        for part in parts:
            if not await self._send_one(user_id, part):
                return False
        return True

    async def _send_one(self, user_id: str, content: str) -> bool:
        body = {"touser": user_id, "msgtype": "text", "agentid": self.agent_id, "text": {"content": content},
                "safe": 0}
        for attempt in (1, 2):
            try:
                token = await self.tokens.get()
                response = await self.context.http.post(f"{self.settings.wecom_api_base}/cgi-bin/message/send",
                                                        params={"access_token": token}, json=body)
            except WeComApiError as exc:
                log.warning("%s: no access token: %s", NAME, exc)
                return False
            except httpx.HTTPError as exc:
                log.warning("%s: message/send failed: %s", NAME, type(exc).__name__)
                return False
            data = _json(response)
            errcode = data.get("errcode", 0 if response.status_code == 200 else None)
            if errcode in TOKEN_ERRCODES and attempt == 1:
                log.info("%s: access token refused (errcode %s); fetching a new one", NAME, errcode)
                self.tokens.invalidate(token)
                continue
            if response.status_code != 200 or errcode != 0:
                log.warning("%s: message/send answered HTTP %d errcode=%s %s", NAME, response.status_code, errcode,
                            redact_text(str(data.get("errmsg", "")), (self._secret, token))[:200])
                return False
            return True
        return False


# -- wire format -------------------------------------------------------------------------------------------


def parse_xml(data: bytes) -> Element | None:
    """The root element, or None for anything but plain, well-formed XML (no DTD, no entities)."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError, TypeError):
        return None


def text_message(inner: Element, now: datetime) -> tuple[IncomingMessage, InboundKey] | None:
    """The neutral message and its dedupe key from a decrypted text message; None when fields are missing."""
    user_id = (inner.findtext("FromUserName") or "").strip()
    content = inner.findtext("Content")
    if not user_id or content is None:
        return None
    created = (inner.findtext("CreateTime") or "").strip()
    sent_at = now
    if created.isdigit() and len(created) <= 12:
        sent_at = datetime.fromtimestamp(int(created), tz=CAMPAIGN_TZ)
    else:
        created = ""
    msg_id = (inner.findtext("MsgId") or "").strip() or f"{user_id}:{created}"
    chat_id = f"u:{user_id}"
    message = IncomingMessage(platform=PLATFORM, chat_id=chat_id, user_id=user_id, text=content.strip(),
                              sent_at=sent_at, msg_id=msg_id, is_group=False)
    key = InboundKey(platform=DEDUPE_NAMESPACE, msg_id=msg_id, sender_id=user_id, sent_key=created, chat_id=chat_id)
    return message, key


def reply_parts(reply: Reply) -> list[str]:
    """The reply's plain text in app messages of at most 2,048 bytes, split at line boundaries."""
    return split_text(_CONTROL_CHARS.sub("", reply.text), WECOM_TEXT_MAX_BYTES)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def passive_text_xml(*, to_user: str, from_corp: str, created: int, content: str) -> str:
    """The plaintext passive reply (encrypted into the envelope before it is sent)."""
    return (f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_corp)}</FromUserName>"
            f"<CreateTime>{int(created)}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{_cdata(content)}</Content></xml>")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# httpx logs each request URL at INFO, and the gettoken URL carries ``corpsecret``: mask it.
class _CorpSecretFilter(logging.Filter):
    _PATTERN = re.compile(r"(corpsecret=)[^&\s\"'<>]+", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix
            return True
        masked = self._PATTERN.sub(r"\1***", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_FILTER = _CorpSecretFilter()
for _name in ("httpx", "httpcore"):
    if not any(isinstance(f, _CorpSecretFilter) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_FILTER)
