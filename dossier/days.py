"""Days as the people using the service live them. A date someone types or reads is a day in the
Netherlands; the database keeps instants in UTC. Converting between the two through here keeps
"until Friday" the same Friday on every page, notice and mail."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE = "Europe/Amsterdam"
LOCAL = ZoneInfo(ZONE)


def local_day(moment: datetime) -> date:
    """The Dutch date of an instant."""
    return moment.astimezone(LOCAL).date()


def start_of(day: date) -> datetime:
    """Midnight at the start of a Dutch day, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=LOCAL).astimezone(UTC)


def last_day_of(until: datetime) -> date:
    """The last Dutch day that something ending at `until` still covers: the end itself is the
    first moment it no longer counts, so an end at midnight belongs to the day before."""
    return local_day(until - timedelta(microseconds=1))
