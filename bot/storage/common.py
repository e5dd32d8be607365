"""Small helpers every repository module shares: argument checks and the dialect's insert."""

from __future__ import annotations

from datetime import datetime


def require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")


def dialect_insert(dialect: str):
    """The dialect's ``insert`` construct, which has ON CONFLICT DO NOTHING / DO UPDATE."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    return insert
