"""The admin's check of professionals, in the API."""

from __future__ import annotations

import uuid

from flask import Response

from dossier.api.blueprint import Operation, bp, documented, dump
from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.schemas import ProfessionalForAdmin, ProfessionalPage
from dossier.services import accounts


@bp.get("/admin/professionals")
@login_required
@documented(
    Operation(
        "/admin/professionals",
        "get",
        "Professionals, those waiting for a check first",
        "admin",
        responses={200: ProfessionalPage},
        errors=(401, 403),
    )
)
def list_professionals() -> Response:
    listed = accounts.professionals(service_context(), actor())
    return dump(ProfessionalPage, {"items": listed, "next_cursor": None})


@bp.post("/admin/professionals/<uuid:professional_id>/verification")
@login_required
@documented(
    Operation(
        "/admin/professionals/{id}/verification",
        "post",
        "Verify a professional's SKJ or BIG registration",
        "admin",
        responses={200: ProfessionalForAdmin},
        errors=(401, 403, 404),
    )
)
def verify_professional(professional_id: uuid.UUID) -> Response:
    return dump(
        ProfessionalForAdmin,
        accounts.verify_professional(service_context(), actor(), professional_id),
    )
