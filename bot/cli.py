"""The ``xueshi`` command line (typer). Heavy modules are imported inside commands to keep
``xueshi ask`` quick to start."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bot.service import Service
    from bot.settings import Settings
    from bot.storage import Database

app = typer.Typer(help="学实助手：回答《培训提纲》里的问题。", no_args_is_help=True, add_completion=False)
faq_app = typer.Typer(help="知识库：查看、导入、评测。", no_args_is_help=True)
app.add_typer(faq_app, name="faq")
campaign_app = typer.Typer(help="活动日历：阶段和截止事项。", no_args_is_help=True)
app.add_typer(campaign_app, name="campaign")
groups_app = typer.Typer(help="群和推送通道：登记、查看、删除、发测试消息。", no_args_is_help=True)
app.add_typer(groups_app, name="groups")
reminders_app = typer.Typer(help="提醒：查看计划和状态、预览文字、发送到期提醒、重试失败的。", no_args_is_help=True)
app.add_typer(reminders_app, name="reminders")

log = logging.getLogger("xueshi")

#: GIL switch interval for `serve` (see there).
SERVE_SWITCH_INTERVAL_S = 0.005


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"错误：{message}", err=True)
    return typer.Exit(code)


def _setup_logging(settings: Settings | None = None, level: str | None = None) -> None:
    logging.basicConfig(
        level=level or (settings.log_level if settings else "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _settings() -> Settings:
    from pydantic import ValidationError

    from bot.settings import load_settings

    try:
        return load_settings()
    except (ValidationError, FileNotFoundError, ValueError) as exc:
        raise _fail(f"配置有误：{exc}") from exc


def _clock(now: str | None):
    from bot.clock import FixedClock, SystemClock, parse_instant

    if not now:
        return SystemClock()
    try:
        return FixedClock(parse_instant(now))
    except ValueError as exc:
        raise _fail(f"--now 需要 ISO 8601 时间，例如 2009-04-16T10:00:00+08:00，收到：{now!r}") from exc


def _service(now: str | None = None, settings: Settings | None = None, category: int | None = None) -> Service:
    from bot.service import Service
    from faq.kb import KnowledgeBaseError

    settings = settings or _settings()
    try:
        return Service(settings, clock=_clock(now), default_category=category)
    except KnowledgeBaseError as exc:
        raise _fail(f"知识库文件有误：{exc}") from exc


def _lines(stream) -> object:
    for raw in stream:
        line = raw.rstrip("\r\n")
        if line.strip():
            yield line


@app.command()
def ask(
    questions: Annotated[list[str] | None, typer.Argument(help="问题；不给则从标准输入逐行读取")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="每个回答输出一行 JSON")] = False,
    now: Annotated[str | None, typer.Option(help="当前时间（ISO 8601，无时区按北京时间）")] = None,
    category: Annotated[int | None, typer.Option(min=1, max=2, help="按第一类(1)/第二类(2)单位回答")] = None,
) -> None:
    """回答问题：命令行参数里的，或标准输入里每行一个。"""
    from bot.service import ONE_SHOT_PLATFORM, reply_record

    _setup_logging(level="WARNING")
    service = _service(now, category=category)
    source = questions if questions else _lines(sys.stdin)
    try:
        for question in source:
            reply = service.ask(question, platform=ONE_SHOT_PLATFORM)
            if as_json:
                sys.stdout.write(json.dumps(reply_record(question, reply), ensure_ascii=False) + "\n")
            else:
                sys.stdout.write(reply.text + "\n\n")
            sys.stdout.flush()
    finally:
        service.close()


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="发消息的人（任一平台账号）")] = "console-user",
    group: Annotated[str, typer.Option(help="所在群")] = "console-group",
    now: Annotated[str | None, typer.Option(help="当前时间（ISO 8601）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="每条回复输出一行 JSON")] = False,
) -> None:
    """在终端里和学实助手对话；标准输入不是终端时，每行一条消息。"""
    from bot.service import reply_record

    _setup_logging(level="WARNING")
    service = _service(now)
    interactive = sys.stdin.isatty() and not as_json
    try:
        if interactive:
            from rich.console import Console
            from rich.panel import Panel

            console = Console()
            console.print("学实助手（输入「帮助」查看用法，Ctrl-D 退出）")
            while True:
                try:
                    text = console.input("[bold]你：[/bold]")
                except (EOFError, KeyboardInterrupt):
                    console.print()
                    break
                if not text.strip():
                    continue
                reply = service.ask(text, platform="console", chat_id=group, user_id=user)
                console.print(Panel(reply.text, title="学实助手", title_align="left"))
            return
        for text in _lines(sys.stdin):
            reply = service.ask(text, platform="console", chat_id=group, user_id=user)
            if as_json:
                sys.stdout.write(json.dumps(reply_record(text, reply), ensure_ascii=False) + "\n")
            else:
                sys.stdout.write(reply.text + "\n\n")
            sys.stdout.flush()
    finally:
        service.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="监听地址")] = None,
    port: Annotated[int | None, typer.Option(help="端口")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, max=32, help="HTTP 工作进程数（默认：SQLite 为 1，PostgreSQL 为 CPU 核数，最多 4）")] = None,
    replica: Annotated[bool, typer.Option(hidden=True, help="内部使用：--workers 启动的附属进程")] = False,
) -> None:
    """启动 HTTP 服务（/healthz、/api/ask）和提醒调度。

    设置 XUESHI_SCHEDULER_ENABLED=false 时不推送提醒（改用单独的 `xueshi scheduler`）。
    --workers N（或 XUESHI_WORKERS）再启动 N-1 个只处理 HTTP 请求的进程，共用同一端口。
    """
    import uvicorn

    from bot import workers as worker_processes
    from bot.http import create_app

    settings = _settings()
    _setup_logging(settings)
    service = _service(settings=settings)
    host = host or settings.host
    port = settings.port if port is None else port
    count = workers or settings.workers or worker_processes.auto_count(service.db.dialect)
    if replica:
        count = 1
    elif count > 1 and not worker_processes.reuse_port_supported():
        log.warning("--workers %d needs SO_REUSEPORT (Linux); serving with one process", count)
        count = 1
    sock = None
    if replica or count > 1:
        try:
            sock = worker_processes.bind_shared(host, port)
        except OSError as exc:
            raise _fail(f"无法监听 {host}:{port}：{exc.strerror or exc}") from exc
        port = sock.getsockname()[1]
    web = create_app(service, role="replica" if replica else "leader")
    if replica:
        log.info("replica %d serving on http://%s:%d", os.getpid(), host, port)
        worker_processes.stop_when_orphaned()
    else:
        log.info("serving on http://%s:%d with %d worker process(es) (database %s)",
                 host, port, count, service.db.safe_url)
        typer.echo(f"学实助手已启动：http://{host}:{port}  试试：curl -s -X POST http://{host}:{port}/api/ask "
                   "-H 'content-type: application/json' -d '{\"question\": \"借调的党员在哪里参加？\"}'", err=True)
        for status in web.state.platforms.statuses:  # one line per adapter: enabled, or what is missing
            log.info("%s", status.line())
        if settings.scheduler_enabled:  # reminders are pushed from this process (one scheduler per deployment)
            from scheduler.runner import ReminderRunner, with_runner

            with_runner(web, ReminderRunner(settings, db=service.db))
        if count > 1:
            service.db.ensure_schema()  # once, here, before the replicas open the database
            command = [sys.executable, "-m", "bot", "serve", "--replica", "--host", host, "--port", str(port)]
            from bot.lifespan import run_alongside

            replicas = worker_processes.ReplicaSupervisor(count - 1, command)
            run_alongside(web, replicas.start, replicas.stop)
    # Worker threads (router, database) and the event loop share the GIL; a thread coming back from a
    # database call waits up to one switch interval (5 ms by default) for it, several times per message.
    sys.setswitchinterval(SERVE_SWITCH_INTERVAL_S)
    # The knowledge base, the lexicon and the libraries are loaded for good: keep them out of the
    # collector's full passes, which otherwise walk millions of objects and stall every request.
    import gc

    gc.collect()
    gc.freeze()
    if sock is None:
        uvicorn.run(web, host=host, port=port, log_level=settings.log_level.lower())
    else:
        uvicorn.Server(uvicorn.Config(web, log_level=settings.log_level.lower())).run(sockets=[sock])


@app.command()
def doctor() -> None:
    """检查配置（知识库、数据库、各平台的密钥格式），不启动服务。有错误时退出码为 1。"""
    from bot.doctor import ERROR, WARN, run_checks

    settings = _settings()
    marks = {"ok": "✓", WARN: "!", ERROR: "✗"}
    findings = run_checks(settings)
    for finding in findings:
        typer.echo(f"{marks[finding.level]} {finding.area}：{finding.text}")
    errors = sum(f.level == ERROR for f in findings)
    warnings = sum(f.level == WARN for f in findings)
    typer.echo(f"\n{errors} 个错误，{warnings} 个提醒。" if errors or warnings else "\n配置没有发现问题。")
    if errors:
        raise typer.Exit(1)


@faq_app.command("list")
def faq_list() -> None:
    """列出知识库里的全部问题。"""
    from rich.console import Console
    from rich.table import Table

    from faq.kb import KnowledgeBaseError, load_kb

    settings = _settings()
    try:
        kb = load_kb(settings.faq_path)
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from exc
    table = Table("编号", "出处", "问题", "相似问法", title=f"知识库（{len(kb.items)} 条）")
    for item in kb.items:
        table.add_row(item.id, item.section, item.question, str(len(item.aliases)))
    Console().print(table)


@faq_app.command("show")
def faq_show(item_id: Annotated[str, typer.Argument(help="条目编号，如 prep-stages")]) -> None:
    """显示一条问答的全部内容。"""
    from faq.kb import KnowledgeBaseError, load_kb

    settings = _settings()
    try:
        kb = load_kb(settings.faq_path)
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from exc
    item = kb.by_id(item_id)
    if item is None:
        raise _fail(f"没有编号为 {item_id!r} 的条目；用 `xueshi faq list` 查看全部编号。", 1)
    typer.echo(f"编号：{item.id}\n出处：{item.section}\n问题：{item.question}\n答案：\n{item.answer}")
    typer.echo("相似问法：" + ("；".join(item.aliases) or "（无）"))
    typer.echo("关键词：" + ("、".join(item.keywords) or "（无）"))
    if item.short_answer:
        typer.echo("简短答案：" + item.short_answer)


@faq_app.command("import")
def faq_import(
    path: Annotated[Path, typer.Argument(help="培训提纲文本文件（UTF-8）")],
    out: Annotated[Path | None, typer.Option(help="写到哪个知识库文件（默认为配置的 faq_path）")] = None,
) -> None:
    """从培训提纲导入问答；保留手写的编号、相似问法和关键词，并报告变化。"""
    from faq.kb import KnowledgeBaseError, load_kb, merge_outline, save_kb
    from faq.outline import OutlineFormatError, parse_outline

    target = out or _settings().faq_path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise _fail(f"找不到文件 {path}") from exc
    except UnicodeDecodeError as exc:
        raise _fail(f"{path} 不是 UTF-8 文本") from exc
    try:
        outline = parse_outline(text)
        existing = load_kb(target) if target.exists() else None
        kb, report = merge_outline(outline, existing)
    except (OutlineFormatError, KnowledgeBaseError) as exc:
        raise _fail(str(exc)) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    save_kb(kb, target)
    typer.echo(f"已导入 {len(kb.items)} 条到 {target}：新增 {len(report.added)}，修改 {len(report.changed)}，"
               f"删除 {len(report.removed)}，未变 {report.unchanged}。")
    for label, ids in (("新增", report.added), ("修改", report.changed), ("删除", report.removed)):
        if ids:
            typer.echo(f"  {label}：{'、'.join(ids)}")


@faq_app.command("eval")
def faq_eval(
    path: Annotated[Path, typer.Argument(help="评测集（jsonl：q, kind, item, expect_any, now?）")],
    show_all: Annotated[bool, typer.Option("--all", help="也列出通过的题")] = False,
) -> None:
    """用评测集打分：按类型给出准确率，并列出答错的题。"""
    from bot.evaluation import EvalError, evaluate, load_cases

    try:
        cases = load_cases(path)
    except EvalError as exc:
        raise _fail(str(exc)) from exc
    settings = _settings()
    outcome = evaluate(cases, lambda now: _isolated_service(settings, now))
    for line in outcome.report(show_all=show_all):
        typer.echo(line)


@faq_app.command("calibrate")
def faq_calibrate(path: Annotated[Path, typer.Argument(help="标注过的问题集（jsonl）")]) -> None:
    """扫描阈值组合，给出在标注集上最稳妥的一组（记录阈值是怎么选的）。"""
    from bot.evaluation import EvalError, load_cases
    from faq.calibration import calibrate

    try:
        cases = load_cases(path)
    except EvalError as exc:
        raise _fail(str(exc)) from exc
    settings = _settings()
    from bot.service import build_matcher

    for line in calibrate(build_matcher(settings), cases):
        typer.echo(line)


@faq_app.command("misses")
def faq_misses(limit: Annotated[int, typer.Option(help="最多列出几条")] = 30) -> None:
    """列出用户问过、但没答上（只给了建议或没找到）的问题，按次数排序。"""
    from rich.console import Console
    from rich.table import Table

    from bot.storage import Database
    from bot.storage.repo import top_misses

    settings = _settings()
    db = Database(settings.database_url)
    try:
        misses = top_misses(db, limit=limit)
    finally:
        db.dispose()
    if not misses:
        typer.echo("还没有没答上的问题。")
        return
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(settings.timezone)
    table = Table("次数", "问题（示例）", "最接近的条目", "得分", "最近一次", title="没答上的问题")
    for miss in misses:
        table.add_row(str(miss.count), miss.example, miss.best_faq_id or "—", f"{miss.best_score:.2f}",
                      miss.last_asked.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
    Console().print(table)


@campaign_app.command("show")
def campaign_show(now: Annotated[str | None, typer.Option(help="当前时间（ISO 8601）")] = None) -> None:
    """显示活动时间表，标出当前阶段和剩余天数。"""
    from rich.console import Console
    from rich.table import Table

    from bot.clock import CAMPAIGN_TZ
    from scheduler.campaign import CampaignError, load_campaign

    settings = _settings()
    try:
        campaign = load_campaign(settings.campaign_path)
    except CampaignError as exc:
        raise _fail(str(exc)) from exc
    today = _clock(now).now().astimezone(CAMPAIGN_TZ).date()
    current = campaign.stage_at(today)
    # Stages sort by their start, deadlines by their due day; "还有" counts to a stage's end or a due day.
    rows = [(s.window.start, f"{s.window.start:%m-%d}～{s.window.end:%m-%d}", s.label, "", s.window.end, s.id)
            for s in campaign.stages]
    rows += [(d.due, f"截止 {d.due:%m-%d}", f"· {d.name}（{d.period}）", "、".join(d.audience), d.due, d.id)
             for d in campaign.deadlines]
    rows.sort(key=lambda r: (r[0], 0 if r[2].startswith("第") else 1))
    table = Table("", "时间", "事项", "对象", "还有", title=f"{campaign.name}（今天：{today:%Y-%m-%d}）")
    for _, when, label, audience, end, item_id in rows:
        mark = "▶" if current is not None and item_id == current.id else ""
        left = (end - today).days
        left_text = "已过" if left < 0 else ("今天" if left == 0 else f"{left} 天")
        table.add_row(mark, when, label, audience, left_text)
    Console().print(table)
    if today < campaign.start:
        typer.echo(f"活动还没开始，{campaign.start:%m月%d日}开始。")
    elif today > campaign.end:
        typer.echo(f"活动已于 {campaign.end:%Y-%m-%d} 结束。")


# -- groups ---------------------------------------------------------------------------------------------

PLATFORM_NAMES = {"wecom": "企业微信", "dingtalk": "钉钉", "console": "控制台"}
CHANNEL_NAMES = {"wecom_webhook": "企业微信群机器人", "wecom_aibot": "企业微信智能机器人（长连接）",
                 "dingtalk_webhook": "钉钉自定义机器人",
                 "dingtalk_openapi": "钉钉应用机器人", "console": "控制台"}
STATE_NAMES = {"planned": "计划中", "pending": "待发送", "sending": "发送中", "sent": "已发送",
               "failed": "失败", "skipped": "已跳过"}
WECOM_WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={}"
DINGTALK_WEBHOOK = "https://oapi.dingtalk.com/robot/send?access_token={}"


def _database(settings: Settings):
    from bot.storage import Database

    return Database(settings.database_url)


@contextmanager
def _opened_database(settings: Settings) -> Iterator[Database]:
    """The database for one command, closed afterwards whatever happens."""
    db = _database(settings)
    try:
        yield db
    finally:
        db.dispose()


def _category(value: str | None) -> int | None:
    if value is None:
        return None
    if value.strip() not in ("1", "2"):
        raise _fail(f"--category 只能是 1 或 2，收到：{value!r}")
    return int(value)


def _group_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise _fail(f"群编号是正整数（见 `xueshi groups list`），收到：{value!r}")
    return number


def _webhook(value: str, template: str, param: str, platform: str) -> str:
    """A full webhook URL from a URL or a bare key / access token."""
    from urllib.parse import parse_qs, urlsplit

    value = value.strip()
    if not value.startswith(("http://", "https://")):
        if not value or any(c in value for c in " /?&=#"):
            raise _fail(f"--webhook 需要{platform}机器人的 webhook 地址（或其中的 {param}），收到的格式不对")
        return template.format(value)
    parts = urlsplit(value)
    if not parts.netloc or not parse_qs(parts.query).get(param):
        raise _fail(f"--webhook 地址里没有 {param}=…：请复制{platform}群机器人设置里的完整 webhook 地址")
    return value


@groups_app.command("add")
def groups_add(
    platform: Annotated[str | None, typer.Option(help="平台：wecom（企业微信）/ dingtalk（钉钉）/ console（控制台）")] = None,
    chat_id: Annotated[str | None, typer.Option("--chat-id", help="群的 ID（同一平台内唯一）")] = None,
    name: Annotated[str | None, typer.Option(help="群名称")] = None,
    category: Annotated[str | None, typer.Option(help="单位类别：1（第一类单位）或 2（第二类单位）；不填则只收全体事项")] = None,
    webhook: Annotated[str | None, typer.Option(help="群机器人 webhook 地址（企业微信或钉钉自定义机器人）")] = None,
    secret: Annotated[str | None, typer.Option(help="钉钉自定义机器人的加签密钥（SEC 开头）")] = None,
    keyword: Annotated[str | None, typer.Option(help="钉钉自定义机器人的自定义关键词")] = None,
    robot_code: Annotated[str | None, typer.Option("--robot-code", help="钉钉应用机器人的 robotCode")] = None,
    conversation_id: Annotated[str | None, typer.Option("--conversation-id", help="钉钉群的 openConversationId")] = None,
    unit: Annotated[str | None, typer.Option(help="所属单位名称")] = None,
    aibot: Annotated[bool, typer.Option("--aibot", help="企业微信群经智能机器人长连接推送（不用群机器人 webhook）")] = False,
) -> None:
    """登记一个群和它的推送通道（密钥只保存，不会完整显示）。"""
    from bot.clock import SystemClock
    from bot.storage.outbox_repo import GroupExists, add_group

    if platform not in PLATFORM_NAMES:
        raise _fail("--platform 只能是 wecom、dingtalk 或 console" + (f"，收到：{platform!r}" if platform else ""))
    chat_id = (chat_id or "").strip()
    name = (name or "").strip()
    if not chat_id:
        raise _fail("缺少 --chat-id（群的 ID）")
    if len(chat_id) > 128 or "|" in chat_id:
        raise _fail("--chat-id 最长 128 个字符，且不能含“|”")
    if not name:
        raise _fail("缺少 --name（群名称）")
    if len(name) > 200 or (unit and len(unit) > 200):
        raise _fail("--name / --unit 最长 200 个字符")
    category_value = _category(category)
    openapi = robot_code is not None or conversation_id is not None
    if aibot and platform != "wecom":
        raise _fail("--aibot 只用于企业微信群")
    if platform == "console":
        if webhook or secret or keyword or openapi:
            raise _fail("控制台群不需要 --webhook / --secret / --keyword / --robot-code / --conversation-id")
        channel = "console"
    elif platform == "wecom":
        if secret or keyword or openapi:
            raise _fail("企业微信群机器人只需要 --webhook；--secret、--keyword、--robot-code 是钉钉的选项")
        if aibot and webhook:
            raise _fail("企业微信群二选一：群机器人用 --webhook，智能机器人长连接用 --aibot")
        if aibot:
            channel = "wecom_aibot"
        elif not webhook:
            raise _fail("企业微信群需要 --webhook（群机器人的 webhook 地址，含 key=…），"
                        "或 --aibot（经智能机器人长连接推送）")
        else:
            webhook = _webhook(webhook, WECOM_WEBHOOK, "key", "企业微信")
            channel = "wecom_webhook"
    else:
        if webhook and openapi:
            raise _fail("钉钉群二选一：自定义机器人用 --webhook，应用机器人用 --robot-code 和 --conversation-id")
        if openapi:
            if not robot_code or not conversation_id:
                raise _fail("钉钉应用机器人需要同时给出 --robot-code 和 --conversation-id")
            if secret or keyword:
                raise _fail("--secret / --keyword 只用于钉钉自定义机器人（--webhook）")
            channel = "dingtalk_openapi"
        elif webhook:
            webhook = _webhook(webhook, DINGTALK_WEBHOOK, "access_token", "钉钉")
            channel = "dingtalk_webhook"
        else:
            raise _fail("钉钉群需要 --webhook（自定义机器人），或 --robot-code 加 --conversation-id（应用机器人）")
    if secret is not None and not secret.strip():
        raise _fail("--secret 不能为空")
    if keyword is not None and (not keyword.strip() or len(keyword) > 64):
        raise _fail("--keyword 不能为空，最长 64 个字符")

    from bot.cli_meetings import bind_added_group, registered_unit

    settings = _settings()
    _setup_logging(level="WARNING")
    db = _database(settings)
    try:
        # A unit on the roster (xueshi units add) also binds the group to it, for check-in and leave.
        registered, category_value = registered_unit(db, platform, chat_id, (unit or "").strip(), category_value)
        group = add_group(
            db, platform=platform, chat_id=chat_id, name=name, channel=channel, created_at=SystemClock().now(),
            unit=(unit or "").strip() or None, category=category_value, webhook_url=webhook,
            secret=secret.strip() if secret else None, keyword=keyword.strip() if keyword else None,
            robot_code=robot_code, open_conversation_id=conversation_id,
        )
        note = bind_added_group(db, platform, chat_id, registered, (unit or "").strip())
        if channel == "wecom_aibot":
            note = "\n".join(filter(None, [note, _aibot_seen_note(db, chat_id)]))
    except GroupExists as exc:
        raise _fail(f"{PLATFORM_NAMES[platform]}群 {chat_id} 已经登记过了；先 `xueshi groups remove` 再添加") from exc
    finally:
        db.dispose()
    typer.echo(f"已登记群 #{group.id}「{group.name}」（{PLATFORM_NAMES[platform]}，{CHANNEL_NAMES[channel]}）。"
               f"可以用 `xueshi groups test {group.id}` 发一条测试消息。")
    if note:
        typer.echo(note)


def _aibot_seen_note(db: Database, chat_id: str) -> str:
    """Pushing over the AI bot's long connection needs a chat id the bot has received messages from."""
    from datetime import timedelta

    from bot.clock import SystemClock
    from bot.platforms.wecom_aibot_ws import seen_group_chats

    if chat_id in seen_group_chats(db, SystemClock().now() - timedelta(days=7)):
        return ""
    return ("提示：最近 7 天没有收到过这个群 @ 机器人的消息，请核对群 ID；"
            "`xueshi groups seen` 列出机器人见过的群。")


def _group_target(group) -> str:
    if group.channel == "wecom_aibot":
        return f"chatid={group.chat_id}"
    if group.channel in ("wecom_webhook", "dingtalk_webhook"):
        return group.masked_webhook
    if group.channel == "dingtalk_openapi":
        return f"robotCode={group.robot_code} openConversationId={group.open_conversation_id}"
    return "—"


@groups_app.command("list")
def groups_list() -> None:
    """列出登记的群（密钥和 webhook 里的 key 只显示首尾几位）。"""
    from rich.console import Console
    from rich.table import Table

    from bot.storage.outbox_repo import list_groups

    settings = _settings()
    _setup_logging(level="WARNING")
    with _opened_database(settings) as db:
        groups = list_groups(db)
    if not groups:
        typer.echo("还没有登记群。用 `xueshi groups add --platform wecom --chat-id ID --name 群名 --webhook URL` 添加。")
        return
    table = Table("编号", "平台", "群 ID", "名称", "单位", "类别", "通道", "地址", "加签密钥", "关键词",
                  title=f"群（{len(groups)} 个）")
    for g in groups:
        table.add_row(str(g.id), PLATFORM_NAMES.get(g.platform, g.platform), g.chat_id, g.name, g.unit or "—",
                      str(g.category) if g.category else "—", CHANNEL_NAMES.get(g.channel, g.channel),
                      _group_target(g), g.masked_secret or "—", g.keyword or "—")
    Console(width=max(Console().width, 160)).print(table)


@groups_app.command("seen")
def groups_seen() -> None:
    """列出最近 7 天 @ 过企业微信智能机器人的群 ID（登记长连接推送时用）。"""
    from datetime import timedelta

    from bot.clock import SystemClock
    from bot.platforms.wecom_aibot_ws import seen_group_chats
    from bot.storage.outbox_repo import list_groups

    settings = _settings()
    _setup_logging(level="WARNING")
    with _opened_database(settings) as db:
        seen = seen_group_chats(db, SystemClock().now() - timedelta(days=settings.inbound_retention_days))
        registered = {g.chat_id for g in list_groups(db) if g.platform == "wecom"}
    if not seen:
        typer.echo("最近没有收到过企业微信群 @ 机器人的消息。")
        return
    for chat in seen:
        typer.echo(f"{chat}\t{'已登记' if chat in registered else '未登记'}")


def _no_group(group_id: int) -> typer.Exit:
    return _fail(f"没有编号为 {group_id} 的群；用 `xueshi groups list` 查看。", 1)


def _group_or_fail(db: Database, group_id: int):
    from bot.storage.outbox_repo import get_group

    group = get_group(db, group_id)
    if group is None:
        raise _no_group(group_id)
    return group


@groups_app.command("remove")
def groups_remove(group_ref: Annotated[str, typer.Argument(metavar="ID", help="群编号（见 xueshi groups list）")]) -> None:
    """删除一个群；它还没发出的提醒一并删除，已发出的记录保留。"""
    group_id = _group_id(group_ref)
    from bot.storage.outbox_repo import remove_group

    settings = _settings()
    _setup_logging(level="WARNING")
    with _opened_database(settings) as db:
        group = _group_or_fail(db, group_id)
        if not remove_group(db, group_id):
            raise _no_group(group_id)
    typer.echo(f"已删除群 #{group_id}「{group.name}」。")


@groups_app.command("test")
def groups_test(group_ref: Annotated[str, typer.Argument(metavar="ID", help="群编号（见 xueshi groups list）")]) -> None:
    """向一个群发一条测试消息，检查推送通道是否接通。"""
    group_id = _group_id(group_ref)
    import asyncio

    from scheduler.channels import DeliveryError
    from scheduler.runner import ReminderRunner

    settings = _settings()
    _setup_logging(level="WARNING")
    with _opened_database(settings) as db:
        group = _group_or_fail(db, group_id)
        runner = ReminderRunner(settings, db=db)
        text = f"【学实助手】测试消息：群「{group.name}」的提醒推送已接通。"
        try:
            asyncio.run(runner.send_test(group, text))
        except DeliveryError as exc:
            raise _fail(f"测试消息发送失败：{exc.message}", 1) from exc
    typer.echo(f"已向群 #{group.id}「{group.name}」发送测试消息。")


# -- reminders ------------------------------------------------------------------------------------------


def _instant(value: str | None, option: str, *, end: bool = False):
    """ISO date or date-time (campaign-local when no offset); a bare date as --to means the whole day."""
    from datetime import timedelta

    from bot.clock import parse_instant

    if not value:
        return None
    try:
        moment = parse_instant(value)
    except ValueError as exc:
        raise _fail(f"{option} 需要 ISO 8601 日期或时间，例如 2009-04-16 或 2009-04-16T09:00，收到：{value!r}") from exc
    if end and len(value.strip()) == 10:
        moment += timedelta(days=1)
    return moment


def _load_plan(settings: Settings):
    from scheduler.campaign import CampaignError, load_campaign
    from scheduler.reminders import ReminderRulesError, load_rules

    try:
        return load_campaign(settings.campaign_path), load_rules(settings.reminders_path)
    except (CampaignError, ReminderRulesError) as exc:
        raise _fail(str(exc)) from exc


@reminders_app.command("list")
def reminders_list(
    start: Annotated[str | None, typer.Option("--from", help="从这个时间起（ISO 8601，如 2009-04-01）")] = None,
    end: Annotated[str | None, typer.Option("--to", help="到这个时间止（只写日期则含当天）")] = None,
    state: Annotated[str | None, typer.Option(help="只看某种状态：planned / pending / sending / sent / failed / skipped")] = None,
) -> None:
    """列出计划中的提醒（每个群一行）和它们的发送状态。"""
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from rich.table import Table

    from bot.storage.outbox_repo import list_groups, list_outbox
    from scheduler import reminders

    wanted = None
    if state:
        by_label = {v: k for k, v in STATE_NAMES.items()}
        wanted = state if state in STATE_NAMES else by_label.get(state)
        if wanted is None:
            raise _fail(f"--state 只能是 {' / '.join(STATE_NAMES)}，收到：{state!r}")
    lo, hi = _instant(start, "--from"), _instant(end, "--to", end=True)
    if lo and hi and hi <= lo:
        raise _fail("--to 要晚于 --from")
    settings = _settings()
    _setup_logging(level="WARNING")
    campaign, rules = _load_plan(settings)
    tz = ZoneInfo(settings.timezone)
    with _opened_database(settings) as db:
        groups = list_groups(db)
        stored = {r.key: r for r in list_outbox(db, start=lo, end=hi)}
    names = {g.id: g.name for g in groups}
    rows: list[tuple] = []  # (due, rule, subject, group, state, attempts, note)
    seen: set[str] = set()
    for occ in reminders.plan(campaign, rules):
        if (lo and occ.due_at < lo) or (hi and occ.due_at >= hi):
            continue
        if not groups:
            rows.append((occ.due_at, occ.rule_id, occ.title or occ.subject_id, "（还没有登记群）", "planned", 0, ""))
        for g in groups:
            if not reminders.applies_to(occ, g.category):
                continue
            key = occ.key(g.key)
            record = stored.get(key)
            seen.add(key)
            if record is None:
                rows.append((occ.due_at, occ.rule_id, occ.title or occ.subject_id, g.name, "planned", 0, ""))
            else:
                rows.append((occ.due_at, occ.rule_id, occ.title or occ.subject_id, g.name, record.state,
                             record.attempts, _note(record, tz)))
    for key, record in stored.items():  # rows of occurrences no longer in the plan (edited rules, removed groups)
        if key not in seen:
            group = names.get(record.group_id, "（群已删除）") if record.group_id else "（群已删除）"
            rows.append((record.due_at, record.rule_id, record.subject_id, group, record.state, record.attempts,
                         _note(record, tz)))
    if wanted:
        rows = [r for r in rows if r[4] == wanted]
    rows.sort(key=lambda r: (r[0], r[1], r[3]))
    if not rows:
        typer.echo("没有符合条件的提醒。")
        return
    table = Table("应发时间", "规则", "事项", "群", "状态", "尝试", "说明", title=f"提醒（{len(rows)} 条）")
    for due, rule, subject, group, st, attempts, note in rows:
        table.add_row(due.astimezone(tz).strftime("%Y-%m-%d %H:%M"), rule, subject, group,
                      STATE_NAMES.get(st, st), str(attempts) if attempts else "", note)
    Console(width=max(Console().width, 160)).print(table)
    if not groups:
        typer.echo("还没有登记群：用 `xueshi groups add` 添加后，提醒才会发出。")


def _note(record, tz) -> str:
    if record.state == "sent" and record.sent_at:
        return f"发送于 {record.sent_at.astimezone(tz):%m-%d %H:%M}"
    if record.state == "pending" and record.next_attempt_at and record.last_error:
        return f"{record.next_attempt_at.astimezone(tz):%m-%d %H:%M} 重试；{record.last_error}"
    return record.last_error or ""


@reminders_app.command("preview")
def reminders_preview(
    rule: Annotated[str | None, typer.Argument(help="规则，如 deadline-before-3、deadline-before、weekly-digest")] = None,
    category: Annotated[str | None, typer.Option(help="按单位类别（1 或 2）显示这个类别的群收到的文字")] = None,
) -> None:
    """预览提醒的文字和发送时间（不发送）。"""
    from zoneinfo import ZoneInfo

    from scheduler import reminders

    category_value = _category(category)
    settings = _settings()
    _setup_logging(level="WARNING")
    campaign, rules = _load_plan(settings)
    tz = ZoneInfo(settings.timezone)
    kwargs = {} if category_value is None else {"category": category_value}
    items = reminders.preview(campaign, rules, rule, **kwargs)
    if not items:
        if rule:
            known = sorted({occ.rule_id for occ in reminders.plan(campaign, rules)})
            raise _fail(f"没有规则 {rule!r} 的提醒；现有规则：{'、'.join(known)}")
        typer.echo("没有计划中的提醒。")
        return
    for occ, text in items:
        typer.echo(f"── {occ.due_at.astimezone(tz):%Y-%m-%d %H:%M}  {occ.rule_id}  {occ.subject_id}")
        typer.echo(text + "\n")
    typer.echo(f"共 {len(items)} 条。")


@reminders_app.command("send-due")
def reminders_send_due(
    now: Annotated[str | None, typer.Option(help="当前时间（ISO 8601，无时区按北京时间）；默认现在")] = None,
) -> None:
    """发送到期的提醒（一轮）：重复运行不会重复发送。"""
    settings = _settings()
    _setup_logging(level="WARNING")
    moment = _clock(now).now()
    _load_plan(settings)  # a broken calendar or rules file is an error here, not a log line
    from scheduler.runner import ReminderRunner

    runner = ReminderRunner(settings)
    try:
        result = runner.run_pass(moment)
    finally:
        runner.shutdown()
    typer.echo(f"到 {moment:%Y-%m-%d %H:%M}：{result.summary()}。")
    if result.failed:
        typer.echo("有发送失败的提醒：用 `xueshi reminders list --state failed` 查看原因，"
                   "`xueshi reminders retry` 重试。")


@reminders_app.command("retry")
def reminders_retry(
    include_skipped: Annotated[bool, typer.Option("--include-skipped", help="也重发因超过宽限期而跳过的")] = False,
    now: Annotated[str | None, typer.Option(help="当前时间（ISO 8601）；默认现在")] = None,
) -> None:
    """把发送失败的提醒放回队列，下一轮（或 send-due）重新发送。"""
    from scheduler.delivery import retry_failed

    settings = _settings()
    _setup_logging(level="WARNING")
    moment = _clock(now).now()
    with _opened_database(settings) as db:
        count = retry_failed(db, moment, include_skipped=include_skipped)
    if count:
        typer.echo(f"已把 {count} 条提醒放回队列；下一轮（或 `xueshi reminders send-due`）会重新发送。")
    else:
        typer.echo("没有需要重试的提醒。")


@app.command("scheduler")
def scheduler_command() -> None:
    """单独运行提醒调度（每分钟发送到期提醒）；与 serve 二选一，Ctrl-C 停止。"""
    import signal
    import threading

    from scheduler.runner import ReminderRunner

    settings = _settings()
    _setup_logging(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runner = ReminderRunner(settings)
    log.info("reminder scheduler process (database %s)", runner.db.safe_url)
    typer.echo("提醒调度已启动：每分钟发送到期的提醒。Ctrl-C 停止。", err=True)
    runner.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        runner.shutdown()
        typer.echo("提醒调度已停止。", err=True)


def _isolated_service(settings: Settings, now: str | None):
    """A service whose question log goes to a throw-away database (evaluations are not real use)."""
    import tempfile

    from bot.service import Service

    tmp = tempfile.mkdtemp(prefix="xueshi-eval-")
    isolated = settings.model_copy(update={"database_url": f"sqlite:///{tmp}/eval.db"})
    return Service(isolated, clock=_clock(now))


def main() -> None:
    # One place turns an unreachable or broken database into a short message instead of a traceback,
    # for every command.
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        app()
    except (OperationalError, ProgrammingError) as exc:
        log.debug("database error", exc_info=True)
        reason = str(exc.orig) if getattr(exc, "orig", None) else exc.__class__.__name__
        typer.echo(f"错误：数据库不可用（{reason.splitlines()[0][:200]}）。请检查 XUESHI_DATABASE_URL 和数据库服务。", err=True)
        sys.exit(2)


from bot.cli_meetings import register as _register_meetings  # noqa: E402

_register_meetings(app, groups_app)
