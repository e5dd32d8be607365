"""The campaign calendar (``config/campaign.toml``): stages and deadlines as date windows.

Loaded once; queried with a day. Knows nothing about chats or how questions are phrased.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from scheduler.periods import PeriodError, Window, parse_period


class CampaignError(ValueError):
    pass


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    ordinal: int
    period: str
    window: Window
    source: str
    tasks: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"第{'一二三四五六七八九'[self.ordinal - 1]}阶段「{self.name}」（{self.period}）"


@dataclass(frozen=True)
class Deadline:
    id: str
    name: str
    period: str
    window: Window
    action: str
    source: str
    audience: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # Optional per-category wording, for items the outline words differently for 第一类 and 第二类
    # units (调研报告 vs 调查材料); empty means "same as name / action".
    name_1: str = ""
    name_2: str = ""
    action_1: str = ""
    action_2: str = ""

    @property
    def due(self) -> date:
        return self.window.due

    def name_for(self, category: int | None) -> str:
        """The item's name as a unit of ``category`` (1, 2, or None = unknown) should read it."""
        return {1: self.name_1, 2: self.name_2}.get(category or 0, "") or self.name

    def action_for(self, category: int | None) -> str:
        """What a unit of ``category`` (1, 2, or None = unknown) must do for this item."""
        return {1: self.action_1, 2: self.action_2}.get(category or 0, "") or self.action


@dataclass(frozen=True)
class Campaign:
    name: str
    year: int
    source: str
    stages: tuple[Stage, ...]
    deadlines: tuple[Deadline, ...] = field(default_factory=tuple)

    @property
    def start(self) -> date:
        return self.stages[0].window.start

    @property
    def end(self) -> date:
        return self.stages[-1].window.end

    @property
    def schedule_line(self) -> str:
        return "、".join(f"{s.name}（{s.period}）" for s in self.stages)

    def stage_at(self, day: date) -> Stage | None:
        return next((s for s in self.stages if s.window.contains(day)), None)

    def next_stage(self, day: date) -> Stage | None:
        return next((s for s in self.stages if s.window.start > day), None)

    def stage_by_ordinal(self, ordinal: int) -> Stage | None:
        return next((s for s in self.stages if s.ordinal == ordinal), None)

    def upcoming(self, day: date, audience: str | None = None) -> list[Deadline]:
        items = [d for d in self.deadlines if d.due >= day and (audience is None or audience in d.audience)]
        return sorted(items, key=lambda d: (d.due, d.name))

    def find_deadline(self, text: str) -> Deadline | None:
        """The deadline whose name or alias appears in ``text`` (longest match wins)."""
        best: tuple[int, Deadline] | None = None
        for deadline in self.deadlines:
            for name in (deadline.name, *deadline.aliases):
                if name and name in text and (best is None or len(name) > best[0]):
                    best = (len(name), deadline)
        return best[1] if best else None

    def find_stage(self, text: str) -> Stage | None:
        for stage in self.stages:
            ordinal = "一二三四五六七八九"[stage.ordinal - 1]
            names = (stage.name, f"第{ordinal}阶段", f"第{stage.ordinal}阶段", *stage.aliases)
            if any(name in text for name in names):
                return stage
        return None


def load_campaign(path: Path) -> Campaign:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CampaignError(f"campaign calendar not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(f"campaign calendar {path} is not valid TOML: {exc}") from exc
    try:
        year = int(data["year"])
        stages = tuple(
            Stage(
                id=str(raw["id"]), name=str(raw["name"]), ordinal=int(raw["ordinal"]), period=str(raw["period"]),
                window=_window(raw, year), source=str(raw.get("source", data.get("source", ""))),
                tasks=tuple(raw.get("tasks", ())), aliases=tuple(raw.get("aliases", ())),
            )
            for raw in data.get("stages", [])
        )
        deadlines = tuple(
            Deadline(
                id=str(raw["id"]), name=str(raw["name"]), period=str(raw["period"]), window=_window(raw, year),
                action=str(raw.get("action", "")), source=str(raw.get("source", "")),
                audience=tuple(raw.get("audience", ())), aliases=tuple(raw.get("aliases", ())),
                name_1=str(raw.get("name_1", "")), name_2=str(raw.get("name_2", "")),
                action_1=str(raw.get("action_1", "")), action_2=str(raw.get("action_2", "")),
            )
            for raw in data.get("deadlines", [])
        )
    except KeyError as exc:
        raise CampaignError(f"{path}: an entry lacks field {exc}") from exc
    except PeriodError as exc:
        raise CampaignError(f"{path}: {exc}") from exc
    if not stages:
        raise CampaignError(f"{path}: no [[stages]]")
    stages = tuple(sorted(stages, key=lambda s: s.window.start))
    return Campaign(str(data.get("campaign", "")), year, str(data.get("source", "")), stages, deadlines)


def _window(raw: dict, year: int) -> Window:
    window = parse_period(str(raw["period"]), year)
    start = date.fromisoformat(raw["start"]) if "start" in raw else window.start
    end = date.fromisoformat(raw.get("end") or raw.get("due") or window.end.isoformat())
    return Window(start, end, window.is_deadline)
