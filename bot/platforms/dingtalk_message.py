"""The DingTalk enterprise app robot's message JSON and its replies, shared by Stream mode and HTTP mode.

Both modes deliver the same robot message (``msgtype``, ``text.content``, ``msgId``, ``createAt``,
``conversationType``, ``conversationId``, ``senderStaffId``, ``sessionWebhook`` …). This module

* checks the HTTP mode's ``timestamp`` + ``sign`` headers (HMAC-SHA256 keyed with the app secret,
  compared in constant time, at most one hour off),
* turns the JSON into the neutral :class:`~bot.messages.IncomingMessage` and its dedupe key,
* sends a neutral :class:`~bot.messages.Reply` back: to the message's ``sessionWebhook`` while it is
  valid and points at the configured oapi host, otherwise (or when that fails) through the OpenAPI
  robot send with a cached access token.

It knows nothing about transports (HTTP routes, WebSocket frames) and nothing about what a reply means.
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from bot.clock import CAMPAIGN_TZ
from bot.messages import IncomingMessage, Reply
from bot.platforms.gateway import InboundKey
from scheduler.channels import (
    DINGTALK_OPENAPI_TEXT_MAX_BYTES,
    DeliveryError,
    DingTalkTokens,
    dingtalk_sign,
    split_text,
)

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "dingtalk"
#: Stream and HTTP deliveries of one message share this dedupe namespace (and the msgId).
DEDUPE_NAMESPACE = "dingtalk"
#: The HTTP mode's ``timestamp`` header may be at most this far from our clock, either way.
SIGNATURE_WINDOW_MS = 3_600_000
#: One limit for both reply routes, so a reply that falls back half-way is split the same way:
#: ``msgParam`` (OpenAPI) holds at most 15,000 bytes; the sessionWebhook accepts 20,000.
REPLY_MAX_BYTES = DINGTALK_OPENAPI_TEXT_MAX_BYTES
MARKDOWN_TITLE_CHARS = 20

GROUP_SEND_PATH = "/v1.0/robot/groupMessages/send"
SINGLE_SEND_PATH = "/v1.0/robot/oToMessages/batchSend"


class UnsupportedMessage(ValueError):
    """A well-formed robot message the bot does not answer (a picture, an audio clip, rich text …)."""


# -- the HTTP mode's signature ------------------------------------------------------------------------


def sign(secret: str, timestamp_ms: int | str) -> str:
    """The ``sign`` header DingTalk sends with ``timestamp``: base64(HMAC-SHA256(secret, "ts\\nsecret"))."""
    return dingtalk_sign(secret, timestamp_ms)


def signature_problem(secret: str, timestamp: str | None, signature: str | None, now_ms: int) -> str | None:
    """Why a delivery's ``timestamp`` / ``sign`` headers are refused, or ``None`` when they pass.

    The signature is compared first (constant time), then the freshness: a timestamp more than one hour
    before or after ``now_ms`` is refused even with a correct signature (a replayed request)."""
    if not timestamp or not signature:
        return "missing timestamp or sign header"
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 16:
        return "timestamp is not milliseconds"
    expected = sign(secret, timestamp).encode("ascii")
    if not hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace")):
        return "sign does not match"
    if abs(now_ms - int(timestamp)) > SIGNATURE_WINDOW_MS:
        return "timestamp more than one hour off"
    return None


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# -- parsing ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DingTalkDelivery:
    """One parsed robot message: the neutral message, its dedupe key, and where the answer may go."""

    message: IncomingMessage
    key: InboundKey
    conversation_id: str
    staff_id: str  # the enterprise user id ("" when DingTalk sent only the encrypted senderId)
    session_webhook: str | None
    session_webhook_expires_ms: int | None

    @property
    def is_group(self) -> bool:
        return self.message.is_group


def parse_message(payload: Any, received_at: datetime) -> DingTalkDelivery:
    """Parse the robot message JSON. ``ValueError`` for a malformed one, :class:`UnsupportedMessage` for
    a type the bot ignores. ``received_at`` stands in for a missing or unreadable ``createAt``."""
    if not isinstance(payload, dict):
        raise ValueError("robot message is not a JSON object")
    msgtype = payload.get("msgtype")
    if msgtype != "text":
        raise UnsupportedMessage(f"msgtype {str(msgtype)[:40]!r}")
    text_part = payload.get("text")
    content = text_part.get("content") if isinstance(text_part, dict) else None
    msg_id = _string(payload, "msgId")
    staff_id = _string(payload, "senderStaffId")
    user_id = staff_id or _string(payload, "senderId")
    if not isinstance(content, str) or not msg_id or not user_id:
        raise ValueError("text message without text.content, msgId or sender")
    conversation_type = str(payload.get("conversationType", ""))
    if conversation_type not in ("1", "2"):
        raise ValueError("conversationType is neither 1 (single) nor 2 (group)")
    is_group = conversation_type == "2"
    conversation_id = _string(payload, "conversationId")
    if is_group and not conversation_id:
        raise ValueError("group message without conversationId")
    created_ms = _int(payload.get("createAt"))
    sent_at = (datetime.fromtimestamp(created_ms / 1000, tz=CAMPAIGN_TZ) if created_ms and created_ms > 0
               else received_at)
    chat_id = conversation_id if is_group else f"u:{user_id}"
    message = IncomingMessage(platform=PLATFORM, chat_id=chat_id, user_id=user_id,
                              user_name=_string(payload, "senderNick"),
                              # DingTalk removes the @mention itself and leaves a space in its place.
                              text=content.strip(), sent_at=sent_at, msg_id=msg_id, is_group=is_group)
    key = InboundKey(platform=DEDUPE_NAMESPACE, msg_id=msg_id, sender_id=user_id,
                     sent_key=str(payload.get("createAt", "")) if created_ms is not None else "", chat_id=chat_id)
    webhook = _string(payload, "sessionWebhook")
    return DingTalkDelivery(message=message, key=key, conversation_id=conversation_id, staff_id=staff_id,
                            session_webhook=webhook or None,
                            session_webhook_expires_ms=_int(payload.get("sessionWebhookExpiredTime")))


def _string(container: dict, name: str) -> str:
    value = container.get(name)
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 16:
        return int(value)
    return None


# -- rendering ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message of a reply: plain text, or markdown with a title (the notification's preview)."""

    text: str
    markdown_title: str | None = None

    @property
    def is_markdown(self) -> bool:
        return self.markdown_title is not None


def render(reply: Reply) -> list[OutgoingMessage]:
    """The messages a reply goes out as: its markdown when it has one that fits, otherwise its text cut
    at line boundaries to the size limit."""
    if reply.markdown and len(reply.markdown.encode("utf-8")) <= REPLY_MAX_BYTES:
        first_line = next((line.strip() for line in reply.text.splitlines() if line.strip()), "回复")
        return [OutgoingMessage(reply.markdown, markdown_title=first_line[:MARKDOWN_TITLE_CHARS])]
    return [OutgoingMessage(piece) for piece in split_text(reply.text, REPLY_MAX_BYTES)]


def mentions(delivery: DingTalkDelivery, reply: Reply) -> list[str]:
    """Staff ids to @: the asker in a group, plus whoever the reply itself names."""
    users = [delivery.staff_id] if delivery.is_group and delivery.staff_id else []
    users += [user for user in reply.mention_user_ids if user and user not in users]
    return users


def session_body(message: OutgoingMessage, at_user_ids: list[str]) -> dict[str, Any]:
    """The body posted to a sessionWebhook (the robot message format)."""
    at = {"atUserIds": at_user_ids, "isAtAll": False}
    if message.is_markdown:
        return {"msgtype": "markdown", "markdown": {"title": message.markdown_title, "text": message.text}, "at": at}
    return {"msgtype": "text", "text": {"content": message.text}, "at": at}


def openapi_param(message: OutgoingMessage) -> tuple[str, str]:
    """(msgKey, msgParam) of the OpenAPI robot send; msgParam is a JSON *string*."""
    if message.is_markdown:
        return "sampleMarkdown", json.dumps({"title": message.markdown_title, "text": message.text},
                                            ensure_ascii=False)
    return "sampleText", json.dumps({"content": message.text}, ensure_ascii=False)


# -- sending ------------------------------------------------------------------------------------------


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        return None
    return scheme, (parts.hostname or "").lower(), port


def same_origin(url: str, base: str) -> bool:
    """True when ``url`` has the scheme, host and port of ``base``."""
    mine, theirs = _origin(url), _origin(base)
    return mine is not None and mine == theirs and bool(mine[1])


class ReplySender:
    """Sends replies for one DingTalk app: sessionWebhook first, the OpenAPI robot send otherwise.

    Failures are logged (route, HTTP status, DingTalk's error code) and never raised: a reply that
    cannot be delivered must not take the adapter down. Nothing secret is logged — no token, no app
    secret, no sessionWebhook query."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings, clock: Clock,
                 tokens: DingTalkTokens | None = None) -> None:
        credentials = settings.dingtalk_app_credentials()
        if credentials is None:
            raise ValueError("the DingTalk reply sender needs the app's client id and secret")
        self._http = http
        self._clock = clock
        self._app_key, self._app_secret = credentials
        self._robot_code = settings.dingtalk_robot_code or self._app_key
        self._api_base = settings.dingtalk_api_base
        self._oapi_base = settings.dingtalk_oapi_base
        self.tokens = tokens if tokens is not None else DingTalkTokens()

    def session_webhook_usable(self, delivery: DingTalkDelivery) -> bool:
        url = delivery.session_webhook
        if not url:
            return False
        expires = delivery.session_webhook_expires_ms
        if expires is None or millis(self._clock.now()) >= expires:
            return False
        if not same_origin(url, self._oapi_base):
            parts = urlsplit(url)
            log.warning("sessionWebhook on %s://%s is not the configured oapi host; using the OpenAPI instead",
                        parts.scheme, parts.netloc)
            return False
        return True

    async def send(self, delivery: DingTalkDelivery, reply: Reply) -> list[str]:
        """Send ``reply``; returns the route each message took ("session", "openapi" or "failed")."""
        at_users = mentions(delivery, reply)
        use_session = self.session_webhook_usable(delivery)
        routes: list[str] = []
        for message in render(reply):
            if use_session:
                if await self._post_session(delivery, message, at_users):
                    routes.append("session")
                    continue
                use_session = False  # it failed once: the rest goes the other way too
            routes.append("openapi" if await self._post_openapi(delivery, message) else "failed")
        return routes

    async def _post_session(self, delivery: DingTalkDelivery, message: OutgoingMessage, at_users: list[str]) -> bool:
        assert delivery.session_webhook is not None
        try:
            response = await self._http.post(delivery.session_webhook, json=session_body(message, at_users))
        except httpx.HTTPError as exc:
            log.warning("sessionWebhook reply failed (%s); trying the OpenAPI", type(exc).__name__)
            return False
        body = _json(response)
        errcode = body.get("errcode") if isinstance(body, dict) else None
        if response.status_code != 200 or errcode not in (0, "0"):
            log.warning("sessionWebhook reply refused: HTTP %s errcode %s %s; trying the OpenAPI",
                        response.status_code, errcode, _error_text(body))
            return False
        return True

    async def _post_openapi(self, delivery: DingTalkDelivery, message: OutgoingMessage) -> bool:
        msg_key, msg_param = openapi_param(message)
        if delivery.is_group:
            path = GROUP_SEND_PATH
            payload: dict[str, Any] = {"robotCode": self._robot_code, "openConversationId": delivery.conversation_id,
                                       "msgKey": msg_key, "msgParam": msg_param}
        else:
            if not delivery.staff_id:
                log.warning("single-chat reply dropped: the message carried no senderStaffId to send to")
                return False
            path = SINGLE_SEND_PATH
            payload = {"robotCode": self._robot_code, "userIds": [delivery.staff_id],
                       "msgKey": msg_key, "msgParam": msg_param}
        for attempt in (1, 2):
            try:
                token = await self.tokens.get(self._http, self._api_base, self._app_key, self._app_secret)
            except DeliveryError as exc:  # its message is already free of the secret
                log.warning("OpenAPI reply failed: %s", exc.message)
                return False
            try:
                response = await self._http.post(f"{self._api_base}{path}", json=payload,
                                                 headers={"x-acs-dingtalk-access-token": token})
            except httpx.HTTPError as exc:
                log.warning("OpenAPI reply %s failed (%s)", path, type(exc).__name__)
                return False
            body = _json(response)
            if response.status_code == 401 and attempt == 1:
                self.tokens.invalidate(self._app_key, token)  # revoked or expired early: fetch a new one once
                continue
            if response.status_code != 200:
                log.warning("OpenAPI reply %s refused: HTTP %s %s", path, response.status_code, _error_text(body))
                return False
            return True
        return False


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_text(body: Any) -> str:
    """DingTalk's own error code and message, short; they never echo credentials."""
    if not isinstance(body, dict):
        return ""
    code = body.get("code") or body.get("errcode") or ""
    text = body.get("message") or body.get("errmsg") or ""
    return f"{code} {text}".strip()[:200]
