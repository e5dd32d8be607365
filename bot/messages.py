"""Neutral message types shared by every adapter and handler.

Adapters turn wire formats into ``IncomingMessage`` and render ``Reply`` back; handlers only ever
see these two types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    platform: str  # "console", "api", "wecom", "dingtalk", ...
    chat_id: str
    user_id: str
    text: str
    sent_at: datetime
    user_name: str = ""
    msg_id: str = ""
    is_group: bool = True


@dataclass(slots=True)
class Reply:
    text: str
    intent: str
    markdown: str | None = None
    mention_user_ids: tuple[str, ...] = ()
    visible_to: tuple[str, ...] = ()
    # Structured facts about how the reply was made (faq id, source, score, ...). Adapters ignore
    # them; the CLI's --json and /api/ask expose them.
    meta: dict[str, Any] = field(default_factory=dict)
