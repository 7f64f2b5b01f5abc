"""Column types that keep the design's invariants: times are always timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; refuses naive datetimes; always returns aware UTC (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: store timezone-aware times only")
        value = value.astimezone(UTC)
        # SQLite has no zone type: store naive UTC text, re-tagged on the way out.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UTCDay(UTCDateTime):
    """A day, stored as midnight UTC: whatever moment is given, only its day is kept. For
    per-person times, which must not be precise enough to be matched with when a reflection
    was written (docs/anonymity.md), whichever code writes them."""

    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        stored = super().process_bind_param(value, dialect)
        return stored.replace(hour=0, minute=0, second=0, microsecond=0) if stored else None


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_day(when: datetime | None = None) -> datetime:
    """Midnight UTC of `when` (default now): for per-person times that must not be precise
    enough to be matched with when a reflection was written."""
    return (when or utcnow()).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
