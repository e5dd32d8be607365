"""The HTTP app: /healthz and /api/ask through FastAPI's TestClient, plus one real `xueshi serve`."""

from __future__ import annotations

import json
import queue
import socket
import subprocess
import threading
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from conftest import XUESHI_BIN

from bot.clock import FixedClock
from bot.http import MAX_BODY_BYTES, create_app
from bot.service import Service

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx2
    from fastapi.testclient import TestClient

T0 = datetime(2009, 4, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
RECORD_KEYS = {"question", "intent", "answer", "faq_id", "source", "score"}


@pytest.fixture
def service(make_settings, shared_matcher) -> Iterator[Service]:
    svc = Service(make_settings(), clock=FixedClock(T0), matcher=shared_matcher)
    yield svc
    svc.close()


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service)) as c:
        yield c


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["database"]["dialect"] == "sqlite"
    assert body["faq_items"] == 32


def test_database_work_uses_no_more_threads_than_pooled_connections(service: Service) -> None:
    """60 requests at once: at most a pool's worth of them hold a database connection at a time (more
    would open and close a connection per request)."""
    import asyncio
    import time as _time

    from bot.storage.db import POOL_SIZE

    busy = 0
    most = 0
    lock = threading.Lock()
    health = service.db.health

    def counting_health():
        nonlocal busy, most
        with lock:
            busy += 1
            most = max(most, busy)
        try:
            _time.sleep(0.01)
            return health()
        finally:
            with lock:
                busy -= 1

    service.db.health = counting_health
    app = create_app(service)

    async def flood() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            responses = await asyncio.gather(*(c.get("/healthz") for _ in range(60)))
        return [r.status_code for r in responses]

    assert asyncio.run(flood()) == [200] * 60
    assert 2 <= most <= POOL_SIZE


def test_healthz_is_503_when_the_database_is_unreachable(make_settings, shared_matcher) -> None:
    # nothing listens on port 1 of the loopback interface: the connection is refused at once
    url = "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/xueshi"
    svc = Service(make_settings(database_url=url), clock=FixedClock(T0), matcher=shared_matcher)
    try:
        with TestClient(create_app(svc)) as c:
            response = c.get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["ok"] is False and body["database"]["ok"] is False
        assert "s3cret" not in response.text
    finally:
        svc.close()


def test_ask_returns_the_same_record_as_the_cli(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "借调的党员在哪里参加"})
    assert response.status_code == 200
    record = response.json()
    assert set(record) == RECORD_KEYS
    assert record["question"] == "借调的党员在哪里参加"
    assert record["intent"] == "faq" and record["faq_id"] == "who-seconded"
    assert record["source"] == "——《培训提纲》二、5"
    assert record["answer"].endswith("\n——《培训提纲》二、5")
    assert isinstance(record["score"], float)


def test_ask_record_matches_the_cli_record_field_for_field(client: TestClient, tmp_path: Path,
                                                           cli_env: dict[str, str]) -> None:
    question = "退休党员要参加吗"
    api = client.post("/api/ask", json={"question": question}).json()
    cli = subprocess.run([str(XUESHI_BIN), "ask", "--json", "--now", T0.isoformat(), question],
                         capture_output=True, text=True, encoding="utf-8", env=cli_env, cwd=tmp_path, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == api


def test_ask_fallback_and_suggestion_shapes(client: TestClient) -> None:
    record = client.post("/api/ask", json={"question": "食堂几点开饭"}).json()
    assert record["intent"] == "fallback" and record["faq_id"] is None and record["source"] is None
    record = client.post("/api/ask", json={"question": "帮助"}).json()
    assert record["intent"] == "help"


def test_follow_up_state_is_per_user(client: TestClient, suggest_query) -> None:
    """A number only picks a suggestion for the user who got the suggestion."""
    question, suggestions = suggest_query
    first = client.post("/api/ask", json={"question": question, "user_id": "alice"}).json()
    assert first["intent"] == "suggest" and first["suggestions"] == suggestions
    other = client.post("/api/ask", json={"question": "1", "user_id": "bob"}).json()
    assert other["intent"] != "faq"
    mine = client.post("/api/ask", json={"question": "1", "user_id": "alice"}).json()
    assert mine["intent"] == "faq" and mine["faq_id"] == suggestions[0]


def test_invalid_json_is_422_with_an_error(client: TestClient) -> None:
    response = client.post("/api/ask", content=b'{"question": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    body = response.json()
    assert "error" in body and "JSON" in body["error"]
    assert "Traceback" not in response.text


def test_non_object_body_is_422(client: TestClient) -> None:
    response = client.post("/api/ask", json=["借调的党员在哪里参加"])
    assert response.status_code == 422 and "error" in response.json()


def test_missing_field_is_422(client: TestClient) -> None:
    response = client.post("/api/ask", json={"text": "借调的党员在哪里参加"})
    assert response.status_code == 422
    body = response.json()
    assert "error" in body
    assert any("question" in d for d in body["details"])


def test_empty_question_is_422(client: TestClient) -> None:
    assert client.post("/api/ask", json={"question": ""}).status_code == 422


@pytest.mark.parametrize("now", ["昨天", "2009-13-01T10:00:00", "not a time"])
def test_invalid_now_is_422(client: TestClient, now: str) -> None:
    response = client.post("/api/ask", json={"question": "借调的党员在哪里参加", "now": now})
    assert response.status_code == 422
    body = response.json()
    assert "error" in body and "now" in body["error"]


def test_valid_now_is_accepted(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "借调的党员在哪里参加", "now": "2009-05-10T09:00:00"})
    assert response.status_code == 200


def test_body_over_64_kb_is_413(client: TestClient) -> None:
    body = json.dumps({"question": "借" * 30_000}, ensure_ascii=False).encode("utf-8")
    assert len(body) > MAX_BODY_BYTES == 64 * 1024
    response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "error" in response.json()


def test_body_just_under_the_limit_is_not_413(client: TestClient) -> None:
    body = json.dumps({"question": "借" * 9_000}, ensure_ascii=False).encode("utf-8")
    assert len(body) < MAX_BODY_BYTES
    response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["intent"] == "fallback"  # far too long to be a question


def test_chunked_body_over_64_kb_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(100):
            yield ("借" * 1000).encode("utf-8")
        yield b'"}'

    response = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


# -- a real server ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_real_serve_answers_over_http(tmp_path: Path, cli_env: dict[str, str]) -> None:
    port = _free_port()
    env = {**cli_env, "XUESHI_LOG_LEVEL": "INFO"}
    proc = subprocess.Popen([str(XUESHI_BIN), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            env=env, cwd=tmp_path)
    assert proc.stderr is not None
    lines: queue.Queue = queue.Queue()
    log: list[str] = []

    def pump() -> None:
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        # wait for uvicorn to say it is listening (no sleeping, no blind polling)
        while True:
            line = lines.get(timeout=60)
            assert line is not None, "server exited before listening:\n" + "".join(log)
            log.append(line)
            if "Uvicorn running on" in line or "Application startup complete" in line:
                break
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as http:
            health = http.get("/healthz")
            assert health.status_code == 200, health.text
            assert health.json()["database"]["ok"] is True
            answer = http.post("/api/ask", json={"question": "借调的党员在哪里参加"})
            assert answer.status_code == 200
            assert answer.json()["faq_id"] == "who-seconded"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "Traceback" not in "".join(log)
