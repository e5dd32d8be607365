"""bot.settings: XUESHI_* environment, then a TOML file, then defaults; bad values are clear errors."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import XUESHI_BIN
from pydantic import ValidationError

from bot.settings import Settings, load_settings


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No XUESHI_* variables and a working directory without xueshi.toml."""
    for key in list(os.environ):
        if key.startswith("XUESHI_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_work_with_zero_configuration(clean_env: Path) -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///./var/xueshi.db"
    assert settings.faq_path.is_file()
    assert settings.lexicon_path.is_file()
    assert settings.host == "127.0.0.1"
    assert settings.port == 8080
    assert settings.timezone == "Asia/Shanghai"
    assert settings.answer_threshold is None and settings.suggest_threshold is None


def test_environment_overrides_defaults(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XUESHI_DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    monkeypatch.setenv("XUESHI_PORT", "9090")
    monkeypatch.setenv("XUESHI_LOG_LEVEL", "debug")
    monkeypatch.setenv("XUESHI_ANSWER_THRESHOLD", "0.6")
    settings = load_settings()
    assert settings.database_url == "sqlite:////tmp/elsewhere.db"
    assert settings.port == 9090
    assert settings.log_level == "DEBUG"
    assert settings.answer_threshold == 0.6


def test_toml_file_from_xueshi_config_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = clean_env / "conf" / "my.toml"
    path.parent.mkdir()
    path.write_text('database_url = "sqlite:////tmp/from-file.db"\nport = 9191\nhost = "0.0.0.0"\n',
                    encoding="utf-8")
    monkeypatch.setenv("XUESHI_CONFIG_FILE", str(path))
    settings = load_settings()
    assert settings.database_url == "sqlite:////tmp/from-file.db"
    assert settings.port == 9191 and settings.host == "0.0.0.0"

    # the environment beats the file, field by field
    monkeypatch.setenv("XUESHI_DATABASE_URL", "sqlite:////tmp/from-env.db")
    settings = load_settings()
    assert settings.database_url == "sqlite:////tmp/from-env.db"
    assert settings.port == 9191


def test_xueshi_toml_in_the_working_directory_is_read(clean_env: Path) -> None:
    (clean_env / "xueshi.toml").write_text("port = 9292\n", encoding="utf-8")
    assert load_settings().port == 9292


def test_explicit_arguments_beat_everything(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XUESHI_PORT", "9090")
    assert load_settings(port=9393).port == 9393


def test_missing_config_file_is_a_clear_error(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = clean_env / "nowhere.toml"
    monkeypatch.setenv("XUESHI_CONFIG_FILE", str(missing))
    with pytest.raises(FileNotFoundError) as info:
        load_settings()
    assert "XUESHI_CONFIG_FILE" in str(info.value) and str(missing) in str(info.value)


@pytest.mark.parametrize("port", ["0", "70000", "-1", "eighty"])
def test_invalid_port_is_a_validation_error(clean_env: Path, monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    monkeypatch.setenv("XUESHI_PORT", port)
    with pytest.raises(ValidationError, match="port"):
        load_settings()


def test_invalid_port_in_the_file_is_a_validation_error(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = clean_env / "bad.toml"
    path.write_text("port = 123456\n", encoding="utf-8")
    monkeypatch.setenv("XUESHI_CONFIG_FILE", str(path))
    with pytest.raises(ValidationError, match="port"):
        Settings()


def _ask(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(XUESHI_BIN), "ask", "借调的党员在哪里参加"], capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=cwd, timeout=120)


def test_cli_with_invalid_port_exits_2_with_a_chinese_message(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _ask({**cli_env, "XUESHI_PORT": "abc"}, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "配置有误" in result.stderr and "port" in result.stderr
    assert re.search(r"[\u4e00-\u9fff]", result.stderr)
    assert result.stdout == ""


def test_cli_with_missing_config_file_exits_2_with_a_chinese_message(tmp_path: Path,
                                                                     cli_env: dict[str, str]) -> None:
    result = _ask({**cli_env, "XUESHI_CONFIG_FILE": str(tmp_path / "nowhere.toml")}, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "配置有误" in result.stderr and "nowhere.toml" in result.stderr


def test_cli_with_a_broken_knowledge_base_exits_2(tmp_path: Path, cli_env: dict[str, str]) -> None:
    broken = tmp_path / "faq.toml"
    broken.write_text('title = "x"\n[[items]]\nid = "a\n', encoding="utf-8")
    result = _ask({**cli_env, "XUESHI_FAQ_PATH": str(broken)}, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "知识库" in result.stderr


def test_cli_with_a_config_file_that_is_not_toml_exits_2(tmp_path: Path, cli_env: dict[str, str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("port = = 1\n", encoding="utf-8")
    result = _ask({**cli_env, "XUESHI_CONFIG_FILE": str(bad)}, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "配置有误" in result.stderr


def test_value_unwraps_secrets_and_missing_names_blank_ones(make_settings) -> None:
    settings = make_settings(wecom_aibot_token="tok123", wecom_aibot_aes_key="  ", wecom_corp_id="ww1")
    assert settings.value("wecom_aibot_token") == "tok123"  # a SecretStr, unwrapped
    assert settings.value("wecom_aibot_aes_key") is None  # blank counts as unset
    assert settings.missing(("wecom_aibot_token", "wecom_aibot_aes_key", "wecom_corp_id", "wecom_app_secret")) == (
        "wecom_aibot_aes_key", "wecom_app_secret")
