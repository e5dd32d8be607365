"""Push channel ``wecom_aibot``: reminders sent as markdown through the WeCom AI bot's long connection
(``aibot_send_msg`` to a chat id the bot has seen).

The connection lives in the web process (the ``wecom_aibot_ws`` adapter, on uvicorn's event loop);
reminder passes run in another thread with their own event loop (:mod:`scheduler.runner`). So the
channel hands each send to the connection's loop (``asyncio.run_coroutine_threadsafe``) and waits for
the platform's acknowledgement with a timeout. No connection up (another process, still connecting,
refused credentials) → :class:`~scheduler.channels.DeliveryError` with ``retryable=True``: the outbox
tries again later. WeCom allows 30 messages a minute per conversation, replies and pushes together, so
the channel takes its slots from the connection's own :class:`~scheduler.channels.RateLimiter`.

This module knows the push-sender interface only — not the SDK, not WebSocket frames. A running
adapter registers itself with :func:`register_sender`; a channel built without an explicit sender
uses the one registered in this process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Protocol

from bot.storage.outbox_repo import GroupRecord
from scheduler.channels import DEFAULT_TIMEOUT_S, Channel, DeliveryError, RateLimiter

KIND = "wecom_aibot"
#: ``aibot_send_msg`` markdown content may hold at most 4,096 bytes.
MARKDOWN_MAX_BYTES = 4096
#: WeCom's limit for one conversation (replies and pushes counted together).
CONVERSATION_LIMIT = 30
CONVERSATION_PERIOD_S = 60.0

NOT_CONNECTED = "企业微信智能机器人长连接未建立（本进程没有在线的连接），稍后重试"


class AibotPushSender(Protocol):
    """What the long-connection adapter offers this channel."""

    #: Shared by the adapter's replies and this channel's pushes (30 a minute per conversation).
    limiter: RateLimiter

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None: ...

    @property
    def ready(self) -> bool: ...

    def rate_key(self, chat_id: str) -> str: ...

    async def push_markdown(self, chat_id: str, content: str) -> None:
        """Send on the adapter's loop; raises :class:`DeliveryError`."""


_registered: AibotPushSender | None = None
_guard = threading.Lock()


def register_sender(sender: AibotPushSender) -> None:
    global _registered
    with _guard:
        _registered = sender


def unregister_sender(sender: AibotPushSender) -> None:
    global _registered
    with _guard:
        if _registered is sender:
            _registered = None


def active_sender() -> AibotPushSender | None:
    with _guard:
        return _registered


class WeComAibotChannel(Channel):
    kind = KIND
    max_bytes = MARKDOWN_MAX_BYTES

    def __init__(self, group: GroupRecord, sender: AibotPushSender | None = None, *,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        if not group.chat_id:
            raise DeliveryError(f"群 #{group.id} 没有 chat id，无法通过企业微信智能机器人推送", False)
        sender = sender if sender is not None else active_sender()
        super().__init__(group, sender.limiter if sender is not None else None,
                         sender.rate_key(group.chat_id) if sender is not None else None)
        self._sender = sender
        self._timeout = timeout

    async def _post(self, message: str) -> None:
        sender = self._sender
        loop = sender.loop if sender is not None else None
        if sender is None or loop is None or not sender.ready:
            raise DeliveryError(NOT_CONNECTED, True)
        push = sender.push_markdown(self.group.chat_id, message)
        try:
            future = asyncio.run_coroutine_threadsafe(push, loop)
        except RuntimeError as exc:  # the connection's loop has been closed (the server is stopping)
            push.close()
            raise DeliveryError(NOT_CONNECTED, True) from exc
        try:
            await asyncio.wait_for(asyncio.wrap_future(future), self._timeout)
        except (TimeoutError, concurrent.futures.TimeoutError) as exc:
            future.cancel()
            raise DeliveryError(f"企业微信智能机器人：{self._timeout:g} 秒内没有收到推送回执", True) from exc
        except concurrent.futures.CancelledError as exc:  # the adapter stopped while sending
            raise DeliveryError(NOT_CONNECTED, True) from exc
