"""Alembic migration environment for :mod:`bot.storage` (run programmatically by ``Database.ensure_schema``)."""
