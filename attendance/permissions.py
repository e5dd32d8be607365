"""The one permission table: chat command → who may use it, and on which unit.

Every attendance command goes through :func:`check` (called from the one command wrapper in
``handlers/commands.py``); nothing else decides who may do what. Scope is always the sender's own
unit: the unit the group is bound to (in a private chat, the sender's unit; for 「绑定单位」, the unit
named) must be the unit the sender is on the roster of.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from attendance.roles import LIAISON, ROLES, SECRETARY

#: Anyone on the unit's roster, whatever their roles.
ANY_MEMBER: frozenset[str] = frozenset(ROLES)
SECRETARIES: frozenset[str] = frozenset({SECRETARY, LIAISON})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    #: Senders not on the roster may use it too (签到 records them as 未匹配 for the secretary to link).
    unmatched: bool = False
    #: What the denial says the command does: 「只有本单位书记或联络员可以{doing}」.
    doing: str = ""


PERMISSIONS: dict[str, Rule] = {
    "签到": Rule(ANY_MEMBER, unmatched=True, doing="签到"),
    "请假": Rule(ANY_MEMBER, doing="请假"),
    "我的签到": Rule(ANY_MEMBER, doing="查看自己的签到"),
    "发起签到": Rule(SECRETARIES, doing="发起签到"),
    "结束签到": Rule(SECRETARIES, doing="结束签到"),
    "签到情况": Rule(SECRETARIES, doing="查看签到情况"),
    "代签": Rule(SECRETARIES, doing="代签"),
    "补签": Rule(SECRETARIES, doing="补签"),
    "批准请假": Rule(SECRETARIES, doing="批准请假"),
    "驳回请假": Rule(SECRETARIES, doing="驳回请假"),
    "导出考勤": Rule(SECRETARIES, doing="导出考勤"),
    "绑定单位": Rule(SECRETARIES, doing="绑定本单位的群"),
}


@dataclass(frozen=True)
class Who:
    """What the check needs to know about the sender and the place."""

    on_roster: bool
    roles: frozenset[str]
    member_unit: str | None  # the unit the sender is on the roster of
    target_unit: str | None  # the unit the command acts on (the group's, or the one named)


def _role_names(roles: frozenset[str]) -> str:
    names = [r for r in ROLES if r in roles]
    return "或".join(names) if len(names) <= 2 else "、".join(names)


def check(command: str, who: Who) -> str | None:
    """``None`` when allowed, else the reason in Chinese (what went wrong and what to do)."""
    rule = PERMISSIONS.get(command)
    if rule is None:  # a command missing from the table is a programming error: deny, loudly
        raise KeyError(f"command {command!r} has no entry in PERMISSIONS")
    if not who.on_roster:
        if rule.unmatched:
            return None
        return (f"你还不在花名册上，不能{rule.doing}。请联系本单位书记或联络员把你加入名单"
                "（或把你的账号关联到名单上的名字）。")
    if not (who.roles & rule.roles):
        return f"只有本单位{_role_names(rule.roles)}可以{rule.doing}。"
    if who.target_unit is not None and who.member_unit != who.target_unit:
        if rule.roles == ANY_MEMBER:
            return f"你在「{who.member_unit}」的名单上，不是「{who.target_unit}」的人员，不能在这里{rule.doing}。"
        return (f"你是「{who.member_unit}」的{_role_names(who.roles & rule.roles)}，"
                f"只能管理本单位的事，不能为「{who.target_unit}」{rule.doing}。")
    return None


def allowed_commands(roles: Iterable[str] | None) -> list[str]:
    """The commands a sender with ``roles`` may use (``None``: not on the roster), in table order."""
    if roles is None:
        return [name for name, rule in PERMISSIONS.items() if rule.unmatched]
    held = frozenset(roles)
    return [name for name, rule in PERMISSIONS.items() if held & rule.roles]
