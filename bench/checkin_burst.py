"""Check-in burst: a whole district's roster checks in to one meeting within a minute.

What is measured (figures are printed; nothing is asserted — this is a benchmark, not a test):

1. Set-up: one 第一类 unit with ``--members`` people (default 7,454) imported through the storage
   layer, a WeCom group bound to it, and a meeting opened by the secretary through the router.
2. Open loop (the realistic case): every member sends 「签到」 once; the arrival times are spread
   evenly over ``--seconds`` (default 60) with seeded jitter, in a shuffled order, and 32 worker
   threads (``--threads``) take them as they come. Each message goes through the full
   ``Service.handle`` path — the same router, handlers and database as a group chat — with its own
   platform message id. Reported: per check-in service time (handle() call) p50 / p90 / p99 / max,
   and the response time including any wait for a free worker.
3. Closed loop (stress): the same number of check-ins to a second meeting as fast as 32 threads
   can send them; throughput and latency percentiles.
4. Correctness: rows == members for each meeting, no member twice, every reply a success; then a
   second 「签到」 from 500 members and a redelivery of 500 messages change nothing.

Run from anywhere (paths are resolved from this file):

    .venv/bin/python bench/checkin_burst.py                # SQLite file in a temp dir, 60 s window
    .venv/bin/python bench/checkin_burst.py --seconds 10   # shorter window
    .venv/bin/python bench/checkin_burst.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

A PostgreSQL URL gets a throw-away schema, dropped afterwards. Target: p99 ≤ 50 ms on SQLite.
"""

from __future__ import annotations

import argparse
import logging
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bot.clock import CAMPAIGN_TZ, FixedClock  # noqa: E402
from bot.messages import IncomingMessage  # noqa: E402

SEED = 20090420
MEMBERS = 7_454
THREADS = 32
TARGET_P99_MS = 50.0
START = datetime(2009, 4, 20, 14, 30, tzinfo=CAMPAIGN_TZ)  # the meeting starts; check-in opened at 14:00
GROUP = "bench-group"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def summary(values_ms: list[float]) -> str:
    return (f"p50 {pct(values_ms, 50):6.2f} ms   p90 {pct(values_ms, 90):6.2f} ms   "
            f"p99 {pct(values_ms, 99):6.2f} ms   max {max(values_ms):7.2f} ms   mean {statistics.fmean(values_ms):6.2f} ms")


def pg_schema(base_url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def setup(service, members: int) -> None:
    from bot.storage import attendance_repo as ar

    actor = ar.Actor("bench")
    unit = ar.add_unit(service.db, name="基准测试单位", category=1, parent=None, at=START, actor=actor)
    rows = [ar.MemberValues(None, "书记", unit.id, "党员,书记", "sec", None, None)]
    rows += [ar.MemberValues(None, f"成员{n:05d}", unit.id, "群众代表" if n % 50 == 0 else "党员", f"u{n:05d}",
                             None, f"139{n:08d}") for n in range(1, members)]
    ar.apply_roster(service.db, rows, at=START, actor=actor, source="bench")
    ar.bind_group(service.db, platform="wecom", chat_id=GROUP, unit_id=unit.id, at=START, actor=actor)


def message(user: str, text: str, at: datetime, msg_id: str) -> IncomingMessage:
    return IncomingMessage(platform="wecom", chat_id=GROUP, user_id=user, user_name=user, text=text, sent_at=at,
                           msg_id=msg_id)


def open_meeting(service, title: str, at: datetime) -> int:
    reply = service.handle(message("sec", f"发起签到 {title} 14:30 2小时", at, f"open-{title}"))
    if "meeting_id" not in reply.meta:
        raise SystemExit(f"could not open the meeting: {reply.text}")
    return int(reply.meta["meeting_id"])


def open_loop(service, users: list[str], seconds: float, threads: int, meeting: str) -> tuple[list[float], list[float], list]:
    rng = random.Random(SEED)
    order = users[:]
    rng.shuffle(order)
    gap = seconds / len(order)
    plan = [(n * gap + rng.uniform(0, gap), user) for n, user in enumerate(order)]
    service_ms: list[float] = [0.0] * len(plan)
    response_ms: list[float] = [0.0] * len(plan)
    replies: list = [None] * len(plan)
    cursor = iter(range(len(plan)))
    lock = threading.Lock()
    t0 = time.perf_counter() + 0.2

    def worker() -> None:
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            offset, user = plan[index]
            due = t0 + offset
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent_at = START + timedelta(seconds=offset)
            begin = time.perf_counter()
            replies[index] = service.handle(message(user, f"签到 {meeting}", sent_at, f"{meeting}-{user}"))
            end = time.perf_counter()
            service_ms[index] = (end - begin) * 1000
            response_ms[index] = (end - due) * 1000

    pool = [threading.Thread(target=worker, name=f"w{n}") for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return service_ms, response_ms, replies


def closed_loop(service, users: list[str], threads: int, meeting: str) -> tuple[list[float], float, list]:
    def one(user: str):
        begin = time.perf_counter()
        reply = service.handle(message(user, f"签到 {meeting}", START + timedelta(minutes=1), f"{meeting}-{user}"))
        return (time.perf_counter() - begin) * 1000, reply

    begin = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(one, users))
    wall = time.perf_counter() - begin
    return [ms for ms, _ in results], wall, [r for _, r in results]


def check_rows(service, meeting_id: int, expected: int) -> str:
    from bot.storage import attendance_repo as ar

    rows = ar.list_checkins(service.db, meeting_ids=[meeting_id])
    members = {r.member_id for r in rows}
    ok = len(rows) == expected and len(members) == expected and None not in members
    return f"rows {len(rows)} / members {expected}, distinct {len(members)} → {'ok' if ok else 'MISMATCH'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--seconds", type=float, default=60.0, help="window the open-loop arrivals spread over")
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temp directory")
    parser.add_argument("--skip-closed-loop", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from bot.service import Service
    from bot.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="xueshi-bench-"))
    drop = None
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    if url.startswith("postgresql"):
        url, drop = pg_schema(url)
    settings = Settings(database_url=url, cache_dir=PROJECT_ROOT / "var" / "cache", export_dir=tmp / "exports",
                        log_level="WARNING")
    service = Service(settings, clock=FixedClock(START))
    try:
        print(f"check-in burst — Python {platform.python_version()}, {platform.machine()}, "
              f"database {service.db.dialect} ({service.db.safe_url})")
        print(f"members {args.members}, threads {args.threads}, open-loop window {args.seconds:g} s")
        t = time.perf_counter()
        setup(service, args.members)
        print(f"set-up (roster import + bind): {time.perf_counter() - t:.1f} s")
        users = [f"u{n:05d}" for n in range(1, args.members)] + ["sec"]
        first = open_meeting(service, "动员大会", START - timedelta(minutes=30))

        print("\n1) open loop: arrivals spread over the window")
        t = time.perf_counter()
        service_ms, response_ms, replies = open_loop(service, users, args.seconds, args.threads, "动员大会")
        wall = time.perf_counter() - t
        print(f"   {len(users)} check-ins in {wall:.1f} s ({len(users) / wall:.0f}/s)")
        print(f"   service time : {summary(service_ms)}")
        print(f"   response time: {summary(response_ms)}  (incl. waiting for a free worker)")
        bad = [r.text for r in replies if "签到成功" not in r.text]
        print(f"   replies not a success: {len(bad)}" + (f" e.g. {bad[0]!r}" if bad else ""))
        print(f"   {check_rows(service, first, len(users))}")
        open_p99 = pct(service_ms, 99)

        # repeats change nothing: a second 签到 and the platform redelivering a message
        sample = users[:500]
        again = [service.handle(message(u, "签到 动员大会", START + timedelta(minutes=2), f"again-{u}")) for u in sample]
        redelivered = [service.handle(message(u, "签到 动员大会", START + timedelta(minutes=3), f"动员大会-{u}"))
                       for u in sample]
        print(f"   500 second check-ins → 'already' replies {sum('不用重复签到' in r.text for r in again)}; "
              f"500 redeliveries → same reply {sum('签到成功' in r.text for r in redelivered)}; "
              f"{check_rows(service, first, len(users))}")

        if not args.skip_closed_loop:
            print("\n2) closed loop: the same check-ins as fast as the threads can send them")
            second = open_meeting(service, "解放思想讨论会", START - timedelta(minutes=30))
            latencies, wall, replies = closed_loop(service, users, args.threads, "解放思想讨论会")
            print(f"   {len(users)} check-ins in {wall:.1f} s → {len(users) / wall:.0f} check-ins/s")
            print(f"   latency      : {summary(latencies)}")
            print(f"   replies not a success: {sum('签到成功' not in r.text for r in replies)}")
            print(f"   {check_rows(service, second, len(users))}")

        verdict = "ok" if open_p99 <= TARGET_P99_MS else "MISSED"
        print(f"\nsummary: open-loop p99 {open_p99:.2f} ms vs target ≤ {TARGET_P99_MS:g} ms → {verdict}")
    finally:
        service.close()
        if drop is not None:
            drop()


if __name__ == "__main__":
    main()
