"""Domain exceptions become a page or a problem+json answer here, and nowhere else."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from dossier.edge.auth import is_api_request
from dossier.edge.i18n import gettext
from dossier.errors import N_, DomainError, InvalidInput, SecondFactorNeeded, Unavailable

log = logging.getLogger(__name__)

PROBLEM_TYPE = "about:blank"
RETRY_AFTER_SECONDS = "5"

_HTTP_TITLES = {
    400: N_("The request is malformed."),
    401: N_("Please log in first."),
    403: N_("You are not allowed to do this."),
    404: N_("This could not be found."),
    405: N_("This method is not allowed here."),
    413: N_("This is too large."),
    415: N_("Send JSON with Content-Type application/json."),
    429: N_("Too many attempts. Wait a moment and try again."),
    500: N_("Something went wrong on our side. Nothing was changed."),
}


def translate_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: [gettext(message) for message in messages] for name, messages in errors.items()}


def problem(status: int, title: str, detail: str | None = None, **extra: object) -> Response:
    body: dict[str, object] = {
        "type": PROBLEM_TYPE,
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _page(status: int, title: str, detail: str | None = None) -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, detail=detail), status


def _domain_error(error: DomainError) -> Response | tuple[str, int, dict[str, str]]:
    title = gettext(error.title)
    detail = gettext(error.detail)
    retry = {"Retry-After": RETRY_AFTER_SECONDS} if isinstance(error, Unavailable) else {}
    if is_api_request():
        extra: dict[str, object] = (
            {"errors": translate_errors(error.errors)} if isinstance(error, InvalidInput) else {}
        )
        if isinstance(error, SecondFactorNeeded):
            extra = {"second_factor_token": error.token, "second_factor_kinds": list(error.kinds)}
        response = problem(error.status, title, detail, **extra)
        response.headers.update(retry)
        return response
    page, status = _page(error.status, title, detail)
    return page, status, retry


def _protocol_headers(error: HTTPException) -> dict[str, str]:
    """The headers HTTP asks of this status (`Allow` on 405, `Retry-After` on 429), which the
    exception carries; only its own body's Content-Type is left behind."""
    return {name: value for name, value in error.get_headers() if name.lower() != "content-type"}


def _http_error(error: HTTPException) -> Response | tuple[str, int, dict[str, str]]:
    status = error.code or 500
    title = gettext(_HTTP_TITLES.get(status, error.name))
    if isinstance(error, CSRFError):
        title = gettext(N_("This form has expired. Go back, reload the page and try again."))
    headers = _protocol_headers(error)
    if is_api_request():
        response = problem(status, title)
        response.headers.update(headers)
        return response
    page, status = _page(status, title)
    return page, status, headers


def _unexpected(error: Exception) -> Response | tuple[str, int]:
    # Logged with its type and request path only; never the request body or any content.
    log.error("unexpected %s on %s %s", type(error).__name__, request.method, request.path)
    title = gettext(_HTTP_TITLES[500])
    if is_api_request():
        return problem(500, title)
    return _page(500, title)


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
