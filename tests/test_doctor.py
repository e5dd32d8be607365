"""``xueshi doctor``: reports configuration problems clearly, never prints a secret, exits 1 on errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import XUESHI_BIN

GOOD_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"  # 43 characters, 32 bytes decoded


def _doctor(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(XUESHI_BIN), "doctor"], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_zero_configuration_is_healthy_with_a_hint(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _doctor(cli_env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "知识库" in result.stdout and "32 条" in result.stdout
    assert "数据库" in result.stdout and "版本" in result.stdout
    assert "没有启用任何群聊平台" in result.stdout


def test_bad_key_and_partial_configuration_are_errors(tmp_path: Path, cli_env: dict[str, str]) -> None:
    secret = "do-not-print-this-secret-7391"
    env = {**cli_env, "XUESHI_WECOM_AIBOT_TOKEN": "tok", "XUESHI_WECOM_AIBOT_AES_KEY": "tooshort",
           "XUESHI_WECOM_CORP_ID": "ww1436e0e65a779aee", "XUESHI_WECOM_APP_SECRET": secret,
           "XUESHI_DINGTALK_CLIENT_ID": "ding-id"}
    result = _doctor(env, tmp_path)
    assert result.returncode == 1
    out = result.stdout
    assert "EncodingAESKey" in out and "43" in out
    assert "XUESHI_WECOM_APP_TOKEN" in out  # the app is half-configured: what is missing is named
    assert "XUESHI_DINGTALK_CLIENT_SECRET" in out
    assert secret not in out + result.stderr
    assert "tooshort" not in out


def test_complete_callback_settings_pass(tmp_path: Path, cli_env: dict[str, str]) -> None:
    env = {**cli_env, "XUESHI_WECOM_AIBOT_TOKEN": "tok123", "XUESHI_WECOM_AIBOT_AES_KEY": GOOD_AES_KEY}
    result = _doctor(env, tmp_path)
    assert result.returncode == 0, result.stdout
    assert "✗" not in result.stdout
    assert GOOD_AES_KEY not in result.stdout


def test_unreachable_database_is_an_error(tmp_path: Path, cli_env: dict[str, str]) -> None:
    env = {**cli_env, "XUESHI_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"}
    result = _doctor(env, tmp_path)
    assert result.returncode == 1
    assert "数据库" in result.stdout and "连不上" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_process_count_is_reported_and_sqlite_with_several_is_a_warning(tmp_path: Path,
                                                                         cli_env: dict[str, str]) -> None:
    result = _doctor(cli_env, tmp_path)
    assert "进程数" in result.stdout and "serve 启动 1 个进程（默认）" in result.stdout
    several = _doctor({**cli_env, "XUESHI_WORKERS": "3"}, tmp_path)
    assert several.returncode == 0  # a warning, not an error
    line = next(ln for ln in several.stdout.splitlines() if "进程数" in ln)
    assert line.startswith("!") and "XUESHI_WORKERS 为 3" in line and "SQLite" in line
