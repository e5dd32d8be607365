"""Reminder fan-out benchmark: one reminder to 1,000 groups, each on its own robot, exactly once.

What is measured (figures are printed; the exactly-once properties are also checked, exit 1 if not):

1. Fan-out. 1,000 WeCom groups, each with its own group-robot webhook key, all pointing at a local
   fake WeCom server (``tests/fake_platform.py``, a threaded ``http.server`` on 127.0.0.1 that answers
   after ``--latency`` seconds). One occurrence is enqueued for every group (``insert_outbox``), then
   one ``send_due`` pass runs in a subprocess (as in production, the sender does not share a process —
   and Python's GIL — with the platform's server); its pass is timed from the inside. Reported: enqueue time, send time, sends per second,
   deliveries counted by the server per robot (none twice, none missing), outbox states.
2. Kill and restart. The same set-up on a fresh database; the pass runs in a subprocess which gets
   SIGKILL once the server has accepted about a third of the messages. At the kill the outbox shows
   which rows were claimed but not recorded (``sending``) — the sends in flight. A second subprocess
   then runs a pass after the dead one's lease has expired (``--now`` = T + lease + 1 s). Reported:
   in flight at the kill, deliveries before/after, groups reached, duplicates; checked: every group
   has its reminder and duplicates ≤ sends in flight at the kill.

Run:

    .venv/bin/python bench/reminder_fanout.py                        # SQLite in a temp dir
    .venv/bin/python bench/reminder_fanout.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/reminder_fanout.py --groups 2000 --latency 0.05 --concurrency 100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_platform import FakePlatform  # noqa: E402

from bot.storage import Database  # noqa: E402
from bot.storage import outbox_repo as repo  # noqa: E402
from bot.storage.models import Group  # noqa: E402
from scheduler.channels import ChannelConfig, ChannelFactory, HttpClients  # noqa: E402
from scheduler.delivery import LEASE, outbox_items, send_due  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = datetime(2009, 4, 27, 9, 0, tzinfo=SHANGHAI)
TEXT = ("【学实提醒】调研报告（4月下旬之前）：4月30日前完成，还有3天。\n"
        "要做：领导班子形成一份有质量的调研报告。\n——《培训提纲》一、（二）5")


class _Occurrence:
    rule_id, subject_id, due_at, text = "deadline-before-3", "research-report", DUE, TEXT

    def key(self, group_key: str) -> str:
        return f"{self.rule_id}|{self.subject_id}|{group_key}|{self.due_at.isoformat()}"


# -- databases ----------------------------------------------------------------------------------------


class Scratch:
    """A fresh database per scenario: a SQLite file, or a throw-away PostgreSQL schema."""

    def __init__(self, base_url: str | None) -> None:
        self.base_url = base_url
        self._tmp = tempfile.mkdtemp(prefix="xueshi-fanout-")
        self._schemas: list[str] = []

    def new(self, name: str) -> str:
        if not self.base_url:
            return f"sqlite:///{self._tmp}/{name}.db"
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        schema = f"bench_{name}_{uuid.uuid4().hex[:6]}"
        engine = create_engine(self.base_url)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine.dispose()
        self._schemas.append(schema)
        url = make_url(self.base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def cleanup(self) -> None:
        if self.base_url and self._schemas:
            from sqlalchemy import create_engine

            engine = create_engine(self.base_url)
            with engine.begin() as conn:
                for schema in self._schemas:
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            engine.dispose()


def setup_groups(db: Database, platform: FakePlatform, n: int) -> list[repo.GroupRecord]:
    with db.session() as session:
        session.add_all(
            Group(platform="wecom", chat_id=f"g{i:05d}", name=f"第{i}支部群", channel="wecom_webhook",
                  webhook_url=platform.wecom_url(f"robot-{i:05d}"), category=1 + i % 2, created_at=DUE)
            for i in range(n)
        )
    return repo.list_groups(db)


def enqueue_one(db: Database, groups: list[repo.GroupRecord]) -> tuple[int, float]:
    started = time.perf_counter()
    items = outbox_items([_Occurrence()], groups, applies_to=lambda o, c: True, render=lambda o, c: o.text)
    inserted = repo.insert_outbox(db, items, now=DUE)
    return inserted, time.perf_counter() - started


# -- the sender (also run as a subprocess) ------------------------------------------------------------


async def _pass(db: Database, now: datetime, base: str, concurrency: int):
    async with HttpClients(10.0, size=concurrency) as clients:
        factory = ChannelFactory(clients, ChannelConfig(wecom_api_base=base))
        return await send_due(db, now, factory, worker_id=f"bench-{os.getpid()}", concurrency=concurrency)


def sender_main(args: argparse.Namespace) -> None:
    db = Database(args.db)
    try:
        db.ensure_schema()
        started = time.perf_counter()
        result = asyncio.run(_pass(db, datetime.fromisoformat(args.now), args.base, args.concurrency))
        elapsed = time.perf_counter() - started
    finally:
        db.dispose()
    print(json.dumps({**result.__dict__, "seconds": elapsed}), flush=True)


def _run_sender(db_url: str, now: datetime, base: str, concurrency: int) -> dict:
    proc = _spawn(db_url, now, base, concurrency)
    out, err = proc.communicate(timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"sender failed: {err[-2000:]}")
    return json.loads(out.strip().splitlines()[-1])


def _spawn(db_url: str, now: datetime, base: str, concurrency: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--sender", "--db", db_url, "--now", now.isoformat(),
         "--base", base, "--concurrency", str(concurrency)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )


# -- scenarios ----------------------------------------------------------------------------------------


def _quiesce(platform: FakePlatform, quiet: float = 0.5) -> None:
    """Wait until the server has handled every request that reached it (no new ones for ``quiet`` s)."""
    last, since = -1, time.monotonic()
    while time.monotonic() - since < quiet:
        current = platform.requests
        if current != last:
            last, since = current, time.monotonic()
        time.sleep(0.05)


def fanout(scratch: Scratch, n: int, latency: float, concurrency: int) -> bool:
    print(f"\n1. Fan-out: one reminder to {n} groups, each on its own robot "
          f"(server latency {latency * 1000:.0f} ms, concurrency {concurrency})")
    with FakePlatform(latency=latency) as platform:
        url = scratch.new("fanout")
        db = Database(url)
        try:
            groups = setup_groups(db, platform, n)
            inserted, enqueue_s = enqueue_one(db, groups)
            again, _ = enqueue_one(db, groups)
            first = _run_sender(url, DUE + timedelta(minutes=1), platform.url, concurrency)
            second = _run_sender(url, DUE + timedelta(minutes=1), platform.url, concurrency)
            _quiesce(platform, 0.2)
            counts = platform.counts()
            states = repo.outbox_counts(db)
        finally:
            db.dispose()
    sent, send_s = first["sent"], first["seconds"]
    twice = sum(1 for c in counts.values() if c > 1)
    missing = n - len(counts)
    print(f"   database:            {db.dialect}")
    print(f"   enqueued:            {inserted} rows in {enqueue_s * 1000:.0f} ms (again: {again} new)")
    print(f"   send pass:           {sent} sent in {send_s:.2f} s  →  {sent / send_s:.0f} sends/s "
          "(sender in its own process; the fake server in this one)")
    print(f"   second pass:         {second['sent']} sent")
    print(f"   server deliveries:   {sum(counts.values())} to {len(counts)} robots; sent twice: {twice}; "
          f"missing: {missing}")
    print(f"   outbox:              {states}")
    ok = twice == 0 and missing == 0 and second["sent"] == 0 and states == {"sent": n} and sent / send_s >= 200
    print(f"   target ≥ 200 sends/s, none twice, none missed: {'ok' if ok else 'MISSED'}")
    return ok


def kill_and_restart(scratch: Scratch, n: int, latency: float, concurrency: int) -> bool:
    print(f"\n2. Kill and restart: the sender is a subprocess, SIGKILLed after ~{n // 3} deliveries")
    url = scratch.new("kill")
    kill_at = n // 3
    reached = threading.Event()
    with FakePlatform(latency=latency) as platform:
        platform.on_delivered = lambda _item: reached.set() if len(platform.delivered) >= kill_at else None
        db = Database(url)
        try:
            groups = setup_groups(db, platform, n)
            enqueue_one(db, groups)
            proc = _spawn(url, DUE + timedelta(minutes=1), platform.url, concurrency)
            started = time.perf_counter()
            if not reached.wait(120):
                proc.kill()
                print("   the sender never got going:", proc.communicate()[1][-2000:])
                return False
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed_after = time.perf_counter() - started
            _quiesce(platform)
            states_at_kill = repo.outbox_counts(db)
            in_flight = states_at_kill.get("sending", 0)
            sent_rows = {r.key.split("|")[2].split(":", 1)[1] for r in repo.list_outbox(db, states=["sent"])}
            delivered_at_kill = dict(platform.counts())
            key_of = {g.chat_id: g.webhook_url.rsplit("key=", 1)[1] for g in groups}
            unrecorded = sum(1 for chat, key in key_of.items() if key in delivered_at_kill and chat not in sent_rows)

            restart = _spawn(url, DUE + LEASE + timedelta(minutes=1, seconds=1), platform.url, concurrency)
            out, err = restart.communicate(timeout=300)
            if restart.returncode != 0:
                print("   restart failed:", err[-2000:])
                return False
            result = json.loads(out.strip().splitlines()[-1])
            _quiesce(platform)
            counts = platform.counts()
            states = repo.outbox_counts(db)
        finally:
            db.dispose()
    duplicates = sum(c - 1 for c in counts.values())
    missing = n - len(counts)
    print(f"   killed after:        {killed_after:.2f} s, {sum(delivered_at_kill.values())} deliveries")
    print(f"   outbox at the kill:  {states_at_kill}")
    print(f"   in flight at kill:   {in_flight} claimed but unrecorded ('sending'); of those the server had "
          f"already accepted {unrecorded}")
    print(f"   restart pass:        {result['sent']} sent (after the dead pass's {LEASE} lease)")
    print(f"   server deliveries:   {sum(counts.values())} to {len(counts)} robots; missing: {missing}; "
          f"duplicates: {duplicates}")
    print(f"   outbox:              {states}")
    ok = missing == 0 and duplicates <= in_flight and states == {"sent": n}
    print(f"   every group reached, duplicates ({duplicates}) ≤ in flight at the kill ({in_flight}): "
          f"{'ok' if ok else 'MISSED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.02, help="fake server reply delay, seconds")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--db", help="database URL (default: SQLite files in a temp dir)")
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender:
        sender_main(args)
        return
    scratch = Scratch(args.db)
    try:
        ok = fanout(scratch, args.groups, args.latency, args.concurrency)
        if not args.skip_kill:
            ok = kill_and_restart(scratch, args.groups, args.latency, args.concurrency) and ok
    finally:
        scratch.cleanup()
    print("\nall checks passed" if ok else "\nSOME CHECKS FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
