"""A local imitation of DingTalk for the adapter tests, served on 127.0.0.1 from one background thread.

HTTP (a minimal HTTP/1.1 server: keep-alive, Content-Length bodies):

* ``POST /v1.0/oauth2/accessToken``        {appKey, appSecret} → {accessToken, expireIn}
* ``POST /v1.0/robot/groupMessages/send``  needs a token it issued (header x-acs-dingtalk-access-token)
* ``POST /v1.0/robot/oToMessages/batchSend``
* ``POST /v1.0/gateway/connections/open``  {clientId, clientSecret, subscriptions} → {endpoint, ticket}
* ``POST /robot/sendBySession?session=S``  the sessionWebhook; a session marked dead answers 300001;
  ``hold_sessions()`` keeps these requests waiting until ``release_sessions()``

WebSocket (the ``websockets`` library) at the endpoint it hands out: accepts ``?ticket=`` it issued
(once each), lets the test push CALLBACK and SYSTEM frames to the current connection, records every
frame the client sends (acks: ``{"code", "headers": {"messageId"}, …}``), and can drop the connection.

Everything received is recorded; ``wait_for`` blocks (with a timeout) until a condition holds.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import websockets
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request as WsRequest

APP_KEY = "dingtest-app-key"
APP_SECRET = "dingtest-app-secret-0123456789abcdef"
BOT_TOPIC = "/v1.0/im/bot/messages/get"


@dataclass(frozen=True)
class Posted:
    """One message the bot sent: through a sessionWebhook or the OpenAPI."""

    route: str  # "session" | "group" | "single"
    target: str  # session id, openConversationId, or the user ids joined by ","
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        """The visible text, whichever format it was sent in."""
        if self.route == "session":
            kind = self.body.get("msgtype")
            part = self.body.get(kind, {}) if isinstance(kind, str) else {}
            return str(part.get("content") or part.get("text") or "")
        param = json.loads(self.body["msgParam"])
        return str(param.get("content") or param.get("text") or "")


class DingTalkFake:
    def __init__(self, *, app_key: str = APP_KEY, app_secret: str = APP_SECRET, token_ttl: int = 7200) -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        self.token_ttl = token_ttl
        self.dead_sessions: set[str] = set()
        self.posted: list[Posted] = []
        self.refused: list[tuple[str, int]] = []  # (path, status) of requests the fake turned down
        self.token_fetches = 0
        self.connection_opens: list[dict[str, Any]] = []
        self.client_frames: list[dict[str, Any]] = []
        self.ws_connections = 0
        self._tokens: set[str] = set()
        self._tickets: set[str] = set()
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._current: ServerConnection | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="dingtalk-fake")
        self._http_server: asyncio.Server | None = None
        self._ws_server: Any = None
        self._session_gate: asyncio.Event | None = None

    # -- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> DingTalkFake:
        self._thread.start()

        async def begin() -> None:
            self._http_server = await asyncio.start_server(self._http_connection, "127.0.0.1", 0)
            self._ws_server = await serve(self._ws_connection, "127.0.0.1", 0, process_request=self._check_ticket,
                                          ping_interval=None)

        self._run(begin())
        return self

    def stop(self) -> None:
        async def end() -> None:
            assert self._http_server is not None
            self._http_server.close()
            self._ws_server.close()
            await self._ws_server.wait_closed()
            for task in [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
                task.cancel()

        self._run(end())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> DingTalkFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    @property
    def url(self) -> str:
        assert self._http_server is not None, "start() first"
        host, port = self._http_server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def ws_url(self) -> str:
        host, port = next(iter(self._ws_server.sockets)).getsockname()[:2]
        return f"ws://{host}:{port}/"

    def session_webhook(self, session: str) -> str:
        return f"{self.url}/robot/sendBySession?session={session}"

    # -- observing --------------------------------------------------------------------------------------

    def wait_for(self, condition: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Block until ``condition()`` is truthy (checked whenever something is recorded); its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = condition()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout} s waiting for {condition}")
                self._cond.wait(left)

    def posts(self, route: str | None = None) -> list[Posted]:
        with self._cond:
            return [p for p in self.posted if route is None or p.route == route]

    def acks(self) -> list[dict[str, Any]]:
        with self._cond:
            return [f for f in self.client_frames if "code" in f]

    def _record(self, action: Callable[[], None]) -> None:
        with self._cond:
            action()
            self._cond.notify_all()

    def revoke_tokens(self) -> None:
        """Forget every issued access token: the next OpenAPI call with one gets HTTP 401."""
        self._record(self._tokens.clear)

    def hold_sessions(self) -> None:
        """Keep sessionWebhook requests waiting (unanswered, unrecorded) until :meth:`release_sessions`."""

        async def close_gate() -> None:
            self._session_gate = asyncio.Event()

        self._run(close_gate())

    def release_sessions(self) -> None:
        async def open_gate() -> None:
            if self._session_gate is not None:
                self._session_gate.set()
            self._session_gate = None

        self._run(open_gate())

    # -- the Stream side ----------------------------------------------------------------------------------

    def push_callback(self, data: dict[str, Any], *, message_id: str | None = None,
                      topic: str = BOT_TOPIC) -> str:
        """Send a CALLBACK frame carrying ``data`` (as a JSON string) to the connected client."""
        message_id = message_id or f"frame-{next(self._ids)}-{uuid.uuid4().hex[:8]}"
        frame = {"specVersion": "1.0", "type": "CALLBACK",
                 "headers": {"topic": topic, "messageId": message_id, "contentType": "application/json",
                             "time": str(int(time.time() * 1000)), "appId": "app-1"},
                 "data": json.dumps(data, ensure_ascii=False)}
        self._send_frame(frame)
        return message_id

    def push_ping(self, payload: dict[str, Any]) -> str:
        """Send a SYSTEM ``ping`` frame; a live client answers with an ack echoing ``payload``."""
        message_id = f"ping-{next(self._ids)}"
        self._send_frame({"specVersion": "1.0", "type": "SYSTEM",
                          "headers": {"topic": "ping", "messageId": message_id, "contentType": "application/json",
                                      "time": str(int(time.time() * 1000))},
                          "data": json.dumps(payload)})
        return message_id

    def _send_frame(self, frame: dict[str, Any]) -> None:
        connection = self._current
        if connection is None:
            raise AssertionError("no Stream client is connected")
        self._run(connection.send(json.dumps(frame, ensure_ascii=False)))

    def drop_connection(self) -> None:
        """Cut the current WebSocket without a closing handshake (a network failure)."""
        connection = self._current
        if connection is None:
            raise AssertionError("no Stream client is connected")

        async def cut() -> None:
            connection.transport.abort()

        self._run(cut())

    def _check_ticket(self, connection: ServerConnection, request: WsRequest) -> Any:
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[0]
        with self._cond:
            known = ticket in self._tickets
            self._tickets.discard(ticket)  # a ticket opens one connection
        if not known:
            return connection.respond(403, "unknown ticket\n")
        return None

    async def _ws_connection(self, connection: ServerConnection) -> None:
        def opened() -> None:
            self._current = connection
            self.ws_connections += 1

        self._record(opened)
        try:
            async for raw in connection:
                try:
                    frame = json.loads(raw)
                except ValueError:
                    frame = {"unparsed": str(raw)[:200]}
                self._record(lambda frame=frame: self.client_frames.append(frame))
        except websockets.ConnectionClosed:
            pass
        finally:
            def closed() -> None:
                if self._current is connection:
                    self._current = None

            self._record(closed)

    @property
    def connected(self) -> bool:
        with self._cond:
            return self._current is not None

    # -- the HTTP side -------------------------------------------------------------------------------------

    async def _http_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                gate = self._session_gate
                if gate is not None and target.startswith("/robot/sendBySession"):
                    await gate.wait()
                status, answer = self._answer(method, target, headers, body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                writer.write(f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                             f"content-length: {len(data)}\r\n\r\n".encode() + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    def _answer(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict]:
        parts = urlsplit(target)
        path = parts.path
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return self._refuse(path, 400, {"code": "invalidJson"})
        if method != "POST":
            return self._refuse(path, 405, {"code": "methodNotAllowed"})
        if path == "/v1.0/oauth2/accessToken":
            if body.get("appKey") != self.app_key or body.get("appSecret") != self.app_secret:
                return self._refuse(path, 400, {"code": "invalidClientIdOrSecret", "message": "bad app"})
            token = f"tok-{uuid.uuid4().hex}"

            def issue() -> None:
                self._tokens.add(token)
                self.token_fetches += 1

            self._record(issue)
            return 200, {"accessToken": token, "expireIn": self.token_ttl}
        if path == "/v1.0/gateway/connections/open":
            if body.get("clientId") != self.app_key or body.get("clientSecret") != self.app_secret:
                return self._refuse(path, 401, {"code": "unauthorized"})
            ticket = uuid.uuid4().hex

            def opened() -> None:
                self._tickets.add(ticket)
                self.connection_opens.append(body)

            self._record(opened)
            return 200, {"endpoint": self.ws_url, "ticket": ticket}
        if path in ("/v1.0/robot/groupMessages/send", "/v1.0/robot/oToMessages/batchSend"):
            with self._cond:
                valid = headers.get("x-acs-dingtalk-access-token") in self._tokens
            if not valid:
                return self._refuse(path, 401, {"code": "InvalidAuthentication", "message": "token"})
            group = path.endswith("groupMessages/send")
            target_key = "openConversationId" if group else "userIds"
            if (body.get("robotCode") != self.app_key or not body.get(target_key)
                    or body.get("msgKey") not in ("sampleText", "sampleMarkdown")
                    or not isinstance(body.get("msgParam"), str)):
                return self._refuse(path, 400, {"code": "invalidParameter"})
            target = body[target_key] if group else ",".join(body[target_key])
            posted = Posted("group" if group else "single", target, body)
            self._record(lambda: self.posted.append(posted))
            return 200, {"processQueryKey": uuid.uuid4().hex}
        if path == "/robot/sendBySession":
            session = parse_qs(parts.query).get("session", [""])[0]
            if not session or session in self.dead_sessions:
                self._record(lambda: self.refused.append((path, 300001)))
                return 200, {"errcode": 300001, "errmsg": "session不存在"}
            if body.get("msgtype") not in ("text", "markdown"):
                return 200, {"errcode": 40035, "errmsg": "缺少参数 msgtype"}
            posted = Posted("session", session, body)
            self._record(lambda: self.posted.append(posted))
            return 200, {"errcode": 0, "errmsg": "ok"}
        return self._refuse(path, 404, {"code": "notFound"})

    def _refuse(self, path: str, status: int, answer: dict) -> tuple[int, dict]:
        self._record(lambda: self.refused.append((path, status)))
        return status, answer
