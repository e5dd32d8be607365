"""bot.router: first match wins, dependencies by parameter name, errors never reach the user as tracebacks."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.messages import IncomingMessage, Reply
from bot.router import ERROR_TEXT, Router, handler

T0 = datetime(2009, 4, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _msg(text: str = "你好", msg_id: str = "m1", **kw) -> IncomingMessage:
    return IncomingMessage(platform="console", chat_id="c", user_id="u", text=text, sent_at=T0, msg_id=msg_id, **kw)


def _const(name: str, text: str, matches=lambda msg: True):
    @handler(name, matches=matches)
    def _h() -> Reply:
        return Reply(text=text, intent=name)

    return _h


def test_first_matching_handler_wins_in_declared_order() -> None:
    never = _const("never", "不该出现", matches=lambda msg: False)
    first = _const("first", "第一个")
    second = _const("second", "第二个")
    router = Router([never, first, second], deps={})
    reply = router.dispatch(_msg())
    assert (reply.text, reply.intent, reply.meta["handler"]) == ("第一个", "first", "first")
    # the order given is the order used
    reply = Router([second, first], deps={}).dispatch(_msg())
    assert reply.intent == "second"


def test_filters_see_the_message() -> None:
    seen: list[str] = []
    greeting = _const("greeting", "你好呀", matches=lambda msg: seen.append(msg.text) or msg.text == "你好")
    fallback = _const("fallback", "兜底")
    router = Router([greeting, fallback], deps={})
    assert router.dispatch(_msg("你好")).intent == "greeting"
    assert router.dispatch(_msg("借调")).intent == "fallback"
    assert seen == ["你好", "借调"]


def test_dependencies_are_injected_by_parameter_name() -> None:
    clock = FixedClock(T0)
    settings = object()
    got: dict[str, object] = {}

    @handler("spy")
    def spy(settings, msg, clock, router) -> Reply:  # any order, only by name
        got.update(settings=settings, msg=msg, clock=clock, router=router)
        return Reply(text=f"现在 {clock.now():%H:%M}", intent="spy")

    router = Router([spy], deps={"clock": clock, "settings": settings})
    msg = _msg()
    reply = router.dispatch(msg)
    assert got == {"settings": settings, "msg": msg, "clock": clock, "router": router}
    assert reply.text == "现在 10:00"
    clock.advance(timedelta(minutes=30))
    assert router.dispatch(_msg()).text == "现在 10:30"


def test_handler_gets_only_what_it_asks_for_and_providers_are_lazy() -> None:
    built: list[str] = []

    def conversation_for(msg: IncomingMessage) -> str:
        built.append(msg.msg_id)
        return f"state-of-{msg.user_id}"

    @handler("plain", matches=lambda msg: msg.text == "plain")
    def plain(msg) -> Reply:
        return Reply(text="plain", intent="plain")

    @handler("stateful")
    def stateful(conversation, msg) -> Reply:
        return Reply(text=conversation, intent="stateful")

    router = Router([plain, stateful], deps={}, providers={"conversation": conversation_for})
    assert router.dispatch(_msg("plain", msg_id="a")).intent == "plain"
    assert built == []  # nobody asked for a conversation
    reply = router.dispatch(_msg("x", msg_id="b"))
    assert reply.text == "state-of-u"
    assert built == ["b"]


def test_handler_returning_none_falls_through_to_the_next() -> None:
    calls: list[str] = []

    @handler("maybe")
    def maybe(msg) -> Reply | None:
        calls.append("maybe")
        return None

    router = Router([maybe, _const("last", "最后")], deps={})
    reply = router.dispatch(_msg())
    assert calls == ["maybe"]
    assert reply.intent == "last" and reply.meta["handler"] == "last"


def test_raising_handler_gives_the_chinese_error_reply_without_traceback(caplog: pytest.LogCaptureFixture) -> None:
    @handler("boom")
    def boom(msg) -> Reply:
        raise ZeroDivisionError("secret internal detail 42")

    later = _const("later", "不该轮到我")
    router = Router([boom, later], deps={})
    with caplog.at_level(logging.ERROR, logger="bot.router"):
        reply = router.dispatch(_msg(msg_id="m-boom"))
    assert reply.intent == "error"
    assert reply.text == ERROR_TEXT
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply.text)
    for leak in ("Traceback", "ZeroDivisionError", "secret internal detail", 'File "'):
        assert leak not in reply.text
    assert reply.meta.get("handler") == "boom"
    # the operator gets the traceback in the log instead
    records = [r for r in caplog.records if r.exc_info]
    assert records and records[0].exc_info[0] is ZeroDivisionError
    assert "m-boom" in records[0].getMessage()


def test_raising_filter_is_handled_like_a_raising_handler() -> None:
    def bad_filter(msg: IncomingMessage) -> bool:
        raise ValueError("filter broke")

    router = Router([_const("picky", "x", matches=bad_filter), _const("last", "最后")], deps={})
    reply = router.dispatch(_msg())
    assert reply.intent == "error" and "filter broke" not in reply.text


def test_failing_after_hook_does_not_lose_the_reply(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[str, str]] = []

    def broken_log(msg: IncomingMessage, reply: Reply) -> None:
        raise RuntimeError("database is down")

    def metrics(msg: IncomingMessage, reply: Reply) -> None:
        seen.append((msg.text, reply.intent))

    router = Router([_const("answer", "答案")], deps={}, after=[broken_log, metrics])
    with caplog.at_level(logging.ERROR, logger="bot.router"):
        reply = router.dispatch(_msg("问题"))
    assert (reply.text, reply.intent) == ("答案", "answer")
    assert seen == [("问题", "answer")], "a later hook still runs after an earlier one fails"
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)


def test_after_hooks_see_error_replies_too() -> None:
    seen: list[str] = []

    @handler("boom")
    def boom() -> Reply:
        raise RuntimeError("x")

    router = Router([boom], deps={}, after=[lambda msg, reply: seen.append(reply.intent)])
    router.dispatch(_msg())
    assert seen == ["error"]


def test_missing_dependency_is_detected_and_named(caplog: pytest.LogCaptureFixture) -> None:
    @handler("needy")
    def needy(msg, repo) -> Reply:
        return Reply(text="不该到这里", intent="needy")

    with pytest.raises(LookupError, match="repo"):
        needy.call({"msg": _msg()})

    router = Router([needy], deps={"clock": FixedClock(T0)})
    with caplog.at_level(logging.ERROR, logger="bot.router"):
        reply = router.dispatch(_msg())
    assert reply.intent == "error" and "repo" not in reply.text
    assert any("repo" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_no_handler_answering_gives_an_error_reply() -> None:
    router = Router([_const("never", "x", matches=lambda msg: False)], deps={})
    reply = router.dispatch(_msg())
    assert reply.intent == "error" and reply.text == ERROR_TEXT


def test_duplicate_handler_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        Router([_const("same", "a"), _const("same", "b")], deps={})


def test_help_lines_come_from_the_first_docstring_line_in_order() -> None:
    @handler("a")
    def a() -> Reply:
        """发「甲」：做甲

        More detail that is not shown to users.
        """
        return Reply(text="", intent="a")

    @handler("b")
    def b() -> Reply:  # no docstring: no help line
        return Reply(text="", intent="b")

    @handler("c")
    def c() -> Reply:
        """发「丙」：做丙"""
        return Reply(text="", intent="c")

    router = Router([c, b, a], deps={})
    assert router.help_lines() == ["发「丙」：做丙", "发「甲」：做甲"]


def test_real_handlers_each_have_a_help_line_and_help_shows_them() -> None:
    from handlers import HANDLER_ORDER
    from handlers.help import help_text

    router = Router(HANDLER_ORDER, deps={})
    lines = router.help_lines()
    assert len(lines) == len(HANDLER_ORDER)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in line) for line in lines)
    text = help_text(router)
    # Someone not on the roster sees every line except the commands reserved to roles.
    for h in HANDLER_ORDER:
        if h.command is None:
            assert h.help_line in text
    assert "发起签到" not in text
    assert HANDLER_ORDER[-1].name == "faq", "the FAQ is the last resort"


@pytest.mark.parametrize(("text", "is_greeting"), [
    ("各位早上好", True),
    ("大家下午好呀", True),
    ("早上好", True),
    ("大家请假找谁批", False),
    ("各位早上好 调研报告几号交", False),
])
def test_a_greeting_addressed_to_the_group_is_a_greeting(text: str, is_greeting: bool) -> None:
    from handlers.help import is_help_request

    assert is_help_request(_msg(text)) is is_greeting
