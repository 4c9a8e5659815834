"""The tests' clock. Every test runs at the fixed instant ``NOW`` (time flows on from it), so no test depends on
today's date: dates in tests are written relative to ``NOW`` or far from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    """``moment`` as the ISO 8601 UTC string editors upload (``2030-03-01T12:00:00Z``)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ago(**delta: float) -> str:
    """The ISO string of ``NOW`` minus ``delta`` (``ago(days=2)``)."""
    return iso(NOW - timedelta(**delta))


def ahead(**delta: float) -> str:
    """The ISO string of ``NOW`` plus ``delta``."""
    return iso(NOW + timedelta(**delta))
