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
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from bot.messages import Reply
from bot.platforms.gateway import AdapterStatus
from bot.platforms.wecom_aibot_message import (
    AibotDelivery,
    UnsupportedMessage,
    markdown_body,
    parse_callback,
    stream_body,
)
from bot.platforms.wecom_crypto import (
    AIBOT_RECEIVE_ID,
    ReceiveIdMismatch,
    SignatureMismatch,
    UndecryptableMessage,
    WeComCrypto,
    timestamp_is_fresh,
    valid_aes_key,
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
#: On shutdown, answers still being worked on get this long to go out before they are cancelled.
STOP_GRACE_SECONDS = 5.0


# -- helpers shared with the self-built app's callback ---------------------------------------------------


def secret_value(value: Any) -> str | None:
    if value is None:
        return None
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return text or None


def callback_status(name: str, settings: Settings, required: tuple[str, ...], key_setting: str,
                    route: str) -> AdapterStatus:
    """Enabled when every required setting is present and the EncodingAESKey is well formed."""
    missing = tuple(n for n in required if secret_value(getattr(settings, n, None)) is None)
    if missing:
        return AdapterStatus(name, False, missing)
    if not valid_aes_key(secret_value(getattr(settings, key_setting)) or ""):
        return AdapterStatus(name, False, (key_setting,),
                             detail=f"XUESHI_{key_setting.upper()} is not a 43-character EncodingAESKey")
    return AdapterStatus(name, True, detail=route)


def empty_ok() -> Response:
    """What WeCom takes as "received, nothing to say": 200 with an empty body."""
    return Response(status_code=200)


def refuse(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status)


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the port made explicit; None when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else (443 if scheme == "https" else 80)


def same_origin(url: str, base: str) -> bool:
    found = origin(url)
    return found is not None and found == origin(base)


def origin_text(url: str) -> str:
    """What may be logged about a URL: scheme, host and port, never its path or query."""
    found = origin(url)
    return f"{found[0]}://{found[1]}:{found[2]}" if found else "(not an http URL)"


class TaskKeeper:
    """Background work of one adapter, referenced until done (asyncio keeps only weak references)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        # Whoever awaits a task reports its failure; fetching it here keeps asyncio from warning twice.
        if not task.cancelled():
            task.exception()

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Let pending work finish for up to ``grace`` seconds, then cancel what is left."""
        pending = set(self._tasks)
        if pending:
            _, pending = await asyncio.wait(pending, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


async def reply_within(keeper: TaskKeeper, work: Awaitable[Reply | None], seconds: float,
                       later: Callable[[asyncio.Task[Any]], Coroutine[Any, Any, None]]) -> tuple[bool, Reply | None]:
    """Run ``work`` in the background; ``(True, reply)`` when it finished within ``seconds``.

    Otherwise ``(False, None)``, and ``later(task)`` is scheduled to deliver the reply when it comes —
    also when the waiting request is cancelled (the client hung up), so no answer is lost.
    """
    async def run() -> Reply | None:
        return await work

    task = keeper.spawn(run())
    try:
        reply = await asyncio.wait_for(asyncio.shield(task), timeout=seconds)
    except TimeoutError:
        keeper.spawn(later(task))
        return False, None
    except asyncio.CancelledError:
        keeper.spawn(later(task))
        raise
    return True, reply


# -- the adapter ---------------------------------------------------------------------------------------


def status(settings: Settings) -> AdapterStatus:
    return callback_status(NAME, settings, REQUIRED, "wecom_aibot_aes_key", ROUTE)


def build(context: PlatformContext) -> WeComAibotCallback:
    return WeComAibotCallback(context)


class WeComAibotCallback:
    def __init__(self, context: PlatformContext, *, crypto: WeComCrypto | None = None) -> None:
        settings = context.settings
        self.name = NAME
        self.context = context
        self.settings = settings
        self.crypto = crypto or WeComCrypto(secret_value(settings.wecom_aibot_token) or "",
                                            secret_value(settings.wecom_aibot_aes_key) or "", AIBOT_RECEIVE_ID)
        self.tasks = TaskKeeper(NAME)

    def routes(self) -> APIRouter:
        router = APIRouter()
        router.add_api_route(ROUTE, self.verify_url, methods=["GET"], include_in_schema=False)
        router.add_api_route(ROUTE, self.callback, methods=["POST"], include_in_schema=False)
        return router

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self.tasks.drain()

    # -- GET: URL verification ---------------------------------------------------------------------------

    async def verify_url(self, request: Request) -> Response:
        # No freshness check here: a replayed verification only echoes what its sender already knew.
        query = request.query_params
        try:
            echo = self.crypto.open(query.get("msg_signature", ""), query.get("timestamp", ""),
                                    query.get("nonce", ""), query.get("echostr", ""))
        except (SignatureMismatch, ReceiveIdMismatch):
            log.warning("%s: URL verification refused (signature or receive id)", NAME)
            return refuse(403, "forbidden")
        except UndecryptableMessage:
            return refuse(400, "bad echostr")
        return PlainTextResponse(echo)

    # -- POST: a message -----------------------------------------------------------------------------------

    async def callback(self, request: Request) -> Response:
        query = request.query_params
        signature, timestamp, nonce = (query.get("msg_signature", ""), query.get("timestamp", ""),
                                       query.get("nonce", ""))
        encrypt = _encrypt_field(await request.body())
        if encrypt is None:
            return refuse(400, "bad request")
        try:
            self.crypto.verify(signature, timestamp, nonce, encrypt)
        except SignatureMismatch:
            log.warning("%s: callback refused: bad msg_signature", NAME)
            return refuse(403, "forbidden")
        now = self.context.service.clock.now()
        if not timestamp_is_fresh(timestamp, now):
            log.warning("%s: callback refused: stale timestamp", NAME)
            return refuse(403, "forbidden")
        try:
            plaintext = self.crypto.decrypt(encrypt)
        except ReceiveIdMismatch:
            log.warning("%s: callback refused: wrong receive id", NAME)
            return refuse(403, "forbidden")
        except UndecryptableMessage:
            return refuse(400, "bad request")
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
