"""A local imitation of the WeCom API (qyapi) on 127.0.0.1, served from a thread, for the callback tests.

* ``POST /cgi-bin/aibot/response?response_code=C``  the AI bot's ``response_url``: records the JSON body
* ``GET  /cgi-bin/gettoken?corpid=ID&corpsecret=S``  issues a fresh access token (``tok-1``, ``tok-2`` …)
  for the registered corp id and secret; errcode 40001 for a wrong secret
* ``POST /cgi-bin/message/send?access_token=T``       checks the token (42001 for one it expired, 40014 for
  one it never issued) and records the message

``script_send(42001)`` makes the next ``message/send`` answer that errcode — and, for the token codes,
really expire the token used, so only a client that fetches a new one gets through on its retry.
Every request is recorded (path, query, body) so a test can also assert that something was *not* called.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CORP_ID = "ww0123456789abcdef"
APP_SECRET = "app-secret-do-not-log-5511"
TOKEN_ERRCODES = {42001, 40014, 42007, 42009}


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, str]
    body: Any


class FakeQyapi:
    def __init__(self, *, corp_id: str = CORP_ID, secret: str = APP_SECRET, expires_in: int = 7200) -> None:
        self.corp_id = corp_id
        self.secret = secret
        self.expires_in = expires_in
        self.requests: list[Received] = []
        self.responses: list[Received] = []  # response_url posts
        self.sent: list[dict[str, Any]] = []  # accepted message/send bodies
        self.token_fetches = 0
        self._valid_tokens: set[str] = set()
        self._expired_tokens: set[str] = set()
        self._send_script: deque[int] = deque()
        self._cond = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                return

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for the serving loop to notice (0.5 s by default).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True, name="fake-qyapi")

    # -- lifecycle ----------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeQyapi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeQyapi:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- scripting and waiting ------------------------------------------------------------------------------

    def script_send(self, *errcodes: int) -> None:
        with self._cond:
            self._send_script.extend(errcodes)

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        """Wait until ``predicate(self)`` holds (checked whenever a request arrives)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def calls(self, path: str) -> list[Received]:
        with self._cond:
            return [r for r in self.requests if r.path == path]

    # -- serving -------------------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
        received = Received(method, parts.path, query, body)
        with self._cond:
            self.requests.append(received)
            answer = self._answer(received)
            self._cond.notify_all()
        data = json.dumps(answer, ensure_ascii=False).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(self, r: Received) -> dict[str, Any]:
        if r.path == "/cgi-bin/aibot/response" and r.method == "POST":
            if not r.query.get("response_code"):
                return {"errcode": 40058, "errmsg": "response_code missing"}
            self.responses.append(r)
            return {"errcode": 0, "errmsg": "ok"}
        if r.path == "/cgi-bin/gettoken" and r.method == "GET":
            if r.query.get("corpid") != self.corp_id or r.query.get("corpsecret") != self.secret:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            self.token_fetches += 1
            token = f"tok-{self.token_fetches}"
            self._valid_tokens.add(token)
            return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.expires_in}
        if r.path == "/cgi-bin/message/send" and r.method == "POST":
            token = r.query.get("access_token", "")
            if token in self._expired_tokens:
                return {"errcode": 42001, "errmsg": "access_token expired"}
            if token not in self._valid_tokens:
                return {"errcode": 40014, "errmsg": "invalid access_token"}
            if self._send_script:
                code = self._send_script.popleft()
                if code in TOKEN_ERRCODES:
                    self._valid_tokens.discard(token)
                    self._expired_tokens.add(token)
                return {"errcode": code, "errmsg": "scripted"}
            self.sent.append(r.body)
            return {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": f"msg-{len(self.sent)}"}
        return {"errcode": 404, "errmsg": "not found"}
