"""``xueshi units | roster | groups bind | meetings`` and meeting flows through ``xueshi chat --json``
on a pipe, as real subprocesses against a throw-away SQLite file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import REPO_ROOT, XUESHI_BIN
from openpyxl import Workbook, load_workbook

from attendance.roster import HEADERS
from bot.storage import Database
from bot.storage.outbox_repo import list_groups

NOW = "2009-04-20T14:05:00+08:00"
LATER = "2009-04-20T14:50:00+08:00"


@pytest.fixture
def env(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**cli_env, "XUESHI_EXPORT_DIR": str(tmp_path / "exports"), "PYTHONPATH": str(REPO_ROOT)}


def run(env: dict[str, str], cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(XUESHI_BIN), *args], input=stdin, capture_output=True, text=True, encoding="utf-8",
                            env=env, cwd=cwd, timeout=120)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    return result


def ok(env: dict[str, str], cwd: Path, *args: str, stdin: str | None = None) -> str:
    result = run(env, cwd, *args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


def chat(env: dict[str, str], cwd: Path, user: str, lines: list[str], now: str = NOW) -> list[dict]:
    out = ok(env, cwd, "chat", "--json", "--user", user, "--group", "g1", "--now", now, stdin="\n".join(lines) + "\n")
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert [r["question"] for r in records] == lines
    return records


def roster_file(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    workbook.active.append(list(HEADERS))
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


ROWS = [
    ["张书记", "示例小学", "党员、书记", "zsj", "", "13800000001"],
    ["王老师", "示例小学", "党员", "wls", "", "13800000002"],
    ["陈老师", "示例小学", "党员", "", "ding-cls", "13800000003"],
    ["赵师傅", "示例小学", "群众代表", "", "", "13800000004"],
]


def test_roster_units_and_a_meeting_through_chat_on_a_pipe(env, tmp_path: Path) -> None:
    assert "已登记单位" in ok(env, tmp_path, "units", "add", "示例小学", "--category", "2")
    out = ok(env, tmp_path, "roster", "import", str(roster_file(tmp_path / "r.xlsx", ROWS)))
    assert "新增 4" in out and "群众代表只有 1 名" in out and "不少于 15 名" in out
    assert "未变 4" in ok(env, tmp_path, "roster", "import", str(tmp_path / "r.xlsx"))
    listed = ok(env, tmp_path, "roster", "list", "--unit", "示例小学")
    assert "张书记" in listed and "13800000001" not in listed and "138****0001" in listed
    assert "绑定到「示例小学」" in ok(env, tmp_path, "groups", "bind", "--unit", "示例小学", "--chat-id", "g1",
                                    "--platform", "console")

    opened = chat(env, tmp_path, "zsj", ["发起签到 动员大会 14:30 2小时", "签到"])
    assert opened[0]["intent"] == "attendance" and "【签到】动员大会" in opened[0]["answer"]
    assert "签到成功" in opened[1]["answer"]
    member = chat(env, tmp_path, "wls", ["签到", "签到", "发起签到 讨论会", "我的签到"])
    assert "签到成功" in member[0]["answer"] and "不用重复签到" in member[1]["answer"]
    assert member[2]["intent"] == "denied" and member[2]["answer"] == "只有本单位书记或联络员可以发起签到。"
    assert "动员大会：准时" in member[3]["answer"]
    late = chat(env, tmp_path, "ding-cls", ["签到"], now=LATER)  # any of the member's ids identifies them
    assert "陈老师签到成功" in late[0]["answer"] and "迟到" in late[0]["answer"]
    admin = chat(env, tmp_path, "13800000001", ["签到情况", "结束签到", "导出考勤"], now=LATER)
    assert "应到 4 人：实到 3（迟到 1），请假 0，未签到 1" in admin[0]["answer"]
    assert "未签到：赵师傅" in admin[0]["answer"]
    assert "缺席 1" in admin[1]["answer"]
    path = Path(admin[2]["answer"].splitlines()[1])
    assert path.is_file() and path.parent == tmp_path / "exports"
    assert load_workbook(path).sheetnames[:2] == ["汇总", "会议一览"]

    listed = ok(env, tmp_path, "meetings", "list")
    assert "动员大会" in listed and "75%" in listed
    report = ok(env, tmp_path, "meetings", "report", "1")
    assert "应到 4，实到 3，迟到 1，请假 0，缺席 1" in report and "缺席（1）：赵师傅" in report
    shown = ok(env, tmp_path, "meetings", "show", "1")
    assert "陈老师" in shown and "迟到" in shown
    out = tmp_path / "out" / "m.csv"
    assert "已导出" in ok(env, tmp_path, "meetings", "export", "1", "--format", "csv", "--out", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("会议编号,会议,开始时间,姓名") and "赵师傅" in text
    xlsx = tmp_path / "all.xlsx"
    ok(env, tmp_path, "meetings", "export", "--unit", "示例小学", "--out", str(xlsx))
    summary = {r[1]: r for r in load_workbook(xlsx)["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["陈老师"][4:9] == (1, 1, 1, 0, 0)

    missing = run(env, tmp_path, "meetings", "show", "99")
    assert missing.returncode == 1 and "没有编号为 99 的会议" in missing.stderr
    bad_format = run(env, tmp_path, "meetings", "export", "--format", "pdf")
    assert bad_format.returncode == 2 and "xlsx 或 csv" in bad_format.stderr


def test_bad_roster_imports_nothing_and_names_every_row(env, tmp_path: Path) -> None:
    ok(env, tmp_path, "units", "add", "示例小学", "--category", "1")
    bad = roster_file(tmp_path / "bad.xlsx", [
        ["张书记", "示例小学", "党员、书记", "zsj", "", "13800000001"],
        ["李四", "示例小学", "党委委员", "", "", "13800000002"],
        ["王五", "示例小学", "党员", "", "", "13800000001"],
        ["赵六", "另一个单位", "党员", "", "", ""],
    ])
    result = run(env, tmp_path, "roster", "import", str(bad))
    assert result.returncode == 1
    assert "没有导入任何人" in result.stderr
    assert "第 3 行：角色「党委委员」不认识" in result.stderr
    assert "第 4 行：手机号 13800000001 与第 2 行重复" in result.stderr
    assert "名单是空的" in ok(env, tmp_path, "roster", "list")
    # the file is fine in itself, the unit is not registered: still nothing imported
    unknown = roster_file(tmp_path / "unknown.xlsx", [["张书记", "示例小学", "党员", "", "", ""],
                                                     ["赵六", "另一个单位", "党员", "", "", ""]])
    result = run(env, tmp_path, "roster", "import", str(unknown))
    assert result.returncode == 1 and "第 3 行：单位「另一个单位」还没有登记" in result.stderr
    assert "名单是空的" in ok(env, tmp_path, "roster", "list")
    text = tmp_path / "fake.xlsx"
    text.write_text("姓名,单位,角色\n", encoding="utf-8")
    result = run(env, tmp_path, "roster", "import", str(text))
    assert result.returncode == 1 and "不是有效的 .xlsx 文件" in result.stderr


def test_template_units_link_and_input_errors(env, tmp_path: Path) -> None:
    out = ok(env, tmp_path, "roster", "template", "--out", str(tmp_path / "t.xlsx"))
    assert "花名册模板" in out and (tmp_path / "t.xlsx").is_file()
    assert run(env, tmp_path, "units", "add", "X", "--category", "3").returncode == 2
    assert "上级单位「党委」还没有登记" in run(env, tmp_path, "units", "add", "X", "--category", "1", "--parent", "党委").stderr
    ok(env, tmp_path, "units", "add", "直属党委", "--category", "1")
    ok(env, tmp_path, "units", "add", "示例小学", "--category", "1", "--parent", "直属党委")
    assert "已经登记过了" in run(env, tmp_path, "units", "add", "示例小学", "--category", "1").stderr
    listed = ok(env, tmp_path, "units", "list")
    assert "直属党委" in listed and "（≥30）" in listed
    assert "新增 6" in ok(env, tmp_path, "roster", "import", str(tmp_path / "t.xlsx"))
    linked = ok(env, tmp_path, "roster", "link", "--member", "赵师傅", "--wecom", "zhao-wx")
    assert "关联到「赵师傅」" in linked
    taken = run(env, tmp_path, "roster", "link", "--member", "王老师", "--wecom", "zhao-wx")
    assert taken.returncode == 1 and "已属于名单上的「赵师傅」" in taken.stderr
    assert run(env, tmp_path, "roster", "link", "--member", "王老师").returncode == 2
    assert "没有登记叫「无」的单位" in run(env, tmp_path, "roster", "list", "--unit", "无").stderr
    assert "绑定到「直属党委」" in ok(env, tmp_path, "groups", "bind", "--unit", "直属党委", "--chat-id", "g",
                                    "--platform", "console")
    again = run(env, tmp_path, "groups", "bind", "--unit", "示例小学", "--chat-id", "g", "--platform", "console")
    assert again.returncode == 1 and "--replace" in again.stderr
    moved = ok(env, tmp_path, "groups", "bind", "--unit", "示例小学", "--chat-id", "g", "--platform", "console",
               "--replace")
    assert "改绑到「示例小学」" in moved


def test_groups_add_with_a_registered_unit_binds_the_group(env, tmp_path: Path) -> None:
    ok(env, tmp_path, "units", "add", "示例中学", "--category", "2")
    added = ok(env, tmp_path, "groups", "add", "--platform", "console", "--chat-id", "c1", "--name", "中学群",
               "--unit", "示例中学")
    assert "已绑定到「示例中学」（第二类单位）" in added
    units = ok(env, tmp_path, "units", "list")
    assert "控制台:c1" in units
    db = Database(env["XUESHI_DATABASE_URL"])
    try:  # the reminders read the category from the group: it comes from the unit
        assert [(g.chat_id, g.unit, g.category) for g in list_groups(db)] == [("c1", "示例中学", 2)]
    finally:
        db.dispose()
    clash = run(env, tmp_path, "groups", "add", "--platform", "console", "--chat-id", "c2", "--name", "群",
                "--unit", "示例中学", "--category", "1")
    assert clash.returncode == 2 and "与 --category 1 不一致" in clash.stderr
    label = ok(env, tmp_path, "groups", "add", "--platform", "console", "--chat-id", "c3", "--name", "群",
               "--unit", "没登记的支部")
    assert "还没有登记" in label and "xueshi groups bind" in label


def test_an_unreachable_database_is_a_message(env, tmp_path: Path) -> None:
    broken = {**env, "XUESHI_DATABASE_URL": "postgresql+psycopg://nobody:pw-secret@127.0.0.1:1/x"}
    result = run(broken, tmp_path, "meetings", "list")
    assert result.returncode == 1 and "数据库出错" in result.stderr and "pw-secret" not in result.stderr
