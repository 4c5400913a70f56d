"""Access on a legal basis as pages: an officer records it, the others say yes, the auditor
counts it. The owners' view of it is on "Who may look?" (`dossier.web.sharing`)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import DateField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Optional

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.errors import Conflict, InvalidInput, NotFound
from dossier.services import access_requests, legal_basis
from dossier.web.blueprint import Page, bp, section_label_filter, show_errors
from dossier.web.emergency import OfficerYesForm, dossier_typed
from dossier.web.forms import Form, SelectChoice


class LegalForm(Form):
    dossier_code = StringField(_l("The dossier's request code"), render_kw={"autocomplete": "off"})
    grantee = StringField(
        _l("E-mail address of the professional who gets access"),
        render_kw={"autocomplete": "off", "inputmode": "email"},
    )
    sections = SelectMultipleField(_l("Which parts"), choices=[], validate_choice=False)
    until = DateField(_l("Until"), validators=[Optional()])
    basis = SelectField(_l("Legal basis"), choices=[], validate_choice=False)
    reference = StringField(_l("Reference of the decision or report"))
    password = PasswordField(_l("Your password"), render_kw={"autocomplete": "current-password"})


def _legal_form() -> LegalForm:
    form = LegalForm()
    form.sections.choices = [
        SelectChoice(name, section_label_filter(name)) for name in access_requests.ASKABLE
    ]
    form.basis.choices = [SelectChoice("", _("Choose a legal basis"))] + [
        SelectChoice(code, _(words)) for code, words in legal_basis.BASES.items()
    ]
    return form


@bp.route("/legal/new", methods=["GET", "POST"])
@login_required
def legal_new() -> Page:
    ctx, me = service_context(), actor()
    legal_basis.require_officer(ctx, me)
    form = _legal_form()
    status = 200
    if form.validate_on_submit():
        dossier_id = dossier_typed(form.dossier_code)
        if dossier_id is not None:
            try:
                legal_basis.record(
                    ctx,
                    me,
                    dossier_id,
                    form.grantee.data or "",
                    [],
                    form.until.data,
                    form.basis.data or "",
                    form.reference.data or "",
                    password=form.password.data or "",
                    names=list(form.sections.data or []),
                )
            except InvalidInput as error:
                show_errors(form, error)
            except NotFound:
                form.dossier_code.errors = [_("We found no dossier with this number.")]
            except Conflict as error:
                form.form_errors.append(_(error.detail))
            else:
                flash(
                    _("It is recorded, with your yes. It opens when another officer says yes."),
                    "success",
                )
                return redirect(url_for("web.legal_waiting"))
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("legal/new.html", form=form), status


def _waiting_page(forms: dict[uuid.UUID, OfficerYesForm] | None = None, status: int = 200) -> Page:
    waiting = legal_basis.waiting_for_officer(service_context(), actor())
    forms = forms or {}
    return (
        render_template(
            "legal/waiting.html",
            waiting=waiting,
            forms={r.id: forms.get(r.id) or OfficerYesForm(formdata=None) for r in waiting},
        ),
        status,
    )


@bp.get("/legal")
@login_required
def legal_waiting() -> Page:
    return _waiting_page()


@bp.post("/legal/<uuid:record_id>/approve")
@login_required
def legal_approve(record_id: uuid.UUID) -> Page:
    form = OfficerYesForm()
    if form.validate_on_submit():
        try:
            done = legal_basis.approve(
                service_context(), actor(), record_id, password=form.password.data or ""
            )
        except InvalidInput as error:
            show_errors(form, error)
            return _waiting_page({record_id: form}, 422)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            if done.grant_id is not None:
                flash(_("You said yes. Enough officers said yes: the access is open."), "success")
            else:
                flash(_("You said yes. It waits for another emergency officer."), "success")
    return redirect(url_for("web.legal_waiting"))


@bp.get("/audit/legal")
@login_required
def audit_legal() -> Page:
    return render_template(
        "audit/legal.html",
        listed=legal_basis.for_auditor(service_context(), actor()),
        legal_bases=legal_basis.BASES,
    )
