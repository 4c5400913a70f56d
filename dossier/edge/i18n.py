"""Dutch by default, English on request; the choice is remembered in a cookie. Dates and file
sizes are written one way on every page: as people write them, not as a computer logs them."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, request
from flask_babel import Babel, format_datetime, format_decimal, get_locale, to_user_timezone
from flask_babel import format_date as babel_format_date

from dossier.edge.context import EXTENSION

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LANGUAGE_COOKIE = "lang"
KILO = 1000  # sizes in the units people see on their phone: 1 MB is a million bytes

babel = Babel()


def select_language() -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return DEFAULT_LANGUAGE


def when(at: datetime | date) -> str:
    """ "1 december, 17:28": day and time, never seconds, and the year only when it is not this
    year, as people write a date. A date without a time is written the same way, without it."""
    now = to_user_timezone(current_app.extensions[EXTENSION]["clock"]())
    if not isinstance(at, datetime):
        return babel_format_date(at, "d MMMM" if at.year == now.year else "d MMMM y")
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
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale, when=when)
    app.jinja_env.filters.update(when=when, filesize=file_size)
