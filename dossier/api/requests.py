"""Asking for access in the API: the asker asks and follows their requests; the owners read them,
say yes or no, and make the dossier's request code. Who may do what is the service's to say
(`services.access_requests`); asking answers the same whether or not it reached anyone."""

from __future__ import annotations

import uuid

from flask import Response

from dossier.api.blueprint import Operation, bp, documented, dump, load
from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.schemas import (
    AccessRequestAnswer,
    AccessRequestCreate,
    AccessRequestDecided,
    AccessRequestList,
    Created,
    MyAccessRequestList,
    RequestCodeOut,
)
from dossier.services import access_requests

ASKED = "/access-requests"
WAITING = "/dossiers/{id}/access-requests"
CODE = "/dossiers/{id}/request-code"


@bp.post("/access-requests")
@login_required
@documented(
    Operation(
        ASKED,
        "post",
        "Ask a dossier's owners for access, by its request code or an owner's address; the "
        "answer is the same whether or not either leads to a dossier (verified professionals "
        "and family members)",
        "requests",
        body=AccessRequestCreate,
        responses={202: Created},
        errors=(400, 401, 403, 422),
    )
)
def ask() -> Response:
    data = load(AccessRequestCreate)
    request_id = access_requests.ask(
        service_context(),
        actor(),
        code=data["code"],
        owner_email=data["owner_email"],
        sections=data["sections"],
        permission=data["permission"],
        months=data["months"],
        purpose=data["purpose"],
    )
    return dump(Created, {"id": request_id}, 202)


@bp.get("/access-requests")
@login_required
@documented(
    Operation(
        ASKED,
        "get",
        "My own requests for access, newest first, and whether they were answered",
        "requests",
        responses={200: MyAccessRequestList},
        errors=(401,),
    )
)
def my_requests() -> Response:
    items = access_requests.my_requests(service_context(), actor())
    return dump(MyAccessRequestList, {"items": items})


@bp.get("/dossiers/<uuid:dossier_id>/access-requests")
@login_required
@documented(
    Operation(
        WAITING,
        "get",
        "The requests for access an owner can answer here: who asks, for what and why (owners)",
        "requests",
        responses={200: AccessRequestList},
        errors=(401, 403, 404),
    )
)
def waiting_requests(dossier_id: uuid.UUID) -> Response:
    items = access_requests.requests_for(service_context(), actor(), dossier_id)
    return dump(AccessRequestList, {"items": items})


@bp.post("/dossiers/<uuid:dossier_id>/access-requests/<uuid:request_id>/decision")
@login_required
@documented(
    Operation(
        WAITING + "/{request_id}/decision",
        "post",
        "Say yes or no to a request (the owners whose yes the consent rules ask); 409 when it "
        "was answered already or has ended",
        "requests",
        body=AccessRequestAnswer,
        responses={200: AccessRequestDecided},
        errors=(400, 401, 403, 404, 409, 422),
    )
)
def decide(dossier_id: uuid.UUID, request_id: uuid.UUID) -> Response:
    approve = load(AccessRequestAnswer)["approve"]
    shared = access_requests.decide(service_context(), actor(), dossier_id, request_id, approve)
    return dump(
        AccessRequestDecided,
        {
            "status": "approved" if approve else "refused",
            "grant_id": shared.grant_id if shared else None,
            "grant_status": shared.status if shared else None,
        },
    )


@bp.get("/dossiers/<uuid:dossier_id>/request-code")
@login_required
@documented(
    Operation(
        CODE,
        "get",
        "The code to give someone who should ask for access; null until made (owners)",
        "requests",
        responses={200: RequestCodeOut},
        errors=(401, 403, 404),
    )
)
def read_code(dossier_id: uuid.UUID) -> Response:
    code = access_requests.current_request_code(service_context(), actor(), dossier_id)
    return dump(RequestCodeOut, {"code": code})


@bp.post("/dossiers/<uuid:dossier_id>/request-code")
@login_required
@documented(
    Operation(
        CODE,
        "post",
        "A new request code; the one before stops working at once (owners)",
        "requests",
        responses={201: RequestCodeOut},
        errors=(401, 403, 404),
    )
)
def make_code(dossier_id: uuid.UUID) -> Response:
    code = access_requests.new_request_code(service_context(), actor(), dossier_id)
    return dump(RequestCodeOut, {"code": code}, 201)
