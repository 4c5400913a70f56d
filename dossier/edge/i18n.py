"""Dutch by default, English on request; the choice is remembered in a cookie, and with the
account of whoever is logged in, which brings it back at every login. Dates and file sizes are
written one way on every page: as people write them, not as a computer logs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from flask import Flask, Response, current_app, g, request
from flask_babel import (
    Babel,
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
class _Dates:
    """How this request writes dates: its locale, its time zone and this year, looked up once
    (a page writes a date per row, and each look-up goes through the request's locals)."""

    locale: Locale
    zone: tzinfo
    year: int


def _dates() -> _Dates:
    known: _Dates | None = g.get("_dates")
    if known is None or known.locale != get_locale():
        zone = get_timezone() or babel_dates.UTC
        now = current_app.extensions[EXTENSION]["clock"]().astimezone(zone)
        known = _Dates(get_locale() or Locale.parse(DEFAULT_LANGUAGE), zone, now.year)
        g._dates = known
    return known


def when(at: datetime | date) -> str:
    """ "1 december, 17:28": day and time, never seconds, and the year only when it is not this
    year, as people write a date. A date without a time is written the same way, without it."""
    dates = _dates()
    if not isinstance(at, datetime):
        pattern = "d MMMM" if at.year == dates.year else "d MMMM y"
        return babel_dates.format_date(at, pattern, locale=dates.locale)
    same_year = at.astimezone(dates.zone).year == dates.year
    return babel_dates.format_datetime(
        at,
        "d MMMM, HH:mm" if same_year else "d MMMM y, HH:mm",
        tzinfo=dates.zone,
        locale=dates.locale,
    )


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
    babel.init_app(app, locale_selector=select_language, default_timezone="Europe/Amsterdam")
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
    translations = get_translations()

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
