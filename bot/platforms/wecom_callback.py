"""What WeCom's two encrypted callbacks (the AI bot's JSON, the self-built app's XML) share: the
adapter skeleton with URL verification, status from settings, empty and refusing responses, origin
checks for URLs taken from messages, and background work that outlives the request.

It knows HTTP and WeCom's callback conventions; message formats and replies are the adapters' own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from bot.messages import Reply
from bot.platforms.gateway import AdapterStatus
from bot.platforms.wecom_crypto import (
    ReceiveIdMismatch,
    SignatureMismatch,
    UndecryptableMessage,
    WeComCrypto,
    timestamp_is_fresh,
    valid_aes_key,
)

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

#: On shutdown, answers still being worked on get this long to go out before they are cancelled.
STOP_GRACE_SECONDS = 5.0


def callback_status(name: str, settings: Settings, required: tuple[str, ...], key_setting: str,
                    route: str) -> AdapterStatus:
    """Enabled when every required setting is present and the EncodingAESKey is well formed."""
    missing = settings.missing(required)
    if missing:
        return AdapterStatus(name, False, missing)
    if not valid_aes_key(settings.value(key_setting) or ""):
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


class WeComCallbackAdapter:
    """What the AI bot's and the self-built app's callbacks share: the routes, URL verification
    (GET) and the background work drained at shutdown. Subclasses set ``name`` and ``route``, build
    ``crypto`` and ``tasks``, and implement ``callback`` (POST)."""

    name: str
    route: str
    crypto: WeComCrypto
    tasks: TaskKeeper

    def routes(self) -> APIRouter:
        # Plain (Starlette) routes: the endpoints read the raw request themselves, so FastAPI's
        # per-request parameter analysis would be pure overhead on the busiest path.
        router = APIRouter()
        router.add_route(self.route, self.verify_url, methods=["GET"], include_in_schema=False)
        router.add_route(self.route, self.callback, methods=["POST"], include_in_schema=False)
        return router

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self.tasks.drain()

    async def callback(self, request: Request) -> Response:  # pragma: no cover - always overridden
        raise NotImplementedError

    def open_envelope(self, query: Mapping[str, str], encrypt: str, now: datetime) -> str | Response:
        """The decrypted message of a POST, or the response refusing it: the signature first (403),
        then the timestamp's freshness (403), then decryption with the receive id (403 when it is
        another one's, 400 when the ciphertext is broken)."""
        timestamp = query.get("timestamp", "")
        try:
            self.crypto.verify(query.get("msg_signature", ""), timestamp, query.get("nonce", ""), encrypt)
        except SignatureMismatch:
            log.warning("%s: callback refused: bad msg_signature", self.name)
            return refuse(403, "forbidden")
        if not timestamp_is_fresh(timestamp, now):
            log.warning("%s: callback refused: stale timestamp", self.name)
            return refuse(403, "forbidden")
        try:
            return self.crypto.decrypt(encrypt)
        except ReceiveIdMismatch:
            log.warning("%s: callback refused: wrong receive id", self.name)
            return refuse(403, "forbidden")
        except UndecryptableMessage:
            return refuse(400, "bad request")

    async def verify_url(self, request: Request) -> Response:
        # No freshness check here: a replayed verification only echoes what its sender already knew.
        query = request.query_params
        try:
            echo = self.crypto.open(query.get("msg_signature", ""), query.get("timestamp", ""),
                                    query.get("nonce", ""), query.get("echostr", ""))
        except (SignatureMismatch, ReceiveIdMismatch):
            log.warning("%s: URL verification refused (signature or receive id)", self.name)
            return refuse(403, "forbidden")
        except UndecryptableMessage:
            return refuse(400, "bad echostr")
        return PlainTextResponse(echo)
