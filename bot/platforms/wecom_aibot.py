"""WeCom AI bot (智能机器人), HTTP callback mode: ``GET``/``POST /wecom/aibot``.

GET is URL verification: check ``msg_signature`` over ``echostr``, decrypt it, answer the plaintext.
POST carries ``{"encrypt": …}``: the signature is checked first (403), then the timestamp's freshness
(403), then the message is decrypted with receive id ``""`` (another receive id → 403) and parsed.
The answer goes back inside the HTTP response as an encrypted, finished ``stream`` message when it is
ready within ``inline_reply_seconds``; otherwise the callback is acknowledged with an empty 200 at
once (WeCom retries after 5 s) and the answer is POSTed later, as plaintext markdown JSON, to the
message's ``response_url`` — only when that URL is on the configured WeCom API origin; when it is not
(or the POST fails) and the long connection runs, the answer is pushed over it instead.

This module knows the transport (HTTP, the JSON envelope, encryption); the message JSON itself is
:mod:`bot.platforms.wecom_aibot_message`'s business, and what an answer says is the handlers'.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from bot.messages import Reply
from bot.platforms.gateway import AdapterStatus
from bot.platforms.wecom_aibot_message import (
    AibotDelivery,
    UnsupportedMessage,
    markdown_body,
    parse_callback,
    stream_body,
)
from bot.platforms.wecom_callback import (
    TaskKeeper,
    WeComCallbackAdapter,
    callback_status,
    empty_ok,
    origin_text,
    refuse,
    reply_within,
    same_origin,
)
from bot.platforms.wecom_crypto import (
    AIBOT_RECEIVE_ID,
    WeComCrypto,
)
from bot.storage.outbox_repo import redact_text

if TYPE_CHECKING:
    from bot.platforms.registry import PlatformContext
    from bot.settings import Settings

log = logging.getLogger(__name__)

NAME = "wecom_aibot"
ROUTE = "/wecom/aibot"
REQUIRED = ("wecom_aibot_token", "wecom_aibot_aes_key")
#: The long-connection adapter (bot.platforms.wecom_aibot_ws): the other way to deliver a late answer.
LONG_CONNECTION_ADAPTER = "wecom_aibot_ws"
# -- the adapter ---------------------------------------------------------------------------------------


def status(settings: Settings) -> AdapterStatus:
    return callback_status(NAME, settings, REQUIRED, "wecom_aibot_aes_key", ROUTE)


def build(context: PlatformContext) -> WeComAibotCallback:
    return WeComAibotCallback(context)


class WeComAibotCallback(WeComCallbackAdapter):
    name = NAME
    route = ROUTE

    def __init__(self, context: PlatformContext, *, crypto: WeComCrypto | None = None) -> None:
        settings = context.settings
        self.context = context
        self.settings = settings
        self.crypto = crypto or WeComCrypto(settings.value("wecom_aibot_token") or "",
                                            settings.value("wecom_aibot_aes_key") or "", AIBOT_RECEIVE_ID)
        self.tasks = TaskKeeper(NAME)

    # -- POST: a message -----------------------------------------------------------------------------------

    async def callback(self, request: Request) -> Response:
        query = request.query_params
        nonce = query.get("nonce", "")
        encrypt = _encrypt_field(await request.body())
        if encrypt is None:
            return refuse(400, "bad request")
        now = self.context.service.clock.now()
        plaintext = self.open_envelope(query, encrypt, now)
        if isinstance(plaintext, Response):
            return plaintext
        try:
            delivery = parse_callback(json.loads(plaintext), now)
        except UnsupportedMessage as exc:
            log.debug("%s: ignored %s", NAME, exc)
            return empty_ok()
        except ValueError:  # JSONDecodeError is a ValueError too
            return refuse(400, "bad request")

        work = self.context.gateway.process_async(delivery.message, delivery.key)
        try:
            ready, reply = await reply_within(self.tasks, work, self.settings.inline_reply_seconds,
                                              lambda task: self._answer_later(task, delivery))
        except Exception:
            log.exception("%s: handling msg_id=%s failed", NAME, delivery.message.msg_id)
            return refuse(503, "try again")  # not 200: WeCom retries, and the claim was released or never made
        if not ready or reply is None:  # answered later, or a repeat delivery
            return empty_ok()
        body = stream_body(reply, uuid.uuid4().hex, _asker(delivery))
        stamp = int(self.context.service.clock.now().timestamp())
        return JSONResponse(self.crypto.json_envelope(json.dumps(body, ensure_ascii=False), nonce, stamp))

    async def _answer_later(self, task: asyncio.Task[Any], delivery: AibotDelivery) -> None:
        try:
            reply = await task
        except Exception:
            log.exception("%s: handling msg_id=%s failed", NAME, delivery.message.msg_id)
            return
        if reply is None:
            return
        await self.post_response(delivery, reply)

    async def post_response(self, delivery: AibotDelivery, reply: Reply) -> bool:
        """Deliver a late reply: POST it to the delivery's ``response_url`` (plaintext markdown JSON) when
        that URL is on the WeCom API origin, else — or when that fails — push it over the long connection
        (``aibot_send_msg``) if that adapter runs. True when one of them accepted it."""
        url = delivery.response_url
        msg_id = delivery.message.msg_id
        if not url:
            log.warning("%s: msg_id=%s has no response_url", NAME, msg_id)
        elif not same_origin(url, self.settings.wecom_api_base):
            log.warning("%s: msg_id=%s response_url is on %s, not the WeCom API origin; not called",
                        NAME, msg_id, origin_text(url))
        elif await self._post_response_url(url, delivery, reply):
            return True
        return await self._push(delivery, reply)

    async def _post_response_url(self, url: str, delivery: AibotDelivery, reply: Reply) -> bool:
        msg_id = delivery.message.msg_id
        try:
            response = await self.context.http.post(url, json=markdown_body(reply, _asker(delivery)))
        except httpx.HTTPError as exc:
            log.warning("%s: msg_id=%s response_url POST failed: %s", NAME, msg_id, type(exc).__name__)
            return False
        errcode, errmsg = _errcode(response)
        if response.status_code != 200 or errcode != 0:
            log.warning("%s: msg_id=%s response_url answered HTTP %d errcode=%s %s", NAME, msg_id,
                        response.status_code, errcode, redact_text(errmsg)[:200])
            return False
        return True

    async def _push(self, delivery: AibotDelivery, reply: Reply) -> bool:
        """The other route: ``aibot_send_msg`` through the long-connection adapter, when it is connected."""
        msg_id = delivery.message.msg_id
        long_connection = self.context.adapter(LONG_CONNECTION_ADAPTER)
        push = getattr(long_connection, "push_markdown", None)
        if push is None or not getattr(long_connection, "ready", False):
            log.warning("%s: msg_id=%s late answer dropped (no usable response_url, no long connection)",
                        NAME, msg_id)
            return False
        content = markdown_body(reply, _asker(delivery))["markdown"]["content"]
        try:
            await push(delivery.chat_target, content)
        except Exception as exc:  # DeliveryError or a connection failure: the answer is lost, say so
            log.warning("%s: msg_id=%s push over the long connection failed: %s", NAME, msg_id,
                        redact_text(str(exc))[:200])
            return False
        return True


def _encrypt_field(body: bytes) -> str | None:
    """The ``encrypt`` string of the outer JSON, or None when the body is not such an object."""
    try:
        outer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    encrypt = outer.get("encrypt") if isinstance(outer, dict) else None
    return encrypt if isinstance(encrypt, str) and encrypt else None


def _asker(delivery: AibotDelivery) -> str | None:
    """Whom to @-mention: the asker in a group; nobody in a single chat."""
    return delivery.message.user_id if delivery.message.is_group else None


def _errcode(response: httpx.Response) -> tuple[Any, str]:
    try:
        data = response.json()
    except ValueError:
        return None, ""
    if not isinstance(data, dict):
        return None, ""
    return data.get("errcode", 0), str(data.get("errmsg", ""))
