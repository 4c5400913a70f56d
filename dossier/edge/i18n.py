"""Dutch by default, English on request; the choice is remembered in a cookie, and with the
account of whoever is logged in, which brings it back at every login."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_babel import Babel, format_date, format_datetime, get_locale

from dossier.models import Language

LANGUAGES = tuple(str(language) for language in Language)
DEFAULT_LANGUAGE = str(Language.DUTCH)
LANGUAGE_COOKIE = "lang"

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


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language, default_timezone="Europe/Amsterdam")
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        get_locale=get_locale,
        format_date=format_date,
        format_datetime=format_datetime,
    )
