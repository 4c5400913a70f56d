"""Dossiers, sections, owners (invitations, removal, approvals), export and destruction."""

from __future__ import annotations

import uuid

from flask import Response, request

from dossier.api.blueprint import Operation, Query, bp, documented, dump, load, no_content, text
from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.export import render_export
from dossier.errors import N_, InvalidInput
from dossier.schemas import (
    Decision,
    DossierCreate,
    DossierOut,
    DossierPage,
    InvitationAccept,
    InvitationCreate,
    InvitationOut,
    Joined,
    SectionChange,
    SectionCreate,
    SectionList,
    SectionOut,
)
from dossier.services import dossiers, ownership, sharing
from dossier.services.export import export_zip

DOSSIER = "/dossiers/{id}"


@bp.get("/dossiers")
@login_required
@documented(
    Operation(
        "/dossiers",
        "get",
        "Dossiers I own or that are shared with me",
        "dossiers",
        responses={200: DossierPage},
        errors=(401,),
    )
)
def list_dossiers() -> Response:
    return dump(
        DossierPage,
        {"items": dossiers.list_dossiers(service_context(), actor()), "next_cursor": None},
    )


@bp.post("/dossiers")
@login_required
@documented(
    Operation(
        "/dossiers",
        "post",
        "Create a dossier: my own, or for my child",
        "dossiers",
        body=DossierCreate,
        responses={201: DossierOut},
        errors=(400, 401, 403, 422),
    )
)
def create_dossier() -> Response:
    data = load(DossierCreate)
    created = dossiers.create_dossier(
        service_context(),
        actor(),
        data["subject_name"] or "",
        data["subject_birth_date"],
        data["for_self"],
    )
    return dump(DossierOut, created, 201)


@bp.get("/dossiers/<uuid:dossier_id>")
@login_required
@documented(
    Operation(
        DOSSIER,
        "get",
        "One dossier as I may see it",
        "dossiers",
        responses={200: DossierOut},
        errors=(401, 404),
    )
)
def get_dossier(dossier_id: uuid.UUID) -> Response:
    return dump(DossierOut, dossiers.get_dossier(service_context(), actor(), dossier_id))


@bp.delete("/dossiers/<uuid:dossier_id>")
@login_required
@documented(
    Operation(
        DOSSIER,
        "delete",
        "Destroy the dossier (owners). 204 when it is destroyed; 202 while it waits for the "
        "confirmation the consent rules ask (from 12 the young person's own, under 12 every "
        "guardian's)",
        "dossiers",
        responses={202: Decision, 204: None},
        errors=(401, 403, 404, 409, 422),
        query=(
            Query(
                "confirm",
                text(),
                "The subject's name, exactly as the dossier shows it.",
                required=True,
            ),
        ),
    )
)
def destroy_dossier(dossier_id: uuid.UUID) -> Response:
    decision = ownership.destroy(
        service_context(), actor(), dossier_id, request.args.get("confirm", "")
    )
    return _decided(decision)


def _decided(decision: ownership.Decision) -> Response:
    """Done is 204; a change that waits for someone else's approval is accepted, 202."""
    if decision.status == "done":
        return no_content()
    return dump(Decision, decision, 202)


@bp.get("/dossiers/<uuid:dossier_id>/sections")
@login_required
@documented(
    Operation(
        DOSSIER + "/sections",
        "get",
        "Sections I may read",
        "sections",
        responses={200: SectionList},
        errors=(401, 404),
    )
)
def list_sections(dossier_id: uuid.UUID) -> Response:
    summary = dossiers.get_dossier(service_context(), actor(), dossier_id)
    return dump(SectionList, {"items": summary.sections})


@bp.post("/dossiers/<uuid:dossier_id>/sections")
@login_required
@documented(
    Operation(
        DOSSIER + "/sections",
        "post",
        "Add a section (owners)",
        "sections",
        body=SectionCreate,
        responses={201: SectionOut},
        errors=(400, 401, 403, 404, 422),
    )
)
def add_section(dossier_id: uuid.UUID) -> Response:
    data = load(SectionCreate)
    return dump(
        SectionOut, dossiers.add_section(service_context(), actor(), dossier_id, data["name"]), 201
    )


@bp.patch("/dossiers/<uuid:dossier_id>/sections/<uuid:section_id>")
@login_required
@documented(
    Operation(
        DOSSIER + "/sections/{section_id}",
        "patch",
        "Rename or archive a section (owners)",
        "sections",
        body=SectionChange,
        responses={204: None},
        errors=(400, 401, 403, 404, 422),
    )
)
def change_section(dossier_id: uuid.UUID, section_id: uuid.UUID) -> Response:
    data = load(SectionChange)
    if not data:
        raise InvalidInput({"_": [N_("Send name or archived.")]})
    dossiers.change_section(
        service_context(),
        actor(),
        dossier_id,
        section_id,
        name=data.get("name"),
        archived=data.get("archived"),
    )
    return no_content()


@bp.post("/dossiers/<uuid:dossier_id>/invitations")
@login_required
@documented(
    Operation(
        DOSSIER + "/invitations",
        "post",
        "Invite a co-owner: a one-time code, 7 days",
        "dossiers",
        body=InvitationCreate,
        responses={201: InvitationOut},
        errors=(400, 401, 403, 404, 422),
    )
)
def invite(dossier_id: uuid.UUID) -> Response:
    data = load(InvitationCreate)
    ticket = ownership.invite_owner(service_context(), actor(), dossier_id, data["relation"])
    return dump(InvitationOut, ticket, 201)


@bp.delete("/dossiers/<uuid:dossier_id>/owners/<uuid:user_id>")
@login_required
@documented(
    Operation(
        DOSSIER + "/owners/{user_id}",
        "delete",
        "Remove an owner, or step down yourself: 204 when done (every key they held rotates), "
        "202 while it waits for the approval the consent rules ask",
        "dossiers",
        responses={202: Decision, 204: None},
        errors=(401, 403, 404, 409, 422),
    )
)
def remove_owner(dossier_id: uuid.UUID, user_id: uuid.UUID) -> Response:
    return _decided(ownership.remove_owner(service_context(), actor(), dossier_id, user_id))


@bp.post("/dossiers/<uuid:dossier_id>/ownership-changes/<uuid:change_id>/approval")
@login_required
@documented(
    Operation(
        DOSSIER + "/ownership-changes/{change_id}/approval",
        "post",
        "Approve a new owner, an owner's removal or a destruction that waits for you",
        "dossiers",
        responses={200: Decision},
        errors=(401, 403, 404, 409),
    )
)
def approve_change(dossier_id: uuid.UUID, change_id: uuid.UUID) -> Response:
    return dump(Decision, ownership.approve(service_context(), actor(), dossier_id, change_id))


@bp.delete("/dossiers/<uuid:dossier_id>/ownership-changes/<uuid:change_id>")
@login_required
@documented(
    Operation(
        DOSSIER + "/ownership-changes/{change_id}",
        "delete",
        "Withdraw or object to an ownership change that waits",
        "dossiers",
        responses={204: None},
        errors=(401, 403, 404, 409),
    )
)
def cancel_change(dossier_id: uuid.UUID, change_id: uuid.UUID) -> Response:
    ownership.cancel(service_context(), actor(), dossier_id, change_id)
    return no_content()


@bp.post("/invitations/acceptance")
@login_required
@documented(
    Operation(
        "/invitations/acceptance",
        "post",
        "Join a dossier with an invitation code",
        "dossiers",
        body=InvitationAccept,
        responses={200: Joined},
        errors=(400, 401, 422),
    )
)
def accept_invitation() -> Response:
    data = load(InvitationAccept)
    return dump(Joined, sharing.accept_code(service_context(), actor(), data["code"]))


@bp.get("/dossiers/<uuid:dossier_id>/export")
@login_required
@documented(
    Operation(
        DOSSIER + "/export",
        "get",
        "Everything, as a ZIP (owners)",
        "dossiers",
        responses={200: None},
        errors=(401, 403, 404),
        download=("application/zip",),
    )
)
def export(dossier_id: uuid.UUID) -> Response:
    archive = export_zip(service_context(), actor(), dossier_id, render_export)
    return Response(
        archive,
        mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="eigen-dossier.zip"'},
    )
