"""DingTalk enterprise app robot, Stream mode: an outbound WebSocket through the official SDK
(``dingtalk_stream``), so no public URL is needed.

What comes from the SDK: the credential, the callback-handler registration, the frame parsing and
routing (``route_message``: CALLBACK frames to our handler, SYSTEM frames such as ``ping`` and
``disconnect`` to its system handler) and the ack frames it builds. What this module replaces, and
why — the SDK's ``start()`` loop:

* it opens the connection with a blocking ``requests.post`` inside the event loop (every HTTP route of
  ``xueshi serve`` shares that loop), to ``DINGTALK_OPENAPI_ENDPOINT``, which the SDK reads from the
  environment once at import time — so ``settings.dingtalk_api_base`` could only be honoured by
  mutating ``os.environ`` before the first import;
* it catches ``CancelledError`` and sleeps 10 s, so cancelling it does not stop it;
* it keeps no reference to the tasks it spawns.

:class:`StreamClient` subclasses the SDK client and adds :meth:`StreamClient.run`: the open-connection
call goes through the shared ``httpx`` client to ``settings.dingtalk_api_base``, cancellation stops it,
reconnects back off (1 s, doubling up to 60 s; reset once a connection has delivered a frame), and
the frame tasks are kept until done.

Our handler acks each chat message at once (``STATUS_OK``) and does the work afterwards: the gateway
(dedupe on msgId in the namespace shared with HTTP mode, so a redelivered frame with a new
``headers.messageId`` is still a repeat), then the reply through the async sender of
:mod:`bot.platforms.dingtalk_message` — never the SDK's blocking ``reply_text``.

This module knows the SDK and the connection's life; it does not know the message format (that is
:mod:`bot.platforms.dingtalk_message`) nor what a reply means.
"""

from __future__ import annotations

import asyncio
import json
import logging
import platform
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from bot.platforms.dingtalk_message import (
    DingTalkDelivery,
    ReplySender,
    UnsupportedMessage,
    parse_message,
)
from bot.platforms.gateway import AdapterStatus

if TYPE_CHECKING:
    import httpx

    from bot.platforms.registry import PlatformContext
    from bot.settings import Settings

log = logging.getLogger(__name__)

NAME = "dingtalk_stream"
#: One long connection per app: it runs in the leader process only (see bot.workers).
LONG_CONNECTION = True
REQUIRED_SETTINGS = ("dingtalk_client_id", "dingtalk_client_secret")
OPEN_CONNECTION_PATH = "/v1.0/gateway/connections/open"
#: How long :meth:`DingTalkStreamAdapter.stop` waits for replies still being sent.
DRAIN_SECONDS = 10.0


def status(settings: Settings) -> AdapterStatus:
    missing = settings.missing(REQUIRED_SETTINGS)
    if missing:
        return AdapterStatus(name=NAME, enabled=False, missing=missing)
    if not settings.dingtalk_stream_enabled:
        return AdapterStatus(name=NAME, enabled=False, detail="switched off: XUESHI_DINGTALK_STREAM_ENABLED=false")
    return AdapterStatus(name=NAME, enabled=True, detail=f"long connection via {settings.dingtalk_api_base}")


def build(context: PlatformContext) -> DingTalkStreamAdapter:
    return DingTalkStreamAdapter(context)


class _QuietPings(logging.Filter):
    """The SDK logs every server ``ping`` frame as a warning ("unknown message topic"): drop those."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (str(record.msg).startswith("unknown message topic") and args[:1] == ("ping",))


_SDK_LOG = logging.getLogger(f"{__name__}.sdk")
_SDK_LOG.addFilter(_QuietPings())


def _sdk():
    # Imported on first use: the SDK pulls in requests and websockets, which `doctor` does not need.
    import dingtalk_stream

    return dingtalk_stream


def _client_class():
    sdk = _sdk()
    import websockets
    from dingtalk_stream.version import VERSION_STRING

    class StreamClient(sdk.DingTalkStreamClient):
        """The SDK's client with an async, cancellable connection loop (see the module docstring)."""

        RECONNECT_FIRST_DELAY = 1.0
        RECONNECT_MAX_DELAY = 60.0
        #: websockets' own ping; the SDK pings every 60 s from an unreferenced task instead.
        PING_INTERVAL = 30.0

        def __init__(self, credential: Any, *, http: httpx.AsyncClient, api_base: str) -> None:
            super().__init__(credential, logger=_SDK_LOG)
            self._http = http
            self._api_base = api_base
            self._frames: set[asyncio.Task] = set()
            self.connections = 0  # successful WebSocket opens, for status and tests

        async def open_connection_async(self) -> dict[str, Any] | None:
            """Ask the gateway for an endpoint and a ticket (the SDK's request, made without blocking)."""
            topics = [{"type": "CALLBACK", "topic": topic} for topic in self.callback_handler_map]
            body = {
                "clientId": self.credential.client_id,
                "clientSecret": self.credential.client_secret,
                "subscriptions": topics,
                "ua": f"dingtalk-sdk-python/v{VERSION_STRING}-union",
                "localIp": "",
            }
            headers = {"Accept": "application/json",
                       "User-Agent": f"DingTalkStream/1.0 SDK/{VERSION_STRING} "
                                     f"Python/{platform.python_version()} (xueshi)"}
            try:
                response = await self._http.post(f"{self._api_base}{OPEN_CONNECTION_PATH}", json=body,
                                                 headers=headers)
            except Exception as exc:  # network errors of every kind end in a retry
                log.warning("DingTalk Stream: opening a connection failed (%s)", type(exc).__name__)
                return None
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if response.status_code != 200 or not isinstance(answer, dict) \
                    or not isinstance(answer.get("endpoint"), str) or not isinstance(answer.get("ticket"), str):
                code = answer.get("code", "") if isinstance(answer, dict) else ""
                log.warning("DingTalk Stream: opening a connection refused: HTTP %s %s", response.status_code,
                            str(code)[:100])
                return None
            return answer

        async def run(self) -> None:
            """Connect, dispatch frames, reconnect; forever, until cancelled."""
            self.pre_start()
            failures = 0
            while True:
                delivered = False
                try:
                    connection = await self.open_connection_async()
                    if connection is not None:
                        uri = f"{connection['endpoint']}?ticket={quote_plus(connection['ticket'])}"
                        async with websockets.connect(uri, ping_interval=self.PING_INTERVAL,
                                                      close_timeout=2) as websocket:
                            self.websocket = websocket
                            self.connections += 1
                            log.info("DingTalk Stream connected (connection %d)", self.connections)
                            async for raw in websocket:
                                delivered = True
                                self._dispatch(raw)
                        log.info("DingTalk Stream connection closed by the server; reconnecting")
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a dropped connection, a refused handshake, a bad endpoint
                    log.warning("DingTalk Stream connection lost (%s); reconnecting", type(exc).__name__)
                finally:
                    self.websocket = None
                failures = 0 if delivered else failures + 1
                await asyncio.sleep(min(self.RECONNECT_FIRST_DELAY * 2 ** max(failures - 1, 0),
                                        self.RECONNECT_MAX_DELAY))

        def _dispatch(self, raw: str | bytes) -> None:
            try:
                frame = json.loads(raw)
            except ValueError:
                log.warning("DingTalk Stream: a frame that is not JSON was ignored")
                return
            if not isinstance(frame, dict):
                return
            task = asyncio.create_task(self.background_task(frame))  # SDK: route, handle, send the ack
            self._frames.add(task)
            task.add_done_callback(self._frames.discard)

        async def close(self) -> None:
            websocket = self.websocket
            if websocket is not None:
                await websocket.close()
            for task in list(self._frames):
                task.cancel()

    return StreamClient


def _handler_class():
    sdk = _sdk()

    class ChatbotCallback(sdk.CallbackHandler):
        """Acks a chat message at once; the adapter handles and answers it afterwards."""

        def __init__(self, adapter: DingTalkStreamAdapter) -> None:
            super().__init__()
            self.logger = _SDK_LOG
            self._adapter = adapter

        async def process(self, callback: Any) -> tuple[int, str]:
            self._adapter.accept(callback.data)
            return sdk.AckMessage.STATUS_OK, "OK"

    return ChatbotCallback


class DingTalkStreamAdapter:
    name = NAME

    def __init__(self, context: PlatformContext) -> None:
        settings = context.settings
        credentials = settings.dingtalk_app_credentials()
        assert credentials is not None, "built only when status() says enabled"
        sdk = _sdk()
        self._context = context
        self._clock = context.service.clock
        # One sender (and one cached access token) per app: share the HTTP mode's when it runs too.
        http_mode = context.adapter("dingtalk_http")
        self.sender = getattr(http_mode, "sender", None) or ReplySender(context.http, settings, self._clock)
        self.client = _client_class()(sdk.Credential(*credentials), http=context.http,
                                      api_base=settings.dingtalk_api_base)
        self.client.register_callback_handler(sdk.ChatbotMessage.TOPIC, _handler_class()(self))
        self._runner: asyncio.Task | None = None
        self._work: set[asyncio.Task] = set()

    def routes(self) -> None:
        return None

    async def start(self) -> None:
        self._runner = asyncio.create_task(self.client.run(), name="dingtalk-stream")

    async def stop(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            try:
                await self._runner
            except asyncio.CancelledError:
                pass
            self._runner = None
        await self.client.close()
        if self._work:
            _done, pending = await asyncio.wait(set(self._work), timeout=DRAIN_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("%d DingTalk Stream messages were still being handled at shutdown", len(pending))

    def accept(self, data: Any) -> None:
        """Take one chat message from a CALLBACK frame: parse it now, handle and answer it in a task."""
        try:
            delivery = parse_message(data, received_at=self._clock.now())
        except UnsupportedMessage as exc:
            log.info("DingTalk Stream message ignored: %s", exc)
            return
        except ValueError as exc:
            log.warning("DingTalk Stream message rejected: %s", exc)
            return
        task = asyncio.create_task(self._handle(delivery), name=f"dingtalk-stream-{delivery.key.msg_id}")
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    async def _handle(self, delivery: DingTalkDelivery) -> None:
        try:
            reply = await self._context.gateway.process_async(delivery.message, delivery.key)
            if reply is None:
                return
            routes = await self.sender.send(delivery, reply)
        except Exception:  # never lose a failure inside a task
            log.exception("DingTalk Stream message msg_id=%s failed", delivery.key.msg_id)
            return
        if "failed" in routes:
            log.warning("DingTalk reply to msg_id=%s not fully delivered: %s", delivery.key.msg_id, routes)
