"""Who is asking: the session cookie for pages, the bearer token for the API; never both.

The cookie carries the session id and the secret that opens the keyring copy in the session row.
Flask's own (signed, not encrypted) session cookie never holds either.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, redirect, request, url_for
from flask_login import LoginManager, current_user
from werkzeug.wrappers import Response as BaseResponse

from dossier.edge.context import service_context, settings
from dossier.errors import NotAuthenticated, Unavailable
from dossier.models import SessionKind
from dossier.services import sessions
from dossier.services.context import Actor

COOKIE_NAME = "dossier_session"
# A login whose password was right and whose second step is still to come; only the pages of
# that step read it, and no page takes it for a session.
PENDING_COOKIE = "dossier_pending"
PENDING_PATH = "/login"
PENDING_SECONDS = 5 * 60
API_PREFIX = "/api/"

login_manager = LoginManager()

P = ParamSpec("P")
R = TypeVar("R")


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


@login_manager.request_loader
def _load_actor(_request: Any) -> Actor | None:
    if is_api_request():
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return _authenticate(token.strip(), SessionKind.API)
    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie:
        return None
    return _authenticate(cookie, SessionKind.WEB)


def _authenticate(token: str, kind: SessionKind) -> Actor | None:
    try:
        return sessions.authenticate(service_context(), token, kind)
    except Unavailable:
        # Nobody is known for the rest of this request, so its error page does not ask the
        # database, which just failed, a second time.
        login_manager._update_request_context_with_user()
        raise


@login_manager.user_loader
def _no_user_from_flask_session(_user_id: str) -> None:
    """Identity never comes from Flask's cookie; only the session cookie or token count."""
    return None


def logged_in() -> bool:
    """Whether this request came with a live session or token; flask-login itself has no types."""
    return bool(current_user.is_authenticated)


def actor() -> Actor:
    """The logged-in actor; only call behind `login_required`."""
    user = current_user._get_current_object()
    if not isinstance(user, Actor):
        raise NotAuthenticated()
    return user


def login_required(view: Callable[P, R]) -> Callable[P, R | BaseResponse]:
    """Pages redirect to the login page; the API answers 401 problem+json."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | BaseResponse:
        if not logged_in():
            if is_api_request():
                raise NotAuthenticated()
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def safe_next(target: str | None, fallback: str) -> str:
    """Only redirect to a path on our own host."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


def set_session_cookie(response: Response, ticket: sessions.SessionTicket) -> Response:
    response.set_cookie(
        COOKIE_NAME,
        ticket.token,
        expires=ticket.expires_at,
        httponly=True,
        secure=settings().production,
        samesite="Lax",
        path="/",
    )
    return response


def pending_token() -> str:
    return request.cookies.get(PENDING_COOKIE, "")


def set_pending_cookie(response: Response, token: str) -> Response:
    response.set_cookie(
        PENDING_COOKIE,
        token,
        max_age=PENDING_SECONDS,
        httponly=True,
        secure=settings().production,
        samesite="Lax",
        path=PENDING_PATH,
    )
    return response


def clear_pending_cookie(response: Response) -> Response:
    response.delete_cookie(
        PENDING_COOKIE,
        path=PENDING_PATH,
        httponly=True,
        secure=settings().production,
        samesite="Lax",
    )
    return response


def clear_session_cookie(response: Response) -> Response:
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, secure=settings().production, samesite="Lax"
    )
    return response


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = None
