"""Roster files (.xlsx / .csv with Chinese headers): reading, checking every row, the example template.

:func:`read_roster` returns rows that are valid on their own and consistent with each other, or
raises :class:`RosterError` listing every problem with its row number. Whether a row matches people
already in the database is decided by :func:`plan_import` from plain records, so the whole import
can be checked before anything is written.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from attendance.roles import ROLES, UnknownRole, parse_roles

#: Column → field; the template writes the first spelling.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "人员姓名"),
    "unit": ("单位", "所在单位", "单位名称", "部门"),
    "roles": ("角色", "身份", "类别"),
    "wecom": ("企业微信账号", "企业微信", "企业微信id", "企业微信userid", "企微账号", "企微"),
    "dingtalk": ("钉钉账号", "钉钉", "钉钉id", "钉钉userid", "钉钉staffid"),
    "mobile": ("手机号", "手机", "手机号码", "联系电话", "电话"),
}
HEADERS = tuple(spellings[0] for spellings in COLUMNS.values())
REQUIRED = ("name", "roles")  # 单位 too, unless --unit is given
MAX_ROWS = 50_000
NAME_MAX = 50
ID_MAX = 128

_MOBILE = re.compile(r"^1\d{10}$")
_ID = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII without spaces


@dataclass(frozen=True)
class RosterRow:
    row: int  # the row number in the file (the header is row 1)
    name: str
    unit: str
    roles: tuple[str, ...]
    wecom: str | None = None
    dingtalk: str | None = None
    mobile: str | None = None


@dataclass
class RosterError(Exception):
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "；".join(self.problems)


def _fold_header(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    return re.sub(r"[\s（）()*:：]", "", text)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a mobile typed as a number: 13800138000.0
    text = unicodedata.normalize("NFKC", str(value))
    return text.replace("\u200b", "").replace("\ufeff", "").strip()


# -- reading files ----------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise RosterError([f"{path.name} 不是有效的 .xlsx 文件（可能是改了扩展名的其他文件）："
                           "请用 Excel 打开后“另存为” .xlsx 或 .csv 再导入"]) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return []
        rows = []
        for n, row in enumerate(sheet.iter_rows(values_only=True)):
            if n > MAX_ROWS:
                raise RosterError([f"文件超过 {MAX_ROWS} 行，请分成几个文件导入"])
            rows.append(list(row))
        return rows
    finally:
        workbook.close()


def _read_csv(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise RosterError([f"{path.name} 不是文本格式的 .csv 文件：请用 Excel 另存为 .csv（逗号分隔）或 .xlsx"])
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise RosterError([f"{path.name} 的编码无法识别：请另存为 UTF-8 编码的 .csv"])
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(text.splitlines(), dialect)]


def read_table(path: Path) -> list[list[Any]]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise RosterError([f"找不到文件 {path}"])
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    if suffix == ".xls":
        raise RosterError([f"{path.name} 是旧版 Excel（.xls）：请用 Excel 另存为 .xlsx 再导入"])
    raise RosterError([f"只能导入 .xlsx 或 .csv 文件，收到：{path.name}"])


# -- checking rows ----------------------------------------------------------------------------------


def _header_map(header: Sequence[Any]) -> tuple[dict[str, int], list[str]]:
    by_spelling = {_fold_header(s): key for key, spellings in COLUMNS.items() for s in spellings}
    found: dict[str, int] = {}
    problems = []
    for index, value in enumerate(header):
        key = by_spelling.get(_fold_header(value))
        if key is None:
            continue
        if key in found:
            problems.append(f"第 1 行：「{COLUMNS[key][0]}」这一列出现了两次")
        found[key] = index
    return found, problems


def normalize_mobile(value: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def parse_rows(table: list[list[Any]], *, default_unit: str | None = None) -> list[RosterRow]:
    """Rows checked on their own and against each other; :class:`RosterError` lists every problem."""
    # Leading blank rows are skipped; the first non-blank row is the header.
    start = next((i for i, row in enumerate(table) if any(_cell(v) for v in row)), None)
    if start is None:
        raise RosterError(["文件是空的：第一行写表头（姓名、单位、角色、企业微信账号、钉钉账号、手机号），"
                           "下面每行一个人。可以用 `xueshi roster template` 生成示例"])
    columns, problems = _header_map(table[start])
    required = list(REQUIRED) + ([] if default_unit else ["unit"])
    missing = [COLUMNS[key][0] for key in required if key not in columns]
    if missing:
        problems.append(f"第 {start + 1} 行（表头）缺少列：{'、'.join(missing)}。表头应为："
                        f"{'、'.join(HEADERS)}" + ("" if default_unit else "（或用 --unit 指定单位）"))
    if problems:
        raise RosterError(problems)

    rows: list[RosterRow] = []
    seen: dict[tuple[str, str], int] = {}
    for index in range(start + 1, len(table)):
        raw = table[index]
        number = index + 1

        def get(key: str, raw: list[Any] = raw) -> str:
            col = columns.get(key)
            return _cell(raw[col]) if col is not None and col < len(raw) else ""

        if not any(_cell(v) for v in raw):
            continue
        row_problems = []
        name = re.sub(r"\s+", "", get("name"))
        if not name:
            row_problems.append("姓名为空")
        elif len(name) > NAME_MAX:
            row_problems.append(f"姓名超过 {NAME_MAX} 个字")
        unit = get("unit") or (default_unit or "")
        if not unit:
            row_problems.append("单位为空")
        elif default_unit and unit != default_unit:
            row_problems.append(f"单位「{unit}」与 --unit 指定的「{default_unit}」不一致")
        roles: tuple[str, ...] = ()
        role_text = get("roles")
        if not role_text:
            row_problems.append(f"角色为空（可用：{'、'.join(ROLES)}）")
        else:
            try:
                roles = parse_roles(role_text)
            except UnknownRole as exc:
                row_problems.append(f"角色「{'、'.join(exc.unknown)}」不认识（可用：{'、'.join(ROLES)}）")
        ids: dict[str, str | None] = {}
        for key, label in (("wecom", "企业微信账号"), ("dingtalk", "钉钉账号")):
            value = get(key)
            if value and (len(value) > ID_MAX or not _ID.match(value)):
                row_problems.append(f"{label}「{value[:40]}」格式不对（只能是字母、数字和符号，不能有空格）")
            ids[key] = value or None
        mobile = get("mobile")
        if mobile:
            mobile = normalize_mobile(mobile)
            if not _MOBILE.match(mobile):
                row_problems.append(f"手机号「{get('mobile')}」不是 11 位手机号")
        for key, label in (("wecom", "企业微信账号"), ("dingtalk", "钉钉账号"), ("mobile", "手机号")):
            value = mobile if key == "mobile" else ids[key]
            if not value:
                continue
            first = seen.get((key, value))
            if first is not None:
                row_problems.append(f"{label} {value} 与第 {first} 行重复")
            else:
                seen[(key, value)] = number
        if name and unit and not (ids["wecom"] or ids["dingtalk"] or mobile):
            first = seen.get(("name", f"{unit}\x00{name}"))
            if first is not None:
                row_problems.append(f"与第 {first} 行同单位同名，又都没有账号和手机号，分不清是不是同一个人")
            else:
                seen[("name", f"{unit}\x00{name}")] = number
        if row_problems:
            problems.append(f"第 {number} 行：" + "；".join(row_problems))
            continue
        rows.append(RosterRow(row=number, name=name, unit=unit, roles=roles, wecom=ids["wecom"],
                              dingtalk=ids["dingtalk"], mobile=mobile or None))
    if problems:
        raise RosterError(problems)
    if not rows:
        raise RosterError(["文件里只有表头，没有人员：每行写一个人"])
    return rows


def read_roster(path: Path, *, default_unit: str | None = None) -> list[RosterRow]:
    return parse_rows(read_table(path), default_unit=default_unit)


# -- matching against the database ------------------------------------------------------------------


@dataclass(frozen=True)
class Existing:
    """A person already in the database, as :func:`plan_import` needs them."""

    id: int
    name: str
    unit: str
    roles: tuple[str, ...]
    wecom: str | None
    dingtalk: str | None
    mobile: str | None


@dataclass(frozen=True)
class Change:
    row: RosterRow
    member_id: int | None  # None: a new person
    before: Existing | None


def plan_import(rows: Iterable[RosterRow], existing: Iterable[Existing], units: set[str]) -> list[Change]:
    """Match every row to at most one existing person (by platform id or mobile; failing those, by
    unit and name when that is unambiguous and no stored id contradicts the row). :class:`RosterError` lists every row that cannot be
    applied, so nothing is written when any row is wrong."""
    people = list(existing)
    index: dict[tuple[str, str], Existing] = {}
    by_name: dict[tuple[str, str], list[Existing]] = {}
    for person in people:
        for key in ("wecom", "dingtalk", "mobile"):
            value = getattr(person, key)
            if value:
                index[(key, value)] = person
        by_name.setdefault((person.unit, person.name), []).append(person)

    labels = {"wecom": "企业微信账号", "dingtalk": "钉钉账号", "mobile": "手机号"}
    problems: list[str] = []
    changes: list[Change] = []
    claimed: dict[int, int] = {}  # existing id → the row that updates it
    for row in rows:
        row_problems = []
        if row.unit not in units:
            row_problems.append(f"单位「{row.unit}」还没有登记（先运行 xueshi units add {row.unit} --category 1 或 2）")
        hits = {}
        for key in ("wecom", "dingtalk", "mobile"):
            value = getattr(row, key)
            if value and (key, value) in index:
                hits[key] = index[(key, value)]
        matched = {person.id: person for person in hits.values()}
        target: Existing | None = None
        if len(matched) > 1:
            detail = "，".join(f"{labels[k]}属于「{p.name}」（{p.unit}）" for k, p in hits.items())
            row_problems.append(f"对应到名单上不同的人：{detail}")
        elif matched:
            target = next(iter(matched.values()))
        else:
            # No id matched: the same name in the same unit is the same person, unless their stored ids
            # contradict the row's (then they are a namesake and the row is a new person).
            same = [p for p in by_name.get((row.unit, row.name), [])
                    if all(not getattr(row, k) or not getattr(p, k) for k in ("wecom", "dingtalk", "mobile"))]
            if len(same) > 1:
                row_problems.append(f"「{row.unit}」已有 {len(same)} 个「{row.name}」，请填写账号或手机号区分")
            elif same:
                target = same[0]
        if target is not None:
            # An id the row gives that nobody holds replaces the person's stored one; an id held by
            # someone else was a hit above and made the row ambiguous.
            if target.id in claimed:
                row_problems.append(f"和第 {claimed[target.id]} 行是名单上的同一个人（{target.name}）")
            else:
                claimed[target.id] = row.row
        if row_problems:
            problems.append(f"第 {row.row} 行：" + "；".join(row_problems))
            continue
        changes.append(Change(row=row, member_id=target.id if target else None, before=target))
    if problems:
        raise RosterError(problems)
    return changes


# -- the template -----------------------------------------------------------------------------------

EXAMPLE_ROWS = (
    ("张书记", "示例小学", "党员、书记、领导班子", "zhangsj", "", "13800000001"),
    ("李联络", "示例小学", "党员、联络员", "lill", "", "13800000002"),
    ("王老师", "示例小学", "党员", "", "wanglaoshi", "13800000003"),
    ("赵师傅", "示例小学", "群众代表", "", "", "13800000004"),
    ("钱校长", "示例小学", "非党领导干部、领导班子", "qianxz", "", ""),
    ("孙老党员", "示例小学", "党员、离退休", "", "", "13800000006"),
)


def style_sheet(sheet: Any, widths: Sequence[int]) -> None:
    """Bold frozen header row and column widths (shared by the template and the exports)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for col, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.freeze_panes = "A2"


def write_template(path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(list(HEADERS))
    for row in EXAMPLE_ROWS:
        sheet.append(list(row))
    for row in sheet.iter_rows(min_row=2, min_col=6, max_col=6):
        for cell in row:
            cell.number_format = "@"  # keep mobiles as text
    style_sheet(sheet, (12, 24, 26, 18, 18, 16))
    notes = workbook.create_sheet("填写说明")
    notes.append(["项目", "说明"])
    for line in (
        ("姓名", "必填。"),
        ("单位", "必填（导入时用 --unit 指定单位则可不填）；必须是已登记的单位（xueshi units add）。"),
        ("角色", "必填，可写多个，用顿号或逗号隔开：" + "、".join(ROLES) + "。"),
        ("企业微信账号", "选填：企业微信通讯录里的账号（userid），用于在企业微信群里识别本人。"),
        ("钉钉账号", "选填：钉钉通讯录里的员工 UserID（staffId），用于在钉钉群里识别本人。"),
        ("手机号", "选填：11 位手机号。"),
        ("重复导入", "再次导入时，按企业微信账号、钉钉账号或手机号找到已有人员并更新，不会重复添加；"
                     "都没填时按“单位 + 姓名”匹配。空着的账号或手机号保留原来的值。"),
        ("出错时", "只要有一行有问题，整个文件都不导入，并列出每个有问题的行和原因；改好后重新导入即可。"),
    ):
        notes.append(list(line))
    style_sheet(notes, (14, 100))
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
