"""Emergency access as pages: the requester's form and list, and the officers' yes.

A checked professional files a request for a dossier she had access to before (or by its
number), with sections, a reason and at most 72 hours; an emergency officer says yes with her
password again. The auditor's queue of emergency accesses is in `dossier.web.audit`.
"""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import (
    Field,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.edge.i18n import when
from dossier.errors import Conflict, InvalidInput, NotFound
from dossier.services import access_requests, emergency
from dossier.web.blueprint import Page, bp, section_label_filter, show_errors
from dossier.web.forms import Form, SelectChoice

HOURS = (4, 8, 12, 24, 48, 72)


class EmergencyForm(Form):
    known = SelectField(_l("Which dossier?"), choices=[], validate_choice=False)
    dossier_id = StringField(
        _l("Or: the dossier's request code"), render_kw={"autocomplete": "off"}
    )
    sections = SelectMultipleField(_l("Which parts"), choices=[], validate_choice=False)
    hours = SelectField(_l("For how long?"), choices=[], validate_choice=False, default="24")
    reason = TextAreaField(_l("Why do you need to look now?"))


class OfficerYesForm(Form):
    password = PasswordField(_l("Your password"), render_kw={"autocomplete": "current-password"})


def _emergency_form(known: list[emergency.Known]) -> EmergencyForm:
    form = EmergencyForm()
    form.known.choices = [SelectChoice("", _("Choose a dossier"))] + [
        SelectChoice(
            str(k.dossier_id),
            _("%(name)s (until %(day)s)", name=k.subject_name or _("a dossier"), day=when(k.until))
            if k.until
            else k.subject_name or _("a dossier"),
        )
        for k in known
    ]
    form.sections.choices = [
        SelectChoice(name, section_label_filter(name)) for name in access_requests.ASKABLE
    ]
    form.hours.choices = [SelectChoice(str(hours), _("%(n)s hours", n=hours)) for hours in HOURS]
    return form


def dossier_typed(field: Field) -> uuid.UUID | None:
    """The dossier a request code (or a number) in this field names; an error on it otherwise."""
    typed = (field.data or "").strip()
    try:
        return uuid.UUID(typed)
    except ValueError:
        found = access_requests.dossier_by_code(service_context(), typed)
        if found is None:
            field.errors = [
                _("Fill in the dossier's request code (like ABCD-EFGH-JKLM) or its number.")
            ]
        return found


def _chosen_dossier(form: EmergencyForm) -> uuid.UUID | None:
    """The dossier from the list, or the number typed in; an error on the field otherwise."""
    picked = form.known.data or ""
    if (form.dossier_id.data or "").strip():
        return dossier_typed(form.dossier_id)
    if picked:
        try:
            return uuid.UUID(picked)
        except ValueError:
            pass
    form.known.errors = [_("Choose a dossier, or fill in its number.")]
    return None


@bp.route("/emergency/new", methods=["GET", "POST"])
@login_required
def emergency_new() -> Page:
    ctx, me = service_context(), actor()
    form = _emergency_form(emergency.known_dossiers(ctx, me))
    if form.validate_on_submit():
        dossier_id = _chosen_dossier(form)
        hours = int(form.hours.data) if (form.hours.data or "").isdigit() else 0
        if dossier_id is not None:
            try:
                emergency.file_request(
                    ctx,
                    me,
                    dossier_id,
                    [],
                    form.reason.data or "",
                    hours,
                    names=list(form.sections.data or []),
                )
            except InvalidInput as error:
                show_errors(form, error)
            except NotFound:
                form.dossier_id.errors = [_("We found no dossier with this number.")]
            except Conflict as error:
                form.form_errors.append(_(error.detail))
            else:
                flash(
                    _(
                        "Your emergency request is sent to the emergency officers. "
                        "You hear when it opens."
                    ),
                    "success",
                )
                return redirect(url_for("web.emergency_list"))
    return render_template("emergency/new.html", form=form)


@bp.get("/emergency")
@login_required
def emergency_list() -> Page:
    return render_template(
        "emergency/list.html", requests=emergency.my_requests(service_context(), actor())
    )


def _approvals_page(
    forms: dict[uuid.UUID, OfficerYesForm] | None = None, status: int = 200
) -> Page:
    waiting = emergency.waiting_for_officer(service_context(), actor())
    forms = forms or {}
    return (
        render_template(
            "emergency/approvals.html",
            waiting=waiting,
            forms={r.id: forms.get(r.id) or OfficerYesForm(formdata=None) for r in waiting},
        ),
        status,
    )


@bp.get("/emergency/approvals")
@login_required
def emergency_approvals() -> Page:
    return _approvals_page()


@bp.post("/emergency/approvals/<uuid:request_id>")
@login_required
def emergency_approve(request_id: uuid.UUID) -> Page:
    form = OfficerYesForm()
    if form.validate_on_submit():
        try:
            done = emergency.approve_request(
                service_context(), actor(), request_id, password=form.password.data or ""
            )
        except InvalidInput as error:
            show_errors(form, error)
            return _approvals_page({request_id: form}, 422)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            if done.grant_id is not None:
                flash(_("You said yes. Enough officers said yes: the access is open."), "success")
            else:
                flash(_("You said yes. It waits for another emergency officer."), "success")
    return redirect(url_for("web.emergency_approvals"))
