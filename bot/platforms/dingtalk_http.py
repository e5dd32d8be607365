"""DingTalk enterprise app robot, HTTP mode: DingTalk POSTs each @-message to ``/dingtalk/robot``.

Order of checks: the ``timestamp`` and ``sign`` headers (HMAC of the app secret, constant-time, at most
one hour off) before the body is even read → 403; then the JSON (malformed → 400; a type the bot does
not answer → 200 and silence); then the gateway (dedupe, router). The HTTP answer is always ``200 {}``:
whether DingTalk posts a callback's response body into the chat is not documented for app robots, so
the reply goes out afterwards through the message's sessionWebhook or the OpenAPI, from a background
task that :meth:`stop` lets finish. A repeated delivery is answered ``200 {}`` and sends nothing.

This module knows the route and its status codes; the message format and the sending live in
:mod:`bot.platforms.dingtalk_message`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.platforms.dingtalk_message import (
    DingTalkDelivery,
    ReplySender,
    UnsupportedMessage,
    millis,
    parse_message,
    signature_problem,
)
from bot.platforms.gateway import AdapterStatus

if TYPE_CHECKING:
    from bot.platforms.registry import PlatformContext
    from bot.settings import Settings

log = logging.getLogger(__name__)

NAME = "dingtalk_http"
ROUTE = "/dingtalk/robot"
REQUIRED_SETTINGS = ("dingtalk_client_id", "dingtalk_client_secret")
#: How long :meth:`DingTalkHttpAdapter.stop` waits for replies still being sent.
DRAIN_SECONDS = 10.0


def status(settings: Settings) -> AdapterStatus:
    missing = settings.missing(REQUIRED_SETTINGS)
    return AdapterStatus(name=NAME, enabled=not missing, missing=missing,
                         detail=f"POST {ROUTE}" if not missing else "")


def build(context: PlatformContext) -> DingTalkHttpAdapter:
    return DingTalkHttpAdapter(context)


def _refuse(status_code: int, error: str) -> JSONResponse:
    return JSONResponse(status_code=status_code, content={"error": error})


class DingTalkHttpAdapter:
    name = NAME

    def __init__(self, context: PlatformContext) -> None:
        credentials = context.settings.dingtalk_app_credentials()
        assert credentials is not None, "built only when status() says enabled"
        self._secret = credentials[1]
        self._context = context
        self._clock = context.service.clock
        self.sender = ReplySender(context.http, context.settings, self._clock)
        self._sending: set[asyncio.Task] = set()

    def routes(self) -> APIRouter:
        router = APIRouter()
        router.add_route(ROUTE, self.receive, methods=["POST"], include_in_schema=False)  # raw request: no FastAPI params
        return router

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        if not self._sending:
            return
        _done, pending = await asyncio.wait(set(self._sending), timeout=DRAIN_SECONDS)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("%d DingTalk replies were still being sent at shutdown and were dropped", len(pending))

    async def receive(self, request: Request) -> Response:
        now = self._clock.now()
        problem = signature_problem(self._secret, request.headers.get("timestamp"), request.headers.get("sign"),
                                    millis(now))
        if problem is not None:
            log.warning("DingTalk callback refused: %s", problem)
            return _refuse(403, "forbidden")
        try:
            payload = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return _refuse(400, "malformed JSON")
        try:
            delivery = parse_message(payload, received_at=now)
        except UnsupportedMessage as exc:
            log.info("DingTalk message ignored: %s", exc)
            return JSONResponse({})
        except ValueError as exc:
            log.warning("DingTalk callback rejected: %s", exc)
            return _refuse(400, "malformed message")
        reply = await self._context.gateway.process_async(delivery.message, delivery.key)
        if reply is not None:
            self._send_later(delivery, reply)
        return JSONResponse({})

    def _send_later(self, delivery: DingTalkDelivery, reply) -> None:
        task = asyncio.create_task(self._send(delivery, reply), name=f"dingtalk-reply-{delivery.key.msg_id}")
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, delivery: DingTalkDelivery, reply) -> None:
        try:
            routes = await self.sender.send(delivery, reply)
        except Exception:  # a bug in sending must not vanish silently in a task
            log.exception("DingTalk reply to msg_id=%s failed", delivery.key.msg_id)
            return
        if "failed" in routes:
            log.warning("DingTalk reply to msg_id=%s not fully delivered: %s", delivery.key.msg_id, routes)
