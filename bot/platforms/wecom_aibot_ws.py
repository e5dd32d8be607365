"""WeCom AI bot (智能机器人) over its long connection: the official SDK (``aibot``) keeps a WebSocket to
WeCom open, so no public URL, token or AES key is needed — only ``XUESHI_WECOM_AIBOT_ID`` and
``XUESHI_WECOM_AIBOT_SECRET`` (``XUESHI_WECOM_AIBOT_WS_URL`` points it elsewhere, e.g. a test server).

* ``message.text`` callbacks: the body (the same JSON as the HTTP callback) is parsed by
  :mod:`bot.platforms.wecom_aibot_message`, handed to the gateway, and answered with one finished
  ``stream`` reply on the callback's ``req_id``. A repeat delivery (the gateway returns ``None``) gets
  nothing. Other message types are ignored; ``enter_chat`` gets a short welcome.
* Pushes: the adapter is the :class:`~scheduler.aibot_channel.AibotPushSender` of this process, so
  reminders for groups with channel ``wecom_aibot`` go out as ``aibot_send_msg`` markdown. Replies and
  pushes share one limiter: WeCom allows 30 messages a minute per conversation.
* Group chat ids the bot has seen: :meth:`WeComAibotWs.seen_chats` (this run, plus the inbound-event
  table's last ``inbound_retention_days``) — what an operator needs to register a group for pushes.

Connection care: the SDK reconnects with exponential backoff (capped at 30 s) after a broken link and
gives up after ``max_reconnect_attempts``; the adapter then starts it again after ``restart_seconds``,
so a long outage neither ends the connection for good nor nests the SDK's retries without bound. The
SDK does not reconnect after a *clean* close (the server's, or its own after missed heartbeats), so a
watchdog connects again when the link has been down longer than any SDK backoff. A refused
subscription (wrong id or secret) is logged once per attempt as an error and retried only after
``auth_retry_seconds`` — a wrong secret never makes the adapter hammer WeCom or stop the server. When
WeCom says another connection for the same bot took over (``disconnected_event``), this process
stops its connection instead of fighting over it.

This module knows the SDK and the long connection only; it does not know what an answer, a reminder
or a check-in is (the gateway and the handlers do).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import re
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.platforms.gateway import AdapterStatus
from bot.platforms.wecom_aibot_message import (
    DEDUPE_NAMESPACE,
    MARKDOWN_MAX_BYTES,
    UnsupportedMessage,
    parse_callback,
    stream_body,
)
from bot.storage.outbox_repo import redact_text
from scheduler.aibot_channel import (
    CONVERSATION_LIMIT,
    CONVERSATION_PERIOD_S,
    NOT_CONNECTED,
    register_sender,
    unregister_sender,
)
from scheduler.channels import RETRYABLE_ERRCODES, THROTTLE_ERRCODES, DeliveryError, RateLimiter

if TYPE_CHECKING:
    from fastapi import APIRouter

    from bot.platforms.registry import PlatformContext
    from bot.storage import Database

log = logging.getLogger(__name__)

NAME = "wecom_aibot_ws"
#: One long connection per bot: it runs in the leader process only (see bot.workers).
LONG_CONNECTION = True
REQUIRED = ("wecom_aibot_id", "wecom_aibot_secret")

#: Sent once when a user opens the single chat with the bot (the only place a text welcome is allowed).
WELCOME_TEXT = "您好，我是学实助手。可以直接问我学习实践活动的安排，例如“借调的党员在哪里参加学习？”；在群里请先 @我 再提问。"

# Defaults (seconds). The SDK's own: heartbeat 30 s, reconnect base 1 s doubling up to 30 s.
HEARTBEAT_SECONDS = 30.0
RECONNECT_SECONDS = 1.0
MAX_RECONNECT_ATTEMPTS = 10
RESTART_SECONDS = 60.0
WATCH_SECONDS = 5.0
STALE_SECONDS = 60.0  # > the SDK's longest backoff (30 s) between two attempts
AUTH_RETRY_SECONDS = 300.0
STOP_WAIT_SECONDS = 5.0

_ERRCODE = re.compile(r"errcode=(-?\d+)")
_LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def status(settings: Any) -> AdapterStatus:
    missing = settings.missing(REQUIRED)
    host = urlsplit(settings.wecom_aibot_ws_url).netloc
    return AdapterStatus(NAME, not missing, missing, f"long connection to {host}" if not missing else "")


def build(context: PlatformContext) -> WeComAibotWs:
    settings = context.settings
    # Optional settings (not every deployment has them): fall back to the SDK's defaults.
    return WeComAibotWs(
        context,
        heartbeat_seconds=settings.wecom_aibot_heartbeat_seconds,
        reconnect_seconds=settings.wecom_aibot_reconnect_seconds,
    )


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def seen_group_chats(db: Database, since: datetime) -> list[str]:
    """Group chat ids that delivered AI-bot messages (HTTP or long connection) since ``since``."""
    from sqlalchemy import select

    from bot.storage.models import InboundEvent

    table = InboundEvent.__table__
    query = (select(table.c.chat_id).distinct()
             .where(table.c.platform == DEDUPE_NAMESPACE, table.c.received_at >= since,
                    table.c.chat_id != "", ~table.c.chat_id.startswith("u:")))
    with db.transaction(write=False) as conn:
        return sorted(row[0] for row in conn.execute(query))


class _SdkLog:
    """The SDK's logger interface onto ``logging``: its chatty info lines go to DEBUG (the adapter logs
    what matters itself), and every line is redacted in case a URL or credential slips in."""

    def __init__(self, logger: logging.Logger, secrets: tuple[str, ...]) -> None:
        self._log = logger
        self._secrets = secrets

    def _emit(self, level: int, message: str, *args: object) -> None:
        if self._log.isEnabledFor(level):
            text = " ".join([str(message), *(str(a) for a in args)])
            self._log.log(level, "%s", redact_text(text, self._secrets))

    def debug(self, message: str, *args: object) -> None:
        self._emit(logging.DEBUG, message, *args)

    def info(self, message: str, *args: object) -> None:
        self._emit(logging.DEBUG, message, *args)

    def warn(self, message: str, *args: object) -> None:
        self._emit(logging.WARNING, message, *args)

    def error(self, message: str, *args: object) -> None:
        self._emit(logging.WARNING, message, *args)


class WeComAibotWs:
    """The adapter: one SDK client, its supervisor task, and the push-sender side for reminders."""

    name = NAME

    def __init__(self, context: PlatformContext, *, heartbeat_seconds: float = HEARTBEAT_SECONDS,
                 reconnect_seconds: float = RECONNECT_SECONDS,
                 max_reconnect_attempts: int = MAX_RECONNECT_ATTEMPTS,
                 restart_seconds: float = RESTART_SECONDS, auth_retry_seconds: float = AUTH_RETRY_SECONDS,
                 watch_seconds: float = WATCH_SECONDS, stale_seconds: float = STALE_SECONDS,
                 limiter: RateLimiter | None = None) -> None:
        settings = context.settings
        self.context = context
        self.bot_id = str(settings.wecom_aibot_id or "")
        self._secret = settings.value("wecom_aibot_secret") or ""
        self.ws_url = settings.wecom_aibot_ws_url
        self.heartbeat_seconds = heartbeat_seconds
        self.reconnect_seconds = reconnect_seconds
        self.max_reconnect_attempts = max_reconnect_attempts
        self.restart_seconds = restart_seconds
        self.auth_retry_seconds = auth_retry_seconds
        self.watch_seconds = watch_seconds
        self.stale_seconds = stale_seconds
        self.limiter = limiter or RateLimiter(CONVERSATION_LIMIT, CONVERSATION_PERIOD_S)
        self.retention = timedelta(days=settings.inbound_retention_days)
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._halted: asyncio.Event | None = None
        self._halt_reason = ""
        self._authenticated = False
        self._seen: dict[str, datetime] = {}
        self._saved_tls: Any = None
        self._patched_tls = False

    # -- adapter contract -----------------------------------------------------------------------------

    def routes(self) -> APIRouter | None:
        return None  # the connection is outbound; nothing to mount

    async def start(self) -> None:
        parts = urlsplit(self.ws_url)
        if parts.scheme == "ws":
            # Plain WebSocket sends the secret in clear text: only for a server on this machine.
            if not _is_loopback(parts.hostname):
                log.error("WeCom AI bot long connection not started: XUESHI_WECOM_AIBOT_WS_URL uses plain ws:// "
                          "to %s; use wss:// (ws:// is allowed for a loopback test server only)", parts.netloc)
                return
            self._use_plain_ws()
        self._loop = asyncio.get_running_loop()
        self._halted = asyncio.Event()
        self._client = self._new_client()
        self._supervisor = asyncio.create_task(self._supervise(), name="wecom-aibot-ws")
        register_sender(self)
        log.info("WeCom AI bot long connection: connecting to %s", parts.netloc)

    async def stop(self) -> None:
        unregister_sender(self)
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await supervisor
        await self._disconnect()
        self._restore_tls()
        self._loop = None

    # -- the push sender (scheduler.aibot_channel) --------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self._loop

    @property
    def ready(self) -> bool:
        """Subscribed and the socket is open: pushes can go out."""
        return self._authenticated and self._client is not None and self._client.is_connected

    def rate_key(self, chat_id: str) -> str:
        return f"wecom-aibot:{chat_id}"

    async def push_markdown(self, chat_id: str, content: str) -> None:
        """``aibot_send_msg`` with markdown to ``chat_id`` (a group chatid or a user id); waits for the ack."""
        if not self.ready:
            raise DeliveryError(NOT_CONNECTED, True)
        body = {"msgtype": "markdown", "markdown": {"content": content}}
        try:
            await self._client.send_message(chat_id, body)
        except TimeoutError as exc:
            raise DeliveryError("企业微信智能机器人：推送没有收到回执（超时）", True) from exc
        except RuntimeError as exc:
            raise self._delivery_error(str(exc)) from exc

    def _delivery_error(self, detail: str) -> DeliveryError:
        found = _ERRCODE.search(detail)
        if found is None:  # not connected, or the connection closed while waiting for the ack
            return DeliveryError(NOT_CONNECTED, True)
        code = int(found.group(1))
        text = redact_text(f"企业微信智能机器人推送失败：{detail[:200]}", (self._secret,))
        return DeliveryError(text, code in RETRYABLE_ERRCODES, THROTTLE_ERRCODES.get(code))

    # -- chats seen -------------------------------------------------------------------------------------

    def seen_chats(self) -> list[str]:
        """Group chat ids seen in this run or in the inbound events still kept (blocking: database)."""
        since = self.context.service.clock.now() - self.retention
        stored = seen_group_chats(self.context.service.db, since)
        return sorted({*stored, *self._seen})

    # -- connection -------------------------------------------------------------------------------------

    def _new_client(self) -> Any:
        from aibot import WSClient, WSClientOptions

        options = WSClientOptions(
            bot_id=self.bot_id,
            secret=self._secret,
            ws_url=self.ws_url,
            heartbeat_interval=max(int(self.heartbeat_seconds * 1000), 1),
            reconnect_interval=max(int(self.reconnect_seconds * 1000), 1),
            max_reconnect_attempts=self.max_reconnect_attempts,
            logger=_SdkLog(logging.getLogger(f"{__name__}.sdk"), (self._secret,)),
        )
        client = WSClient(options)
        client.on("connected", self._on_connected)
        client.on("authenticated", self._on_authenticated)
        client.on("disconnected", self._on_disconnected)
        client.on("error", self._on_error)
        client.on("message.text", self._on_text)
        client.on("event.enter_chat", self._on_enter_chat)
        client.on("event.disconnected_event", self._on_displaced)
        return client

    async def _supervise(self) -> None:
        assert self._halted is not None
        while True:
            self._halted.clear()
            self._halt_reason = ""
            # connect() returns once connected, or after the SDK gave up retrying the first connection.
            connecting = asyncio.create_task(self._client.connect())
            reason = await self._watch()
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await connecting
            await self._disconnect()
            if reason == "displaced":
                return
            delay = {"auth": self.auth_retry_seconds, "gave up": self.restart_seconds}.get(reason, 0.0)
            if delay:
                log.info("WeCom AI bot long connection: trying again in %g s", delay)
                await asyncio.sleep(delay)

    async def _watch(self) -> str:
        """Wait for a halt (refused, gave up, displaced); or, when the link has been down for
        ``stale_seconds`` (longer than the SDK's longest backoff) — the SDK does not reconnect after a
        clean close by the server, nor after its own heartbeat closes a dead link — return "stale"."""
        assert self._halted is not None
        loop = asyncio.get_running_loop()
        down_since: float | None = None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._halted.wait(), self.watch_seconds)
                return self._halt_reason
            if self._client.is_connected:
                down_since = None
                continue
            down_since = down_since if down_since is not None else loop.time()
            if loop.time() - down_since >= self.stale_seconds:
                log.warning("WeCom AI bot long connection: down for %g s without a reconnect; connecting again",
                            self.stale_seconds)
                return "stale"

    def _halt(self, reason: str) -> None:
        if self._halted is not None and not self._halted.is_set():
            self._halt_reason = reason
            self._halted.set()

    async def _disconnect(self) -> None:
        client = self._client
        self._authenticated = False
        if client is None:
            return
        with contextlib.suppress(Exception):
            client.disconnect()  # also schedules the socket's closing handshake on this loop
        deadline = asyncio.get_running_loop().time() + STOP_WAIT_SECONDS
        while client.is_connected and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)

    def _on_connected(self) -> None:
        self._authenticated = False  # a new socket: not subscribed yet

    def _on_authenticated(self) -> None:
        self._authenticated = True
        log.info("WeCom AI bot long connection: subscribed as bot %s", self.bot_id)

    def _on_disconnected(self, reason: str) -> None:
        self._authenticated = False
        if self._halted is not None and self._halted.is_set():
            return  # refused or displaced: the supervisor decides what happens next
        log.warning("WeCom AI bot long connection lost (%s); reconnecting", redact_text(str(reason)[:200]))

    def _on_error(self, error: BaseException) -> None:
        detail = redact_text(str(error)[:300], (self._secret,))
        if detail.startswith("Authentication failed"):
            self._authenticated = False
            log.error("WeCom AI bot long connection: WeCom refused the subscription (%s) — check "
                      "XUESHI_WECOM_AIBOT_ID and XUESHI_WECOM_AIBOT_SECRET; next attempt in %g s",
                      detail, self.auth_retry_seconds)
            self._halt("auth")
        elif detail.startswith("Max reconnect attempts"):
            log.error("WeCom AI bot long connection: still unreachable after %d attempts; next try in %g s",
                      self.max_reconnect_attempts, self.restart_seconds)
            self._halt("gave up")
        else:  # connection failures: the SDK has logged them already, with its retry plan
            log.debug("WeCom AI bot long connection: %s", detail)

    def _on_displaced(self, frame: dict[str, Any]) -> None:
        log.error("WeCom AI bot long connection: another connection for bot %s took over (is a second "
                  "`xueshi serve` running with the same bot?); this process stops its connection", self.bot_id)
        self._halt("displaced")

    # -- inbound ----------------------------------------------------------------------------------------

    async def _on_text(self, frame: dict[str, Any]) -> None:
        try:
            await self._answer(frame)
        except Exception:  # one bad message must not end the connection
            log.exception("WeCom AI bot long connection: handling a message failed")

    async def _answer(self, frame: dict[str, Any]) -> None:
        service = self.context.service
        try:
            delivery = parse_callback(frame.get("body"), service.clock.now())
        except UnsupportedMessage:
            return
        except ValueError as exc:
            log.warning("WeCom AI bot long connection: malformed message ignored (%s)", exc)
            return
        message = delivery.message
        if message.is_group:
            self._seen[delivery.chat_target] = message.sent_at
        reply = await self.context.gateway.process_async(message, delivery.key)
        if reply is None:
            return  # a repeat delivery: answered (or being answered) already
        stream_id = uuid.uuid4().hex
        content = stream_body(reply, stream_id, message.user_id if message.is_group else None)["stream"]["content"]
        await self.limiter.acquire(self.rate_key(delivery.chat_target))
        try:
            await self._client.reply_stream(frame, stream_id, content, finish=True)
        except (RuntimeError, TimeoutError) as exc:
            log.warning("WeCom AI bot long connection: reply to message %s not delivered (%s)",
                        message.msg_id, redact_text(str(exc)[:200], (self._secret,)))

    async def _on_enter_chat(self, frame: dict[str, Any]) -> None:
        body = {"msgtype": "text", "text": {"content": WELCOME_TEXT[:MARKDOWN_MAX_BYTES]}}
        try:
            await self._client.reply_welcome(frame, body)
        except (RuntimeError, TimeoutError) as exc:
            log.info("WeCom AI bot long connection: welcome not delivered (%s)", redact_text(str(exc)[:200]))

    # -- plain ws:// for a loopback test server ------------------------------------------------------------

    def _use_plain_ws(self) -> None:
        # The SDK passes one module-level TLS context to every connect, which the websockets library
        # rejects for a ws:// URL; for a loopback server the adapter lends it "no TLS" while it runs.
        import aibot.ws as sdk_ws

        if not self._patched_tls:
            self._saved_tls = sdk_ws._SSL_CONTEXT
            sdk_ws._SSL_CONTEXT = None
            self._patched_tls = True

    def _restore_tls(self) -> None:
        if self._patched_tls:
            import aibot.ws as sdk_ws

            sdk_ws._SSL_CONTEXT = self._saved_tls
            self._patched_tls = False
