"""The one wrapper every meeting command goes through: parse the command word, resolve the unit it
acts on, check the permission table (:mod:`attendance.permissions`), then run the command.

A command handler receives a :class:`Call` (the message, the identified sender, the unit, the text
after the command word, the time, the message's dedupe key and the ``meetings`` service); it never
sees platform payloads or SQL. Refusals raised as ``AttendanceError`` become plain replies.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from attendance.parsing import clean, looks_like_question
from attendance.permissions import PERMISSIONS, Who, allowed_commands, check
from attendance.service import Attendance, AttendanceError, Sender
from bot.messages import IncomingMessage, Reply
from bot.router import Handler
from bot.storage.attendance_repo import UnitRecord

log = logging.getLogger(__name__)

INTENT = "attendance"
DENIED = "denied"


@dataclass(frozen=True)
class Call:
    msg: IncomingMessage
    sender: Sender
    unit: UnitRecord
    args: str
    now: datetime
    source_key: str | None
    meetings: Attendance


def source_key(msg: IncomingMessage) -> str | None:
    """The platform message's identity: the same message delivered twice has the same key."""
    return f"{msg.platform}:{msg.chat_id}:{msg.msg_id}"[:300] if msg.msg_id else None


def _who(sender: Sender, target: UnitRecord | None) -> Who:
    member = sender.member
    return Who(on_roster=member is not None, roles=sender.roles, member_unit=member.unit_name if member else None,
               target_unit=target.name if target else None)


def _unit_of_chat(sender: Sender, meetings: Attendance, doing: str) -> tuple[UnitRecord | None, str | None]:
    if sender.is_group:
        if sender.chat_unit is None:
            return None, (f"这个群还没有绑定单位，不能{doing}。请本单位书记或联络员在群里发「绑定单位 单位名」"
                          "（单位名与花名册一致）。")
        return sender.chat_unit, None
    if sender.member is None:
        return None, f"请在本单位的群里{doing}。"
    return meetings.unit_named(sender.member.unit_name), None


def _named_unit(sender: Sender, meetings: Attendance, args: str) -> tuple[UnitRecord | None, str | None]:
    if not sender.is_group:
        return None, "请在要绑定的群里发这条命令，例如在本单位的群里发「绑定单位 示例小学」。"
    name = clean(args)
    if not name:
        return None, "请写上单位名称，例如「绑定单位 示例小学」（与花名册里的单位名一致）。"
    unit = meetings.unit_named(name)
    if unit is None:
        return None, (f"没有登记叫「{name}」的单位。请核对名称（与花名册一致），"
                      "或请管理员先用 xueshi units add 登记。")
    return unit, None


def command(name: str, words: tuple[str, ...], *, space_required: bool = False,
            target: str = "chat") -> Callable[[Callable[[Call], Reply]], Handler]:
    """Declare a chat command. ``words``: the command word and its accepted variants; ``target``:
    ``chat`` (the unit the group is bound to) or ``named`` (the unit named in the arguments)."""
    if name not in PERMISSIONS:
        raise KeyError(f"command {name!r} has no entry in attendance.permissions.PERMISSIONS")
    pattern = re.compile(r"^(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
                         + r")(?P<sep>[\s:]*)(?P<args>.*)$", re.DOTALL)
    doing = PERMISSIONS[name].doing

    def parse(msg: IncomingMessage) -> str | None:
        match = pattern.match(clean(msg.text))
        if not match:
            return None
        args = match.group("args").strip()
        if args and ((space_required and not match.group("sep")) or looks_like_question(args)):
            return None  # 「请假找谁批」「签到怎么弄」: a question for the FAQ, not the command
        return args

    def wrap(func: Callable[[Call], Reply]) -> Handler:
        doc = inspect.getdoc(func) or ""

        def run(msg: IncomingMessage, sender: Sender, meetings: Attendance) -> Reply | None:
            args = parse(msg)
            if args is None:
                return None
            meta = {"command": name}
            denial = check(name, _who(sender, None))  # roster and roles first, then the unit
            if denial is None:
                if target == "named":
                    unit, problem = _named_unit(sender, meetings, args)
                else:
                    unit, problem = _unit_of_chat(sender, meetings, doing)
                if problem is not None:
                    return Reply(text=problem, intent=INTENT, meta={**meta, "refused": True})
                denial = check(name, _who(sender, unit))
            if denial is not None:
                log.info("denied %s to %s:%s in %s", name, msg.platform, msg.user_id, msg.chat_id)
                return Reply(text=denial, intent=DENIED, meta=meta)
            assert unit is not None
            call = Call(msg=msg, sender=sender, unit=unit, args=args, now=msg.sent_at, source_key=source_key(msg),
                        meetings=meetings)
            try:
                reply = func(call)
            except AttendanceError as exc:
                return Reply(text=str(exc), intent=INTENT, meta={**meta, "refused": True})
            for key, value in meta.items():
                reply.meta.setdefault(key, value)
            return reply

        return Handler(name=f"command:{name}", func=run, matches=lambda msg: parse(msg) is not None,
                       help_line=doc.splitlines()[0] if doc else "", params=("msg", "sender", "meetings"),
                       command=name)

    return wrap


def visible_to(sender: Sender | None) -> Callable[[Handler], bool]:
    """For 「帮助」: whether ``sender`` may use a handler (handlers without a command: everyone)."""
    allowed = set(allowed_commands(sender.roles if sender is not None and sender.member is not None else None))
    return lambda h: h.command is None or h.command in allowed
