"""Logging in and out through the API; the token is shown once."""

from __future__ import annotations

from flask import Response, request

from dossier.api.blueprint import Operation, bp, documented, dump, load, no_content
from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.limits import guarded, second_step_guarded
from dossier.models import SessionKind
from dossier.schemas import SecondFactorCreate, SessionCreate, SessionCreated
from dossier.services import account_sessions, second_factors, sessions


@bp.post("/sessions")
@guarded
@documented(
    Operation(
        "/sessions",
        "post",
        "Log in and receive a bearer token. An account with a second step answers 401 with "
        "`second_factor_token` and `second_factor_kinds`; send the token and a code to "
        "`POST /sessions/second-factor`.",
        "sessions",
        body=SessionCreate,
        responses={201: SessionCreated},
        authenticated=False,
        errors=(400, 401, 422, 429),
    )
)
def create_session() -> Response:
    data = load(SessionCreate)
    ticket = sessions.log_in(service_context(), data["email"], data["password"], SessionKind.API)
    account_sessions.note_login(service_context(), ticket, request.user_agent.string)
    return dump(SessionCreated, ticket, 201)


@bp.post("/sessions/second-factor")
@second_step_guarded
@documented(
    Operation(
        "/sessions/second-factor",
        "post",
        "Finish logging in with the code from an authenticator app",
        "sessions",
        body=SecondFactorCreate,
        responses={201: SessionCreated},
        authenticated=False,
        errors=(400, 401, 422, 429),
    )
)
def create_session_second_factor() -> Response:
    data = load(SecondFactorCreate)
    ticket = second_factors.log_in_with_app(
        service_context(), data["second_factor_token"], data["code"], SessionKind.API
    )
    account_sessions.note_login(service_context(), ticket, request.user_agent.string)
    return dump(SessionCreated, ticket, 201)


@bp.delete("/sessions/current")
@login_required
@documented(
    Operation(
        "/sessions/current",
        "delete",
        "Log out: this token stops working",
        "sessions",
        responses={204: None},
        errors=(401,),
    )
)
def delete_current_session() -> Response:
    sessions.log_out(service_context(), actor())
    return no_content()


@bp.delete("/sessions")
@login_required
@documented(
    Operation(
        "/sessions",
        "delete",
        "Log out everywhere: every session and token ends",
        "sessions",
        responses={204: None},
        errors=(401,),
    )
)
def delete_all_sessions() -> Response:
    sessions.log_out_everywhere(service_context(), actor())
    return no_content()
