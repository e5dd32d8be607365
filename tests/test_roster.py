"""Roster files: every problem named with its row, all-or-nothing imports, re-imports that update."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from attendance_helpers import CLI, T0
from openpyxl import Workbook, load_workbook

from attendance.roles import encode
from attendance.roster import (
    HEADERS,
    Existing,
    RosterError,
    plan_import,
    read_roster,
    write_template,
)
from bot.storage import Database
from bot.storage import attendance_repo as ar


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def _csv(path: Path, rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


GOOD = [
    list(HEADERS),
    ["张书记", "示例小学", "党员、书记", "zsj", "", "13800000001"],
    ["王老师", "示例小学", "党员", "", "ding-wls", "138 0000 0002"],
    ["赵师傅", "示例小学", "群众代表", "", "", 13800000003],  # a mobile typed as a number
]


def _problems(path: Path, **kw) -> list[str]:
    with pytest.raises(RosterError) as info:
        read_roster(path, **kw)
    return info.value.problems


def test_good_file_reads_every_row(tmp_path: Path) -> None:
    rows = read_roster(_xlsx(tmp_path / "r.xlsx", GOOD))
    assert [(r.row, r.name, r.roles, r.mobile) for r in rows] == [
        (2, "张书记", ("党员", "书记"), "13800000001"),
        (3, "王老师", ("党员",), "13800000002"),
        (4, "赵师傅", ("群众代表",), "13800000003"),
    ]
    assert rows[1].dingtalk == "ding-wls" and rows[0].wecom == "zsj"


def test_csv_in_gbk_with_header_variants_and_unit_option(tmp_path: Path) -> None:
    path = _csv(tmp_path / "r.csv", [["姓名", "角色", "手机号码", "企业微信"], ["王老师", "党员", "13800000002", "wls"]],
                encoding="gbk")
    rows = read_roster(path, default_unit="示例小学")
    assert rows[0].unit == "示例小学" and rows[0].wecom == "wls"


def test_missing_column(tmp_path: Path) -> None:
    problems = _problems(_xlsx(tmp_path / "r.xlsx", [["姓名", "单位", "手机号"], ["张三", "示例小学", "13800000001"]]))
    assert len(problems) == 1 and "缺少列：角色" in problems[0] and problems[0].startswith("第 1 行")


def test_unit_column_may_be_missing_only_with_unit_option(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "r.xlsx", [["姓名", "角色"], ["张三", "党员"]])
    assert "缺少列：单位" in _problems(path)[0]
    assert read_roster(path, default_unit="示例小学")[0].unit == "示例小学"


def test_every_bad_row_is_named_with_its_reason(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "r.xlsx", [
        list(HEADERS),
        ["张三", "示例小学", "党员", "", "", "13800000001"],
        ["李四", "示例小学", "党委委员", "", "", "13800000002"],  # unknown role
        ["王五", "示例小学", "党员", "", "", "13800000001"],  # duplicate mobile
        ["", "示例小学", "党员", "", "", ""],  # no name
        ["赵六", "示例小学", "", "has space", "", "12345"],  # no role, bad id, bad mobile
        [None, None, None, None, None, None],  # blank rows are skipped
        ["孙七", "示例小学", "党员", "", "", ""],
    ])
    problems = _problems(path)
    assert problems[0] == "第 3 行：角色「党委委员」不认识（可用：党员、领导班子、书记、联络员、群众代表、非党领导干部、离退休）"
    assert problems[1] == "第 4 行：手机号 13800000001 与第 2 行重复"
    assert problems[2] == "第 5 行：姓名为空"
    assert problems[3].startswith("第 6 行：角色为空") and "企业微信账号" in problems[3] and "不是 11 位手机号" in problems[3]
    assert len(problems) == 4


def test_duplicate_platform_ids_in_the_file(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "r.xlsx", [list(HEADERS), ["张三", "U", "党员", "zs", "", ""], ["张叁", "U", "党员", "zs", "", ""]])
    assert _problems(path) == ["第 3 行：企业微信账号 zs 与第 2 行重复"]


def test_empty_files(tmp_path: Path) -> None:
    assert "文件是空的" in _problems(_xlsx(tmp_path / "empty.xlsx", []))[0]
    assert "只有表头" in _problems(_xlsx(tmp_path / "header.xlsx", [list(HEADERS)]))[0]
    (tmp_path / "empty.csv").write_bytes(b"")
    assert "文件是空的" in _problems(tmp_path / "empty.csv")[0]


def test_an_xlsx_that_is_really_text(tmp_path: Path) -> None:
    path = tmp_path / "花名册.xlsx"
    path.write_text("姓名,单位,角色\n张三,示例小学,党员\n", encoding="utf-8")
    problems = _problems(path)
    assert len(problems) == 1 and "不是有效的 .xlsx 文件" in problems[0] and "另存为" in problems[0]


def test_other_file_types(tmp_path: Path) -> None:
    (tmp_path / "r.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert "旧版 Excel" in _problems(tmp_path / "r.xls")[0]
    (tmp_path / "r.pdf").write_bytes(b"%PDF")
    assert "只能导入 .xlsx 或 .csv" in _problems(tmp_path / "r.pdf")[0]
    assert "找不到文件" in _problems(tmp_path / "missing.xlsx")[0]
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02PK")
    assert "不是文本格式" in _problems(tmp_path / "bin.csv")[0]


def test_template_is_a_valid_roster(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_template(path)
    sheet = load_workbook(path)["花名册"]
    assert [c.value for c in sheet[1]] == list(HEADERS) and sheet.freeze_panes == "A2"
    rows = read_roster(path)
    assert len(rows) == 6 and {r.unit for r in rows} == {"示例小学"}


# -- matching against the database --------------------------------------------------------------------


def _existing(db: Database) -> list[Existing]:
    return [Existing(m.id, m.name, m.unit_name, m.roles, m.wecom_userid, m.dingtalk_id, m.mobile)
            for m in ar.list_members(db)]


def _apply(db: Database, path: Path, **kw) -> ar.RosterOutcome:
    units = {u.name: u for u in ar.list_units(db)}
    changes = plan_import(read_roster(path, **kw), _existing(db), set(units))
    values = [ar.MemberValues(c.member_id, c.row.name, units[c.row.unit].id, encode(c.row.roles), c.row.wecom,
                              c.row.dingtalk, c.row.mobile) for c in changes]
    return ar.apply_roster(db, values, at=T0, actor=CLI, source=path.name)


def test_reimport_updates_and_never_duplicates(db: Database, tmp_path: Path) -> None:
    ar.add_unit(db, name="示例小学", category=1, parent=None, at=T0, actor=CLI)
    assert _apply(db, _xlsx(tmp_path / "a.xlsx", GOOD)) == ar.RosterOutcome(3, 0, 0)
    assert _apply(db, _xlsx(tmp_path / "a.xlsx", GOOD)) == ar.RosterOutcome(0, 0, 3)
    changed = [list(HEADERS),
               ["张书记", "示例小学", "党员、书记、领导班子", "", "", "13800000001"],  # matched by mobile
               ["王老师", "示例小学", "党员、联络员", "", "ding-wls", "13900000002"],  # by DingTalk id, new mobile
               ["赵师傅", "示例小学", "群众代表", "zsf", "", ""],  # a new WeCom id: matched by unit and name
               ["新人", "示例小学", "党员", "", "", ""]]
    outcome = _apply(db, _xlsx(tmp_path / "b.xlsx", changed))
    assert outcome == ar.RosterOutcome(added=1, updated=3, unchanged=0)
    members = {m.name: m for m in ar.list_members(db)}
    assert len(ar.list_members(db)) == len(members) == 4
    assert members["赵师傅"].wecom_userid == "zsf" and members["赵师傅"].mobile == "13800000003"  # blank keeps
    assert members["张书记"].roles == ("党员", "领导班子", "书记") and members["张书记"].wecom_userid == "zsj"
    assert members["王老师"].mobile == "13900000002" and members["王老师"].roles == ("党员", "联络员")
    updates = ar.list_audit(db, action="member.update")
    assert updates and updates[0].before and updates[0].after["source"] == "b.xlsx"


def test_a_row_matching_two_people_fails_the_whole_import(db: Database, tmp_path: Path) -> None:
    ar.add_unit(db, name="示例小学", category=1, parent=None, at=T0, actor=CLI)
    _apply(db, _xlsx(tmp_path / "a.xlsx", GOOD))
    clash = [list(HEADERS),
             ["张书记", "示例小学", "党员、书记", "zsj", "", "13800000003"],  # WeCom of 张书记, mobile of 赵师傅
             ["无名氏", "未登记单位", "党员", "", "", ""]]
    with pytest.raises(RosterError) as info:
        _apply(db, _xlsx(tmp_path / "c.xlsx", clash))
    assert info.value.problems[0].startswith("第 2 行：对应到名单上不同的人")
    assert "赵师傅" in info.value.problems[0]
    assert info.value.problems[1].startswith("第 3 行：单位「未登记单位」还没有登记")
    assert len(ar.list_members(db)) == 3  # nothing written
