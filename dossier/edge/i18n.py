"""Dutch by default, English on request; the choice is remembered in a cookie, and with the
account of whoever is logged in, which brings it back at every login. Dates and file sizes are
written one way on every page: as people write them, not as a computer logs them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, Response, current_app, g, request
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_timezone,
    get_translations,
)
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from dossier.days import ZONE
from dossier.edge.context import EXTENSION
from dossier.models import Language

LANGUAGES = tuple(str(language) for language in Language)
DEFAULT_LANGUAGE = str(Language.DUTCH)
LANGUAGE_COOKIE = "lang"
KILO = 1000  # sizes in the units people see on their phone: 1 MB is a million bytes

babel = Babel()


def select_language() -> str:
    return chosen_language() or DEFAULT_LANGUAGE


def chosen_language() -> str | None:
    """The language this browser chose before logging in, if it chose one."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else None


def remember_language(response: Response, language: str | None) -> Response:
    """This browser speaks `language` from now on; None leaves its choice as it was."""
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


@dataclass(frozen=True)
class _Speech:
    """How this request speaks: its translations, its time zone, this year and the month names,
    looked up once. A page translates a hundred texts and writes a date per row, and
    Flask-Babel looks each of these up again through the request's locals."""

    translations: NullTranslations
    zone: tzinfo
    year: int
    months: Mapping[int, str]


_SPEECH = "_speech"


def _speech() -> _Speech:
    known: _Speech | None = g.get(_SPEECH)
    if known is None:
        locale = get_locale() or Locale.parse(DEFAULT_LANGUAGE)
        zone = get_timezone() or UTC
        now = current_app.extensions[EXTENSION]["clock"]().astimezone(zone)
        known = _Speech(get_translations(), zone, now.year, locale.months["format"]["wide"])
        setattr(g, _SPEECH, known)
    return known


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Flask-Babel's `force_locale`, for this request's speech too: texts, dates and numbers
    in `language` inside, and in the reader's own language again after."""
    before = g.pop(_SPEECH, None)
    try:
        with force_locale(language):
            yield
    finally:
        g.pop(_SPEECH, None)
        if before is not None:
            setattr(g, _SPEECH, before)


def translator() -> Callable[[str], str]:
    """This request's plain `gettext`, bound once, for helpers a page calls on every row."""
    return _speech().translations.ugettext


def gettext(text: str, **variables: Any) -> str:
    """Flask-Babel's `gettext`, from the translations this request looked up once."""
    said = _speech().translations.ugettext(text)
    return said % variables if variables else said


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Flask-Babel's `ngettext` (`num` is among the variables), as `gettext` is."""
    variables.setdefault("num", num)
    return _speech().translations.ungettext(singular, plural, num) % variables


def when(at: datetime | date) -> str:
    """ "1 december, 17:28": day and time, never seconds, and the year only when it is not this
    year, as people write a date. A date without a time is written the same way, without it.
    Babel's pattern "d MMMM[ y][, HH:mm]", written out: a page has a date on every row."""
    speech = _speech()
    day: date = at
    time = ""
    if isinstance(at, datetime):
        day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(speech.zone)
        time = f", {day:%H:%M}"
    year = "" if day.year == speech.year else f" {day.year}"
    return f"{day.day} {speech.months[day.month]}{year}{time}"


def file_size(size: int) -> str:
    """ "340 kB", "1 MB", "2,5 MB": round numbers, in the reader's way of writing them."""
    if size < KILO:
        return f"{size} B"
    if size < KILO * KILO:
        return f"{format_decimal(round(size / KILO))} kB"
    megabytes = size / (KILO * KILO)
    shown = round(megabytes) if megabytes >= 10 else round(megabytes, 1)
    return f"{format_decimal(shown)} MB"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language, default_timezone=ZONE)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        get_locale=get_locale,
        format_date=format_date,
        format_datetime=format_datetime,
        when=when,
    )
    app.jinja_env.filters.update(when=when, filesize=file_size)
    app.context_processor(_this_requests_translations)


def _this_requests_translations() -> dict[str, Any]:
    """`gettext` and `ngettext` bound to the translations of this request, for the template
    about to be rendered (`_` finds them too). Flask-Babel's own look the translations up again
    for every text, and a page has a hundred; these behave as Jinja's "newstyle" ones do."""
    translations = _speech().translations

    @pass_context
    def gettext(context: Context, text: str, **variables: Any) -> str:
        said = translations.ugettext(text)
        if context.eval_ctx.autoescape:
            said = Markup(said)  # noqa: S704 - our own catalog, as Jinja marks it; % escapes values
        return said % variables

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        said = translations.ungettext(singular, plural, n)
        if context.eval_ctx.autoescape:
            said = Markup(said)  # noqa: S704 - our own catalog, as Jinja marks it; % escapes values
        return said % variables

    return {"gettext": gettext, "ngettext": ngettext}
