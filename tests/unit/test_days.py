"""Dutch days and UTC instants: the conversions every page, notice and mail shares."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dossier.days import last_day_of, local_day, start_of


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(date(2026, 1, 15), 23), (date(2026, 7, 15), 22)],  # winter and summer time
)
def test_a_dutch_day_starts_at_the_utc_hour_of_its_season(day: date, utc_hour: int) -> None:
    start = start_of(day)
    assert start == datetime.combine(day - timedelta(days=1), datetime.min.time(), UTC).replace(
        hour=utc_hour
    )
    assert local_day(start) == day
    assert local_day(start - timedelta(microseconds=1)) == day - timedelta(days=1)


def test_an_end_at_midnight_belongs_to_the_day_before() -> None:
    assert last_day_of(start_of(date(2026, 3, 29))) == date(2026, 3, 28)
    assert last_day_of(start_of(date(2026, 3, 29)) + timedelta(minutes=1)) == date(2026, 3, 29)


def test_the_day_the_clocks_go_back_lasts_25_hours() -> None:
    assert start_of(date(2026, 10, 26)) - start_of(date(2026, 10, 25)) == timedelta(hours=25)
    assert start_of(date(2026, 3, 30)) - start_of(date(2026, 3, 29)) == timedelta(hours=23)
