"""A trusted helper's suggestions on the entry page: he writes one, an owner sends it as her own
(changed, if she likes) or throws it away."""

from __future__ import annotations

import uuid

from flask import flash, redirect, url_for

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.errors import Conflict, InvalidInput
from dossier.services.entries import drafts
from dossier.web.blueprint import Page, bp, show_errors
from dossier.web.entries import entry_page_with
from dossier.web.forms import ConfirmForm, DraftForm, SendDraftForm


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/drafts")
@login_required
def write_draft(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Page:
    form = DraftForm()
    if form.validate_on_submit():
        try:
            drafts.write_draft(
                service_context(),
                actor(),
                dossier_id,
                entry_id,
                form.kind.data or "",
                form.body.data or "",
            )
        except InvalidInput as error:
            show_errors(form, error)
            return entry_page_with(dossier_id, entry_id, draft_form=form), 422
        flash(_("Your suggestion waits for the owners. It counts once they send it."), "success")
    return redirect(url_for("web.entry", dossier_id=dossier_id, entry_id=entry_id))


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/drafts/<uuid:draft_id>/send")
@login_required
def send_draft(dossier_id: uuid.UUID, entry_id: uuid.UUID, draft_id: uuid.UUID) -> Page:
    form = SendDraftForm()
    if form.validate_on_submit():
        try:
            drafts.send_draft(service_context(), actor(), dossier_id, draft_id, form.body.data)
        except InvalidInput as error:
            show_errors(form, error)
            return entry_page_with(dossier_id, entry_id, send_form=form, send_for=draft_id), 422
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(_("Sent, as your own words."), "success")
    return redirect(url_for("web.entry", dossier_id=dossier_id, entry_id=entry_id))


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/drafts/<uuid:draft_id>/discard")
@login_required
def discard_draft(dossier_id: uuid.UUID, entry_id: uuid.UUID, draft_id: uuid.UUID) -> Page:
    if ConfirmForm().validate_on_submit():
        try:
            drafts.discard_draft(service_context(), actor(), dossier_id, draft_id)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(_("The suggestion is thrown away."), "success")
    return redirect(url_for("web.entry", dossier_id=dossier_id, entry_id=entry_id))
