"""The one message path: middleware, then the first handler whose filter matches.

Handlers are plain functions registered with ``@handler``; the router passes them what they ask
for by parameter name (``msg``, ``clock``, ``settings``, ``conversation``, ``matcher``, ``router``
…), so tests can hand in fakes. Handler order is declared once in ``handlers.HANDLER_ORDER``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.messages import IncomingMessage, Reply

log = logging.getLogger(__name__)

ERROR_TEXT = "抱歉，处理这条消息时出了点问题，请稍后再试；如果一直不行，请联系管理员。"


@dataclass(frozen=True)
class Handler:
    name: str
    func: Callable[..., Reply | None]
    matches: Callable[[IncomingMessage], bool]
    help_line: str
    params: tuple[str, ...]
    # The chat command the handler implements (a key of attendance.permissions.PERMISSIONS), so 「帮助」
    # can show a person only what they may use; None for handlers everyone may use.
    command: str | None = None

    def call(self, deps: Mapping[str, Any]) -> Reply | None:
        missing = [p for p in self.params if p not in deps]
        if missing:
            raise LookupError(f"handler {self.name} needs {missing}, which the router was not given")
        return self.func(**{p: deps[p] for p in self.params})


def handler(name: str, matches: Callable[[IncomingMessage], bool] = lambda msg: True):
    """Declare a handler; its docstring's first line is its line in 「帮助」."""

    def wrap(func: Callable[..., Reply | None]) -> Handler:
        doc = inspect.getdoc(func) or ""
        return Handler(
            name=name,
            func=func,
            matches=matches,
            help_line=doc.splitlines()[0] if doc else "",
            params=tuple(inspect.signature(func).parameters),
        )

    return wrap


# A hook runs after every reply (question log, metrics); it must not change the reply.
AfterHook = Callable[[IncomingMessage, Reply], None]
# A per-message dependency, built lazily from the message (e.g. the sender's conversation state).
Provider = Callable[[IncomingMessage], Any]


class Router:
    def __init__(
        self,
        handlers: Iterable[Handler],
        deps: Mapping[str, Any],
        providers: Mapping[str, Provider] | None = None,
        after: Iterable[AfterHook] = (),
    ) -> None:
        self.handlers = tuple(handlers)
        names = [h.name for h in self.handlers]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate handler names in {names}")
        self._deps = dict(deps)
        self._providers = dict(providers or {})
        self._after = tuple(after)

    def help_lines(self, visible: Callable[[Handler], bool] | None = None) -> list[str]:
        """Every handler's 「帮助」 line, or only those ``visible`` accepts (e.g. what the sender may use)."""
        return [h.help_line for h in self.handlers if h.help_line and (visible is None or visible(h))]

    def first_match(self, msg: IncomingMessage) -> Handler | None:
        """The handler that would answer ``msg`` (filters only, nothing runs); None if a filter fails."""
        for h in self.handlers:
            try:
                if h.matches(msg):
                    return h
            except Exception:
                return None
        return None

    def dispatch(self, msg: IncomingMessage) -> Reply:
        reply = self._route(msg)
        for hook in self._after:
            try:
                hook(msg, reply)
            except Exception:  # a failing log must not cost the user the answer
                log.exception("after-hook %s failed for msg %s", getattr(hook, "__name__", hook), msg.msg_id)
        return reply

    def _route(self, msg: IncomingMessage) -> Reply:
        deps = _LazyDeps(self._deps, self._providers, msg)
        deps.setdefault_static("msg", msg)
        deps.setdefault_static("router", self)
        for h in self.handlers:
            try:
                if not h.matches(msg):
                    continue
                reply = h.call(deps)
            except Exception:
                log.exception("handler %s failed on %s message %s", h.name, msg.platform, msg.msg_id)
                return Reply(text=ERROR_TEXT, intent="error", meta={"handler": h.name})
            if reply is not None:
                reply.meta.setdefault("handler", h.name)
                return reply
        log.error("no handler answered %s message %s; the last handler must always answer", msg.platform, msg.msg_id)
        return Reply(text=ERROR_TEXT, intent="error")


class _LazyDeps(Mapping[str, Any]):
    """Static dependencies plus per-message ones built on first use."""

    def __init__(self, static: dict[str, Any], providers: dict[str, Provider], msg: IncomingMessage) -> None:
        self._values = dict(static)
        self._providers = providers
        self._msg = msg

    def setdefault_static(self, key: str, value: Any) -> None:
        self._values.setdefault(key, value)

    def __getitem__(self, key: str) -> Any:
        if key not in self._values and key in self._providers:
            self._values[key] = self._providers[key](self._msg)
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._values or key in self._providers

    def __iter__(self):
        return iter({**self._providers, **self._values})

    def __len__(self) -> int:
        return len(set(self._values) | set(self._providers))
