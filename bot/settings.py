"""Settings: ``XUESHI_*`` environment variables, then an optional TOML file, then defaults.

The TOML file is ``./xueshi.toml`` when present, or the path in ``XUESHI_CONFIG_FILE``. Zero
configuration must work: SQLite under ``./var`` and the knowledge base shipped in ``config/``.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

import config as config_data

DEFAULT_CONFIG_FILE = "xueshi.toml"


def _config_file() -> Path | None:
    explicit = os.environ.get("XUESHI_CONFIG_FILE")
    if explicit:
        return Path(explicit)
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XUESHI_", extra="ignore")

    database_url: str = "sqlite:///./var/xueshi.db"
    faq_path: Path = Field(default_factory=lambda: config_data.data_path("faq.toml"))
    lexicon_path: Path = Field(default_factory=lambda: config_data.data_path("lexicon.toml"))
    campaign_path: Path = Field(default_factory=lambda: config_data.data_path("campaign.toml"))
    # Milestone meetings: kinds and check-in rules; where 导出考勤 / xueshi meetings export write files.
    meetings_path: Path = Field(default_factory=lambda: config_data.data_path("meetings.toml"))
    export_dir: Path = Path("./var/exports")
    cache_dir: Path = Path("./var/cache")
    timezone: str = "Asia/Shanghai"
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    log_level: str = "INFO"
    # HTTP worker processes of `serve` (see bot.workers); unset: one on SQLite, one per core (≤ 4) on
    # PostgreSQL.
    workers: int | None = Field(default=None, ge=1, le=32)
    # Matcher thresholds (0..1); unset means the calibrated defaults in faq.matcher.
    answer_threshold: float | None = None
    suggest_threshold: float | None = None
    # The decision model's bar for answering (0..1); unset means the trained one (faq.decision).
    answer_confidence: float | None = Field(default=None, gt=0, lt=1)
    # Reminders: rules, the scheduler inside `serve`, and the push channels' endpoints.
    reminders_path: Path = Field(default_factory=lambda: config_data.data_path("reminders.toml"))
    scheduler_enabled: bool = True  # false: `serve` does not push; run `xueshi scheduler` separately
    reminder_grace_hours: float = Field(default=12.0, gt=0)
    http_timeout: float = Field(default=10.0, gt=0)  # seconds, per request to WeCom / DingTalk
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    dingtalk_oapi_base: str = "https://oapi.dingtalk.com"
    dingtalk_api_base: str = "https://api.dingtalk.com"
    dingtalk_app_key: str | None = None
    dingtalk_app_secret: SecretStr | None = None

    # -- platform adapters (bot/platforms); an adapter starts when all of its settings are present --
    # WeCom AI bot (智能机器人), HTTP callback at /wecom/aibot.
    wecom_aibot_token: SecretStr | None = None
    wecom_aibot_aes_key: SecretStr | None = None
    # WeCom AI bot, long connection (no public URL needed).
    wecom_aibot_id: str | None = None
    wecom_aibot_secret: SecretStr | None = None
    wecom_aibot_ws_url: str = "wss://openws.work.weixin.qq.com"
    wecom_aibot_heartbeat_seconds: float = Field(default=30.0, gt=0)
    wecom_aibot_reconnect_seconds: float = Field(default=1.0, gt=0)
    # WeCom self-built app (自建应用), XML callback at /wecom/app.
    wecom_corp_id: str | None = None
    wecom_app_token: SecretStr | None = None
    wecom_app_aes_key: SecretStr | None = None
    wecom_app_agent_id: int | None = None
    wecom_app_secret: SecretStr | None = None
    # DingTalk enterprise app robot: Stream mode and HTTP mode at /dingtalk/robot (AppKey / AppSecret).
    dingtalk_client_id: str | None = None
    dingtalk_client_secret: SecretStr | None = None
    dingtalk_robot_code: str | None = None  # unset: the client id (true for most robots)
    dingtalk_stream_enabled: bool = True  # false: only the HTTP endpoint, no outbound long connection
    # Answer inside the platform's callback when ready within this many seconds; otherwise
    # acknowledge at once and send the answer afterwards (WeCom retries after 5 s).
    inline_reply_seconds: float = Field(default=3.0, gt=0, le=4.5)
    inbound_retention_days: int = Field(default=7, ge=1)
    # Answer questions on the server's event loop (fast); false: every message goes to a worker thread.
    inline_questions: bool = True

    @field_validator("wecom_api_base", "dingtalk_oapi_base", "dingtalk_api_base")
    @classmethod
    def _base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"need an http(s) base URL, got {value!r}")
        return value

    @field_validator("wecom_aibot_ws_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("ws://", "wss://")):
            raise ValueError(f"need a ws(s) URL, got {value!r}")
        return value

    def value(self, name: str) -> str | None:
        """A setting as plain text (secrets unwrapped); None when it is unset or blank."""
        raw = getattr(self, name)
        if raw is None:
            return None
        text = raw.get_secret_value() if isinstance(raw, SecretStr) else str(raw)
        return text if text.strip() else None

    def missing(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """Which of ``names`` are unset or blank (an adapter starts only when none is)."""
        return tuple(name for name in names if self.value(name) is None)

    def dingtalk_app_credentials(self) -> tuple[str, str] | None:
        """(AppKey, AppSecret) of the DingTalk enterprise app, from either pair of settings."""
        key = self.dingtalk_client_id or self.dingtalk_app_key
        secret = self.dingtalk_client_secret or self.dingtalk_app_secret
        if not key or secret is None:
            return None
        return key, secret.get_secret_value()

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path is not None:
            if not path.is_file():
                raise FileNotFoundError(f"XUESHI_CONFIG_FILE points at a missing file: {path}")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)
