"""bot.storage on SQLite and PostgreSQL: automatic schema, sessions, health and repository functions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, inspect, select

from bot.storage import Database, repo
from bot.storage import db as db_module
from bot.storage.models import AskedQuestion, ChatContext

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


def _tables(database: Database) -> set[str]:
    with database.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def _revisions(database: Database) -> list[str]:
    with database.engine.connect() as conn:
        return [row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]


def _log(database: Database, **overrides: object) -> None:
    values: dict[str, object] = {
        "asked_at": T0,
        "platform": "wecom",
        "chat_id": "chat-1",
        "user_id": "user-1",
        "question": "怎么交党费？",
        "normalized": "交党费",
        "intent": "answer",
        "faq_id": "dues",
        "score": 0.9,
    }
    values.update(overrides)
    repo.log_question(database, **values)  # type: ignore[arg-type]


# -- schema -------------------------------------------------------------------------------------------


def test_fresh_database_gets_schema_on_first_session(db: Database) -> None:
    assert "alembic_version" not in _tables(db)

    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AskedQuestion)) == 0

    assert {"asked_questions", "chat_context", "alembic_version"} <= _tables(db)
    assert _revisions(db) == [db_module.HEAD_REVISION] == ["0004"]
    with db.engine.connect() as conn:
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("asked_questions")}
    assert {"ix_asked_questions_normalized", "ix_asked_questions_intent"} <= indexes


def test_ensure_schema_twice_is_a_noop(db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db.ensure_schema()
    db.ensure_schema()
    assert _revisions(db) == [db_module.HEAD_REVISION]

    def no_upgrade(self: Database) -> None:
        raise AssertionError("upgrade must not run on an up-to-date database")

    monkeypatch.setattr(Database, "_upgrade", no_upgrade)
    other = Database(db_url)
    try:
        other.ensure_schema()
        other.ensure_schema()
    finally:
        other.dispose()
    assert _revisions(db) == [db_module.HEAD_REVISION]


def test_up_to_date_check_does_not_import_alembic(db: Database, db_url: str) -> None:
    db.ensure_schema()
    code = (
        "import os, sys\n"
        "from bot.storage import Database\n"
        "d = Database(os.environ['XUESHI_T_URL'])\n"
        "d.ensure_schema()\n"
        "with d.session():\n"
        "    pass\n"
        "d.dispose()\n"
        "print('alembic' in sys.modules)\n"
    )
    env = {**os.environ, "XUESHI_T_URL": db_url, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_concurrent_first_use_upgrades_once(db_url: str) -> None:
    databases = [Database(db_url) for _ in range(4)]
    barrier = threading.Barrier(len(databases))
    errors: list[BaseException] = []

    def start(database: Database) -> None:
        try:
            barrier.wait()
            database.ensure_schema()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(d,)) for d in databases]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert _revisions(databases[0]) == [db_module.HEAD_REVISION]
    finally:
        for database in databases:
            database.dispose()


def test_second_database_object_shares_the_data(db: Database, db_url: str) -> None:
    _log(db, question="first")
    other = Database(db_url)
    try:
        with other.session() as session:
            assert session.scalars(select(AskedQuestion.question)).all() == ["first"]
        _log(other, question="second")
    finally:
        other.dispose()
    with db.session() as session:
        assert sorted(session.scalars(select(AskedQuestion.question))) == ["first", "second"]


def test_sqlite_creates_parent_directory_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "xueshi.db"
    database = Database(f"sqlite:///{path}")
    try:
        assert database.health()["ok"] is True
        assert path.is_file()
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    finally:
        database.dispose()


# -- health -------------------------------------------------------------------------------------------


def test_health_ok(db: Database) -> None:
    assert db.health() == {"ok": True, "dialect": db.dialect, "revision": db_module.HEAD_REVISION}
    assert db.dialect in ("sqlite", "postgresql")


def test_health_unreachable_does_not_raise_or_leak_password() -> None:
    secret = "s3cr3t-pa55"
    database = Database(f"postgresql+psycopg://postgres:{secret}@127.0.0.1:1/none")
    try:
        result = database.health()
    finally:
        database.dispose()
    assert result["ok"] is False
    assert result["dialect"] == "postgresql"
    assert result["error"].startswith("OperationalError")
    assert secret not in json.dumps(result)
    assert secret not in repr(database)
    assert secret not in database.safe_url


# -- questions ----------------------------------------------------------------------------------------


def test_log_question_stores_utc_and_truncates(db: Database) -> None:
    local = datetime(2024, 6, 1, 17, 30, tzinfo=SHANGHAI)
    _log(db, asked_at=local, question="问" * 2500, normalized="n" * 600, faq_id=None, intent="fallback")
    with db.session() as session:
        row = session.scalars(select(AskedQuestion)).one()
    assert row.asked_at == local
    assert row.asked_at.tzinfo == UTC
    assert row.asked_at.hour == 9
    assert len(row.question) == 2000
    assert len(row.normalized) == 500
    assert row.faq_id is None


def test_log_question_rejects_naive_datetime(db: Database) -> None:
    with pytest.raises(ValueError, match="aware"):
        _log(db, asked_at=datetime(2024, 6, 1, 9, 0))


def test_top_misses_groups_orders_and_excludes_answers(db: Database) -> None:
    # "b": asked 3 times (most frequent); "a" and "c": twice each, "c" more recently; "faq": answered.
    rows = [
        # normalized, question, intent, faq_id, score, minutes after T0
        ("b", "B one", "suggest", "f-b1", 0.4, 0),
        ("b", "B two", "fallback", None, 0.1, 1),
        ("b", "B three", "suggest", "f-b2", 0.6, 2),
        ("a", "A one", "suggest", "f-a", 0.5, 3),
        ("a", "A two", "suggest", "f-a", 0.55, 4),
        ("c", "C one", "fallback", None, 0.05, 5),
        ("c", "C two", "fallback", None, 0.02, 6),
        *[("faq", f"answered {i}", "answer", "dues", 0.9, 60) for i in range(5)],
        ("b", "B answered", "answer", "f-b1", 0.95, 120),
    ]
    for normalized, question, intent, faq_id, score, minutes in rows:
        asked_at = (T0 + timedelta(minutes=minutes)).astimezone(SHANGHAI if minutes % 2 else UTC)
        _log(
            db,
            normalized=normalized,
            question=question,
            intent=intent,
            faq_id=faq_id,
            score=score,
            asked_at=asked_at,
        )

    misses = repo.top_misses(db)

    assert [m.normalized for m in misses] == ["b", "c", "a"]
    b, c, a = misses
    assert (b.count, c.count, a.count) == (3, 2, 2)
    assert b.example == "B three"  # most recent wording; the answered ask does not count
    assert b.last_asked == T0 + timedelta(minutes=2)
    assert b.best_score == pytest.approx(0.6)
    assert b.best_faq_id == "f-b2"  # the candidate of the best-scoring ask
    assert c.best_faq_id is None
    assert c.last_asked == T0 + timedelta(minutes=6)
    assert all(m.last_asked.tzinfo == UTC for m in misses)
    assert a.best_faq_id == "f-a" and a.best_score == pytest.approx(0.55)

    assert [m.normalized for m in repo.top_misses(db, limit=1)] == ["b"]
    with pytest.raises(AttributeError):
        b.count = 99  # type: ignore[misc]  # frozen


def test_top_misses_empty(db: Database) -> None:
    assert repo.top_misses(db) == []


# -- chat context -------------------------------------------------------------------------------------

KEY = {"platform": "dingtalk", "chat_id": "group-7", "user_id": "u-42", "kind": "pending_suggestions"}


def test_context_save_load_overwrite_expire_clear(db: Database) -> None:
    assert repo.load_context(db, **KEY, now=T0) is None

    payload = {"faq_ids": ["dues", "meeting"], "text": "党费", "n": 2}
    repo.save_context(db, **KEY, payload=payload, expires_at=T0 + timedelta(minutes=10))
    assert repo.load_context(db, **KEY, now=T0) == payload
    # Other kinds / users are separate rows.
    assert repo.load_context(db, **{**KEY, "kind": "other"}, now=T0) is None
    assert repo.load_context(db, **{**KEY, "user_id": "u-43"}, now=T0) is None

    repo.save_context(db, **KEY, payload={"faq_ids": ["x"]}, expires_at=T0 + timedelta(minutes=20))
    assert repo.load_context(db, **KEY, now=T0 + timedelta(minutes=15)) == {"faq_ids": ["x"]}
    with db.session() as session:
        rows = session.scalars(select(ChatContext)).all()
    assert len(rows) == 1
    assert rows[0].expires_at == T0 + timedelta(minutes=20)
    assert rows[0].expires_at.tzinfo == UTC

    assert repo.load_context(db, **KEY, now=T0 + timedelta(minutes=20)) is None  # expiry is exclusive
    # "now" in another time zone is the same instant.
    assert repo.load_context(db, **KEY, now=(T0 + timedelta(minutes=19)).astimezone(SHANGHAI)) is not None

    repo.clear_context(db, **KEY)
    assert repo.load_context(db, **KEY, now=T0) is None
    repo.clear_context(db, **KEY)  # clearing nothing is fine


def test_context_requires_aware_datetimes(db: Database) -> None:
    with pytest.raises(ValueError):
        repo.save_context(db, **KEY, payload={}, expires_at=datetime(2024, 6, 1))
    with pytest.raises(ValueError):
        repo.load_context(db, **KEY, now=datetime(2024, 6, 1))


# -- transactions -------------------------------------------------------------------------------------


def _question_row() -> AskedQuestion:
    return AskedQuestion(
        asked_at=T0,
        platform="wecom",
        chat_id="c",
        user_id="u",
        question="q",
        normalized="q",
        intent="fallback",
        faq_id=None,
        score=0.0,
    )


def test_session_rolls_back_on_exception(db: Database) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with db.session() as session:
            session.add(_question_row())
            session.add(ChatContext(**KEY, payload={"a": 1}, expires_at=T0 + timedelta(hours=1)))
            session.flush()  # the rows really reached the database inside the transaction
            raise Boom

    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AskedQuestion)) == 0
        assert session.scalar(select(func.count()).select_from(ChatContext)) == 0


def test_session_rolls_back_on_database_error(db: Database) -> None:
    repo.save_context(db, **KEY, payload={"keep": True}, expires_at=T0 + timedelta(hours=1))
    with pytest.raises(Exception, match="(?i)unique|duplicate|primary key"):
        with db.session() as session:
            session.add(_question_row())
            session.flush()
            session.add(ChatContext(**KEY, payload={"dup": True}, expires_at=T0))  # same primary key
            session.flush()

    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AskedQuestion)) == 0
    assert repo.load_context(db, **KEY, now=T0) == {"keep": True}


def test_bookkeeping_transactions_skip_the_wal_flush_on_postgresql(db) -> None:
    """``durable=False`` writes (claims, the question log) commit without waiting for the WAL flush on
    PostgreSQL, in the same schema as everything else; ordinary transactions stay durable."""
    from sqlalchemy import text

    db.ensure_schema()
    with db.transaction(durable=False) as conn:
        conn.execute(text("SELECT 1 FROM alembic_version"))  # same schema (search_path) as the main pool
        quick = conn.exec_driver_sql("SHOW synchronous_commit").scalar() if db.dialect == "postgresql" else "n/a"
    with db.transaction() as conn:
        durable = conn.exec_driver_sql("SHOW synchronous_commit").scalar() if db.dialect == "postgresql" else "n/a"
    if db.dialect == "postgresql":
        assert (quick, durable) == ("off", "on")
