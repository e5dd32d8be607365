"""Several HTTP worker processes for one ``xueshi serve`` (``--workers N`` / ``XUESHI_WORKERS``).

One Python process answers on one core at most (the GIL). With ``N`` workers the ``serve`` process
stays the *leader* — HTTP, the long connections (WeCom AI bot, DingTalk Stream) and the reminder
scheduler, exactly as with one worker — and starts ``N - 1`` *replicas*: ``xueshi serve --replica``
processes that answer HTTP callbacks only. Every process listens on its own socket bound to the same
port with ``SO_REUSEPORT``, so the kernel spreads incoming connections over them. Replicas share the
leader's database; the delivery claims there keep a retried message from being answered twice.

The leader restarts a replica that dies (with a growing pause) and stops them all when it stops; a
replica whose leader is gone stops by itself.

This module knows processes and sockets only: nothing about adapters, handlers or the app.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

#: A replica that ran this long before dying is restarted at once; a crash loop backs off.
STABLE_AFTER_S = 60.0
RESTART_PAUSE_S = 1.0
RESTART_PAUSE_MAX_S = 30.0
STOP_TIMEOUT_S = 10.0
POLL_S = 0.5


#: ``serve`` on PostgreSQL starts one process per core up to this many unless told otherwise.
AUTO_MAX = 4


def auto_count(dialect: str) -> int:
    """Processes for ``serve`` when ``--workers`` is not given. SQLite lets one writer in at a time,
    across processes too: more processes only wait for its lock (measured: 2 processes answered 14 %
    more callbacks but with a worse p99), so it keeps one. PostgreSQL scales with the cores."""
    if dialect != "postgresql" or not reuse_port_supported():
        return 1
    return max(1, min(os.cpu_count() or 1, AUTO_MAX))


def reuse_port_supported() -> bool:
    """``SO_REUSEPORT`` spreads connections over the processes only on Linux."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bind_shared(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on ``host:port`` that other processes of this user may bind as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


class ReplicaSupervisor:
    """Starts ``count`` replica processes, restarts the ones that die, stops them all on :meth:`stop`."""

    def __init__(self, count: int, command: Sequence[str], *, env: dict[str, str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.count = count
        self.command = list(command)
        self.env = env
        self._clock = clock
        self._procs: list[subprocess.Popen | None] = [None] * count
        self._started_at = [0.0] * count
        self._pause = [RESTART_PAUSE_S] * count
        self._restart_at: list[float | None] = [None] * count
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.restarts = 0

    def start(self) -> None:
        for slot in range(self.count):
            self._spawn(slot)
        self._thread = threading.Thread(target=self._watch, name="replica-supervisor", daemon=True)
        self._thread.start()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [p.pid for p in self._procs if p is not None and p.poll() is None]

    def _spawn(self, slot: int) -> None:
        proc = subprocess.Popen(self.command, env=self.env, stdin=subprocess.DEVNULL)
        self._procs[slot] = proc
        self._started_at[slot] = self._clock()
        log.info("replica %d started: pid %d", slot + 1, proc.pid)

    def _watch(self) -> None:
        while not self._stopping.wait(POLL_S):
            self.check()

    def check(self) -> None:
        """One supervision pass: notice dead replicas and restart the ones whose pause is over."""
        with self._lock:
            if self._stopping.is_set():
                return
            now = self._clock()
            for slot, proc in enumerate(self._procs):
                if proc is not None and proc.poll() is not None:
                    ran = now - self._started_at[slot]
                    self._pause[slot] = (RESTART_PAUSE_S if ran >= STABLE_AFTER_S
                                         else min(self._pause[slot] * 2, RESTART_PAUSE_MAX_S))
                    self._restart_at[slot] = now + (0.0 if ran >= STABLE_AFTER_S else self._pause[slot])
                    log.warning("replica %d (pid %d) exited with code %s after %.0f s; restarting in %.0f s",
                                slot + 1, proc.pid, proc.returncode, ran, self._restart_at[slot] - now)
                    self._procs[slot] = None
                due = self._restart_at[slot]
                if self._procs[slot] is None and due is not None and now >= due:
                    self._restart_at[slot] = None
                    self.restarts += 1
                    try:
                        self._spawn(slot)
                    except OSError:
                        log.exception("restarting replica %d failed", slot + 1)
                        self._restart_at[slot] = now + RESTART_PAUSE_MAX_S

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM every replica (they finish the requests in hand), SIGKILL what is left after ``timeout``."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            running = [p for p in self._procs if p is not None and p.poll() is None]
            for proc in running:
                proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            for proc in running:
                try:
                    proc.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    log.warning("replica pid %d did not stop within %.0f s: killed", proc.pid, timeout)
                    proc.kill()
                    proc.wait()
            self._procs = [None] * self.count


def stop_when_orphaned(poll_s: float = 1.0) -> threading.Thread:
    """In a replica: SIGTERM this process once its leader is gone (it is re-parented)."""
    leader = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != leader:
                log.warning("leader process %d is gone: replica %d stops", leader, os.getpid())
                os.kill(os.getpid(), signal.SIGTERM)
                return

    thread = threading.Thread(target=watch, name="leader-watch", daemon=True)
    thread.start()
    return thread
