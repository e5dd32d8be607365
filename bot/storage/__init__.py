"""Persistence for the bot: typed SQLAlchemy models, sessions, Alembic migrations and repository functions.

The schema is created or upgraded automatically the first time a :class:`Database` is used, on the
zero-config SQLite default (``./var/xueshi.db``) as well as on PostgreSQL. Callers go through the plain
functions in :mod:`bot.storage.repo`; they take and return neutral values (strings, dicts, aware UTC
datetimes, small dataclasses).

This package must not know what a FAQ item *means* (matching, answers, thresholds live in ``faq/`` and
``handlers/``) nor anything about chat platforms' wire formats (WeCom / DingTalk payloads); it only stores
the identifiers and texts it is handed.
"""

from bot.storage.db import Database

__all__ = ["Database"]
