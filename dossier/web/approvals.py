"""A parent or guardian who may only approve: asked by the young person, deciding on her page."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.errors import Conflict, InvalidInput
from dossier.models import GrantStatus
from dossier.services import approvals, dossiers
from dossier.web.blueprint import Page, bp, show_errors
from dossier.web.forms import AskApproverForm, ConfirmForm
from dossier.web.sharing import join_link


@bp.route("/dossiers/<uuid:dossier_id>/approvers/new", methods=["GET", "POST"])
@login_required
def ask_approver(dossier_id: uuid.UUID) -> Page:
    ctx = service_context()
    summary = dossiers.get_dossier(ctx, actor(), dossier_id, owner_only=True)
    form = AskApproverForm()
    if form.validate_on_submit():
        try:
            approvals.ask(ctx, actor(), dossier_id, form.email.data or "", join_link)
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(
                _(
                    "We sent an e-mail to %(address)s. Once they say yes, the sharing starts.",
                    address=(form.email.data or "").strip(),
                ),
                "success",
            )
            return redirect(url_for("web.access", dossier_id=dossier_id))
    who = approvals.who_must_agree(ctx, summary.subject_birth_date, summary.my_relation)
    return render_template("sharing/ask_approver.html", dossier=summary, form=form, who=who)


@bp.post("/dossiers/<uuid:dossier_id>/approvers/<uuid:approver_id>/end")
@login_required
def end_approver(dossier_id: uuid.UUID, approver_id: uuid.UUID) -> Page:
    if ConfirmForm().validate_on_submit():
        try:
            name = approvals.end(service_context(), actor(), dossier_id, approver_id)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(
                _("%(name)s can no longer approve.", name=name or _("The invited person")),
                "success",
            )
    return redirect(url_for("web.access", dossier_id=dossier_id))


@bp.get("/requests")
@login_required
def requests() -> Page:
    page = approvals.requests_for_me(service_context(), actor())
    return render_template("sharing/requests.html", page=page, confirm=ConfirmForm())


@bp.post("/requests/<uuid:grant_id>/<any(approve, refuse):answer>")
@login_required
def decide_request(grant_id: uuid.UUID, answer: str) -> Page:
    if ConfirmForm().validate_on_submit():
        try:
            decided = approvals.decide(
                service_context(), actor(), grant_id, yes=answer == "approve"
            )
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            name = decided.grantee_name or _("The invited person")
            if decided.status == GrantStatus.ACTIVE:
                flash(_("Thank you. %(name)s may look now.", name=name), "success")
            elif decided.status == GrantStatus.PENDING:
                flash(
                    _("Thank you. It starts the next time the young person changes something."),
                    "success",
                )
            else:
                flash(_("You said no. %(name)s may not look.", name=name), "success")
    return redirect(url_for("web.requests"))
