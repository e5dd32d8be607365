"""Shared fixtures: a network guard for every test, and databases on SQLite and (optionally) PostgreSQL.

PostgreSQL runs only when ``XUESHI_TEST_DATABASE_URL`` is set (mandatory when ``CI=true``); each test
then gets its own throw-away schema selected through libpq's ``options=-csearch_path=...``.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage import Database

PG_ENV = "XUESHI_TEST_DATABASE_URL"
PG_EXAMPLE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SKIP_REASON = f"PostgreSQL run skipped: set {PG_ENV}={PG_EXAMPLE_URL} to run it"

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


# -- report header ------------------------------------------------------------------------------------


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return f"xueshi storage: PostgreSQL run enabled ({_masked(url)})"
    if _in_ci():
        return f"xueshi storage: PostgreSQL run REQUIRED on CI but {PG_ENV} is unset: those tests will fail"
    return f"xueshi storage: {PG_SKIP_REASON}"


# -- network guard ------------------------------------------------------------------------------------


def _is_local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path (or abstract socket name)
        return True
    if isinstance(address, tuple) and address:
        host = address[0]
        if isinstance(host, bytes):
            host = host.decode(errors="replace")
        host = str(host).split("%", 1)[0]  # strip an IPv6 zone id
        if host.lower() in _LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection attempt that leaves the machine; loopback and Unix sockets are allowed."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def _check(address: Any) -> None:
        if not _is_local(address):
            raise RuntimeError(f"unexpected network call to {address!r}")

    def guarded_connect(self: socket.socket, address: Any) -> None:
        _check(address)
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        _check(address)
        return real_connect_ex(self, address)

    def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _check(address)  # before the DNS lookup that create_connection would do
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)


# -- databases ----------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A URL to an empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db"
        return

    base_url = os.environ.get(PG_ENV)
    if not base_url:
        if _in_ci():
            pytest.fail(f"{PG_ENV} must be set on CI (e.g. {PG_EXAMPLE_URL})")
        pytest.skip(PG_SKIP_REASON)
    yield from _pg_schema_url(base_url)


def _pg_schema_url(base_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    try:
        yield database
    finally:
        database.dispose()


# -- shared helpers for the bot tests -----------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[1]
# The outline the knowledge base was imported from, kept beside it in config/.
OUTLINE_PATH = REPO_ROOT / "config" / "outline-2009.txt"
XUESHI_BIN = Path(sys.executable).with_name("xueshi")


@pytest.fixture(scope="session")
def outline_text() -> str:
    """The real training outline (the source every answer must quote verbatim)."""
    if not OUTLINE_PATH.is_file():
        pytest.fail(f"training outline not found at {OUTLINE_PATH}")
    return OUTLINE_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def lexicon_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One jieba lexicon cache for the whole run (building it is the slow part of a cold start)."""
    return tmp_path_factory.mktemp("lexicon-cache")


@pytest.fixture
def make_settings(tmp_path: Path, lexicon_cache: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings with a throw-away SQLite file and no XUESHI_* leaking in from the environment."""
    from bot.settings import Settings

    for key in list(os.environ):
        if key.startswith("XUESHI_") and key != PG_ENV:
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no ./xueshi.toml, no ./var in the repository

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"database_url": f"sqlite:///{tmp_path}/bot.db", "cache_dir": lexicon_cache}
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture(scope="session")
def shared_matcher(lexicon_cache: Path):
    """The matcher over the committed knowledge base, built once (it is read-only after building)."""
    import config
    from faq.matcher import Matcher

    return Matcher.from_files(config.data_path("faq.toml"), config.data_path("lexicon.toml"), lexicon_cache)


@pytest.fixture
def cli_env(tmp_path: Path, lexicon_cache: Path) -> dict[str, str]:
    """Environment for running ``xueshi`` in a subprocess against a throw-away SQLite file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUESHI_")}
    env.update(
        XUESHI_DATABASE_URL=f"sqlite:///{tmp_path}/x.db",
        XUESHI_CACHE_DIR=str(lexicon_cache),
        PYTHONIOENCODING="utf-8",
        PYTHONUNBUFFERED="1",
        COLUMNS="250",
        NO_COLOR="1",
    )
    return env


# Queries that tend to land between the two thresholds; ``suggest_query`` picks one the bot really
# answers with 「您是不是想问」, so follow-up tests do not hard-code the matcher's current scores.
SUGGEST_CANDIDATES = (
    "第一类单位至少要有多少名群众代表",
    "党员组织关系转接怎么办理",
    "非在偏党员要参加吗",
    "满意度侧评怎么搞",
    "借掉的党员怎么参加",
    "群众代表要参加哪些会",
    "报告",
    "测评",
)
SUGGEST_AT = "2009-04-16T10:00:00+08:00"


@pytest.fixture
def suggest_query(make_settings, shared_matcher) -> tuple[str, list[str]]:
    """A question the bot currently answers with suggestions (at ``SUGGEST_AT``), and the suggested ids."""
    from bot.clock import FixedClock, parse_instant
    from bot.service import Service

    service = Service(make_settings(), clock=FixedClock(parse_instant(SUGGEST_AT)), matcher=shared_matcher)
    try:
        for n, question in enumerate(SUGGEST_CANDIDATES):
            reply = service.ask(question, user_id=f"probe{n}")
            if reply.intent == "suggest":
                return question, reply.meta["suggestions"]
    finally:
        service.close()
    pytest.skip("none of the candidate queries produces a suggestion with the current matcher")
