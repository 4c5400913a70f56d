"""Entry pages: write, read with the views beside it, edit, history, files and corrections."""

from __future__ import annotations

import uuid

from flask import Response, flash, redirect, render_template, request, url_for

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.downloads import attachment_response
from dossier.edge.i18n import gettext as _
from dossier.edge.params import uuid_arg
from dossier.errors import N_, InvalidInput
from dossier.models import CorrectionStatus
from dossier.services import entries, pages
from dossier.web.blueprint import Page, bp, section_name_filter, show_errors
from dossier.web.forms import (
    AnswerForm,
    ArchiveForm,
    AttachmentForm,
    ConfirmForm,
    CorrectionForm,
    DraftForm,
    EditEntryForm,
    EntryForm,
    ObjectionForm,
    SelectChoice,
    ViewForm,
)


def entry_page_with(dossier_id: uuid.UUID, entry_id: uuid.UUID, **forms: object) -> str:
    """The entry page; `forms` replaces a form that comes back with its errors."""
    page = pages.entry_page(service_context(), actor(), dossier_id, entry_id)
    defaults = {
        "view_form": ViewForm(formdata=None),
        "attachment_form": AttachmentForm(formdata=None),
        "correction_form": CorrectionForm(formdata=None),
        # A corrected version starts from the text as it is now, not from an empty box.
        "answer_form": AnswerForm(formdata=None, title=page.entry.card.title, body=page.entry.body),
        "archive_form": ArchiveForm(formdata=None),
        "confirm": ConfirmForm(formdata=None),
        "objection_form": ObjectionForm(formdata=None),
        "objection_for": None,
        "draft_form": DraftForm(formdata=None),
        "send_form": None,
        "send_for": None,
    }
    return render_template(
        "entries/entry.html",
        dossier=page.dossier,
        entry=page.entry,
        page=page,
        **{**defaults, **forms},
    )


def _back(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Page:
    return redirect(url_for("web.entry", dossier_id=dossier_id, entry_id=entry_id))


@bp.route("/dossiers/<uuid:dossier_id>/entries/new", methods=["GET", "POST"])
@login_required
def write_entry(dossier_id: uuid.UUID) -> Page:
    page = pages.write_page(service_context(), actor(), dossier_id)
    form = EntryForm()
    form.section_id.choices = [
        SelectChoice(str(s.id), section_name_filter(s))
        for s in page.dossier.sections
        if s.id in page.writable
    ]
    if page.default_section is None:  # her own story only: someone else chooses it on purpose
        form.section_id.choices.insert(0, SelectChoice("", _("Choose a section")))
    if request.method == "GET":
        try:
            asked = uuid_arg("section")
        except InvalidInput:  # a link from an old page: start where the page would
            asked = None
        start = page.starts_in(asked)
        form.section_id.data = str(start) if start else ""
    if form.validate_on_submit():
        try:
            section_id = uuid.UUID(form.section_id.data) if form.section_id.data else None
        except ValueError:
            section_id = None
        try:
            entry_id, _version = entries.write_entry(
                service_context(),
                actor(),
                dossier_id,
                section_id,
                form.title.data or "",
                form.body.data or "",
                form.kind.data or "",
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(_("Your entry is saved."), "success")
            return _back(dossier_id, entry_id)
    return render_template("entries/write.html", dossier=page.dossier, form=form)


@bp.get("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>")
@login_required
def entry(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Page:
    return entry_page_with(dossier_id, entry_id)


@bp.route("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Page:
    ctx = service_context()
    page = pages.entry_page(ctx, actor(), dossier_id, entry_id, for_edit=True)
    summary, detail = page.dossier, page.entry
    form = EditEntryForm()
    if request.method == "GET":
        form.title.data, form.body.data = detail.card.title, detail.body
    if form.validate_on_submit():
        try:
            entries.edit_entry(ctx, actor(), dossier_id, entry_id, form.title.data, form.body.data)
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(
                _("Your change is saved as a new version. The old text stays in the history."),
                "success",
            )
            return _back(dossier_id, entry_id)
    return render_template("entries/edit.html", dossier=summary, entry=detail, form=form)


@bp.get("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/history")
@login_required
def entry_history(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Page:
    page = pages.history_page(service_context(), actor(), dossier_id, entry_id)
    return render_template(
        "entries/history.html", dossier=page.dossier, entry=page.entry, versions=page.versions
    )


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/views")
@login_required
def add_view(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Page:
    form = ViewForm()
    if form.validate_on_submit():
        try:
            entries.add_view(service_context(), actor(), dossier_id, entry_id, form.body.data or "")
        except InvalidInput as error:
            show_errors(form, error)
            return entry_page_with(dossier_id, entry_id, view_form=form), 422
        flash(_("Your view is added next to the entry."), "success")
    elif form.errors:  # the text rule: the message goes next to its field
        return entry_page_with(dossier_id, entry_id, view_form=form), 422
    return _back(dossier_id, entry_id)


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/attachments")
@login_required
def add_attachment(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Page:
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload is None or not getattr(upload, "filename", ""):
                raise InvalidInput({"file": [N_("Choose a file first.")]})
            entries.attach(
                service_context(), actor(), dossier_id, entry_id, upload.filename, upload.read()
            )
        except InvalidInput as error:
            show_errors(form, error)
            return entry_page_with(dossier_id, entry_id, attachment_form=form), 422
        flash(_("The file is added."), "success")
    elif form.errors:  # the text rule: the message goes next to its field
        return entry_page_with(dossier_id, entry_id, attachment_form=form), 422
    return _back(dossier_id, entry_id)


@bp.get("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/attachments/<uuid:attachment_id>")
@login_required
def attachment(dossier_id: uuid.UUID, entry_id: uuid.UUID, attachment_id: uuid.UUID) -> Response:
    return entries.download(
        service_context(), actor(), dossier_id, entry_id, attachment_id, attachment_response
    )


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/corrections")
@login_required
def request_correction(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Page:
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            entries.request_correction(
                service_context(),
                actor(),
                dossier_id,
                entry_id,
                form.reason.data or "",
                bool(form.removal.data),
            )
        except InvalidInput as error:
            show_errors(form, error)
            return entry_page_with(dossier_id, entry_id, correction_form=form), 422
        flash(_("Your request is sent to the author. You see the answer here."), "success")
    elif form.errors:  # the text rule: the message goes next to its field
        return entry_page_with(dossier_id, entry_id, correction_form=form), 422
    return _back(dossier_id, entry_id)


@bp.post(
    "/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/corrections/<uuid:correction_id>/answer"
)
@login_required
def answer_correction(dossier_id: uuid.UUID, entry_id: uuid.UUID, correction_id: uuid.UUID) -> Page:
    form = AnswerForm()
    if form.validate_on_submit():
        corrected = form.outcome.data == CorrectionStatus.CORRECTED
        body = form.body.data if corrected else None
        title = (form.title.data or None) if corrected else None
        try:
            entries.answer_correction(
                service_context(),
                actor(),
                dossier_id,
                entry_id,
                correction_id,
                form.outcome.data or "",
                form.message.data or "",
                title=title,
                body=body,
            )
        except InvalidInput as error:
            show_errors(form, error)
            return entry_page_with(dossier_id, entry_id, answer_form=form), 422
        flash(_("Your answer is sent to the owner."), "success")
    elif form.errors:  # the text rule: the message goes next to its field
        return entry_page_with(dossier_id, entry_id, answer_form=form), 422
    return _back(dossier_id, entry_id)


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/outdated")
@login_required
def mark_outdated(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Page:
    if ConfirmForm().validate_on_submit():
        outdated = request.form.get("outdated", "1") == "1"
        entries.mark_outdated(service_context(), actor(), dossier_id, entry_id, outdated)
        flash(
            _("The entry is marked as outdated. You find it under older entries.")
            if outdated
            else _("The entry is current again."),
            "success",
        )
    return _back(dossier_id, entry_id)


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/archive")
@login_required
def archive_entry(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Page:
    form = ArchiveForm()
    if not form.validate_on_submit():
        return entry_page_with(dossier_id, entry_id, archive_form=form), 422
    entries.archive_entry(service_context(), actor(), dossier_id, entry_id)
    flash(_("The entry is withdrawn. The owners still find it under older entries."), "success")
    return _back(dossier_id, entry_id)
