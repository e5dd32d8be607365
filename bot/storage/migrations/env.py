"""Alembic environment.

Normally run by ``Database.ensure_schema()``, which passes an open connection (already inside a
transaction) in ``config.attributes["connection"]``. For developer use from the command line
(``alembic -c bot/storage/alembic.ini revision --autogenerate -m ...``) the URL comes from the
``sqlalchemy.url`` option, else ``XUESHI_DATABASE_URL``, else the zero-config SQLite default.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy.engine import Connection

from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata

DEFAULT_URL = "sqlite:///./var/xueshi.db"


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or os.environ.get("XUESHI_DATABASE_URL") or DEFAULT_URL


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    from bot.storage.db import Database  # imported lazily: db.py must not import alembic eagerly

    database = Database(_url())
    try:
        with database.engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
            conn.commit()
    finally:
        database.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
