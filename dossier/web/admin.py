"""The admin's page: professionals waiting for a check of their SKJ or BIG registration."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.services import accounts
from dossier.web.blueprint import Page, bp
from dossier.web.forms import VerifyProfessionalForm


@bp.get("/admin/professionals")
@login_required
def professionals() -> Page:
    listed = accounts.professionals(service_context(), actor())
    return render_template(
        "admin/professionals.html", professionals=listed, form=VerifyProfessionalForm()
    )


@bp.post("/admin/professionals/<uuid:professional_id>/verify")
@login_required
def verify_professional(professional_id: uuid.UUID) -> Page:
    form = VerifyProfessionalForm()
    if not form.validate_on_submit():
        listed = accounts.professionals(service_context(), actor())
        return render_template(
            "admin/professionals.html",
            professionals=listed,
            form=form,
            failed_id=professional_id,
        ), 422
    profile = accounts.verify_professional(service_context(), actor(), professional_id)
    flash(
        _(
            "%(name)s is verified and can now be given access to dossiers.",
            name=profile.display_name,
        ),
        "success",
    )
    return redirect(url_for("web.professionals"))
