"""The gateway: a delivery is handled once; repeats, crashes and old events are dealt with in the DB."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.messages import IncomingMessage, Reply
from bot.platforms.gateway import CLAIM_LEASE, ERROR_TEXT, Gateway
from bot.service import Service
from bot.storage import inbound_repo
from bot.storage.inbound_repo import InboundKey
from tests.attendance_helpers import T0


@pytest.fixture
def service(make_settings, shared_matcher, db_url):
    svc = Service(make_settings(database_url=db_url), clock=FixedClock(T0), matcher=shared_matcher)
    try:
        yield svc
    finally:
        svc.close()


def _message(text: str = "借调的党员在哪里参加学习", msg_id: str = "m1") -> IncomingMessage:
    return IncomingMessage(platform="wecom", chat_id="g1", user_id="u1", text=text, sent_at=T0, msg_id=msg_id)


def _key(msg_id: str = "m1", sent_key: str = "") -> InboundKey:
    return InboundKey(platform="wecom-aibot", msg_id=msg_id, sender_id="u1", sent_key=sent_key, chat_id="g1")


def _asked(service: Service) -> int:
    from sqlalchemy import func, select

    from bot.storage.models import AskedQuestion

    with service.db.session() as session:
        return session.scalar(select(func.count()).select_from(AskedQuestion))


def test_repeat_delivery_is_answered_once(service: Service) -> None:
    gateway = Gateway(service)
    first = gateway.process(_message(), _key())
    assert first is not None and first.intent == "faq"
    assert gateway.process(_message(), _key()) is None
    assert gateway.process(_message(), _key()) is None
    assert _asked(service) == 1
    # Another message id, or the same id at another platform time, is a new delivery.
    assert gateway.process(_message(msg_id="m2"), _key("m2")) is not None
    assert gateway.process(_message(), _key(sent_key="1700000000")) is not None
    assert _asked(service) == 3


def test_concurrent_deliveries_get_one_reply(service: Service) -> None:
    gateway = Gateway(service)
    replies: list[Reply | None] = []
    barrier = threading.Barrier(6)

    def deliver() -> None:
        barrier.wait()
        replies.append(gateway.process(_message(), _key()))

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(reply is not None for reply in replies) == 1
    assert _asked(service) == 1


def test_a_claim_whose_holder_died_is_taken_over_after_the_lease(service: Service) -> None:
    clock = service.clock
    assert inbound_repo.claim(service.db, _key(), now=clock.now(), lease=CLAIM_LEASE)  # never finished
    gateway = Gateway(service)
    assert gateway.process(_message(), _key()) is None  # still within the lease: being handled
    clock.advance(CLAIM_LEASE + timedelta(seconds=1))
    assert gateway.process(_message(), _key()) is not None
    assert gateway.process(_message(), _key()) is None  # finished now


def test_failing_handler_apologises_and_releases_the_claim(service: Service, monkeypatch, caplog) -> None:
    gateway = Gateway(service)

    def broken(msg: IncomingMessage, **kwargs: object) -> Reply:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "handle", broken)
    reply = gateway.process(_message(), _key())
    assert reply is not None and reply.text == ERROR_TEXT and "boom" not in reply.text
    assert "handler failed" in caplog.text and "RuntimeError: boom" in caplog.text
    monkeypatch.undo()
    again = gateway.process(_message(), _key())  # the platform's redelivery is handled afresh
    assert again is not None and again.intent == "faq"


def test_events_older_than_retention_are_purged(service: Service) -> None:
    gateway = Gateway(service, retention_days=7)
    gateway.process(_message(msg_id="old"), _key("old"))
    assert inbound_repo.count(service.db) == 1
    service.clock.advance(timedelta(days=7, hours=2))
    gateway.process(_message(msg_id="new"), _key("new"))
    assert inbound_repo.count(service.db) == 1  # "old" went, "new" stays
    # Once purged, an ancient redelivery would be handled again; the platforms stop retrying long before.
    assert gateway.process(_message(msg_id="new"), _key("new")) is None


def test_messages_without_key_are_not_deduplicated(service: Service) -> None:
    gateway = Gateway(service)
    assert gateway.process(_message(), None) is not None
    assert gateway.process(_message(), None) is not None
    assert inbound_repo.count(service.db) == 0


def test_key_needs_message_id() -> None:
    with pytest.raises(ValueError):
        InboundKey(platform="wecom-aibot", msg_id="", sender_id="u1")


def test_a_command_delivery_is_finished_too(service: Service) -> None:
    """Commands are not logged as questions, but their delivery must still be marked handled."""
    from sqlalchemy import select

    from bot.storage.models import InboundEvent

    gateway = Gateway(service)
    reply = gateway.process(_message(text="签到", msg_id="c1"), _key("c1"))
    assert reply is not None and reply.meta.get("command") == "签到"
    with service.db.session() as session:
        states = session.scalars(select(InboundEvent.state)).all()
    assert states == [inbound_repo.DONE]
    assert _asked(service) == 0
    service.clock.advance(CLAIM_LEASE * 3)  # finished, so no take-over even long after the lease
    assert gateway.process(_message(text="签到", msg_id="c1"), _key("c1")) is None


def test_questions_are_answered_on_the_loop_and_commands_on_a_worker_thread(service: Service, monkeypatch) -> None:
    import asyncio

    gateway = Gateway(service)
    threads: dict[str, str] = {}
    real_handle = service.handle

    def recording(msg: IncomingMessage, **kwargs: object) -> Reply:
        threads[msg.msg_id] = threading.current_thread().name
        return real_handle(msg, **kwargs)

    monkeypatch.setattr(service, "handle", recording)

    async def deliver() -> None:
        await gateway.process_async(_message(msg_id="q1"), _key("q1"))
        await gateway.process_async(_message(text="签到", msg_id="c1"), _key("c1"))
        gateway.inline = False  # XUESHI_INLINE_QUESTIONS=false: everything on worker threads
        await gateway.process_async(_message(msg_id="q2"), _key("q2"))

    asyncio.run(deliver())
    main = threading.main_thread().name
    assert threads["q1"] == main
    assert threads["c1"] != main and threads["q2"] != main
