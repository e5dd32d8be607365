"""``serve --workers N``: replica processes on the same port, restarted when they die, stopped with
the leader; long connections stay in the leader; the default count follows the database."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.request

import pytest

from bot import workers
from bot.platforms.registry import attach_platforms
from tests.live_server import LiveServer

pytestmark = pytest.mark.skipif(not workers.reuse_port_supported(), reason="SO_REUSEPORT needs Linux")

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (dead, not yet reaped by its parent) counts as gone
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def _wait(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_supervisor_restarts_a_dead_replica_with_growing_pauses_and_stops_all() -> None:
    clock = FakeClock()
    supervisor = workers.ReplicaSupervisor(2, SLEEPER, clock=clock)
    supervisor._thread = None
    for slot in range(2):  # start without the background watcher: the test drives check()
        supervisor._spawn(slot)
    try:
        first = supervisor.pids
        assert len(first) == 2
        os.kill(first[0], signal.SIGKILL)
        supervisor._procs[0].wait()
        supervisor.check()  # noticed: died young, so it waits before restarting
        assert supervisor.pids == [first[1]] and supervisor.restarts == 0
        clock.now += workers.RESTART_PAUSE_S * 2
        supervisor.check()
        assert supervisor.restarts == 1 and len(supervisor.pids) == 2 and first[0] not in supervisor.pids

        # dying young again doubles the pause; a replica that ran long is restarted at once
        again = supervisor.pids[0]
        os.kill(again, signal.SIGKILL)
        supervisor._procs[0].wait()
        supervisor.check()
        clock.now += workers.RESTART_PAUSE_S * 2
        supervisor.check()
        assert supervisor.restarts == 1
        clock.now += workers.RESTART_PAUSE_S * 2
        supervisor.check()
        assert supervisor.restarts == 2

        clock.now += workers.STABLE_AFTER_S
        veteran = supervisor.pids[1]
        os.kill(veteran, signal.SIGKILL)
        supervisor._procs[1].wait()
        supervisor.check()
        assert supervisor.restarts == 3 and len(supervisor.pids) == 2
    finally:
        running = supervisor.pids
        supervisor.stop(timeout=5)
    assert supervisor.pids == [] and not any(_alive(pid) for pid in running)


def test_stop_kills_a_replica_that_ignores_sigterm() -> None:
    stubborn = [sys.executable, "-c",
                "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); "
                "time.sleep(60)"]
    supervisor = workers.ReplicaSupervisor(1, stubborn)
    supervisor._spawn(0)
    pid = supervisor.pids[0]
    time.sleep(0.3)  # let it install its handler
    started = time.monotonic()
    supervisor.stop(timeout=0.5)
    assert not _alive(pid) and time.monotonic() - started < 5


def test_shared_sockets_take_the_same_port() -> None:
    first = workers.bind_shared("127.0.0.1", 0)
    try:
        port = first.getsockname()[1]
        second = workers.bind_shared("127.0.0.1", port)
        assert second.getsockname()[1] == port
        second.close()
    finally:
        first.close()


def test_auto_count_keeps_sqlite_to_one_process() -> None:
    assert workers.auto_count("sqlite") == 1
    assert 1 <= workers.auto_count("postgresql") <= workers.AUTO_MAX
    assert workers.auto_count("postgresql") == min(os.cpu_count() or 1, workers.AUTO_MAX)


def test_a_replica_leaves_long_connections_to_the_leader(make_settings) -> None:
    from fastapi import FastAPI

    from bot.service import Service

    settings = make_settings(dingtalk_client_id="ding-app", dingtalk_client_secret="s" * 32,
                             dingtalk_stream_enabled=True)
    service = Service(settings)
    try:
        leader = attach_platforms(FastAPI(), service)
        replica = attach_platforms(FastAPI(), service, long_connections=False)
        by_name = {s.name: s for s in leader.statuses}
        assert by_name["dingtalk_stream"].enabled and by_name["dingtalk_http"].enabled
        by_name = {s.name: s for s in replica.statuses}
        assert not by_name["dingtalk_stream"].enabled and "leader" in by_name["dingtalk_stream"].line()
        assert by_name["dingtalk_http"].enabled  # callbacks over HTTP are served by every process
        assert [a.name for a in replica.adapters] == ["dingtalk_http"]
    finally:
        service.close()


def _healthz(url: str) -> dict:
    with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
        return json.loads(response.read())


def _ask(url: str, question: str) -> dict:
    request = urllib.request.Request(url + "/api/ask", data=json.dumps({"question": question}).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_live_workers_share_the_port_survive_a_crash_and_stop_together(cli_env, tmp_path) -> None:
    with LiveServer(cli_env, cwd=tmp_path, extra_args=("--workers", "2")) as server:
        pids = server.worker_pids(2)
        roles = {}
        for _ in range(40):  # every new connection lands on one of the two processes
            worker = _healthz(server.url)["worker"]
            roles[worker["pid"]] = worker["role"]
        assert sorted(roles.values()) == ["leader", "replica"] and set(roles) == pids
        replica = next(pid for pid, role in roles.items() if role == "replica")
        answers = {_ask(server.url, "借调干部在哪里参加学习实践活动")["faq_id"] for _ in range(10)}
        assert len(answers) == 1 and None not in answers  # the same answer from either process

        os.kill(replica, signal.SIGKILL)
        assert _wait(lambda: len(server.worker_pids(2) - {replica}) == 2), server.output()
        assert f"replica 1 (pid {replica}) exited" in server.output()
        alive = server.worker_pids(2)
        leader = server.proc.pid
    assert not _alive(leader)
    assert _wait(lambda: not any(_alive(pid) for pid in alive), timeout=15), "a replica outlived its leader"


def test_a_replica_stops_when_its_leader_is_killed(cli_env, tmp_path) -> None:
    server = LiveServer(cli_env, cwd=tmp_path, extra_args=("--workers", "2")).start()
    try:
        replica = next(pid for pid in server.worker_pids(2) if pid != server.proc.pid)
        server.proc.kill()
        server.proc.wait()
        assert _wait(lambda: not _alive(replica), timeout=15), "an orphaned replica kept running"
    finally:
        server.stop()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_serve_starts_one_process_per_core(db_url, cli_env, tmp_path) -> None:
    expected = workers.auto_count("postgresql")
    with LiveServer({**cli_env, "XUESHI_DATABASE_URL": db_url}, cwd=tmp_path) as server:
        pids = server.worker_pids(expected)
        assert len(pids) == expected
        assert f"with {expected} worker process(es)" in server.output()
        assert _ask(server.url, "借调干部在哪里参加学习实践活动")["intent"] == "faq"
