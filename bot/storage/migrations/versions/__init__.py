"""Alembic revision scripts; Alembic itself skips this ``__init__`` module."""
