"""A local imitation of the push endpoints, served on 127.0.0.1 from a thread (tests and bench).

An asyncio server on its own event loop thread (one thread, so it hardly competes for the GIL with
the client under test), speaking just enough HTTP/1.1 (keep-alive, Content-Length bodies).

* ``POST /cgi-bin/webhook/send?key=K``                    WeCom group robot
* ``POST /robot/send?access_token=T[&timestamp&sign]``    DingTalk custom robot: checks the signature
  (HMAC-SHA256, its own implementation) and freshness when a secret is registered for ``T``, and the
  keyword when one is registered
* ``POST /v1.0/oauth2/accessToken``                       DingTalk OpenAPI token (appKey / appSecret)
* ``POST /v1.0/robot/groupMessages/send``                 DingTalk OpenAPI group send (token header)

Behaviour can be scripted per robot (``script(robot, 45009, 500, "hang", …)`` answers the next
requests that way, then normally) or for all (``down = 500`` / ``"hang"``). With ``rate_clock`` set,
the server itself enforces 20 messages per 60 s per robot (answering 130101 / 45009) and counts
violations, so rate-limit tests check the client against an independent referee.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

APP_KEY = "ding-app-key"
APP_SECRET = "ding-app-secret-0123456789"


@dataclass(frozen=True)
class Delivered:
    kind: str  # wecom | dingtalk | openapi
    robot: str  # WeCom key, DingTalk access token, or openConversationId
    text: str
    at: float


class FakePlatform:
    def __init__(self, *, latency: float = 0.0, rate_clock: Callable[[], float] | None = None) -> None:
        self.latency = latency
        self.rate_clock = rate_clock
        self.dingtalk_secrets: dict[str, str] = {}
        self.dingtalk_keywords: dict[str, str] = {}
        self.token_ttl = 7200
        self.down: int | str | None = None
        self._scripts: dict[str, deque[Any]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.delivered: list[Delivered] = []
        self.requests = 0
        self.token_fetches = 0
        self.rate_violations = 0
        self._issued: set[str] = set()
        self._windows: dict[str, deque[float]] = defaultdict(deque)
        self.on_delivered: Callable[[Delivered], None] | None = None
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._released: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="fake-platform")

    # -- lifecycle --------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakePlatform:
        self._thread.start()

        async def serve() -> None:
            self._released = asyncio.Event()
            self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=1024)

        asyncio.run_coroutine_threadsafe(serve(), self._loop).result(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None and self._released is not None
            self._released.set()
            self._server.close()
            for task in [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
                task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Minimal HTTP/1.1 with keep-alive: request line, headers, Content-Length body."""
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, target, _version = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    raw = await reader.readline()
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                if self.latency:
                    await asyncio.sleep(self.latency)
                parts = urlsplit(target)
                status, answer = self.handle(method, parts.path, parse_qs(parts.query), headers, body)
                if status == HANG:
                    assert self._released is not None
                    try:
                        await asyncio.wait_for(self._released.wait(), 30)
                    except TimeoutError:
                        pass
                    return  # hang up without an answer
                data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
                kind = "text/html" if isinstance(answer, str) else "application/json"
                head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\ncontent-type: {kind}\r\n"
                        f"content-length: {len(data)}\r\n\r\n").encode()
                writer.write(head + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        except asyncio.CancelledError:
            return
        finally:
            writer.close()

    def __enter__(self) -> FakePlatform:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- configuration ----------------------------------------------------------------------------------

    def wecom_url(self, key: str) -> str:
        return f"{self.url}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token: str, *, secret: str | None = None, keyword: str | None = None) -> str:
        if secret:
            self.dingtalk_secrets[token] = secret
        if keyword:
            self.dingtalk_keywords[token] = keyword
        return f"{self.url}/robot/send?access_token={token}"

    def script(self, robot: str, *answers: Any) -> None:
        """The next requests for ``robot`` get these answers in turn: an errcode (int ≥ 1000), an HTTP
        status (int < 1000), ``"hang"`` or ``"garbage"``; then normal service resumes."""
        with self._lock:
            self._scripts[robot].extend(answers)

    def clear_scripts(self) -> None:
        with self._lock:
            self._scripts.clear()

    def revoke_tokens(self) -> None:
        with self._lock:
            self._issued.clear()

    # -- results ----------------------------------------------------------------------------------------

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(d.robot for d in self.delivered)

    def texts(self, robot: str) -> list[str]:
        with self._lock:
            return [d.text for d in self.delivered if d.robot == robot]

    # -- request handling (server threads) --------------------------------------------------------------

    def _next_answer(self, robot: str) -> Any:
        with self._lock:
            self.requests += 1
            if self._scripts.get(robot):
                return self._scripts[robot].popleft()
            return self.down

    def _rate_ok(self, robot: str) -> bool:
        if self.rate_clock is None:
            return True
        with self._lock:
            now = self.rate_clock()
            window = self._windows[robot]
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= 20:
                self.rate_violations += 1
                return False
            window.append(now)
            return True

    def _deliver(self, kind: str, robot: str, text: str) -> None:
        item = Delivered(kind, robot, text, time.monotonic())
        with self._lock:
            self.delivered.append(item)
        if self.on_delivered is not None:
            self.on_delivered(item)

    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: Any,
               body: bytes) -> tuple[int, Any]:
        """The reply to one request (runs on the server's event loop; must not block)."""
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return 400, {"errcode": 400, "errmsg": "bad json"}
        if path == "/cgi-bin/webhook/send":
            robot = (query.get("key") or [""])[0]
            return self._webhook("wecom", robot, payload, 45009, lambda: None)
        if path == "/robot/send":
            robot = (query.get("access_token") or [""])[0]
            return self._webhook("dingtalk", robot, payload, 130101, lambda: self._check_dingtalk(robot, query, payload))
        if path == "/v1.0/oauth2/accessToken":
            if payload.get("appKey") != APP_KEY or payload.get("appSecret") != APP_SECRET:
                return 400, {"code": "invalidClientIdOrSecret", "message": "无效的appKey或appSecret"}
            with self._lock:
                self.token_fetches += 1
                token = f"tok-{self.token_fetches}"
                self._issued.add(token)
            return 200, {"accessToken": token, "expireIn": self.token_ttl}
        if path == "/v1.0/robot/groupMessages/send":
            token = headers.get("x-acs-dingtalk-access-token", "")
            with self._lock:
                valid = token in self._issued
            if not valid:
                return 401, {"code": "InvalidAuthentication", "message": "不合法的access_token"}
            robot = str(payload.get("openConversationId", ""))
            answer = self._next_answer(robot)
            special = self._special(answer)
            if special is not None:
                return special
            if isinstance(answer, int) and answer >= 1000:
                return 400, {"code": f"err{answer}", "message": "scripted"}
            if not payload.get("robotCode") or payload.get("msgKey") != "sampleText":
                return 400, {"code": "invalidParameter.msgKey.invalid", "message": "bad"}
            if not self._rate_ok(f"robot:{payload.get('robotCode')}"):
                return 400, {"code": "Forbidden.AccessDenied.QpsLimitForApi", "message": "throttled"}
            self._deliver("openapi", robot, json.loads(payload["msgParam"])["content"])
            return 200, {"processQueryKey": f"q-{robot}"}
        return 404, {"errcode": 404, "errmsg": "not found"}

    def _special(self, answer: Any) -> tuple[int, Any] | None:
        if answer == "hang":
            return HANG, None
        if answer == "garbage":
            return 200, "<html>gateway</html>"
        if isinstance(answer, int) and answer < 1000:
            return answer, {"errcode": answer, "errmsg": "scripted http status"}
        return None

    def _webhook(self, kind: str, robot: str, payload: dict, throttle_code: int,
                 check: Callable[[], tuple[int, Any] | None]) -> tuple[int, Any]:
        answer = self._next_answer(robot)
        special = self._special(answer)
        if special is not None:
            return special
        if isinstance(answer, int) and answer >= 1000:
            return 200, {"errcode": answer, "errmsg": "scripted errcode"}
        if not robot:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        problem = check()
        if problem is not None:
            return problem
        if payload.get("msgtype") != "text" or not isinstance(payload.get("text", {}).get("content"), str):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        text = payload["text"]["content"]
        limit = 2048 if kind == "wecom" else 20000
        if len(text.encode("utf-8")) > limit:
            return 200, {"errcode": 40058 if kind == "wecom" else 460101, "errmsg": "content exceed max length"}
        if not self._rate_ok(robot):
            return 200, {"errcode": throttle_code, "errmsg": "send too fast"}
        self._deliver(kind, robot, text)
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _check_dingtalk(self, token: str, query: dict[str, list[str]], payload: dict) -> tuple[int, Any] | None:
        secret = self.dingtalk_secrets.get(token)
        if secret:
            timestamp = (query.get("timestamp") or [""])[0]
            sign = (query.get("sign") or [""])[0]  # parse_qs already URL-decoded it
            expected = base64.b64encode(
                hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
            ).decode()
            fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) <= 3_600_000
            if not (fresh and hmac.compare_digest(sign, expected)):
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
        keyword = self.dingtalk_keywords.get(token)
        if keyword and keyword not in payload.get("text", {}).get("content", ""):
            return 200, {"errcode": 310000, "errmsg": "keywords not in content"}
        return None


HANG = -1
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
