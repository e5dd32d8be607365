"""The same member checking in from several threads and processes at the same moment: one row.

SQLite (a file in WAL mode with a busy timeout) and PostgreSQL; the uniqueness is a database
constraint (``INSERT … ON CONFLICT DO NOTHING``), not a check-then-insert in Python.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

from attendance_helpers import T0, Chat, checkin_in_process, command_router, seed

from bot.clock import FixedClock
from bot.storage import Database
from bot.storage import attendance_repo as ar

THREADS = 16
PROCESSES = 4


def _open_meeting(db: Database, tmp_path) -> None:
    seed(db)
    router = command_router(db, tmp_path)
    assert "【签到】" in Chat(router.dispatch, FixedClock(T0)).say("zsj", "发起签到 动员大会 14:30 2小时").text


def test_threads_checking_in_the_same_member_make_one_row(db: Database, tmp_path) -> None:
    _open_meeting(db, tmp_path)
    router = command_router(db, tmp_path)
    chat = Chat(router.dispatch, FixedClock(T0))
    barrier = threading.Barrier(THREADS)

    def one(n: int):
        barrier.wait(timeout=30)
        return chat.say("wls", "签到", msg_id=f"t{n}")  # a distinct platform message each time

    with ThreadPoolExecutor(THREADS) as pool:
        replies = list(pool.map(one, range(THREADS)))
    assert [r.meta["created"] for r in replies].count(True) == 1
    assert sum("签到成功" in r.text for r in replies) == 1
    assert sum("不用重复签到" in r.text for r in replies) == THREADS - 1
    assert len(ar.list_checkins(db)) == 1


def test_threads_delivering_the_same_message_make_one_row(db: Database, tmp_path) -> None:
    _open_meeting(db, tmp_path)
    router = command_router(db, tmp_path)
    chat = Chat(router.dispatch, FixedClock(T0))
    barrier = threading.Barrier(8)

    def one(n: int):
        barrier.wait(timeout=30)
        return chat.say("cls", "签到", msg_id="same-platform-message")

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(one, range(8)))
    assert len({r.text for r in replies}) == 1 and "签到成功" in replies[0].text
    assert len(ar.list_checkins(db)) == 1


def test_processes_checking_in_the_same_member_make_one_row(db: Database, db_url: str, tmp_path) -> None:
    _open_meeting(db, tmp_path)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [context.Process(target=checkin_in_process, args=(db_url, barrier, "wls", f"p{n}", results))
               for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert [created for _, created, _ in outcomes].count(True) == 1, outcomes
    assert all(intent == "attendance" for intent, _, _ in outcomes)
    rows = ar.list_checkins(db)
    assert len(rows) == 1 and rows[0].member_id is not None
