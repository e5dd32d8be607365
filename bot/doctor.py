"""``xueshi doctor``: check the configuration without starting anything.

Reports, per area, ``ok`` / ``warn`` / ``error`` with a short Chinese explanation of what is wrong and
how to fix it. Never prints a secret: only whether it is set and whether its shape is right.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from bot.settings import Settings

OK, WARN, ERROR = "ok", "warn", "error"
_TOKEN = re.compile(r"^[A-Za-z0-9]{3,32}$")
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Finding:
    level: str
    area: str
    text: str


def _aes_key_problem(value: str) -> str | None:
    if len(value) != 43:
        return f"应为 43 个字符，现在是 {len(value)} 个"
    try:
        key = base64.b64decode(value + "=", validate=True)
    except (binascii.Error, ValueError):
        return "不是合法的 Base64 字符"
    return None if len(key) == 32 else "解码后不是 32 字节"


def _check_wecom_callback(settings: Settings, area: str, token_name: str, key_name: str) -> list[Finding]:
    found: list[Finding] = []
    token = settings.value(token_name)
    if token is not None and not _TOKEN.match(token):
        found.append(Finding(ERROR, area, f"XUESHI_{token_name.upper()} 应为 3–32 位英文字母或数字"))
    key = settings.value(key_name)
    if key is not None and (problem := _aes_key_problem(key)):
        found.append(Finding(ERROR, area, f"XUESHI_{key_name.upper()}（EncodingAESKey）{problem}"))
    return found


def _check_base_url(name: str, url: str) -> list[Finding]:
    parts = urlsplit(url)
    if parts.scheme == "http" and (parts.hostname or "") not in _LOOPBACK_HOSTS:
        return [Finding(WARN, "接口地址", f"XUESHI_{name.upper()} 用的是 http 而不是 https：{parts.scheme}://{parts.netloc}")]
    return []


def run_checks(settings: Settings) -> list[Finding]:
    from bot.platforms.registry import statuses

    findings: list[Finding] = []

    # Data files people edit.
    from faq.kb import KnowledgeBaseError, load_kb

    try:
        kb = load_kb(settings.faq_path)
        findings.append(Finding(OK, "知识库", f"{settings.faq_path}：{len(kb.items)} 条"))
    except (KnowledgeBaseError, OSError) as exc:
        findings.append(Finding(ERROR, "知识库", f"{settings.faq_path} 读不了：{exc}"))
    for area, loader_path, loader in _data_loaders(settings):
        try:
            loader(loader_path)
            findings.append(Finding(OK, area, str(loader_path)))
        except Exception as exc:  # each loader raises its own error type with a readable message
            findings.append(Finding(ERROR, area, f"{loader_path} 有误：{exc}"))

    # Database: reachable and at the current schema (creating it on a fresh SQLite file is fine).
    from bot.storage import Database

    db = Database(settings.database_url)
    try:
        health = db.health()
    finally:
        db.dispose()
    if health.get("ok"):
        findings.append(Finding(OK, "数据库", f"{db.safe_url}（{health.get('dialect')}，版本 {health.get('revision')}）"))
    else:
        findings.append(Finding(ERROR, "数据库", f"{db.safe_url} 连不上或版本不对：{health.get('error')}"))

    findings.append(_processes(settings, db.dialect))

    # Platform adapters.
    enabled = 0
    for status in statuses(settings):
        if status.enabled:
            enabled += 1
            findings.append(Finding(OK, status.name, "已配置，serve 时启动" + (f"（{status.detail}）" if status.detail else "")))
        else:
            missing = "、".join(f"XUESHI_{m.upper()}" for m in status.missing)
            why = "；".join(filter(None, [f"缺少 {missing}" if missing else "", status.detail]))
            findings.append(Finding(OK, status.name, f"未启用（{why or '未配置'}）"))
    findings += _check_wecom_callback(settings, "wecom_aibot", "wecom_aibot_token", "wecom_aibot_aes_key")
    findings += _check_wecom_callback(settings, "wecom_app", "wecom_app_token", "wecom_app_aes_key")
    partial = [
        ("企业微信智能机器人（回调）", ("wecom_aibot_token", "wecom_aibot_aes_key")),
        ("企业微信智能机器人（长连接）", ("wecom_aibot_id", "wecom_aibot_secret")),
        ("企业微信自建应用", ("wecom_corp_id", "wecom_app_token", "wecom_app_aes_key", "wecom_app_agent_id",
                       "wecom_app_secret")),
        ("钉钉应用机器人", ("dingtalk_client_id", "dingtalk_client_secret")),
    ]
    for label, names in partial:
        absent_names = settings.missing(names)
        if 0 < len(absent_names) < len(names):
            absent = "、".join(f"XUESHI_{n.upper()}" for n in absent_names)
            findings.append(Finding(ERROR, label, f"只配了一部分，还缺 {absent}"))
    if enabled == 0:
        findings.append(Finding(WARN, "平台", "没有启用任何群聊平台：只能用命令行和 /api/ask；配置方法见 README「接入企业微信和钉钉」"))
    for name in ("wecom_api_base", "dingtalk_api_base", "dingtalk_oapi_base"):
        findings += _check_base_url(name, getattr(settings, name))
    return findings


def _data_loaders(settings: Settings):
    from attendance.kinds import load_rules
    from scheduler.campaign import load_campaign
    from scheduler.reminders import load_rules as load_reminder_rules

    return [("活动日历", settings.campaign_path, load_campaign),
            ("提醒规则", settings.reminders_path, load_reminder_rules),
            ("会议规则", settings.meetings_path, load_rules)]


def _processes(settings: Settings, dialect: str) -> Finding:
    """How many processes ``serve`` will run, and whether that can work here."""
    from bot import workers

    count = settings.workers or workers.auto_count(dialect)
    origin = "XUESHI_WORKERS" if settings.workers else "默认"
    if count > 1 and not workers.reuse_port_supported():
        return Finding(WARN, "进程数", f"{origin} 为 {count}，但本系统不支持 SO_REUSEPORT（需要 Linux），serve 将只用 1 个进程")
    if count > 1 and dialect == "sqlite":
        return Finding(WARN, "进程数", f"{origin} 为 {count}：SQLite 同一时刻只允许一个写入者，多进程不会更快，建议用 1 个进程或换 PostgreSQL")
    return Finding(OK, "进程数", f"serve 启动 {count} 个进程（{origin}）")
