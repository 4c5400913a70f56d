"""Dutch by default, English on request; the choice is remembered in a cookie, and with the
account of whoever is logged in, which brings it back at every login. Dates and file sizes are
written one way on every page: as people write them, not as a computer logs them."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, Response, current_app, request
from flask_babel import (
    Babel,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    to_user_timezone,
)

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


def when(at: datetime | date) -> str:
    """ "1 december, 17:28": day and time, never seconds, and the year only when it is not this
    year, as people write a date. A date without a time is written the same way, without it."""
    now = to_user_timezone(current_app.extensions[EXTENSION]["clock"]())
    if not isinstance(at, datetime):
        return format_date(at, "d MMMM" if at.year == now.year else "d MMMM y")
    same_year = to_user_timezone(at).year == now.year
    return format_datetime(at, "d MMMM, HH:mm" if same_year else "d MMMM y, HH:mm")


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
