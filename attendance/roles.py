"""Roster roles and the outline's 群众代表 requirement per unit category."""

from __future__ import annotations

import re
from collections.abc import Iterable

PARTY_MEMBER = "党员"
LEADERSHIP = "领导班子"
SECRETARY = "书记"
LIAISON = "联络员"
MASSES = "群众代表"
NON_PARTY_LEADER = "非党领导干部"
RETIRED = "离退休"

#: Every role a roster row may carry, in the order they are stored and shown.
ROLES: tuple[str, ...] = (PARTY_MEMBER, LEADERSHIP, SECRETARY, LIAISON, MASSES, NON_PARTY_LEADER, RETIRED)

#: Spellings people type in a roster file for the same role.
ROLE_ALIASES: dict[str, str] = {
    "党员": PARTY_MEMBER, "中共党员": PARTY_MEMBER, "预备党员": PARTY_MEMBER,
    "领导班子": LEADERSHIP, "班子成员": LEADERSHIP, "领导班子成员": LEADERSHIP, "班子": LEADERSHIP,
    "书记": SECRETARY, "党支部书记": SECRETARY, "支部书记": SECRETARY, "党委书记": SECRETARY, "总支书记": SECRETARY,
    "联络员": LIAISON, "学实联络员": LIAISON,
    "群众代表": MASSES,
    "非党领导干部": NON_PARTY_LEADER, "非党领导": NON_PARTY_LEADER,
    "离退休": RETIRED, "离退休党员": RETIRED, "退休": RETIRED, "离休": RETIRED, "退休党员": RETIRED,
}

#: 《培训提纲》一、（一）6: at least 30 群众代表 in a 第一类 unit, at least 15 in a 第二类 unit.
MASSES_REQUIRED: dict[int, int] = {1: 30, 2: 15}
MASSES_SOURCE = "一、（一）6"

CATEGORY_NAMES = {1: "第一类单位", 2: "第二类单位"}

_SEPARATORS = re.compile(r"[、,，;；/／|｜\s]+")


class UnknownRole(ValueError):
    def __init__(self, unknown: list[str]) -> None:
        super().__init__("、".join(unknown))
        self.unknown = unknown


def parse_roles(text: str) -> tuple[str, ...]:
    """「党员、书记」→ ("党员", "书记") in canonical order; :class:`UnknownRole` names what is not a role."""
    found: set[str] = set()
    unknown: list[str] = []
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        role = ROLE_ALIASES.get(part)
        if role is None:
            unknown.append(part)
        else:
            found.add(role)
    if unknown:
        raise UnknownRole(unknown)
    return canonical(found)


def canonical(roles: Iterable[str]) -> tuple[str, ...]:
    wanted = set(roles)
    return tuple(role for role in ROLES if role in wanted)


def encode(roles: Iterable[str]) -> str:
    """Storage form: canonical order, comma separated."""
    return ",".join(canonical(roles))


def decode(text: str | None) -> tuple[str, ...]:
    return canonical(part for part in (text or "").split(",") if part)


def masses_shortfall(category: int | None, masses_count: int) -> str | None:
    """A warning for a secretary when the roster has fewer 群众代表 than the category requires."""
    required = MASSES_REQUIRED.get(category or 0)
    if required is None or masses_count >= required:
        return None
    return (f"提醒：本单位名单上的群众代表只有 {masses_count} 名，{CATEGORY_NAMES[category or 0]}要求不少于 "
            f"{required} 名（《培训提纲》{MASSES_SOURCE}）。请补充后重新导入名单。")
