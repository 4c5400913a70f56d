"""Who may look: sharing, approving, changing and revoking, as pages."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

from flask import flash, redirect, render_template, url_for

from dossier.days import LOCAL
from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.errors import Conflict, InvalidInput
from dossier.models import GrantStatus
from dossier.services import approvals, dossiers, notices, pages, sharing
from dossier.web.blueprint import Page, bp, section_name_filter, show_errors
from dossier.web.forms import ChangeGrantForm, ConfirmForm, SelectChoice, ShareForm


def _end_of_day(day: date | None) -> datetime | None:
    """An end date means: through that whole day, Dutch time; stored as the UTC instant."""
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL).astimezone(UTC)


def join_link(code: str) -> str:
    """The page every invitation code opens: who invites to what, then joining."""
    return url_for("web.join", code=code, _external=True)


def _uuids(values: list[str]) -> list[uuid.UUID]:
    result = []
    for value in values:
        try:
            result.append(uuid.UUID(value))
        except ValueError:
            continue
    return result


@bp.get("/dossiers/<uuid:dossier_id>/access")
@login_required
def access(dossier_id: uuid.UUID) -> Page:
    page = pages.access_page(service_context(), actor(), dossier_id)
    return render_template(
        "sharing/access.html",
        dossier=page.dossier,
        overview=page.overview,
        approvers=page.approvers,
        who=page.who_agrees,
        requests=page.requests,
        request_code=page.request_code,
        emergencies=page.emergencies,
        legal=page.legal,
        confirm=ConfirmForm(),
    )


@bp.route("/dossiers/<uuid:dossier_id>/share", methods=["GET", "POST"])
@login_required
def share(dossier_id: uuid.UUID) -> Page:
    ctx = service_context()
    summary = dossiers.get_dossier(ctx, actor(), dossier_id, owner_only=True)
    form = ShareForm()
    form.section_ids.choices = [
        SelectChoice(str(s.id), section_name_filter(s)) for s in summary.sections
    ]
    if form.validate_on_submit():
        try:
            shared = sharing.share(
                ctx,
                actor(),
                dossier_id,
                grantee_email=(form.grantee_email.data or "").strip() or None,
                section_ids=_uuids(form.section_ids.data or []),
                permission=form.permission.data or "",
                expires_at=_end_of_day(form.expires_on.data),
                message=form.message.data,
                link=join_link,
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            if shared.invitation_code:
                link = join_link(shared.invitation_code)
                return render_template(
                    "sharing/link.html", dossier=summary, shared=shared, link=link
                )
            flash(
                _("Shared.")
                if shared.status == GrantStatus.ACTIVE
                else _("Saved. It starts when everyone who must agree has agreed."),
                "success",
            )
            return redirect(url_for("web.access", dossier_id=dossier_id))
    who = approvals.who_must_agree(ctx, summary.subject_birth_date, summary.my_relation)
    return render_template("sharing/share.html", dossier=summary, form=form, who=who)


@bp.post("/dossiers/<uuid:dossier_id>/grants/<uuid:grant_id>/approve")
@login_required
def approve_grant(dossier_id: uuid.UUID, grant_id: uuid.UUID) -> Page:
    if ConfirmForm().validate_on_submit():
        try:
            status = sharing.approve(service_context(), actor(), dossier_id, grant_id)
        except InvalidInput as error:
            flash(" ".join(_(m) for ms in error.errors.values() for m in ms), "error")
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(
                _("Approved. The sharing has started.")
                if status == GrantStatus.ACTIVE
                else _("Approved. It still waits for someone else."),
                "success",
            )
    return redirect(url_for("web.access", dossier_id=dossier_id))


@bp.route("/dossiers/<uuid:dossier_id>/grants/<uuid:grant_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_grant(dossier_id: uuid.UUID, grant_id: uuid.UUID) -> Page:
    ctx = service_context()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            revoked = sharing.revoke(ctx, actor(), dossier_id, grant_id)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(
                _(
                    "%(name)s has no access any more. This takes effect right away.",
                    name=revoked.grantee_name or _("The invited person"),
                ),
                "success",
            )
        return redirect(url_for("web.access", dossier_id=dossier_id))
    page = pages.revoke_page(ctx, actor(), dossier_id, grant_id)
    return render_template("sharing/revoke.html", dossier=page.dossier, grant=page.grant, form=form)


@bp.post("/dossiers/<uuid:dossier_id>/grants/<uuid:grant_id>/change")
@login_required
def change_grant(dossier_id: uuid.UUID, grant_id: uuid.UUID) -> Page:
    form = ChangeGrantForm()
    if form.validate_on_submit():
        try:
            sharing.change(
                service_context(),
                actor(),
                dossier_id,
                grant_id,
                section_ids=_uuids(form.section_ids.data or [])
                if form.section_ids.data is not None
                else None,
                expires_at=_end_of_day(form.expires_on.data),
            )
        except InvalidInput as error:
            flash(" ".join(_(m) for ms in error.errors.values() for m in ms), "error")
        else:
            flash(_("The access is changed."), "success")
    return redirect(url_for("web.access", dossier_id=dossier_id))


@bp.post("/notices/read")
@login_required
def notices_read() -> Page:
    if ConfirmForm().validate_on_submit():
        notices.mark_all_read(service_context(), actor())
    return redirect(url_for("web.start"))
