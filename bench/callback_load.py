"""Callback load: 50 concurrent senders post encrypted WeCom AI-bot callbacks to a real ``xueshi serve``.

What is measured (figures are printed; nothing is asserted — this is a benchmark, not a test):

1. A real ``xueshi serve`` process (uvicorn; ``--workers N`` processes sharing the port, default 1) with the WeCom AI-bot callback enabled, on a
   throw-away SQLite file (or a throw-away PostgreSQL schema with ``--database-url``), scheduler off.
2. Baseline: ``--senders`` (default 50) concurrent senders, each on its own keep-alive connection,
   send ``GET /healthz`` back to back for ``--seconds``; requests/s, p50 / p99, errors.
3. The same senders post encrypted, signed AI-bot callbacks (``POST /wecom/aibot``) with real questions
   (the knowledge base's own 相似问法, one unique ``msgid`` each) for ``--seconds``; every reply is
   checked: HTTP 200, a valid ``msgsignature``, and a decrypted ``stream`` reply with content.
   Reported: requests/s, p50 / p99, errors, and the ratio of callback to /healthz throughput.
4. Repeats: one callback delivered three times → one answer (the others: 200 with an empty body).

The client is a small asyncio HTTP/1.1 client (one connection per sender) and all requests are
encrypted before the clock starts, so the client costs little CPU next to the server. The request
encryption uses wechatpy directly — independently of the server's own crypto module.

    .venv/bin/python bench/callback_load.py
    .venv/bin/python bench/callback_load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Targets (issue 5): p99 ≤ 100 ms at 50 senders, throughput ≥ 40 % of /healthz's, zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
import tomllib
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wechatpy.enterprise.crypto import PrpCrypto  # noqa: E402

from tests.live_server import LiveServer  # noqa: E402

TOKEN = "benchtoken123"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
PATH = "/wecom/aibot"


def questions() -> list[str]:
    data = tomllib.loads((ROOT / "config" / "faq.toml").read_text(encoding="utf-8"))
    found: list[str] = []
    for item in data.get("items", []):
        found.append(item["question"])
        found.extend(item.get("aliases", []))
    return found


def _signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def encrypted_callback(question: str, msgid: str, user: str, chat: str) -> tuple[str, bytes]:
    payload = {"msgid": msgid, "aibotid": "AIBOTID", "chatid": chat, "chattype": "group",
               "from": {"userid": user}, "response_url": "http://127.0.0.1:9/cgi-bin/aibot/response",
               "msgtype": "text", "text": {"content": f"@学实助手 {question}"}}
    encrypt = PrpCrypto(__import__("base64").b64decode(AES_KEY + "=")).encrypt(
        json.dumps(payload, ensure_ascii=False), "")
    encrypt = encrypt.decode() if isinstance(encrypt, bytes) else encrypt
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    query = urlencode({"msg_signature": _signature(TOKEN, timestamp, nonce, encrypt), "timestamp": timestamp,
                       "nonce": nonce})
    return f"{PATH}?{query}", json.dumps({"encrypt": encrypt}).encode()


def check_reply(body: bytes) -> bool:
    """A signed, encrypted ``stream`` reply whose content is not empty."""
    envelope = json.loads(body)
    if _signature(TOKEN, str(envelope["timestamp"]), envelope["nonce"], envelope["encrypt"]) != envelope["msgsignature"]:
        return False
    text = PrpCrypto(__import__("base64").b64decode(AES_KEY + "=")).decrypt(envelope["encrypt"], "")
    reply = json.loads(text)
    return reply.get("msgtype") == "stream" and bool(reply["stream"].get("content"))


class Connection:
    """One keep-alive HTTP/1.1 connection (Content-Length bodies only — what uvicorn sends)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = (f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
                + ("Content-Type: application/json\r\n" if body else "") + "\r\n")
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        assert self.reader is not None
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        data = await self.reader.readexactly(length) if length else b""
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run_phase(port: int, senders: int, seconds: float, make_request, check) -> dict:
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def sender(index: int) -> None:
        nonlocal errors
        conn = Connection(port)
        n = 0
        try:
            while time.perf_counter() < stop_at:
                method, target, body = make_request(index, n)
                n += 1
                started = time.perf_counter()
                try:
                    status, data = await conn.request(method, target, body)
                    ok = status == 200 and check(data)
                except Exception:
                    ok = False
                    conn.close()
                    conn = Connection(port)
                latencies.append(time.perf_counter() - started)
                errors += not ok
        finally:
            conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(sender(i) for i in range(senders)))
    elapsed = time.perf_counter() - began
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "errors": errors,
            "p50_ms": statistics.median(latencies) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000}


def expected_workers(db_url: str) -> int:
    from bot.workers import auto_count

    return auto_count("postgresql" if db_url.startswith("postgresql") else "sqlite")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=None,
                        help="xueshi serve --workers (default: what serve chooses: 1 on SQLite, one per core on PostgreSQL)")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temp dir")
    parser.add_argument("--set", action="append", default=[], metavar="XUESHI_NAME=VALUE",
                        help="an extra setting for the server, e.g. XUESHI_INLINE_QUESTIONS=false")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="xueshi-callback-bench-"))
    schema = None
    db_url = args.database_url or f"sqlite:///{workdir}/bench.db"
    if args.database_url and args.database_url.startswith("postgresql"):
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.database_url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        db_url = make_url(args.database_url).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)

    env = {k: v for k, v in os.environ.items() if not k.startswith("XUESHI_")}
    env.update(XUESHI_DATABASE_URL=db_url, XUESHI_WECOM_AIBOT_TOKEN=TOKEN, XUESHI_WECOM_AIBOT_AES_KEY=AES_KEY,
               XUESHI_SCHEDULER_ENABLED="false", XUESHI_LOG_LEVEL="WARNING",
               XUESHI_CACHE_DIR=str(ROOT / "var" / "cache"), XUESHI_WECOM_API_BASE="http://127.0.0.1:9")
    env.update(item.split("=", 1) for item in args.set)
    pool = questions()
    rng = random.Random(7)
    # Every request is prepared before the clock starts: the client should cost little CPU.
    budget = args.senders * int(max(args.seconds, args.warmup) * 400 + 50)
    prepared = [encrypted_callback(rng.choice(pool), f"bench-{i}", f"user{i % 500}", f"chat{i % 40}")
                for i in range(budget)]
    cursor = iter(range(len(prepared)))

    def callback_request(index: int, n: int):
        target, body = prepared[next(cursor)]
        return "POST", target, body

    def health_request(index: int, n: int):
        return "GET", "/healthz", b""

    print(f"xueshi callback load: {args.senders} senders, {args.seconds:.0f} s per phase, "
          f"{os.cpu_count()} CPUs, database "
          f"{'PostgreSQL' if schema else 'SQLite'}; {len(pool)} distinct questions; python {sys.version.split()[0]}")
    try:
        extra = ("--workers", str(args.workers)) if args.workers else ()
        with LiveServer(env, cwd=workdir, extra_args=extra) as server:
            port = server.port
            processes = len(server.worker_pids(args.workers or expected_workers(db_url)))
            asyncio.run(run_phase(port, args.senders, args.warmup, callback_request, check_reply))
            asyncio.run(run_phase(port, args.senders, args.warmup, health_request, lambda b: True))
            health = asyncio.run(run_phase(port, args.senders, args.seconds, health_request,
                                           lambda b: json.loads(b).get("ok") is True))
            callbacks = asyncio.run(run_phase(port, args.senders, args.seconds, callback_request, check_reply))

            async def repeats() -> list[tuple[int, bytes]]:
                target, body = encrypted_callback("借调的党员在哪里参加学习", "bench-repeat", "repeat-user", "chat0")
                conn = Connection(port)
                try:
                    return [await conn.request("POST", target, body) for _ in range(3)]
                finally:
                    conn.close()

            repeated = asyncio.run(repeats())
    finally:
        if schema:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.dispose()

    def show(name: str, r: dict) -> None:
        print(f"  {name:<22} {r['rps']:8.1f} req/s   p50 {r['p50_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms   "
              f"errors {r['errors']} / {r['requests']}")

    print(f"  server processes: {processes} (xueshi serve --workers {args.workers or 'default'})")
    show("GET /healthz", health)
    show("POST /wecom/aibot", callbacks)
    print(f"  throughput ratio callbacks / healthz: {callbacks['rps'] / health['rps']:.2f}  (target ≥ 0.40)")
    answered = sum(1 for status, body in repeated if status == 200 and body)
    print(f"  three identical deliveries: statuses {[s for s, _ in repeated]}, answers {answered} (target 1)")


if __name__ == "__main__":
    main()
