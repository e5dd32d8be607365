"""Every command meets an unreachable database with a short Chinese message, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

XUESHI = str(Path(sys.executable).with_name("xueshi"))


@pytest.mark.parametrize("args", [["groups", "list"], ["reminders", "list"], ["roster", "list"], ["faq", "misses"]])
def test_unreachable_database_is_a_clear_error(tmp_path, args):
    env = dict(os.environ, XUESHI_DATABASE_URL="postgresql+psycopg://postgres:secret@127.0.0.1:1/none",
               XUESHI_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([XUESHI, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode in (1, 2)
    assert "数据库" in done.stderr and "XUESHI_DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "secret" not in done.stderr + done.stdout
