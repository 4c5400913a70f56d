"""Dates and file sizes are written one way on every page, as people write them: "1 december,
17:28" (the year only when it is another year, never seconds) and "340 kB" or "1 MB". One helper
each, used by every template."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel import dates as babel_dates
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier.edge.i18n import LANGUAGE_COOKIE, LANGUAGES, file_size, gettext, speaking, when

TEMPLATES = Path(__file__).parents[2] / "templates"


@pytest.mark.parametrize(
    ("size", "dutch", "english"),
    [
        (512, "512 B", "512 B"),
        (340_000, "340 kB", "340 kB"),
        (999_499, "999 kB", "999 kB"),
        (1_000_000, "1 MB", "1 MB"),
        (2_500_000, "2,5 MB", "2.5 MB"),
        (20_000_000, "20 MB", "20 MB"),
    ],
)
def test_file_sizes_are_round_numbers_in_the_readers_way(
    app, size: int, dutch: str, english: str
) -> None:
    for language, expected in (("nl", dutch), ("en", english)):
        with app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}={language}"}):
            assert file_size(size) == expected


def test_dates_have_no_seconds_and_the_year_only_when_it_is_another(app, clock) -> None:
    this_year = clock().year
    with app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}=nl"}):
        # 16:28:45 UTC is 17:28 in Amsterdam in winter
        assert when(datetime(this_year, 12, 1, 16, 28, 45, tzinfo=UTC)) == "1 december, 17:28"
        assert when(datetime(2020, 12, 1, 16, 28, 45, tzinfo=UTC)) == "1 december 2020, 17:28"
        assert when(date(this_year, 3, 5)) == "5 maart"
        assert when(date(2012, 1, 5)) == "5 januari 2012"
    with app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        assert when(datetime(2020, 12, 1, 16, 28, 45, tzinfo=UTC)) == "1 December 2020, 17:28"


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    at=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31))
    | st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.just(UTC)
    )
    | st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)),
    language=st.sampled_from(LANGUAGES),
)
def test_dates_read_as_babel_writes_them_with_the_pattern(app, clock, at, language) -> None:
    """`when` writes the pattern out by hand, once per row; Babel is the reference, naive times
    being UTC, in Amsterdam's time zone, over summer time and new year."""
    zone = babel_dates.get_timezone("Europe/Amsterdam")
    if isinstance(at, datetime):
        local_year = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(zone).year
        pattern = "d MMMM, HH:mm" if local_year == clock().year else "d MMMM y, HH:mm"
        expected = babel_dates.format_datetime(at, pattern, tzinfo=zone, locale=language)
    else:
        pattern = "d MMMM" if at.year == clock().year else "d MMMM y"
        expected = babel_dates.format_date(at, pattern, locale=language)
    with app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}={language}"}):
        assert when(at) == expected


def test_speaking_another_language_comes_back_to_the_readers(app) -> None:
    """A print in Dutch for an English reader: texts and dates in Dutch inside, English after,
    though the request looked its language up once before."""
    march = date(2012, 3, 5)
    with app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        assert (when(march), gettext("Note")) == ("5 March 2012", "Note")
        with speaking("nl"):
            assert (when(march), gettext("Note")) == ("5 maart 2012", "Notitie")
        assert (when(march), gettext("Note")) == ("5 March 2012", "Note")


def test_every_template_writes_dates_and_sizes_through_the_one_helper() -> None:
    """Babel's own formats (with seconds, or "1 dec 2026") would come back with a direct call."""
    direct = re.compile(r"format_date(time)?\(|format_time\(|\d+\s*/\s*1024")
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in direct.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
