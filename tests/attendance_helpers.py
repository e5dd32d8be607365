"""Shared set-up for the meeting tests: two units, a roster, bound console groups, a chat driver."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from bot.clock import CAMPAIGN_TZ, FixedClock
from bot.messages import IncomingMessage, Reply
from bot.storage import Database
from bot.storage import attendance_repo as ar

T0 = datetime(2009, 4, 20, 14, 0, tzinfo=CAMPAIGN_TZ)  # half an hour before the meeting starts
CLI = ar.Actor("测试")

# name, unit, roles, wecom, dingtalk, mobile
ROSTER = (
    ("张书记", "A", "党员,领导班子,书记", "zsj", None, "13800000001"),
    ("李联络", "A", "党员,联络员", "lll", None, "13800000002"),
    ("王老师", "A", "党员", "wls", "ding-wls", "13800000003"),
    ("陈老师", "A", "党员", "cls", None, "13800000004"),
    ("周老师", "A", "党员", None, "ding-zls", "13800000005"),
    ("赵师傅", "A", "群众代表", "zsf", None, "13800000006"),
    ("孙老党员", "A", "党员,离退休", None, None, "13800000007"),
    ("钱书记", "B", "党员,书记", "qsj", None, "13900000001"),
    ("吴老师", "B", "党员", "wuls", None, "13900000002"),
)
UNIT_NAMES = {"A": "示例小学", "B": "示例中学"}


def seed(db: Database, *, bind: bool = True) -> dict[str, ar.UnitRecord]:
    units = {
        "A": ar.add_unit(db, name=UNIT_NAMES["A"], category=1, parent=None, at=T0, actor=CLI),
        "B": ar.add_unit(db, name=UNIT_NAMES["B"], category=2, parent=None, at=T0, actor=CLI),
    }
    rows = [ar.MemberValues(None, name, units[u].id, roles, wecom, ding, mobile)
            for name, u, roles, wecom, ding, mobile in ROSTER]
    ar.apply_roster(db, rows, at=T0, actor=CLI, source="test")
    if bind:
        ar.bind_group(db, platform="console", chat_id="gA", unit_id=units["A"].id, at=T0, actor=CLI)
        ar.bind_group(db, platform="console", chat_id="gB", unit_id=units["B"].id, at=T0, actor=CLI)
    return units


@dataclass
class Chat:
    """Send console messages through a router (a Service's or a bare one) at the clock's time."""

    handle: object  # Callable[[IncomingMessage], Reply]
    clock: FixedClock
    platform: str = "console"
    _ids: count = field(default_factory=lambda: count(1))

    def say(self, user: str, text: str, *, group: str = "gA", msg_id: str | None = None, name: str = "",
            is_group: bool = True) -> Reply:
        msg = IncomingMessage(platform=self.platform, chat_id=group, user_id=user, user_name=name, text=text,
                              sent_at=self.clock.now(), msg_id=msg_id if msg_id is not None else f"m{next(self._ids)}",
                              is_group=is_group)
        return self.handle(msg)  # type: ignore[operator]

    def at(self, minutes: float) -> None:
        """Move the clock to T0 + ``minutes``."""
        self.clock.advance(T0 + timedelta(minutes=minutes) - self.clock.now())


def command_router(db: Database, export_dir):
    """A router with only the meeting commands (no FAQ matcher to build): cheap enough per process."""
    from attendance.kinds import load_rules
    from attendance.service import Attendance
    from bot.router import Router
    from config import data_path
    from handlers import HANDLER_ORDER

    meetings = Attendance(db, load_rules(data_path("meetings.toml")), export_dir=export_dir)
    return Router([h for h in HANDLER_ORDER if h.command], deps={"meetings": meetings},
                  providers={"sender": meetings.identify})


def checkin_in_process(url: str, barrier, user: str, msg_id: str, results) -> None:
    """Run in a child process: wait for the others, then send 「签到」 once through the router."""
    from pathlib import Path

    db = Database(url)
    try:
        router = command_router(db, Path("."))
        chat = Chat(router.dispatch, FixedClock(T0 + timedelta(minutes=5)))
        barrier.wait(timeout=60)
        reply = chat.say(user, "签到", msg_id=msg_id)
        results.put((reply.intent, reply.meta.get("created"), reply.text))
    finally:
        db.dispose()
