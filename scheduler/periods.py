"""Chinese period phrases → date windows.

Rules (documented for people editing ``config/campaign.toml``):

* ``X月上旬`` = days 1–10, ``X月中旬`` = 11–20, ``X月下旬`` = 21 to the month's last day;
* ``X月初`` = 上旬; ``X月底`` / ``X月末`` = the month's last day; ``X月`` = the whole month;
* ``X月Y日`` (or ``号``) = that day;
* ranges join two phrases with ``-``, ``－``, ``—``, ``~``, ``至`` or ``到``: from the start of the first
  to the end of the second (``3月中旬-4月下旬`` = 3月11日–4月30日); the second may omit the month
  (``5月上旬-中旬``);
* ``…之前`` / ``…以前`` / ``…前`` make a deadline: due on the last day of the named period.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九", 0)}
_PART = re.compile(r"^(?:(\d{1,2})月)?(上旬|中旬|下旬|初|底|末|(\d{1,2})[日号])?$")
_RANGE = re.compile(r"\s*(?:-|－|—|–|~|～|至|到)\s*")
_DEADLINE = re.compile(r"(?:之前|以前|前)$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    is_deadline: bool = False

    @property
    def due(self) -> date:
        return self.end

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _chinese_numbers(text: str) -> str:
    def convert(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "十":
            return "10"
        if token.startswith("十"):
            return str(10 + _DIGITS[token[1]])
        if token.endswith("十"):
            return str(_DIGITS[token[0]] * 10)
        if "十" in token:
            tens, ones = token.split("十")
            return str(_DIGITS[tens] * 10 + _DIGITS[ones])
        return str(_DIGITS[token])

    return re.sub(r"[一二三四五六七八九]?十[一二三四五六七八九]?|[〇一二三四五六七八九]", convert, text)


def _part_window(text: str, year: int, default_month: int | None) -> tuple[date, date, int]:
    match = _PART.match(text)
    if not match or not (match.group(1) or match.group(2)):
        raise PeriodError(f"看不懂的时段写法：{text!r}（例如 3月中旬、4月底、6月、5月20日）")
    month = int(match.group(1)) if match.group(1) else default_month
    if month is None or not 1 <= month <= 12:
        raise PeriodError(f"时段 {text!r} 缺少或写错了月份")
    last = calendar.monthrange(year, month)[1]
    part = match.group(2)
    if match.group(3):
        day = int(match.group(3))
        if not 1 <= day <= last:
            raise PeriodError(f"{year}年{month}月没有 {day} 日")
        return date(year, month, day), date(year, month, day), month
    spans = {None: (1, last), "上旬": (1, 10), "初": (1, 10), "中旬": (11, 20), "下旬": (21, last),
             "底": (last, last), "末": (last, last)}
    first, final = spans[part]
    return date(year, month, first), date(year, month, final), month


def parse_period(phrase: str, year: int) -> Window:
    text = _chinese_numbers(re.sub(r"\s+", "", phrase or ""))
    if not text:
        raise PeriodError("时段为空")
    is_deadline = bool(_DEADLINE.search(text))
    text = _DEADLINE.sub("", text)
    parts = _RANGE.split(text)
    if len(parts) > 2:
        raise PeriodError(f"时段 {phrase!r} 只能有一个起止范围")
    start, end, month = _part_window(parts[0], year, None)
    if len(parts) == 2:
        _, end, _ = _part_window(parts[1], year, month)
        if end < start:
            raise PeriodError(f"时段 {phrase!r} 的结束早于开始")
    return Window(start, end, is_deadline)
