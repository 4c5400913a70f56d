"""Accounts, password resets and `me` in the API."""

from __future__ import annotations

from flask import Response

from dossier.api.blueprint import Operation, bp, documented, dump, load, no_content
from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.limits import address_key, address_limits, guarded, limiter
from dossier.schemas import (
    AccountCreate,
    AccountCreated,
    Me,
    PasswordChange,
    PasswordResetCreate,
    PasswordResetDone,
)
from dossier.services import accounts


@bp.post("/accounts")
@limiter.limit(address_limits, key_func=address_key, scope="register")
@documented(
    Operation(
        "/accounts",
        "post",
        "Register as youth, parent or professional. An address that has an account gets the"
        " same answer (an id and a recovery code that open nothing); the address gets an e-mail"
        " saying which of the two happened",
        "accounts",
        body=AccountCreate,
        responses={201: AccountCreated},
        authenticated=False,
        errors=(400, 422, 429),
    )
)
def create_account() -> Response:
    data = load(AccountCreate)
    registration = accounts.register(service_context(), accounts.NewAccount(**data))
    created = {
        "id": registration.user_id,
        "role": registration.role,
        "recovery_code": registration.recovery_code,
    }
    return dump(AccountCreated, created, 201)


@bp.post("/password-resets")
@guarded
@documented(
    Operation(
        "/password-resets",
        "post",
        "Choose a new password with the recovery code",
        "accounts",
        body=PasswordResetCreate,
        responses={200: PasswordResetDone},
        authenticated=False,
        errors=(400, 401, 422, 429),
    )
)
def reset_password() -> Response:
    data = load(PasswordResetCreate)
    code = accounts.reset_password(
        service_context(), data["email"], data["recovery_code"], data["new_password"]
    )
    return dump(PasswordResetDone, {"recovery_code": code})


@bp.get("/me")
@login_required
@documented(Operation("/me", "get", "Who am I", "accounts", responses={200: Me}, errors=(401,)))
def me() -> Response:
    return dump(Me, accounts.profile(service_context(), actor()))


@bp.post("/me/password")
@login_required
@documented(
    Operation(
        "/me/password",
        "post",
        "Change my password (other sessions end)",
        "accounts",
        body=PasswordChange,
        responses={204: None},
        errors=(400, 401, 422),
    )
)
def change_password() -> Response:
    data = load(PasswordChange)
    accounts.change_password(
        service_context(), actor(), data["current_password"], data["new_password"]
    )
    return no_content()
