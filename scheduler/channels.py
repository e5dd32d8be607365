"""Push channels: one interface, ``await channel.send(text)``, for every way of reaching a group.

* ``wecom_webhook``     WeCom group robot: ``POST {base}/cgi-bin/webhook/send?key=KEY`` with a JSON text
                        message; text ≤ 2,048 bytes.
* ``dingtalk_webhook``  DingTalk custom robot: ``POST {oapi}/robot/send?access_token=T[&timestamp&sign]``;
                        with a secret the URL is signed (HMAC-SHA256 of ``"{ms}\\n{secret}"``, base64, then
                        URL-encoded); with a keyword, the keyword is appended to every message lacking it.
* ``dingtalk_openapi``  DingTalk enterprise robot group send: ``POST {api}/v1.0/robot/groupMessages/send``
                        (robotCode + openConversationId) with an access token from
                        ``POST {api}/v1.0/oauth2/accessToken`` (appKey/appSecret), cached until shortly
                        before it expires.
* ``console``           prints (or hands to a sink) — for trying things out locally.

Failures raise :class:`DeliveryError` with ``retryable``: network errors, timeouts, HTTP 5xx / 429,
and the throttling codes (45009, 130101, …) are retryable; everything else (a bad key, a signature or
keyword mismatch, HTTP 4xx) is not. HTTP 200 with ``errcode`` ≠ 0 is a failure.

Every request to a robot first takes a slot from the shared :class:`RateLimiter` (20 messages in any
60 seconds per robot, keyed by webhook URL or robot code; DingTalk throttles a robot for 10 minutes
when it is exceeded). Texts over a platform's limit are split at line boundaries
(:func:`split_text`); :meth:`Channel.prepare` gives the messages a text becomes and
:meth:`Channel.send_one` sends one of them, so the outbox can remember partial progress.

Credentials never appear in errors or logs: messages are built from status codes and error codes,
run through :func:`~bot.storage.outbox_repo.redact_text`, and a filter masks the query string of the
URLs httpx logs.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import json
import logging
import ssl
import sys
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

import httpx

from bot.storage.outbox_repo import GroupRecord, redact_text

log = logging.getLogger(__name__)

# httpcore does ``import sniffio`` inside every lock operation (several per request). When sniffio is
# not installed that failed import searches sys.path each time (≈ 0.3 ms per request); recording the
# miss makes it instant and changes nothing else (httpcore then assumes asyncio, as it would anyway).
try:
    import sniffio  # noqa: F401
except ImportError:
    sys.modules.setdefault("sniffio", None)  # type: ignore[assignment]

WECOM_TEXT_MAX_BYTES = 2048
#: The custom robot rejects messages over 20,000 bytes; leave room for the JSON envelope.
DINGTALK_WEBHOOK_TEXT_MAX_BYTES = 18_000
#: ``msgParam`` (a JSON string holding the text) may be at most 15,000 bytes.
DINGTALK_OPENAPI_TEXT_MAX_BYTES = 12_000

RATE_LIMIT = 20
RATE_PERIOD_S = 60.0

#: errcode → minimum seconds before a retry (throttling); all of these are retryable.
THROTTLE_ERRCODES = {45009: 60.0, 130101: 600.0, 410100: 600.0}
#: Other retryable errcodes: -1 = WeCom "system busy".
RETRYABLE_ERRCODES = frozenset({-1, *THROTTLE_ERRCODES})

DEFAULT_TIMEOUT_S = 10.0
#: Refresh the DingTalk access token this long before it expires.
TOKEN_MARGIN_S = 300.0

WECOM_HOST = "qyapi.weixin.qq.com"
DINGTALK_OAPI_HOST = "oapi.dingtalk.com"


class DeliveryError(Exception):
    """A message did not go out. ``retryable``: trying again later may work.

    ``retry_after`` (seconds) is the least wait the platform asked for (throttling), if any.
    """

    def __init__(self, message: str, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


# -- splitting ----------------------------------------------------------------------------------------


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, max_bytes: int) -> list[str]:
    """Split ``text`` into pieces of at most ``max_bytes`` UTF-8 bytes, at line boundaries.

    Lines are kept whole and in order; only a single line longer than ``max_bytes`` is cut, at a
    character boundary. Empty pieces are dropped; a text that fits is returned as it is.
    """
    if max_bytes < 4:
        raise ValueError("max_bytes must be at least 4 (one UTF-8 character)")
    if _utf8_len(text) <= max_bytes:
        return [text] if text.strip() else []
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _cut_line(line, max_bytes):
            extra = _utf8_len(piece) + (1 if current else 0)
            if current and size + extra > max_bytes:
                parts.append("\n".join(current))
                current, size = [], 0
                extra = _utf8_len(piece)
            current.append(piece)
            size += extra
    if current:
        parts.append("\n".join(current))
    return [part for part in (p.strip("\n") for p in parts) if part.strip()]


def _cut_line(line: str, max_bytes: int) -> list[str]:
    if _utf8_len(line) <= max_bytes:
        return [line]
    pieces: list[str] = []
    current = ""
    size = 0
    for char in line:
        width = _utf8_len(char)
        if size + width > max_bytes:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    if current:
        pieces.append(current)
    return pieces


# -- rate limiting ------------------------------------------------------------------------------------


class RateLimiter:
    """At most ``limit`` requests in any ``period`` seconds per key (a sliding window).

    A sliding window rather than a token bucket: a bucket of 20 refilling at 20/min lets up to 39
    messages through in one minute, which is exactly what gets a DingTalk robot throttled for 10
    minutes. Thread-safe (passes in several threads share one limiter); ``clock`` and ``sleep`` are
    injectable so tests never really wait. Per process: another process sending through the same robot
    is not counted (run one scheduler).
    """

    def __init__(
        self,
        limit: int = RATE_LIMIT,
        period: float = RATE_PERIOD_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be ≥ 1 and period > 0")
        self.limit = limit
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: dict[str, deque[float]] = {}

    def _window(self, key: str, now: float) -> deque[float]:
        stamps = self._sent.setdefault(key, deque())
        while stamps and stamps[0] <= now - self.period:
            stamps.popleft()
        return stamps

    def available(self, key: str) -> int:
        """How many requests ``key`` may make right now without waiting."""
        with self._lock:
            return self.limit - len(self._window(key, self._clock()))

    def try_acquire(self, key: str) -> float:
        """Take a slot and return 0.0, or take nothing and return the seconds to wait for one."""
        with self._lock:
            now = self._clock()
            stamps = self._window(key, now)
            if len(stamps) < self.limit:
                stamps.append(now)
                return 0.0
            return max(stamps[0] + self.period - now, 1e-3)

    async def acquire(self, key: str) -> None:
        """Wait (with the injected sleep) until ``key`` has a free slot, and take it."""
        while True:
            wait = self.try_acquire(key)
            if wait == 0.0:
                return
            log.debug("rate limit: robot %s waits %.1f s", key, wait)
            await self._sleep(wait)


# -- DingTalk signing and tokens ----------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int | str) -> str:
    """``base64(HMAC-SHA256(secret, "{timestamp}\\n{secret}"))`` — not yet URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The custom-robot URL with ``&timestamp=…&sign=…`` (replacing any already there)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("timestamp", "sign")]
    signed = urlencode(query) + f"&timestamp={timestamp_ms}&sign={quote_plus(dingtalk_sign(secret, timestamp_ms))}"
    return urlunsplit(parts._replace(query=signed.lstrip("&")))


class DingTalkTokens:
    """The OpenAPI access token for one appKey, fetched once and reused until shortly before expiry."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, margin: float = TOKEN_MARGIN_S) -> None:
        self._clock = clock
        self._margin = margin
        self._cache: dict[str, tuple[str, float]] = {}
        self._guard = threading.Lock()
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}
        self.fetches = 0

    def _lock_for(self, app_key: str) -> asyncio.Lock:
        key = (id(asyncio.get_running_loop()), app_key)
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = asyncio.Lock()
            return lock

    def _cached(self, app_key: str) -> str | None:
        entry = self._cache.get(app_key)
        if entry is not None and entry[1] > self._clock():
            return entry[0]
        return None

    def invalidate(self, app_key: str, token: str) -> None:
        """Forget ``token`` for ``app_key`` — unless a concurrent caller, refused with the same stale
        token, has already replaced it (then its fresh token is kept, not fetched twice)."""
        entry = self._cache.get(app_key)
        if entry is not None and entry[0] == token:
            del self._cache[app_key]

    async def get(self, client: httpx.AsyncClient, api_base: str, app_key: str, app_secret: str) -> str:
        token = self._cached(app_key)
        if token:
            return token
        async with self._lock_for(app_key):
            token = self._cached(app_key)
            if token:
                return token
            secrets = (app_secret,)
            try:
                response = await client.post(
                    f"{api_base}/v1.0/oauth2/accessToken", json={"appKey": app_key, "appSecret": app_secret}
                )
            except httpx.TimeoutException as exc:
                raise DeliveryError(f"获取钉钉 access token 超时（{type(exc).__name__}）", True) from exc
            except httpx.HTTPError as exc:
                raise DeliveryError(_network_message("获取钉钉 access token", exc, secrets), True) from exc
            self.fetches += 1
            body = _json(response)
            if response.status_code >= 500 or response.status_code == 429:
                raise DeliveryError(f"获取钉钉 access token 失败：HTTP {response.status_code}", True)
            token = body.get("accessToken") if isinstance(body, dict) else None
            if response.status_code != 200 or not token:
                detail = _api_error_detail(body)
                raise DeliveryError(
                    redact_text(f"获取钉钉 access token 失败：HTTP {response.status_code} {detail}".strip(), secrets),
                    False,
                )
            try:
                expires_in = float(body.get("expireIn", 7200))
            except (TypeError, ValueError):
                expires_in = 7200.0
            self._cache[app_key] = (str(token), self._clock() + max(expires_in - self._margin, 0.0))
            return str(token)


# -- channels -----------------------------------------------------------------------------------------


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _api_error_detail(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    code = body.get("code") or body.get("errcode") or ""
    message = body.get("message") or body.get("errmsg") or ""
    return f"{code} {message}".strip()[:300]


def _network_message(what: str, exc: Exception, secrets: tuple[str | None, ...]) -> str:
    detail = str(exc).strip()
    text = f"{what}：网络错误 {type(exc).__name__}" + (f"（{detail[:200]}）" if detail else "")
    return redact_text(text, secrets)


def _rebase(url: str, official_host: str, base: str) -> str:
    """Point a URL on the official host at the configured base (tests, proxies); others are kept."""
    parts = urlsplit(url)
    if parts.netloc.lower() != official_host:
        return url
    target = urlsplit(base)
    return urlunsplit(parts._replace(scheme=target.scheme, netloc=target.netloc,
                                     path=target.path.rstrip("/") + parts.path))


class Channel:
    """Base class. Subclasses set ``kind``, ``max_bytes`` and ``rate_key`` and implement ``_post``."""

    kind = "channel"
    max_bytes = WECOM_TEXT_MAX_BYTES

    def __init__(self, group: GroupRecord, limiter: RateLimiter | None, rate_key: str | None) -> None:
        self.group = group
        self.limiter = limiter
        #: The robot this channel sends through (a hash, safe to log); None = not rate limited.
        self.rate_key = rate_key

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.group.describe()}>"

    def prepare(self, text: str) -> list[str]:
        """The messages ``text`` goes out as: split to the platform's limit, decorated as needed."""
        return split_text(text, self.max_bytes)

    async def send(self, text: str) -> None:
        """Send ``text`` (as several messages if it is too long); raises :class:`DeliveryError`."""
        for message in self.prepare(text):
            await self.send_one(message)

    async def send_one(self, message: str) -> None:
        """Send one prepared message, after taking a slot of the robot's rate limit."""
        if self.limiter is not None and self.rate_key is not None:
            await self.limiter.acquire(self.rate_key)
        await self._post(message)

    async def _post(self, message: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # Shared handling of the {errcode, errmsg} replies of both webhooks.
    async def _post_webhook(self, client: httpx.AsyncClient, url: str, payload: dict, what: str,
                            secrets: tuple[str | None, ...]) -> None:
        try:
            response = await client.post(url, json=payload)
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"{what}：请求超时（{type(exc).__name__}）", True) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(_network_message(what, exc, secrets), True) from exc
        status = response.status_code
        if status >= 500 or status in (408, 429):
            raise DeliveryError(f"{what}：HTTP {status}", True)
        if status != 200:
            raise DeliveryError(f"{what}：HTTP {status}", False)
        body = _json(response)
        if not isinstance(body, dict) or "errcode" not in body:
            raise DeliveryError(f"{what}：回复不是预期的 JSON（HTTP 200）", True)
        try:
            code = int(body.get("errcode"))
        except (TypeError, ValueError):
            code = -999
        if code != 0:
            message = redact_text(f"{what}：errcode {body.get('errcode')} {str(body.get('errmsg', ''))[:200]}", secrets)
            raise DeliveryError(message.strip(), code in RETRYABLE_ERRCODES, THROTTLE_ERRCODES.get(code))


class WeComWebhookChannel(Channel):
    kind = "wecom_webhook"
    max_bytes = WECOM_TEXT_MAX_BYTES

    def __init__(self, group: GroupRecord, client: httpx.AsyncClient, api_base: str,
                 limiter: RateLimiter | None) -> None:
        if not group.webhook_url:
            raise DeliveryError(f"群 #{group.id} 没有配置企业微信机器人 webhook", False)
        super().__init__(group, limiter, _robot_key("wecom", group.webhook_url))
        self._client = client
        self._url = _rebase(group.webhook_url, WECOM_HOST, api_base)

    async def _post(self, message: str) -> None:
        payload = {"msgtype": "text", "text": {"content": message}}
        await self._post_webhook(self._client, self._url, payload, "企业微信群机器人", (self.group.webhook_url,))


class DingTalkWebhookChannel(Channel):
    kind = "dingtalk_webhook"
    max_bytes = DINGTALK_WEBHOOK_TEXT_MAX_BYTES

    def __init__(self, group: GroupRecord, client: httpx.AsyncClient, oapi_base: str,
                 limiter: RateLimiter | None, wall_clock: Callable[[], float]) -> None:
        if not group.webhook_url:
            raise DeliveryError(f"群 #{group.id} 没有配置钉钉机器人 webhook", False)
        super().__init__(group, limiter, _robot_key("dingtalk", group.webhook_url))
        self._client = client
        self._url = _rebase(group.webhook_url, DINGTALK_OAPI_HOST, oapi_base)
        self._wall_clock = wall_clock

    def prepare(self, text: str) -> list[str]:
        keyword = self.group.keyword
        if not keyword:
            return split_text(text, self.max_bytes)
        suffix = f"\n{keyword}"
        return [part if keyword in part else part + suffix
                for part in split_text(text, self.max_bytes - _utf8_len(suffix))]

    async def _post(self, message: str) -> None:
        url = self._url
        if self.group.secret:
            url = dingtalk_signed_url(url, self.group.secret, int(self._wall_clock() * 1000))
        payload = {"msgtype": "text", "text": {"content": message}}
        await self._post_webhook(self._client, url, payload, "钉钉群机器人",
                                 (self.group.webhook_url, self.group.secret))


class DingTalkOpenApiChannel(Channel):
    kind = "dingtalk_openapi"
    max_bytes = DINGTALK_OPENAPI_TEXT_MAX_BYTES

    def __init__(self, group: GroupRecord, client: httpx.AsyncClient, api_base: str,
                 app_key: str | None, app_secret: str | None, tokens: DingTalkTokens,
                 limiter: RateLimiter | None) -> None:
        if not group.robot_code or not group.open_conversation_id:
            raise DeliveryError(f"群 #{group.id} 缺少 robotCode 或 openConversationId", False)
        if not app_key or not app_secret:
            raise DeliveryError("没有配置钉钉应用的 XUESHI_DINGTALK_APP_KEY / XUESHI_DINGTALK_APP_SECRET", False)
        super().__init__(group, limiter, _robot_key("dingtalk-robot", group.robot_code))
        self._client = client
        self._api_base = api_base
        self._app_key = app_key
        self._app_secret = app_secret
        self._tokens = tokens

    async def _post(self, message: str) -> None:
        what = "钉钉机器人群消息"
        secrets = (self._app_secret,)
        for attempt in (1, 2):
            token = await self._tokens.get(self._client, self._api_base, self._app_key, self._app_secret)
            payload = {
                "robotCode": self.group.robot_code,
                "openConversationId": self.group.open_conversation_id,
                "msgKey": "sampleText",
                "msgParam": json.dumps({"content": message}, ensure_ascii=False),
            }
            try:
                response = await self._client.post(
                    f"{self._api_base}/v1.0/robot/groupMessages/send",
                    json=payload,
                    headers={"x-acs-dingtalk-access-token": token},
                )
            except httpx.TimeoutException as exc:
                raise DeliveryError(f"{what}：请求超时（{type(exc).__name__}）", True) from exc
            except httpx.HTTPError as exc:
                raise DeliveryError(_network_message(what, exc, secrets), True) from exc
            status = response.status_code
            body = _json(response)
            detail = redact_text(_api_error_detail(body), (*secrets, token))
            if status == 401 or (status in (400, 403) and "token" in detail.lower()):
                self._tokens.invalidate(self._app_key, token)  # expired early or revoked: fetch a new one once
                if attempt == 1:
                    continue
                raise DeliveryError(f"{what}：access token 无效（HTTP {status} {detail}）".strip(), True)
            if status >= 500 or status in (408, 429) or "throttl" in detail.lower() or "qpslimit" in detail.lower():
                raise DeliveryError(f"{what}：HTTP {status} {detail}".strip(), True, 60.0)
            if status != 200:
                raise DeliveryError(f"{what}：HTTP {status} {detail}".strip(), False)
            if isinstance(body, dict) and body.get("errcode") not in (None, 0, "0"):
                try:
                    code = int(body["errcode"])
                except (TypeError, ValueError):
                    code = -999
                raise DeliveryError(f"{what}：errcode {detail}", code in RETRYABLE_ERRCODES,
                                    THROTTLE_ERRCODES.get(code))
            return


class ConsoleChannel(Channel):
    """Prints the message (or passes it to ``sink``); also keeps what it sent in ``sent``."""

    kind = "console"
    max_bytes = WECOM_TEXT_MAX_BYTES

    def __init__(self, group: GroupRecord, sink: Callable[[GroupRecord, str], None] | None = None) -> None:
        super().__init__(group, None, None)
        self._sink = sink
        self.sent: list[str] = []

    async def _post(self, message: str) -> None:
        self.sent.append(message)
        if self._sink is not None:
            self._sink(self.group, message)
        else:
            print(f"[{self.group.name}] {message}", flush=True)


def _robot_key(kind: str, credential: str) -> str:
    """The rate-limit key of a robot: a short hash, so it can be logged without leaking the URL."""
    return f"{kind}:{hashlib.sha256(credential.encode('utf-8')).hexdigest()[:16]}"


# -- factory ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelConfig:
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    dingtalk_oapi_base: str = "https://oapi.dingtalk.com"
    dingtalk_api_base: str = "https://api.dingtalk.com"
    dingtalk_app_key: str | None = None
    dingtalk_app_secret: str | None = None
    timeout: float = DEFAULT_TIMEOUT_S

    def __repr__(self) -> str:  # never show the app secret
        return (f"ChannelConfig(wecom={self.wecom_api_base!r}, oapi={self.dingtalk_oapi_base!r}, "
                f"api={self.dingtalk_api_base!r}, app_key={self.dingtalk_app_key!r}, timeout={self.timeout})")

    @classmethod
    def from_settings(cls, settings: Any) -> ChannelConfig:
        # The same enterprise app answers in groups (Stream / HTTP) and pushes reminders (OpenAPI).
        app_key = settings.dingtalk_client_id or settings.dingtalk_app_key
        secret = settings.dingtalk_client_secret or settings.dingtalk_app_secret
        app_secret = secret.get_secret_value() if secret is not None else None
        return cls(
            wecom_api_base=settings.wecom_api_base,
            dingtalk_oapi_base=settings.dingtalk_oapi_base,
            dingtalk_api_base=settings.dingtalk_api_base,
            dingtalk_app_key=app_key,
            dingtalk_app_secret=app_secret,
            timeout=settings.http_timeout,
        )


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every client (loading the CA bundle costs ~35 ms each time)."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def make_http_client(timeout: float = DEFAULT_TIMEOUT_S, max_connections: int = 100) -> httpx.AsyncClient:
    """An async client with bounded timeouts (connect ≤ 5 s) and a bounded connection pool."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        verify=_tls_context(),
        trust_env=False,
    )


class HttpClients:
    """Several small ``httpx.AsyncClient`` pools used in turn, as one injected dependency.

    Why not one client: httpcore's pool re-scans every connection for every queued request
    (``_assign_requests_to_connections``), so one pool of 50 connections under 50 concurrent sends
    spends most of its time there (≈ 90 sends/s locally); 50 pools of one connection do ≈ 500/s.
    Use as ``async with HttpClients(timeout, size=50) as clients: ChannelFactory(clients, …)``.
    """

    def __init__(self, timeout: float = DEFAULT_TIMEOUT_S, size: int = 50, connections_each: int = 2) -> None:
        self.clients = [make_http_client(timeout, connections_each) for _ in range(max(size, 1))]
        self._next = 0

    def pick(self) -> httpx.AsyncClient:
        client = self.clients[self._next % len(self.clients)]
        self._next += 1
        return client

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()

    async def __aenter__(self) -> HttpClients:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class ChannelFactory:
    """Builds the channel for a group. One per event loop (it holds the loop's ``httpx`` client or
    :class:`HttpClients`); the ``limiter`` and ``tokens`` outlive it and are shared by every pass of
    the process."""

    def __init__(
        self,
        client: httpx.AsyncClient | HttpClients,
        config: ChannelConfig | None = None,
        *,
        limiter: RateLimiter | None = None,
        tokens: DingTalkTokens | None = None,
        wall_clock: Callable[[], float] = time.time,
        console_sink: Callable[[GroupRecord, str], None] | None = None,
        aibot_sender: Any = None,
    ) -> None:
        self.client = client
        self.config = config or ChannelConfig()
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.tokens = tokens if tokens is not None else DingTalkTokens()
        self._wall_clock = wall_clock
        self._console_sink = console_sink
        # The WeCom AI bot's long connection (scheduler.aibot_channel.AibotPushSender); None: the one
        # the running adapter registered in this process, if any.
        self._aibot_sender = aibot_sender

    def __call__(self, group: GroupRecord) -> Channel:
        """The channel for ``group``; :class:`DeliveryError` (not retryable) if it is misconfigured."""
        cfg = self.config
        client = self.client.pick() if isinstance(self.client, HttpClients) else self.client
        if group.channel == "wecom_webhook":
            return WeComWebhookChannel(group, client, cfg.wecom_api_base, self.limiter)
        if group.channel == "dingtalk_webhook":
            return DingTalkWebhookChannel(group, client, cfg.dingtalk_oapi_base, self.limiter, self._wall_clock)
        if group.channel == "dingtalk_openapi":
            return DingTalkOpenApiChannel(group, client, cfg.dingtalk_api_base, cfg.dingtalk_app_key,
                                          cfg.dingtalk_app_secret, self.tokens, self.limiter)
        if group.channel == "console":
            return ConsoleChannel(group, self._console_sink)
        if group.channel == "wecom_aibot":
            from scheduler.aibot_channel import WeComAibotChannel

            return WeComAibotChannel(group, self._aibot_sender, timeout=cfg.timeout)
        raise DeliveryError(f"群 #{group.id} 的推送通道 {group.channel!r} 不认识", False)


# -- keep credentials out of httpx's own log lines ----------------------------------------------------


class _RedactingFilter(logging.Filter):
    """httpx logs every request URL at INFO — and webhook URLs carry the robot's key or token."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_FILTER = _RedactingFilter()
for _name in ("httpx", "httpcore"):
    _logger = logging.getLogger(_name)
    if _FILTER not in _logger.filters:
        _logger.addFilter(_FILTER)
