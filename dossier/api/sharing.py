"""Grants and notices in the API."""

from __future__ import annotations

import uuid

from flask import Response, url_for

from dossier.api.blueprint import Operation, bp, documented, dump, load, no_content
from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.errors import N_, InvalidInput
from dossier.schemas import (
    AccessOut,
    GrantChange,
    GrantCreate,
    GrantCreated,
    GrantStatus,
    NoticeList,
)
from dossier.services import notices, sharing

GRANTS = "/dossiers/{id}/grants"


@bp.get("/dossiers/<uuid:dossier_id>/grants")
@login_required
@documented(
    Operation(
        GRANTS,
        "get",
        "Who has access: owners and grants (owners)",
        "sharing",
        responses={200: AccessOut},
        errors=(401, 403, 404),
    )
)
def list_grants(dossier_id: uuid.UUID) -> Response:
    return dump(AccessOut, sharing.overview(service_context(), actor(), dossier_id))


@bp.post("/dossiers/<uuid:dossier_id>/grants")
@login_required
@documented(
    Operation(
        GRANTS,
        "post",
        "Share sections: with an account by e-mail, or by invitation code",
        "sharing",
        body=GrantCreate,
        responses={201: GrantCreated},
        errors=(400, 401, 403, 404, 422),
    )
)
def create_grant(dossier_id: uuid.UUID) -> Response:
    data = load(GrantCreate)
    shared = sharing.share(
        service_context(),
        actor(),
        dossier_id,
        grantee_email=data["grantee_email"],
        section_ids=data["section_ids"],
        permission=data["permission"],
        expires_at=data["expires_at"],
        message=data["message"],
        link=lambda code: url_for("web.join", code=code, _external=True),
    )
    return dump(GrantCreated, shared, 201)


@bp.post("/dossiers/<uuid:dossier_id>/grants/<uuid:grant_id>/approval")
@login_required
@documented(
    Operation(
        GRANTS + "/{grant_id}/approval",
        "post",
        "Approve a pending grant",
        "sharing",
        responses={200: GrantStatus},
        errors=(401, 403, 404, 409, 422),
    )
)
def approve_grant(dossier_id: uuid.UUID, grant_id: uuid.UUID) -> Response:
    return dump(
        GrantStatus, {"status": sharing.approve(service_context(), actor(), dossier_id, grant_id)}
    )


@bp.patch("/dossiers/<uuid:dossier_id>/grants/<uuid:grant_id>")
@login_required
@documented(
    Operation(
        GRANTS + "/{grant_id}",
        "patch",
        "Narrow a grant: fewer sections, earlier end",
        "sharing",
        body=GrantChange,
        responses={204: None},
        errors=(400, 401, 403, 404, 422),
    )
)
def change_grant(dossier_id: uuid.UUID, grant_id: uuid.UUID) -> Response:
    data = load(GrantChange)
    if not data:
        raise InvalidInput({"_": [N_("Send section_ids or expires_at.")]})
    sharing.change(
        service_context(),
        actor(),
        dossier_id,
        grant_id,
        section_ids=data.get("section_ids"),
        expires_at=data.get("expires_at"),
    )
    return no_content()


@bp.delete("/dossiers/<uuid:dossier_id>/grants/<uuid:grant_id>")
@login_required
@documented(
    Operation(
        GRANTS + "/{grant_id}",
        "delete",
        "Revoke: at once, and the keys rotate (409 when it has ended already)",
        "sharing",
        responses={204: None},
        errors=(401, 403, 404, 409),
    )
)
def revoke_grant(dossier_id: uuid.UUID, grant_id: uuid.UUID) -> Response:
    sharing.revoke(service_context(), actor(), dossier_id, grant_id)
    return no_content()


@bp.get("/notices")
@login_required
@documented(
    Operation(
        "/notices",
        "get",
        "My notices, newest first",
        "sharing",
        responses={200: NoticeList},
        errors=(401,),
    )
)
def list_notices() -> Response:
    return dump(NoticeList, {"items": notices.my_notices(service_context(), actor(), limit=50)})
