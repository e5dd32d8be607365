"""The ``xueshi`` command line (typer). Heavy modules are imported inside commands to keep
``xueshi ask`` quick to start."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bot.service import Service
    from bot.settings import Settings

app = typer.Typer(help="学实助手：回答《培训提纲》里的问题。", no_args_is_help=True, add_completion=False)
faq_app = typer.Typer(help="知识库：查看、导入、评测。", no_args_is_help=True)
app.add_typer(faq_app, name="faq")
campaign_app = typer.Typer(help="活动日历：阶段和截止事项。", no_args_is_help=True)
app.add_typer(campaign_app, name="campaign")

log = logging.getLogger("xueshi")


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


def _service(now: str | None = None, settings: Settings | None = None) -> Service:
    from bot.service import Service
    from faq.kb import KnowledgeBaseError

    settings = settings or _settings()
    try:
        return Service(settings, clock=_clock(now))
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
) -> None:
    """回答问题：命令行参数里的，或标准输入里每行一个。"""
    from bot.service import ONE_SHOT_PLATFORM, reply_record

    _setup_logging(level="WARNING")
    service = _service(now)
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
) -> None:
    """启动 HTTP 服务（/healthz、/api/ask）。"""
    import uvicorn

    from bot.http import create_app

    settings = _settings()
    _setup_logging(settings)
    service = _service(settings=settings)
    host = host or settings.host
    port = port or settings.port
    log.info("serving on http://%s:%d (database %s)", host, port, service.db.safe_url)
    typer.echo(f"学实助手已启动：http://{host}:{port}  试试：curl -s -X POST http://{host}:{port}/api/ask "
               "-H 'content-type: application/json' -d '{\"question\": \"借调的党员在哪里参加？\"}'", err=True)
    uvicorn.run(create_app(service), host=host, port=port, log_level=settings.log_level.lower())


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


def _isolated_service(settings: Settings, now: str | None):
    """A service whose question log goes to a throw-away database (evaluations are not real use)."""
    import tempfile

    from bot.service import Service

    tmp = tempfile.mkdtemp(prefix="xueshi-eval-")
    isolated = settings.model_copy(update={"database_url": f"sqlite:///{tmp}/eval.db"})
    return Service(isolated, clock=_clock(now))


def main() -> None:
    app()
