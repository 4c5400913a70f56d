"""Dutch by default, English on request; the choice is remembered in a cookie."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, format_date, format_datetime, get_locale

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LANGUAGE_COOKIE = "lang"

babel = Babel()


def select_language() -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language, default_timezone="Europe/Amsterdam")
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        get_locale=get_locale,
        format_date=format_date,
        format_datetime=format_datetime,
    )
