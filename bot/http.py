"""HTTP app (FastAPI): ``GET /healthz``, ``POST /api/ask`` and the platform adapters' callbacks
(``/wecom/aibot``, ``/wecom/app``, ``/dingtalk/robot``), mounted when their settings are present.

Bad input never reaches a traceback: invalid JSON or a missing field gives 422 with a message
in Chinese; an internal error gives 500 with a short message and a log line for the operator.
"""

from __future__ import annotations

import functools
import logging
import os

from anyio import CapacityLimiter, to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.clock import parse_instant
from bot.service import Service, reply_record
from bot.storage.db import POOL_SIZE

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
#: Requests of this app that use the database at once: a pool's worth. More threads than pooled
#: connections would open and close a connection per request under load (on PostgreSQL a new server
#: process each).
DB_THREADS = POOL_SIZE


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=10_000)
    now: str | None = None
    user_id: str = Field(default="api", max_length=128)
    chat_id: str = Field(default="api", max_length=128)


def create_app(service: Service, *, role: str = "leader") -> FastAPI:
    """The app of one ``serve`` process; ``role="replica"`` (``serve --workers N``) leaves the long
    connections to the leader."""
    app = FastAPI(title="学实助手", version="0.1.0", docs_url=None, redoc_url=None)
    worker = {"role": role, "pid": os.getpid()}
    limiter: list[CapacityLimiter] = []  # created on the server's event loop, at first use

    async def in_thread(func, *args, **kwargs):
        if not limiter:
            limiter.append(CapacityLimiter(DB_THREADS))
        return await to_thread.run_sync(functools.partial(func, *args, **kwargs), limiter=limiter[0])

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "请求体"
            problems.append(f"{where}: {err.get('msg', '无效')}")
        return JSONResponse(
            status_code=422,
            content={"error": "请求格式不对：需要 JSON，例如 {\"question\": \"借调的党员在哪里参加？\"}",
                     "details": problems},
        )

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(status_code=500, content={"error": "服务内部出错，请稍后再试"})


    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        db = await in_thread(service.db.health)
        status = 200 if db.get("ok") else 503
        return JSONResponse(status_code=status, content={"ok": bool(db.get("ok")), "database": db,
                                                         "faq_items": len(service.matcher.kb.items),
                                                         "worker": worker})

    @app.post("/api/ask")
    async def ask(body: AskRequest) -> JSONResponse:
        now = None
        if body.now:
            try:
                now = parse_instant(body.now)
            except ValueError:
                return JSONResponse(status_code=422, content={
                    "error": "now 需要 ISO 8601 时间，例如 2009-04-16T10:00:00+08:00", "details": [f"now: {body.now!r}"]})
        reply = await in_thread(
            service.ask, body.question, platform="api", chat_id=body.chat_id, user_id=body.user_id, now=now)
        return JSONResponse(content=reply_record(body.question, reply))

    from bot.platforms.registry import attach_platforms

    attach_platforms(app, service, long_connections=role != "replica")
    app.add_middleware(BodySizeLimit, limit=MAX_BODY_BYTES)
    return app


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse bodies over ``limit`` bytes with 413, whether announced by Content-Length or chunked."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _too_large(send)
                return
        received = 0
        over = False
        answered = False

        async def counting_receive():
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    over = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message):
            # Once the body is too large, whatever the app answers (FastAPI turns the read error into
            # a 400) is replaced by one 413.
            nonlocal answered
            if over:
                if message["type"] == "http.response.start" and not answered:
                    answered = True
                    await _too_large(send)
                return
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            if not answered:
                await _too_large(send)


async def _too_large(send) -> None:
    body = JSONResponse(status_code=413, content={"error": "请求体太大（上限 64 KB）"})
    await send({"type": "http.response.start", "status": 413, "headers": body.raw_headers})
    await send({"type": "http.response.body", "body": body.body})
