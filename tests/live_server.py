"""Start a real ``xueshi serve`` process on 127.0.0.1 for end-to-end tests and benchmarks.

    with LiveServer(env) as server:          # env: XUESHI_* settings (database, adapter secrets …)
        httpx.get(server.url + "/healthz")

The port is picked free by the OS; the server is ready once ``/healthz`` answers. Its output is kept
(``server.output()``) so a failing test can show what the server logged. Stopped with SIGTERM, then
SIGKILL after a grace period.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

XUESHI_BIN = Path(sys.executable).with_name("xueshi")
REPO_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, env: dict[str, str], *, cwd: Path | None = None, start_timeout: float = 30.0,
                 extra_args: tuple[str, ...] = ()) -> None:
        self.env = {**os.environ, **env}
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        self.env.setdefault("PYTHONIOENCODING", "utf-8")
        self.cwd = cwd
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start_timeout = start_timeout
        self.extra_args = extra_args
        self._lines: list[str] = []
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> LiveServer:
        self.proc = subprocess.Popen(
            [str(XUESHI_BIN), "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.extra_args],
            env=self.env, cwd=self.cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"xueshi serve exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"xueshi serve did not become ready in {self.start_timeout} s:\n{self.output()}")

    def worker_pids(self, expected: int, timeout: float = 30.0) -> set[int]:
        """Wait until ``expected`` distinct processes answer /healthz (``serve --workers N``): each new
        connection lands on one of them. Returns their pids."""
        seen: set[int] = set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    seen.add(json.loads(response.read())["worker"]["pid"])
            except OSError:
                pass
            if len(seen) >= expected:
                return seen
            time.sleep(0.02)
        raise RuntimeError(f"only {len(seen)} of {expected} worker processes answered in {timeout} s:\n{self.output()}")

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.append(line)

    def output(self) -> str:
        return "".join(self._lines)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
