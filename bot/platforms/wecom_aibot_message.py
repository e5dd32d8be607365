"""The WeCom AI bot's (智能机器人) message JSON, shared by its HTTP callback and its long connection.

Both routes deliver the same decrypted JSON (``msgid``, ``aibotid``, ``chatid`` for groups,
``chattype``, ``from.userid``, ``response_url``, ``msgtype``, ``text.content`` …). This module turns it
into the neutral message and renders neutral replies into the bot's reply bodies. It knows nothing
about transport (HTTP, encryption, WebSocket frames) and nothing about what a reply means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.messages import IncomingMessage, Reply
from bot.platforms.gateway import InboundKey

PLATFORM = "wecom"
DEDUPE_NAMESPACE = "wecom-aibot"
#: ``stream.content`` may hold up to 20,480 bytes of markdown; markdown pushes up to 4,096 bytes.
STREAM_CONTENT_MAX_BYTES = 20_480
MARKDOWN_MAX_BYTES = 4_096

# The bot's own mention at the start of the text: "@RobotA hello" → "hello". Names hold no spaces.
_LEADING_MENTION = re.compile(r"^\s*@\S+[\s\u2005\u00a0]*")


@dataclass(frozen=True, slots=True)
class AibotDelivery:
    """One parsed callback: the neutral message, its dedupe key, and where a late answer may go."""

    message: IncomingMessage
    key: InboundKey
    response_url: str | None
    chat_target: str  # chatid for a group, the user id for a single chat (what aibot_send_msg takes)


class UnsupportedMessage(ValueError):
    """A well-formed callback the bot does not answer (an event, an image, a stream refresh …)."""


def strip_mention(text: str) -> str:
    return _LEADING_MENTION.sub("", text, count=1).strip()


def parse_callback(payload: Any, received_at: datetime) -> AibotDelivery:
    """Parse the decrypted callback JSON. ``ValueError`` for a malformed one; :class:`UnsupportedMessage`
    for a message type the bot ignores. The JSON carries no time, so ``received_at`` is the sent time."""
    if not isinstance(payload, dict):
        raise ValueError("callback JSON is not an object")
    msgtype = payload.get("msgtype")
    if msgtype != "text":
        raise UnsupportedMessage(f"msgtype {msgtype!r}")
    msg_id = _string(payload, "msgid")
    sender = payload.get("from")
    user_id = _string(sender, "userid") if isinstance(sender, dict) else ""
    text_part = payload.get("text")
    content = text_part.get("content") if isinstance(text_part, dict) else None
    if not msg_id or not user_id or not isinstance(content, str):
        raise ValueError("text callback without msgid, from.userid or text.content")
    is_group = payload.get("chattype") == "group"
    chat_id = _string(payload, "chatid") if is_group else ""
    if is_group and not chat_id:
        raise ValueError("group callback without chatid")
    neutral_chat = chat_id if is_group else f"u:{user_id}"
    message = IncomingMessage(platform=PLATFORM, chat_id=neutral_chat, user_id=user_id,
                              user_name=_string(sender, "name") if isinstance(sender, dict) else "",
                              text=strip_mention(content), sent_at=received_at, msg_id=msg_id, is_group=is_group)
    key = InboundKey(platform=DEDUPE_NAMESPACE, msg_id=msg_id, sender_id=user_id, chat_id=neutral_chat)
    response_url = payload.get("response_url")
    return AibotDelivery(message=message, key=key,
                         response_url=response_url if isinstance(response_url, str) and response_url else None,
                         chat_target=chat_id if is_group else user_id)


def _string(container: Any, name: str) -> str:
    value = container.get(name) if isinstance(container, dict) else None
    return value if isinstance(value, str) else ""


def _fit(text: str, max_bytes: int) -> str:
    """``text`` cut at a line boundary (or, for one huge line, a character) to ``max_bytes``."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    head = data[:max_bytes].decode("utf-8", errors="ignore")
    cut = head.rfind("\n")
    return head[:cut] if cut > 0 else head


def reply_markdown(reply: Reply, asker: str | None, max_bytes: int) -> str:
    """The reply as WeCom markdown, @-mentioning the asker (``<@userid>``) in group chats."""
    body = reply.markdown or reply.text
    mentions = [*dict.fromkeys([*(m for m in reply.mention_user_ids), *([asker] if asker else [])])]
    prefix = "".join(f"<@{user}> " for user in mentions)
    return _fit(f"{prefix}\n{body}" if prefix else body, max_bytes)


def stream_body(reply: Reply, stream_id: str, asker: str | None) -> dict[str, Any]:
    """A finished ``stream`` reply (the answer in one piece)."""
    return {"msgtype": "stream", "stream": {"id": stream_id, "finish": True,
                                            "content": reply_markdown(reply, asker, STREAM_CONTENT_MAX_BYTES)}}


def markdown_body(reply: Reply, asker: str | None) -> dict[str, Any]:
    """A ``markdown`` message for ``response_url`` or a proactive push (``aibot_send_msg``)."""
    return {"msgtype": "markdown", "markdown": {"content": reply_markdown(reply, asker, MARKDOWN_MAX_BYTES)}}
