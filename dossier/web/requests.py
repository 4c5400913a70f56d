"""Asking for access, as pages: the asker's form and list, and the owner's yes or no."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.edge.limits import asking_guarded
from dossier.errors import Conflict, InvalidInput
from dossier.services import access_requests
from dossier.web.blueprint import Page, bp, section_label_filter, show_errors
from dossier.web.forms import AskForm, ConfirmForm, SelectChoice


def _ask_form() -> AskForm:
    form = AskForm()
    form.sections.choices = [
        SelectChoice(name, section_label_filter(name)) for name in access_requests.ASKABLE
    ]
    form.months.choices = [
        SelectChoice(str(months), _("%(n)s months", n=months) if months > 1 else _("1 month"))
        for months in access_requests.MONTHS
    ]
    return form


@bp.route("/ask", methods=["GET", "POST"])
@login_required
@asking_guarded
def ask() -> Page:
    form = _ask_form()
    if form.validate_on_submit():
        try:
            access_requests.ask(
                service_context(),
                actor(),
                code=(form.code.data or "").strip() or None,
                owner_email=(form.owner_email.data or "").strip() or None,
                sections=list(form.sections.data or []),
                permission=form.permission.data or "",
                months=int(form.months.data) if (form.months.data or "").isdigit() else 0,
                purpose=form.purpose.data or "",
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(
                _(
                    "Your request is sent. If the code or address belongs to a dossier, "
                    "its owners see it. You hear when they answer."
                ),
                "success",
            )
            return redirect(url_for("web.asked"))
    return render_template("requests/ask.html", form=form)


@bp.get("/ask/sent")
@login_required
def asked() -> Page:
    return render_template(
        "requests/asked.html", requests=access_requests.my_requests(service_context(), actor())
    )


@bp.post("/dossiers/<uuid:dossier_id>/requests/<uuid:request_id>/<any(yes, no):answer>")
@login_required
def answer_request(dossier_id: uuid.UUID, request_id: uuid.UUID, answer: str) -> Page:
    if ConfirmForm().validate_on_submit():
        try:
            shared = access_requests.decide(
                service_context(), actor(), dossier_id, request_id, approve=answer == "yes"
            )
        except InvalidInput as error:
            for messages in error.errors.values():
                for message in messages:
                    flash(_(message), "error")
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            if shared is None:
                flash(_("You said no. We told the person who asked."), "success")
            elif shared.status == "active":
                flash(_("You said yes. They can look now. We told them."), "success")
            else:
                flash(
                    _("You said yes. The sharing waits for the other yes that is needed."),
                    "success",
                )
    return redirect(url_for("web.access", dossier_id=dossier_id))


@bp.post("/dossiers/<uuid:dossier_id>/request-code")
@login_required
def make_request_code(dossier_id: uuid.UUID) -> Page:
    if ConfirmForm().validate_on_submit():
        access_requests.new_request_code(service_context(), actor(), dossier_id)
        flash(_("Here is the new code. Give it to whoever should ask."), "success")
    return redirect(url_for("web.access", dossier_id=dossier_id) + "#request-code")
