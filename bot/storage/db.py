"""Engine, sessions and automatic schema management.

Cold start matters (the CLI opens the database on every run), so the up-to-date check is one plain
``SELECT`` on ``alembic_version`` and Alembic is only imported when an upgrade is actually needed.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

#: The newest migration in ``migrations/versions``; bump it together with every new revision.
HEAD_REVISION = "0004"

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Arbitrary constant key for the PostgreSQL advisory lock serialising schema upgrades across replicas.
_PG_SCHEMA_LOCK_KEY = 0x7875_6573_6869  # "xueshi"

#: SQLite busy timeout: how long a connection waits for another process's write lock.
_SQLITE_BUSY_TIMEOUT_MS = 30_000

#: Default PostgreSQL connect timeout (seconds) unless the URL sets one, so health() cannot hang forever.
_PG_CONNECT_TIMEOUT_S = 10

#: Pooled connections per process: as many as the threads that may use the database at once (the
#: HTTP app runs handlers on anyio's 40 worker threads), so a burst of messages (everyone checking in
#: as a meeting starts) never queues for a connection; SQLAlchemy's default (5 + 10) starved some
#: waiters past the 30 s pool timeout under 32 concurrent check-ins.
POOL_SIZE = 10
_POOL_OVERFLOW = 30

#: Connection execution option naming the SQLite ``BEGIN`` flavour ("DEFERRED" / "IMMEDIATE").
_SQLITE_BEGIN_OPTION = "xueshi_sqlite_begin"


class Database:
    """One database (engine + session factory). Create one per process and share it."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.url: URL = parsed
        self.dialect: str = parsed.get_backend_name()
        self._schema_ready = False
        self._schema_lock = threading.Lock()

        if self.dialect == "sqlite":
            _ensure_sqlite_parent_dir(parsed)
            # Every worker thread keeps its connection: opening a SQLite connection (PRAGMAs, WAL
            # check) costs more than the queries on it, and overflow connections are closed on return.
            pool: dict[str, Any] = {} if _sqlite_in_memory(parsed) else {
                "pool_size": POOL_SIZE + _POOL_OVERFLOW, "max_overflow": POOL_SIZE}
            self.engine: Engine = create_engine(parsed, connect_args={"check_same_thread": False}, **pool)
            _install_sqlite_hooks(self.engine)
            # Sessions take SQLite's write lock at BEGIN: a deferred transaction that reads and then
            # writes fails at once with SQLITE_BUSY when another process wrote in between (the busy
            # timeout does not apply to that case); BEGIN IMMEDIATE waits for the lock instead.
            session_bind: Engine = self.engine.execution_options(**{_SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        else:
            connect_args: dict[str, Any] = {}
            if self.dialect == "postgresql" and "connect_timeout" not in parsed.query:
                connect_args["connect_timeout"] = _PG_CONNECT_TIMEOUT_S
            self.engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args,
                                        pool_size=POOL_SIZE, max_overflow=_POOL_OVERFLOW)
            session_bind = self.engine
        self._write_bind = session_bind
        self._bookkeeping_connect_args = connect_args if self.dialect == "postgresql" else None
        self._bookkeeping_engine: Engine | None = None
        self._bookkeeping_lock = threading.Lock()
        # Re-entrant: a write opened inside another one in the same thread must not deadlock here.
        self._write_lock: threading.RLock | None = threading.RLock() if self.dialect == "sqlite" else None
        self._sessionmaker = sessionmaker(bind=session_bind, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Database({self.safe_url!r})"

    @property
    def safe_url(self) -> str:
        """The URL with the password masked; the only form of it that may be logged."""
        return self.engine.url.render_as_string(hide_password=True)

    # -- schema ---------------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create or upgrade the schema to :data:`HEAD_REVISION`; cheap and idempotent when up to date."""
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            with self.engine.connect() as conn:
                current = _read_revisions_fast(conn)
            if current != {HEAD_REVISION}:
                self._upgrade()
            self._schema_ready = True

    def _upgrade(self) -> None:
        # Imported here on purpose: Alembic (and Mako) cost noticeable start-up time.
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        # ConfigParser interpolation: a literal "%" in the path must be doubled.
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))

        conn = self.engine.connect()
        if self.dialect == "sqlite":
            # Hold the write lock for the whole upgrade so concurrent processes wait, then re-check.
            conn = conn.execution_options(**{_SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        try:
            with conn.begin():
                if self.dialect == "postgresql":
                    # Released at commit/rollback; replicas starting together upgrade one at a time.
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK_KEY})
                current = _read_revisions_locked(conn)
                if current == {HEAD_REVISION}:
                    log.debug("database schema already upgraded by another process")
                    return
                log.info(
                    "upgrading database schema at %s from %s to %s",
                    self.safe_url,
                    ",".join(sorted(current)) or "<empty>",
                    HEAD_REVISION,
                )
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        finally:
            conn.close()

    # -- sessions -------------------------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits when the block succeeds, rolls back when it raises."""
        self.ensure_schema()
        with self._writer_turn(), self._sessionmaker() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def transaction(self, *, write: bool = True, durable: bool = True) -> Iterator[Connection]:
        """A Core connection in one transaction (no ORM): committed when the block succeeds, rolled
        back when it raises. ``write`` takes SQLite's write lock at BEGIN, as sessions do; a read
        (``write=False``) never waits for it. For hot paths where an ORM session costs too much.

        ``durable=False`` lets PostgreSQL acknowledge the commit before its WAL reaches the disk
        (``synchronous_commit = off``, on a separate pool): a crash may lose the last fraction of a
        second of such commits, never corrupt anything. For bookkeeping written with every
        message (delivery claims, question log), where an fsync per message would cap throughput."""
        self.ensure_schema()
        if not write:
            with self.engine.begin() as conn:
                yield conn
            return
        if not durable and self.dialect == "postgresql":
            with self._bookkeeping().begin() as conn:
                yield conn
            return
        with self._writer_turn(), self._write_bind.begin() as conn:
            yield conn

    def _bookkeeping(self) -> Engine:
        """PostgreSQL engine for non-durable writes: its sessions run with ``synchronous_commit=off``
        (set once per connection, not per transaction), in autocommit, and skip the pre-ping, so a
        message's bookkeeping costs one round trip per statement and nothing more. Each statement is
        atomic on its own (the claim is one INSERT … ON CONFLICT); the few statements after a reply
        (log line, "handled" mark, follow-up state) are not atomic together, which costs at most a
        lost log line or a follow-up if the process dies between them. After a server restart the first
        statement on a stale connection fails, the pool is invalidated and the platform's retry
        (the claim was never made) goes through."""
        if self._bookkeeping_engine is None:
            with self._bookkeeping_lock:
                if self._bookkeeping_engine is None:
                    options = " ".join(filter(None, [self.url.query.get("options"), "-c synchronous_commit=off"]))
                    connect_args = {**(self._bookkeeping_connect_args or {}), "options": options}
                    self._bookkeeping_engine = create_engine(self.url, connect_args=connect_args,
                                                             isolation_level="AUTOCOMMIT",
                                                             pool_size=POOL_SIZE, max_overflow=_POOL_OVERFLOW)
        return self._bookkeeping_engine

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        """On SQLite, this process's writers take turns on a lock before BEGIN IMMEDIATE.

        SQLite's busy handler retries with growing sleeps and no queue: with dozens of threads
        competing for the write lock some wait for seconds while others get in repeatedly. Queuing
        them here first leaves the busy handler only the (rare) waits for another process, and
        keeps waiting threads from holding a pooled connection.
        """
        if self._write_lock is None:
            yield
            return
        with self._write_lock:
            yield

    # -- operations -----------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """``{"ok": True, "dialect", "revision"}`` or ``{"ok": False, "dialect", "error"}``; never raises."""
        try:
            self.ensure_schema()
            with self.engine.connect() as conn:
                revisions = _read_revisions_fast(conn)
            if revisions != {HEAD_REVISION}:
                found = ",".join(sorted(revisions)) or "none"
                return {
                    "ok": False,
                    "dialect": self.dialect,
                    "error": f"schema revision {found}, expected {HEAD_REVISION}",
                }
            return {"ok": True, "dialect": self.dialect, "revision": HEAD_REVISION}
        except Exception as exc:  # a health check reports, it does not raise
            return {"ok": False, "dialect": self.dialect, "error": self._describe_error(exc)}

    def dispose(self) -> None:
        """Close pooled connections (call on shutdown and in tests)."""
        self.engine.dispose()
        if self._bookkeeping_engine is not None:
            self._bookkeeping_engine.dispose()

    def _describe_error(self, exc: BaseException) -> str:
        detail = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        lines = [line.strip() for line in str(detail).strip().splitlines() if line.strip()]
        message = lines[0] if lines else ""
        password = self.url.password
        if password:
            message = message.replace(str(password), "***")
        message = _mask_credentials(message)
        if len(message) > 200:
            message = message[:197] + "..."
        return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _mask_credentials(message: str) -> str:
    message = re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", message)
    return re.sub(r"(password\s*=\s*)(\S+)", r"\1***", message, flags=re.IGNORECASE)


def _read_revisions_fast(conn: Connection) -> set[str]:
    """Revisions in ``alembic_version``; an empty set when the table does not exist (yet)."""
    try:
        rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except DBAPIError:
        return set()
    finally:
        conn.rollback()  # end the read transaction (and clear a failed one on PostgreSQL)
    return {row[0] for row in rows}


def _read_revisions_locked(conn: Connection) -> set[str]:
    """Like :func:`_read_revisions_fast` but never errors inside the caller's transaction."""
    if not inspect(conn).has_table("alembic_version"):
        return set()
    return {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}


def _sqlite_in_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in database or url.query.get("mode") == "memory"


def _ensure_sqlite_parent_dir(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:") or url.query.get("uri"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _use_wal(cursor: Any) -> None:
    """Switch a new database file to WAL (it stays WAL). Switching needs an exclusive lock and SQLite
    reports "database is locked" at once, without the busy timeout, while another connection is busy
    with the fresh file (several processes starting together): retry for a while in that case."""
    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + _SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def _install_sqlite_hooks(engine: Engine) -> None:
    """WAL, busy timeout and real transactions (incl. DDL) for pysqlite.

    pysqlite's own transaction handling emits ``BEGIN`` lazily and not before DDL, which would make
    migrations non-transactional; SQLAlchemy's documented recipe is to switch it off and emit BEGIN
    from the ``begin`` event.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_TIMEOUT_MS}")
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_SQLITE_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
