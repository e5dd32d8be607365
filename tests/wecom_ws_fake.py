"""A local imitation of WeCom's AI-bot long connection (``wss://openws.work.weixin.qq.com``) for tests.

A ``websockets`` server on 127.0.0.1, on its own event-loop thread, speaking the frames of
platform-facts §3.2 as the official SDK (``aibot`` 1.0.2) sends and expects them. Every frame is JSON
``{cmd, headers: {req_id}, body}``; acknowledgements carry no ``cmd``:
``{"headers": {"req_id": <same>}, "errcode": 0, "errmsg": "ok"}``.

* ``aibot_subscribe`` ``{bot_id, secret}``   acked with errcode 0 when both match; otherwise errcode
  40001 ``invalid secret`` and the socket is closed (what WeCom really does after a refusal is not
  documented; closing is the conservative guess and makes a client's reconnect visible).
* ``ping``                                   acked (counted in ``pings``); only after subscribing.
* ``aibot_respond_msg`` / ``…_welcome_msg``  recorded in ``responses`` / ``welcomes`` and acked — but only
  for a ``req_id`` this server pushed as a callback (others get errcode 846605 ``invalid req_id``),
  so a test can check that a reply reuses the callback's ``req_id``.
* ``aibot_send_msg``                         recorded in ``sends`` and acked; ``send_errcodes`` scripts
  the next acks (e.g. 45009 to play WeCom's frequency limit).
* anything before a successful subscribe     errcode 40001 ``not subscribed``.

The test pushes ``aibot_msg_callback`` / ``aibot_event_callback`` frames with :meth:`push_callback` /
:meth:`push_event` and waits for what comes back with :meth:`wait_for`. It knows nothing of xueshi.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

BOT_ID = "aibot-test-id"
SECRET = "aibot-test-secret-0123456789"

AUTH_FAILED = 40001
INVALID_REQ_ID = 846605


def text_callback(msgid: str, content: str, *, userid: str = "zhangsan", chatid: str | None = "wrkGroup1",
                  aibotid: str = BOT_ID) -> dict[str, Any]:
    """The body of a text ``aibot_msg_callback`` (the same JSON as the HTTP callback, §3.1)."""
    body: dict[str, Any] = {"msgid": msgid, "aibotid": aibotid, "chattype": "group" if chatid else "single",
                            "from": {"userid": userid}, "msgtype": "text", "text": {"content": content}}
    if chatid:
        body["chatid"] = chatid
    return body


class FakeWeComWs:
    def __init__(self, bot_id: str = BOT_ID, secret: str = SECRET) -> None:
        self.bot_id = bot_id
        self.secret = secret
        self.subscribes: list[dict[str, Any]] = []  # bodies of every aibot_subscribe, right or wrong
        self.responses: list[dict[str, Any]] = []  # aibot_respond_msg frames that were accepted
        self.welcomes: list[dict[str, Any]] = []
        self.sends: list[dict[str, Any]] = []  # aibot_send_msg frames that were accepted
        self.rejected: list[dict[str, Any]] = []  # frames answered with an error
        self.pings = 0
        self.connections = 0
        self.send_errcodes: deque[int] = deque()
        self._pushed: set[str] = set()
        self._authed: list[ServerConnection] = []
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="fake-wecom-ws")
        self._server: Any = None
        self.port = 0

    # -- lifecycle --------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> FakeWeComWs:
        if not self._thread.is_alive():
            self._thread.start()

        async def open_server() -> None:
            self._server = await serve(self._handle, "127.0.0.1", self.port, ping_interval=None)
            self.port = self._server.sockets[0].getsockname()[1]

        self._run(open_server())
        return self

    def stop(self) -> None:
        """Close every connection and stop listening (``start()`` again listens on the same port)."""
        if self._server is None:
            return

        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()

        self._run(close())
        self._server = None
        with self._changed:
            self._authed.clear()
            self._changed.notify_all()

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> FakeWeComWs:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- what the test does -----------------------------------------------------------------------------

    @property
    def subscribed(self) -> bool:
        with self._changed:
            return bool(self._authed)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy (evaluated under the recorder's lock); returns its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("fake WeCom: condition not met in time")
                self._changed.wait(left)

    def push_callback(self, body: dict[str, Any], req_id: str | None = None) -> str:
        """Send an ``aibot_msg_callback`` to the subscribed client; returns its req_id."""
        return self._push("aibot_msg_callback", body, req_id)

    def push_event(self, body: dict[str, Any], req_id: str | None = None) -> str:
        return self._push("aibot_event_callback", body, req_id)

    def _push(self, cmd: str, body: dict[str, Any], req_id: str | None) -> str:
        req_id = req_id or f"{cmd}_{uuid.uuid4().hex[:16]}"
        connection = self.wait_for(lambda: self._authed[-1] if self._authed else None)
        with self._changed:
            self._pushed.add(req_id)
        frame = {"cmd": cmd, "headers": {"req_id": req_id}, "body": body}
        self._run(connection.send(json.dumps(frame, ensure_ascii=False)))
        return req_id

    def drop_connections(self) -> None:
        """Cut the open connections without a closing handshake, as a network failure would (the
        listener stays, so a client that reconnects gets in again)."""

        async def drop() -> None:
            for connection in list(self._authed):
                connection.transport.abort()

        self._run(drop())

    # -- the protocol -----------------------------------------------------------------------------------

    async def _handle(self, connection: ServerConnection) -> None:
        with self._changed:
            self.connections += 1
        try:
            async for raw in connection:
                try:
                    frame = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(frame, dict):
                    await self._frame(connection, frame)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                if connection in self._authed:
                    self._authed.remove(connection)
                self._changed.notify_all()

    async def _frame(self, connection: ServerConnection, frame: dict[str, Any]) -> None:
        cmd = frame.get("cmd")
        headers = frame.get("headers") if isinstance(frame.get("headers"), dict) else {}
        req_id = str(headers.get("req_id", ""))
        body = frame.get("body") if isinstance(frame.get("body"), dict) else {}
        if cmd == "aibot_subscribe":
            with self._changed:
                self.subscribes.append(body)
                self._changed.notify_all()
            if body.get("bot_id") == self.bot_id and body.get("secret") == self.secret:
                with self._changed:
                    self._authed.append(connection)
                    self._changed.notify_all()
                await self._ack(connection, req_id)
            else:
                await self._ack(connection, req_id, AUTH_FAILED, "invalid secret")
                await connection.close(code=1000, reason="subscribe refused")
            return
        if connection not in self._authed:
            await self._reject(connection, frame, req_id, AUTH_FAILED, "not subscribed")
            return
        if cmd == "ping":
            with self._changed:
                self.pings += 1
                self._changed.notify_all()
            await self._ack(connection, req_id)
        elif cmd in ("aibot_respond_msg", "aibot_respond_welcome_msg"):
            if req_id not in self._pushed:
                await self._reject(connection, frame, req_id, INVALID_REQ_ID, "invalid req_id")
                return
            with self._changed:
                (self.responses if cmd == "aibot_respond_msg" else self.welcomes).append(frame)
                self._changed.notify_all()
            await self._ack(connection, req_id)
        elif cmd == "aibot_send_msg":
            code = self.send_errcodes.popleft() if self.send_errcodes else 0
            if code:
                await self._reject(connection, frame, req_id, code, "api freq out of limit")
                return
            with self._changed:
                self.sends.append(frame)
                self._changed.notify_all()
            await self._ack(connection, req_id)
        else:
            await self._reject(connection, frame, req_id, 40008, "unknown cmd")

    async def _reject(self, connection: ServerConnection, frame: dict[str, Any], req_id: str, code: int,
                      message: str) -> None:
        with self._changed:
            self.rejected.append(frame)
            self._changed.notify_all()
        await self._ack(connection, req_id, code, message)

    @staticmethod
    async def _ack(connection: ServerConnection, req_id: str, errcode: int = 0, errmsg: str = "ok") -> None:
        ack = {"headers": {"req_id": req_id}, "errcode": errcode, "errmsg": errmsg}
        try:
            await connection.send(json.dumps(ack))
        except ConnectionClosed:
            pass
