"""Rate limits on guessing: per account (the e-mail typed) and per client address."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from dossier.edge.auth import actor, logged_in, pending_token
from dossier.edge.context import settings
from dossier.services import validation

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)

P = ParamSpec("P")
R = TypeVar("R")


def account_key() -> str:
    """The account being tried, whichever face (form or JSON) the attempt came through. Hashed,
    so the counters (in Redis, in production) hold no e-mail addresses."""
    email = request.form.get("email")
    if email is None:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    typed = validation.email_key(str(email) if email is not None else "")
    return "account:" + hashlib.sha256(typed.encode("utf-8")).hexdigest()[:32]


def address_key() -> str:
    return "address:" + (get_remote_address() or "unknown")


def own_account_key() -> str:
    """The logged-in account making a change to itself, hashed like the other keys. Someone
    not logged in is sent to the login page by the view; until then their address counts."""
    if not logged_in():
        return address_key()
    return "own:" + hashlib.sha256(str(actor().user_id).encode("ascii")).hexdigest()[:32]


def pending_key() -> str:
    """The half-finished login being tried, hashed: each gets few tries at a code, whether the
    token came as the second-step cookie or in an API body."""
    token = pending_token()
    if not token:
        body = request.get_json(silent=True)
        found = body.get("second_factor_token") if isinstance(body, dict) else None
        token = str(found) if found is not None else ""
    return "pending:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]


def second_factor_limits() -> str:
    return settings().second_factor_limits


def second_step_guarded(view: Callable[P, R]) -> Callable[P, R]:
    """The second step of logging in: few tries per half-finished login, and per address."""
    only_posts = ["POST"]
    view = limiter.shared_limit(
        second_factor_limits, scope="second-step", key_func=pending_key, methods=only_posts
    )(view)
    return limiter.shared_limit(
        address_limits, scope="guess-address", key_func=address_key, methods=only_posts
    )(view)


def account_change_limits() -> str:
    return settings().account_change_limits


def account_limits() -> str:
    return settings().login_limits


def address_limits() -> str:
    return settings().address_limits


def guarded(view: Callable[P, R]) -> Callable[P, R]:
    """Both limits on one view: too many tries for this account, or from this address, is a 429."""
    only_posts = ["POST"]
    view = limiter.shared_limit(
        account_limits, scope="guess-account", key_func=account_key, methods=only_posts
    )(view)
    return limiter.shared_limit(
        address_limits, scope="guess-address", key_func=address_key, methods=only_posts
    )(view)


def own_account_guarded(view: Callable[P, R]) -> Callable[P, R]:
    """A change a person makes to their own account that asks for the password, or cannot be
    undone: few tries per account, counted across every such page together."""
    return limiter.shared_limit(
        account_change_limits, scope="account-change", key_func=own_account_key, methods=["POST"]
    )(view)


def asking_guarded(view: Callable[P, R]) -> Callable[P, R]:
    """Asking to look, by code or address: few tries per account, so nobody tries codes or
    addresses by the hundred (the answer says nothing, and is not worth guessing at speed)."""
    return limiter.shared_limit(
        account_change_limits, scope="ask", key_func=own_account_key, methods=["POST"]
    )(view)


def init_app(app: Flask) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = app.extensions["dossier"][
        "settings"
    ].ratelimit_storage_uri
    limiter.init_app(app)
