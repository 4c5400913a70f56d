"""Keeping a passage from named readers: the author's form, the objection of someone it is kept
from, and the auditor's answers. The passages themselves show on the entry page."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, TextAreaField

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.errors import Conflict, InvalidInput
from dossier.models import Role
from dossier.services.entries import withholding
from dossier.web.blueprint import ROLE_LABELS, Page, bp, show_errors
from dossier.web.entries import entry_page_with
from dossier.web.forms import Form, ObjectionForm, SelectChoice


class WithholdForm(Form):
    text = TextAreaField(_l("The part you keep back"))
    reason = TextAreaField(_l("Whom does it protect, and why?"))
    kept_from = SelectMultipleField(_l("Keep it from"), choices=[], validate_choice=False)


class AnswerObjectionForm(Form):
    verdict = TextAreaField(_l("Your answer"))


@bp.route("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/withhold", methods=["GET", "POST"])
@login_required
def withhold(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Page:
    ctx, me = service_context(), actor()
    form = WithholdForm()
    status = 200
    if form.validate_on_submit():
        chosen = []
        for value in form.kept_from.data or []:
            try:
                chosen.append(uuid.UUID(value))
            except ValueError:
                form.kept_from.errors = [_("Choose people from the list.")]
        if not form.kept_from.errors:
            try:
                withholding.withhold(
                    ctx,
                    me,
                    dossier_id,
                    entry_id,
                    form.text.data or "",
                    form.reason.data or "",
                    chosen,
                )
            except InvalidInput as error:
                show_errors(form, error)
            else:
                flash(
                    _("The part is kept back. The people you chose are told that it exists."),
                    "success",
                )
                return redirect(url_for("web.entry", dossier_id=dossier_id, entry_id=entry_id))
        status = 422
    elif form.is_submitted():
        status = 422
    # The form (shown first, or again with its errors) reads the entry's title and its readers.
    choice = withholding.withhold_choice(ctx, me, dossier_id, entry_id)
    form.kept_from.choices = [
        SelectChoice(str(reader.id), f"{reader.name} ({_(ROLE_LABELS[Role(reader.role)])})")
        for reader in choice.readers
    ]
    return (
        render_template("entries/withhold.html", dossier_id=dossier_id, choice=choice, form=form),
        status,
    )


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/passages/<uuid:passage_id>/objection")
@login_required
def object_to_passage(dossier_id: uuid.UUID, entry_id: uuid.UUID, passage_id: uuid.UUID) -> Page:
    form = ObjectionForm()
    if form.validate_on_submit():
        try:
            withholding.object_to(
                service_context(), actor(), dossier_id, passage_id, form.text.data or ""
            )
        except InvalidInput as error:
            show_errors(form, error)
            return entry_page_with(
                dossier_id, entry_id, objection_form=form, objection_for=passage_id
            ), 422
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(_("Your objection is sent. An auditor answers you."), "success")
    return redirect(url_for("web.entry", dossier_id=dossier_id, entry_id=entry_id))


def _objections_page(
    forms: dict[uuid.UUID, AnswerObjectionForm] | None = None, status: int = 200
) -> Page:
    queue = withholding.objection_queue(service_context(), actor())
    forms = forms or {}
    return (
        render_template(
            "audit/passages.html",
            queue=queue,
            forms={o.id: forms.get(o.id) or AnswerObjectionForm(formdata=None) for o in queue},
        ),
        status,
    )


@bp.get("/audit/passages")
@login_required
def audit_passages() -> Page:
    return _objections_page()


@bp.post("/audit/passages/<uuid:objection_id>/answer")
@login_required
def audit_answer_objection(objection_id: uuid.UUID) -> Page:
    form = AnswerObjectionForm()
    if form.validate_on_submit():
        try:
            withholding.review(service_context(), actor(), objection_id, form.verdict.data or "")
        except InvalidInput as error:
            show_errors(form, error)
            return _objections_page({objection_id: form}, 422)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(_("Your answer is saved."), "success")
    return redirect(url_for("web.audit_passages"))
