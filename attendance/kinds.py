"""Meeting kinds and check-in rules from ``config/meetings.toml``."""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from attendance.roles import MASSES, ROLES


class MeetingConfigError(ValueError):
    pass


@dataclass(frozen=True)
class MeetingKind:
    name: str
    aliases: tuple[str, ...] = ()
    masses: bool = False  # 群众代表 are expected
    audience: tuple[str, ...] = ()  # roles expected; empty = everyone on the roster except pure 群众代表
    minutes: int | None = None
    source: str = ""

    def expects(self, roles: tuple[str, ...]) -> bool:
        """Whether a member with ``roles`` is expected at a meeting of this kind."""
        if self.masses and MASSES in roles:
            return True
        if self.audience:
            return any(role in self.audience for role in roles)
        return any(role != MASSES for role in roles)


@dataclass(frozen=True)
class MeetingRules:
    kinds: tuple[MeetingKind, ...]
    grace_minutes: int = 15
    window_before_minutes: int = 30
    default_minutes: int = 120
    makeup_days: int = 7

    @property
    def other(self) -> MeetingKind:
        return self.by_name("其他") or MeetingKind("其他")

    def by_name(self, name: str) -> MeetingKind | None:
        for kind in self.kinds:
            if kind.name == name:
                return kind
        return None

    def find(self, text: str) -> MeetingKind | None:
        """The kind ``text`` names: its name or an alias equal to, then contained in, the text.

        Among contained names the longest wins (「解放思想成果交流会」 over 「成果交流会」)."""
        text = _fold(text)
        if not text:
            return None
        best: tuple[int, MeetingKind] | None = None
        for kind in self.kinds:
            for word in (kind.name, *kind.aliases):
                folded = _fold(word)
                if not folded:
                    continue
                if folded == text:
                    return kind
                if folded in text and (best is None or len(folded) > best[0]):
                    best = (len(folded), kind)
        return best[1] if best else None


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def load_rules(path: Path) -> MeetingRules:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise MeetingConfigError(f"找不到会议类型文件 {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MeetingConfigError(f"会议类型文件 {path} 格式有误：{exc}") from exc
    kinds: list[MeetingKind] = []
    seen: set[str] = set()
    for n, raw in enumerate(data.get("kinds") or [], 1):
        name = str(raw.get("name") or "").strip()
        if not name:
            raise MeetingConfigError(f"{path}：第 {n} 个 [[kinds]] 缺少 name")
        if name in seen:
            raise MeetingConfigError(f"{path}：会议类型「{name}」写了两次")
        seen.add(name)
        audience = tuple(str(r) for r in raw.get("audience") or ())
        bad = [r for r in audience if r not in ROLES]
        if bad:
            raise MeetingConfigError(f"{path}：「{name}」的 audience 里有不认识的角色：{'、'.join(bad)}")
        minutes = raw.get("minutes")
        if minutes is not None and (not isinstance(minutes, int) or minutes <= 0):
            raise MeetingConfigError(f"{path}：「{name}」的 minutes 要是正整数")
        kinds.append(MeetingKind(
            name=name,
            aliases=tuple(str(a).strip() for a in raw.get("aliases") or () if str(a).strip()),
            masses=bool(raw.get("masses", False)),
            audience=audience,
            minutes=minutes,
            source=str(raw.get("source") or ""),
        ))
    if not kinds:
        raise MeetingConfigError(f"{path}：没有任何会议类型（[[kinds]]）")
    if "其他" not in seen:
        kinds.append(MeetingKind("其他"))
    values = {}
    for key in ("grace_minutes", "window_before_minutes", "default_minutes", "makeup_days"):
        if key in data:
            value = data[key]
            if not isinstance(value, int) or value < 0 or (key == "default_minutes" and value == 0):
                raise MeetingConfigError(f"{path}：{key} 要是非负整数")
            values[key] = value
    return MeetingRules(kinds=tuple(kinds), **values)
