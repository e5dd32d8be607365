"""Inbound events: claim a platform delivery once, so redeliveries and retries change nothing.

``claim`` inserts the event's unique key; only the caller whose insert succeeded handles the
message. A redelivery of a message that is still being handled, or was handled, is refused. A claim
whose holder died (its lease ran out while still ``handling``) can be taken over, so a crash does
not swallow a message the platform redelivers later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, delete, update
from sqlalchemy.engine import Connection

from bot.storage.common import dialect_insert, require_aware
from bot.storage.db import Database
from bot.storage.models import InboundEvent

HANDLING = "handling"
DONE = "done"

_TABLE = InboundEvent.__table__
_KEY_COLUMNS = ("platform", "msg_id", "sender_id", "sent_key")
# Built once: every delivery of every platform runs these.
# Bind names differ from column names: UPDATE reserves the column names for its SET clause.
_MATCH = and_(*(_TABLE.c[name] == bindparam(f"k_{name}") for name in _KEY_COLUMNS))
_TAKE_OVER = (update(_TABLE).where(_MATCH, _TABLE.c.state == HANDLING, _TABLE.c.lease_until < bindparam("now"))
              .values(lease_until=bindparam("until")))
_FINISH = update(_TABLE).where(_MATCH).values(state=DONE)
_RELEASE = delete(_TABLE).where(_MATCH, _TABLE.c.state == HANDLING)
_ID_MAX = 128
_SENT_KEY_MAX = 32


@dataclass(frozen=True, slots=True)
class InboundKey:
    """What identifies one delivery: the platform's message id, its sender and its own timestamp."""

    platform: str
    msg_id: str
    sender_id: str
    sent_key: str = ""  # the platform's timestamp as sent; "" when the platform sends none
    chat_id: str = ""

    def __post_init__(self) -> None:
        if not self.msg_id:
            raise ValueError("an inbound key needs the platform's message id")

    def _values(self) -> dict[str, str]:
        return {"platform": self.platform[:20], "msg_id": self.msg_id[:_ID_MAX],
                "sender_id": self.sender_id[:_ID_MAX], "sent_key": self.sent_key[:_SENT_KEY_MAX]}

    def _params(self) -> dict[str, str]:
        return {f"k_{name}": value for name, value in self._values().items()}


_CLAIMS: dict[str, object] = {}


def _claim_statement(dialect: str):
    stmt = _CLAIMS.get(dialect)
    if stmt is None:
        stmt = _CLAIMS[dialect] = (dialect_insert(dialect)(_TABLE).on_conflict_do_nothing()
                                   .returning(_TABLE.c.id))
    return stmt


def claim(db: Database, key: InboundKey, *, now: datetime, lease: timedelta) -> bool:
    """True when this caller should handle the message; False for a repeat."""
    require_aware("now", now)
    row = {**key._values(), "chat_id": key.chat_id[:_ID_MAX], "state": HANDLING, "received_at": now,
           "lease_until": now + lease}
    # Not durable on PostgreSQL: a claim lost in a crash only means a redelivery after the restart
    # is answered again (check-ins stay single through their own unique key).
    with db.transaction(durable=False) as conn:
        inserted = conn.execute(_claim_statement(db.dialect), row).scalar()
        if inserted is not None:
            return True
        # Taken over only when the earlier holder's lease ran out before it finished.
        taken = conn.execute(_TAKE_OVER, {**key._params(), "now": now, "until": now + lease}).rowcount
        return taken == 1


def finish(db: Database, key: InboundKey) -> None:
    with db.transaction() as conn:
        finish_in(conn, key)


def finish_in(conn: Connection, key: InboundKey) -> None:
    """Mark the delivery handled inside the caller's transaction."""
    conn.execute(_FINISH, key._params())


def release(db: Database, key: InboundKey) -> None:
    """Forget a claim whose handling failed, so the platform's next redelivery is handled afresh."""
    with db.transaction() as conn:
        conn.execute(_RELEASE, key._params())


def purge(db: Database, *, older_than: datetime) -> int:
    """Delete events received before ``older_than``; returns how many."""
    require_aware("older_than", older_than)
    with db.transaction() as conn:
        return conn.execute(delete(_TABLE).where(_TABLE.c.received_at < older_than)).rowcount


def count(db: Database) -> int:
    from sqlalchemy import func, select

    with db.transaction(write=False) as conn:
        return int(conn.execute(select(func.count()).select_from(_TABLE)).scalar_one())
