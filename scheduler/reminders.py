"""Reminder rules: which reminders the campaign calendar produces, when, for whom, with what text.

Pure functions over the calendar (``config/campaign.toml``) and the rules (``config/reminders.toml``):
no database, no HTTP, no clock. ``plan()`` turns them into the complete, deterministic list of
``Occurrence`` values for the whole campaign; the outbox stores them under ``Occurrence.key(group)``
and the delivery side decides which group gets what with ``applies_to()`` and ``render()``. This
module knows nothing about chats, platforms or storage.

Rules (each can be switched off in the rules file):

* ``stage-start``            the day a stage starts, listing the stage's deadlines;
* ``stage-end-before-N``     N days before a stage ends (``days_before``, default 7, 3, 1);
* ``stage-end-day``          the day a stage ends;
* ``deadline-before-N``      N days before each deadline;
* ``deadline-day``           the day of each deadline;
* ``weekly-digest``          every Monday from the campaign's first to its last day: the deadlines due
                             that week (Monday–Sunday); no occurrence for a week without deadlines.
                             Its subject is the ISO week (``2009-W18``).

Decisions:

* Nothing is planned for a nominal day before the campaign's first day, and a "stage ends in N days"
  reminder is not planned before that stage has started: the groups are being set up then, and the
  stage-start reminder already gives the dates.
* A due time is first moved out of the quiet hours (to the end of the quiet period: 22:30 → next day
  08:00), then, when ``workdays_only`` is on, a day that is a weekend or a Chinese public holiday moves
  to the previous working day at the same time of day (``chinese_calendar``, which knows make-up
  working days; a day outside its years is kept, with a warning). In that order the final time
  satisfies both rules.
* When shifts put several reminders about the same deadline (or the same stage end) at the same
  moment, only the most urgent one is kept (``deadline-day`` over ``deadline-before-1`` over
  ``deadline-before-3`` …): they would say the same thing twice. So no two occurrences share
  rule + subject + due time, nor subject + due time within a family.
* Texts count days from the day the reminder is sent, so a shifted reminder still says the truth.

Audiences (``applies_to``): ``第一类单位`` only reaches groups of category 1, ``第二类单位`` only
category 2; ``全体党员``, ``领导班子``, ``基层党组织`` and ``直属党委`` reach every group, including one
whose unit category is unknown (every unit has members, a leadership and a party organisation, and a
group without a category is most likely a 直属党委's or an organiser's). An item with several tags
reaches the union. An empty audience means everyone. An unknown tag is an error, never a guess.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config import data_path
from scheduler.campaign import Campaign, Deadline, Stage

log = logging.getLogger(__name__)

DEFAULT_RULES_PATH = data_path("reminders.toml")
SOURCE_PREFIX = "——《培训提纲》"
MAX_TEXT_BYTES = 2048  # WeCom group robot text limit

EVERYONE_TAGS = frozenset({"全体党员", "领导班子", "基层党组织", "直属党委"})
CATEGORY_TAGS = {"第一类单位": 1, "第二类单位": 2}
CATEGORIES: tuple[int | None, ...] = (None, 1, 2)

_ALL = "all"  # render for no particular group: every item, generic wording
_WEEKDAYS = "一二三四五六日"
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class ReminderRulesError(ValueError):
    """A bad rules file or value; ``field`` names the setting (e.g. ``quiet_hours.start``)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"提醒规则设置项 {field}：{message}" if field else message)


@dataclass(frozen=True)
class ReminderRules:
    timezone: str = "Asia/Shanghai"
    send_time: time = time(9, 0)
    deadline_before: bool = True
    deadline_days_before: tuple[int, ...] = (7, 3, 1)
    deadline_day: bool = True
    stage_start: bool = True
    stage_end_before: bool = True
    stage_end_days_before: tuple[int, ...] = (7, 3, 1)
    stage_end_day: bool = True
    weekly_digest: bool = True
    digest_time: time = time(9, 0)
    quiet_hours: bool = True
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    workdays_only: bool = False

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ReminderRulesError("timezone", f"找不到时区 {self.timezone!r}（例如 Asia/Shanghai）") from exc
        for name, days in (("deadline_before.days_before", self.deadline_days_before),
                           ("stage_end_before.days_before", self.stage_end_days_before)):
            if any(type(n) is not int or n < 1 for n in days):
                raise ReminderRulesError(name, f"天数要写正整数，例如 [7, 3, 1]；当天提醒另有开关（现在是 {list(days)}）")
            if len(set(days)) != len(days):
                raise ReminderRulesError(name, f"天数有重复：{list(days)}")
        if self.quiet_hours and self.quiet_start == self.quiet_end:
            raise ReminderRulesError("quiet_hours", "开始和结束时刻相同；不需要免打扰就写 enabled = false")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Occurrence:
    """One reminder at one moment, before it is fanned out to groups.

    ``text`` is the overview wording (every item, generic names); ``variants`` holds the wording for
    each group category where it differs (use ``render``). ``audience`` empty = everyone.
    """

    rule_id: str
    subject_id: str
    due_at: datetime
    audience: tuple[str, ...]
    text: str
    source: str
    title: str = ""
    variants: tuple[tuple[int | None, str], ...] = ()

    def key(self, group_key: str) -> str:
        """The stable outbox key of this occurrence for one group."""
        if "|" in group_key:
            raise ValueError(f"group key may not contain '|': {group_key!r}")
        return f"{self.rule_id}|{self.subject_id}|{group_key}|{self.due_at.isoformat()}"


# ---------------------------------------------------------------- loading the rules file

_SECTIONS: dict[str, set[str]] = {
    "deadline_before": {"enabled", "days_before"},
    "deadline_day": {"enabled"},
    "stage_start": {"enabled"},
    "stage_end_before": {"enabled", "days_before"},
    "stage_end_day": {"enabled"},
    "weekly_digest": {"enabled", "time"},
    "quiet_hours": {"enabled", "start", "end"},
}
_TOP = {"timezone", "send_time", "days_before", "workdays_only"}


def load_rules(path: Path | None = None) -> ReminderRules:
    """Read ``config/reminders.toml`` (or ``path``); every problem is a ``ReminderRulesError``."""
    path = path or DEFAULT_RULES_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReminderRulesError("", f"找不到提醒规则文件 {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ReminderRulesError("", f"提醒规则文件 {path} 格式有误（TOML）：{exc}") from exc
    for key, value in data.items():
        if key in _SECTIONS:
            if not isinstance(value, dict):
                raise ReminderRulesError(key, "应当是一个 [节]")
            for sub in value:
                if sub not in _SECTIONS[key]:
                    raise ReminderRulesError(f"{key}.{sub}", f"不认识这个设置项（[{key}] 里可写：{'、'.join(sorted(_SECTIONS[key]))}）")
        elif key not in _TOP:
            raise ReminderRulesError(key, "不认识这个设置项")

    def section(name: str) -> dict[str, Any]:
        return data.get(name, {})

    def enabled(name: str) -> bool:
        return _bool(section(name).get("enabled", True), f"{name}.enabled")

    default = ReminderRules()
    days = _days(data["days_before"], "days_before") if "days_before" in data else default.deadline_days_before
    quiet = section("quiet_hours")
    values = dict(
        timezone=_str(data.get("timezone", default.timezone), "timezone"),
        send_time=_time(data.get("send_time", default.send_time), "send_time"),
        workdays_only=_bool(data.get("workdays_only", False), "workdays_only"),
        deadline_before=enabled("deadline_before"),
        deadline_days_before=_days(section("deadline_before")["days_before"], "deadline_before.days_before")
        if "days_before" in section("deadline_before") else days,
        deadline_day=enabled("deadline_day"),
        stage_start=enabled("stage_start"),
        stage_end_before=enabled("stage_end_before"),
        stage_end_days_before=_days(section("stage_end_before")["days_before"], "stage_end_before.days_before")
        if "days_before" in section("stage_end_before") else days,
        stage_end_day=enabled("stage_end_day"),
        weekly_digest=enabled("weekly_digest"),
        digest_time=_time(section("weekly_digest").get("time", default.digest_time), "weekly_digest.time"),
        quiet_hours=enabled("quiet_hours"),
        quiet_start=_time(quiet.get("start", default.quiet_start), "quiet_hours.start"),
        quiet_end=_time(quiet.get("end", default.quiet_end), "quiet_hours.end"),
    )
    if values["workdays_only"]:
        try:
            import chinese_calendar  # noqa: F401
        except ImportError as exc:
            raise ReminderRulesError("workdays_only", "需要安装 chinesecalendar 包（pip install chinesecalendar）") from exc
    return ReminderRules(**values)


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ReminderRulesError(name, f"只能写 true 或 false（现在是 {value!r}）")
    return value


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ReminderRulesError(name, f"应当是一段文字（现在是 {value!r}）")
    return value.strip()


def _time(value: Any, name: str) -> time:
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ReminderRulesError(name, f"时刻要写成“时:分”，例如 \"09:00\"（现在是 {value!r}）")
    return time(int(match.group(1)), int(match.group(2)))


def _days(value: Any, name: str) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise ReminderRulesError(name, f"要写成天数列表，例如 [7, 3, 1]（现在是 {value!r}）")
    if any(type(n) is not int or n < 1 for n in value):
        raise ReminderRulesError(name, f"天数要写正整数，例如 [7, 3, 1]（现在是 {value!r}）")
    if len(set(value)) != len(value):
        raise ReminderRulesError(name, f"天数有重复：{value!r}")
    return tuple(sorted(value, reverse=True))


# ---------------------------------------------------------------- audiences

def _audience_categories(tags: tuple[str, ...]) -> frozenset[int | None]:
    if not tags:
        return frozenset(CATEGORIES)
    result: set[int | None] = set()
    for tag in tags:
        if tag in EVERYONE_TAGS:
            result.update(CATEGORIES)
        elif tag in CATEGORY_TAGS:
            result.add(CATEGORY_TAGS[tag])
        else:
            known = "、".join([*sorted(EVERYONE_TAGS), *CATEGORY_TAGS])
            raise ValueError(f"不认识的受众“{tag}”（可用：{known}）")
    return frozenset(result)


def _check_category(category: int | None) -> None:
    if category not in CATEGORIES:
        raise ValueError(f"unit category must be 1, 2 or None, not {category!r}")


def _reaches(tags: tuple[str, ...], category: int | None | str) -> bool:
    return category == _ALL or category in _audience_categories(tags)


def applies_to(occurrence: Occurrence, category: int | None) -> bool:
    """Whether a group whose unit has ``category`` (1, 2, or None = unknown) gets this occurrence."""
    _check_category(category)
    return category in _audience_categories(occurrence.audience)


def render(occurrence: Occurrence, category: int | None) -> str:
    """The text for a group whose unit has ``category``; ValueError if the occurrence is not for it."""
    if not applies_to(occurrence, category):
        raise ValueError(f"{occurrence.rule_id}|{occurrence.subject_id} is not for unit category {category!r}")
    return dict(occurrence.variants).get(category, occurrence.text)


# ---------------------------------------------------------------- texts

def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _name(deadline: Deadline, category: int | None | str) -> str:
    return deadline.name if category == _ALL else deadline.name_for(category)  # type: ignore[arg-type]


def _action(deadline: Deadline, category: int | None | str) -> str:
    text = deadline.action if category == _ALL else deadline.action_for(category)  # type: ignore[arg-type]
    return text.rstrip("。；; ")


def _source_line(sections: list[str]) -> str:
    unique = list(dict.fromkeys(s for s in sections if s))
    return f"{SOURCE_PREFIX}{'；'.join(unique)}" if unique else ""


def _fit(head: list[str], items: list[str], tail: list[str]) -> str:
    """Join, dropping list items from the end (with a note) until the text fits MAX_TEXT_BYTES."""
    kept = list(items)
    while True:
        more = [f"……另有{len(items) - len(kept)}项，详见活动日历"] if len(kept) < len(items) else []
        text = "\n".join(line for line in [*head, *kept, *more, *tail] if line)
        if len(text.encode("utf-8")) <= MAX_TEXT_BYTES or not kept:
            break
        kept.pop()
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:  # a single overlong line: cut at a character
        cut = text.encode("utf-8")[: MAX_TEXT_BYTES - 3].decode("utf-8", "ignore")
        text = cut + "……"
    return text


def _deadline_text(deadline: Deadline, today: date, category: int | None | str) -> str:
    due, left = deadline.due, (deadline.due - today).days
    name = f"{_name(deadline, category)}（{deadline.period}）"
    if left > 0:
        head = f"【学实提醒】{name}：{_md(due)}前完成，还有{left}天。"
    elif left == 0:
        head = f"【学实提醒】{name}：今天（{_md(due)}）截止。"
    else:
        head = f"【学实提醒】{name}：已于{_md(due)}截止。"
    return _fit([head, f"要做：{_action(deadline, category)}。"], [], [_source_line([deadline.source])])


def _stage_items(campaign: Campaign, stage: Stage, since: date, category: int | None | str) -> list[str]:
    items = sorted((d for d in campaign.deadlines if stage.window.contains(d.due) and d.due >= since
                    and _reaches(d.audience, category)), key=lambda d: (d.due, d.id))
    return [f"· {_md(d.due)}前 {_name(d, category)}" for d in items]


def _stage_start_text(campaign: Campaign, stage: Stage, today: date, category: int | None | str) -> str:
    start, end = stage.window.start, stage.window.end
    total = (end - start).days + 1
    if start <= today:
        head = f"【学实提醒】{stage.label}今天开始，{_md(end)}结束，共{total}天。"
    else:
        head = f"【学实提醒】{stage.label}将于{_md(start)}开始，还有{(start - today).days}天，{_md(end)}结束。"
    items = _stage_items(campaign, stage, start, category)
    return _fit([head, "本阶段要完成：" if items else ""], items, [_source_line([stage.source])])


def _stage_end_text(campaign: Campaign, stage: Stage, today: date, category: int | None | str) -> str:
    end, left = stage.window.end, (stage.window.end - today).days
    if left > 0:
        head = f"【学实提醒】{stage.label}{_md(end)}结束，还有{left}天。"
    else:
        head = f"【学实提醒】{stage.label}今天（{_md(end)}）结束。" if left == 0 else \
            f"【学实提醒】{stage.label}已于{_md(end)}结束。"
        following = campaign.next_stage(end)
        if left == 0 and following is not None and following.window.start == end + timedelta(days=1):
            head += f"明天进入{following.label}。"
    items = _stage_items(campaign, stage, today, category)
    lead = "本阶段还要完成：" if items else "请对照本阶段任务查漏补缺。"
    return _fit([head, lead], items, [_source_line([stage.source])])


def _digest_text(monday: date, deadlines: list[Deadline], today: date, category: int | None | str) -> str:
    chosen = [d for d in deadlines if _reaches(d.audience, category)]
    head = f"【学实周提醒】{_md(monday)}—{_md(monday + timedelta(days=6))}这一周的截止事项："
    items = []
    for d in chosen:
        left = (d.due - today).days
        rel = f"还有{left}天" if left > 0 else ("今天截止" if left == 0 else "已截止")
        items.append(f"· {_md(d.due)}（周{_WEEKDAYS[d.due.weekday()]}）前 {_name(d, category)}（{rel}）")
    return _fit([head], items, [_source_line([d.source for d in chosen])])


# ---------------------------------------------------------------- planning

@dataclass
class _Planner:
    campaign: Campaign
    rules: ReminderRules
    _warned: set[date] = field(default_factory=set)

    def due(self, day: date, at: time) -> datetime:
        moment = datetime.combine(day, at, tzinfo=self.rules.tz)
        if self.rules.quiet_hours:
            moment = self._out_of_quiet(moment)
        if self.rules.workdays_only:
            moment = datetime.combine(self._previous_workday(moment.date()), moment.timetz())
        return moment

    def _out_of_quiet(self, moment: datetime) -> datetime:
        start, end, now = self.rules.quiet_start, self.rules.quiet_end, moment.time()
        day = moment.date()
        if start < end:  # e.g. 12:00–14:00, within one day
            inside, target = start <= now < end, day
        else:  # across midnight, e.g. 21:00–08:00
            inside = now >= start or now < end
            target = day + timedelta(days=1) if now >= start else day
        return datetime.combine(target, end, tzinfo=self.rules.tz) if inside else moment

    def _previous_workday(self, day: date) -> date:
        from chinese_calendar import is_workday

        current = day
        for _ in range(31):  # the longest Chinese holiday run is far shorter
            try:
                if is_workday(current):
                    return current
            except NotImplementedError as exc:
                if current not in self._warned:
                    self._warned.add(current)
                    log.warning("workday rule: %s is outside chinese_calendar's years (%s); keeping %s",
                                current, exc, day)
                return day
            current -= timedelta(days=1)
        return day

    def occurrence(self, rule_id: str, subject_id: str, title: str, day: date, at: time,
                   audience: tuple[str, ...], source: str, text_for) -> Occurrence:
        due_at = self.due(day, at)
        reached = _audience_categories(audience)
        generic = text_for(due_at.date(), _ALL)
        variants = tuple((c, t) for c in CATEGORIES if c in reached
                         for t in [text_for(due_at.date(), c)] if t != generic)
        return Occurrence(rule_id, subject_id, due_at, audience, generic, source, title, variants)

    def run(self) -> list[Occurrence]:
        campaign, rules = self.campaign, self.rules
        send = rules.send_time
        for deadline in campaign.deadlines:  # a typo in an audience must not reach the wrong groups
            try:
                _audience_categories(deadline.audience)
            except ValueError as exc:
                raise ReminderRulesError("audience", f"日历事项 {deadline.id}：{exc}") from exc
        # (family, subject, urgency) for collapsing same-moment reminders about the same thing
        planned: list[tuple[str, int, Occurrence]] = []

        for stage in campaign.stages:
            start, end = stage.window.start, stage.window.end
            title = stage.label
            if rules.stage_start:
                occ = self.occurrence("stage-start", stage.id, title, start, send, (), stage.source,
                                      lambda today, c, s=stage: _stage_start_text(campaign, s, today, c))
                planned.append(("stage-start", 0, occ))
            offsets = list(rules.stage_end_days_before) if rules.stage_end_before else []
            offsets += [0] if rules.stage_end_day else []
            for n in offsets:
                day = end - timedelta(days=n)
                if n and day < start:
                    continue
                rule_id = f"stage-end-before-{n}" if n else "stage-end-day"
                occ = self.occurrence(rule_id, stage.id, title, day, send, (), stage.source,
                                      lambda today, c, s=stage: _stage_end_text(campaign, s, today, c))
                planned.append(("stage-end", n, occ))

        offsets = list(rules.deadline_days_before) if rules.deadline_before else []
        offsets += [0] if rules.deadline_day else []
        for deadline in campaign.deadlines:
            for n in offsets:
                day = deadline.due - timedelta(days=n)
                if day < campaign.start:
                    continue
                rule_id = f"deadline-before-{n}" if n else "deadline-day"
                occ = self.occurrence(rule_id, deadline.id, deadline.name, day, send, deadline.audience,
                                      deadline.source,
                                      lambda today, c, d=deadline: _deadline_text(d, today, c))
                planned.append(("deadline", n, occ))

        if rules.weekly_digest:
            monday = campaign.start + timedelta(days=(7 - campaign.start.weekday()) % 7)
            while monday <= campaign.end:
                sunday = monday + timedelta(days=6)
                week = sorted((d for d in campaign.deadlines if monday <= d.due <= sunday),
                              key=lambda d: (d.due, d.id))
                if week:
                    iso = monday.isocalendar()
                    subject = f"{iso.year}-W{iso.week:02d}"
                    audience = () if any(not d.audience for d in week) else \
                        tuple(dict.fromkeys(tag for d in week for tag in d.audience))
                    occ = self.occurrence("weekly-digest", subject, f"{_md(monday)}—{_md(sunday)}这一周",
                                          monday, rules.digest_time, audience,
                                          "；".join(dict.fromkeys(d.source for d in week if d.source)),
                                          lambda today, c, m=monday, w=week: _digest_text(m, w, today, c))
                    planned.append(("weekly-digest", 0, occ))
                monday += timedelta(days=7)

        best: dict[tuple[str, str, datetime], tuple[int, Occurrence]] = {}
        for family, urgency, occ in planned:
            slot = (family, occ.subject_id, occ.due_at)
            if slot not in best or urgency < best[slot][0]:
                best[slot] = (urgency, occ)
        return sorted((occ for _, occ in best.values()), key=lambda o: (o.due_at, o.rule_id, o.subject_id))


def plan(campaign: Campaign, rules: ReminderRules) -> list[Occurrence]:
    """Every reminder occurrence of the whole campaign, sorted by due time, then rule id, then subject."""
    return _Planner(campaign, rules).run()


def preview(campaign: Campaign, rules: ReminderRules, rule_id: str | None = None, *,
            category: int | None | Literal["all"] = _ALL) -> list[tuple[Occurrence, str]]:
    """The planned occurrences with their texts, for ``xueshi reminders preview [RULE]``.

    ``rule_id`` filters by an exact id or a family prefix (``deadline-before`` matches
    ``deadline-before-7`` …). ``category`` 1, 2 or None keeps only what such a group gets, worded for
    it; the default shows every occurrence in its overview wording.
    """
    result = []
    for occ in plan(campaign, rules):
        if rule_id and not (occ.rule_id == rule_id or occ.rule_id.startswith(rule_id.rstrip("-") + "-")):
            continue
        if category == _ALL:
            result.append((occ, occ.text))
        elif applies_to(occ, category):
            result.append((occ, render(occ, category)))
    return result


__all__ = [
    "CATEGORIES", "DEFAULT_RULES_PATH", "MAX_TEXT_BYTES", "Occurrence", "ReminderRules", "ReminderRulesError",
    "applies_to", "load_rules", "plan", "preview", "render",
]
