"""The access log as pages: an owner's "who looked", and the auditor's console."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from dossier.days import start_of
from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.edge.params import uuid_arg
from dossier.errors import N_, Conflict, InvalidInput
from dossier.services import audit_views, emergency, pages
from dossier.web.blueprint import Page, bp, show_errors
from dossier.web.forms import ConfirmForm, Form

# Events read for one page of "Who looked?": told as visits, a page holds a few dozen lines.
LOG_EVENTS = 150


def _day(name: str, end: bool = False) -> datetime | None:
    """A date field as the start of that Dutch day (or of the day after, for an end)."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput({name: [N_("Use a date like 2026-03-14.")]}) from None
    if end:
        day += timedelta(days=1)
    return start_of(day)


@bp.get("/dossiers/<uuid:dossier_id>/log")
@login_required
def access_log(dossier_id: uuid.UUID) -> Page:
    try:
        page = pages.log_page(
            service_context(),
            actor(),
            dossier_id,
            person=uuid_arg("person"),
            since=_day("since"),
            until=_day("until", end=True),
            cursor=request.args.get("cursor") or None,
            limit=LOG_EVENTS,
            reads_only=request.args.get("all") != "1",
            others_only=request.args.get("mine") != "1",
        )
    except InvalidInput as error:
        flash(" ".join(_(m) for ms in error.errors.values() for m in ms), "error")
        return redirect(url_for("web.access_log", dossier_id=dossier_id))
    log = page.log
    next_args = {**request.args.to_dict(), "cursor": log.next_cursor} if log.next_cursor else None
    mine = {k: v for k, v in request.args.items() if k not in ("cursor", "mine")}
    return render_template(
        "audit/timeline.html",
        dossier=page.dossier,
        log=log,
        visits=page.visits,
        args=request.args,
        next_args=next_args,
        mine_args=mine if request.args.get("mine") == "1" else {**mine, "mine": "1"},
    )


def _filters() -> audit_views.EventFilters:
    return audit_views.EventFilters(
        dossier_id=uuid_arg("dossier"),
        actor=request.args.get("actor") or None,
        action=request.args.get("action") or None,
        outcome=request.args.get("outcome") or None,
        since=_day("since"),
        until=_day("until", end=True),
        cursor=request.args.get("cursor") or None,
        limit=50,
    )


@bp.get("/audit")
@login_required
def audit_console() -> Page:
    try:
        console = audit_views.console(service_context(), actor(), _filters())
    except InvalidInput as error:
        flash(" ".join(_(m) for ms in error.errors.values() for m in ms), "error")
        return redirect(url_for("web.audit_console"))
    page = console.page
    next_args = {**request.args.to_dict(), "cursor": page.next_cursor} if page.next_cursor else None
    export_args = {k: v for k, v in request.args.items() if k != "cursor"}
    return render_template(
        "audit/console.html",
        page=page,
        args=request.args,
        next_args=next_args,
        export_args=export_args,
        checkpoints=console.checkpoints,
        confirm=ConfirmForm(),
    )


@bp.get("/audit/export")
@login_required
def audit_export() -> Response:
    fmt = request.args.get("format", "csv")
    data = audit_views.export(service_context(), actor(), _filters(), fmt, say=_)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="audit-log.{fmt}"'},
    )


@bp.post("/audit/verify")
@login_required
def audit_verify() -> Page:
    if ConfirmForm().validate_on_submit():
        state = audit_views.verify_now(service_context(), actor())
        report = state.report
        if report.ok:
            flash(
                _(
                    "The log is intact: %(chains)s chains, %(events)s events checked.",
                    chains=report.chains,
                    events=report.events,
                ),
                "success",
            )
        else:
            broken = report.first_broken
            assert broken is not None  # a report that is not ok names its first broken link
            flash(
                _(
                    "The log is broken. First broken link: chain %(chain)s, "
                    "number %(seq)s: %(reason)s.",
                    chain=broken.chain,
                    seq=broken.sequence,
                    reason=broken.reason,
                ),
                "error",
            )
    return redirect(url_for("web.audit_console"))


class VerdictForm(Form):
    verdict = TextAreaField(_l("Your verdict"))


def _queue_page(forms: dict[uuid.UUID, VerdictForm] | None = None, status: int = 200) -> Page:
    queue = emergency.review_queue(service_context(), actor())
    forms = forms or {}
    return (
        render_template(
            "audit/emergencies.html",
            queue=queue,
            forms={r.id: forms.get(r.id) or VerdictForm(formdata=None) for r in queue},
        ),
        status,
    )


@bp.get("/audit/emergencies")
@login_required
def audit_emergencies() -> Page:
    return _queue_page()


@bp.post("/audit/emergencies/<uuid:request_id>/review")
@login_required
def audit_review(request_id: uuid.UUID) -> Page:
    form = VerdictForm()
    if form.validate_on_submit():
        try:
            emergency.review(service_context(), actor(), request_id, form.verdict.data or "")
        except InvalidInput as error:
            show_errors(form, error)
            return _queue_page({request_id: form}, 422)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(_("Your verdict is saved."), "success")
    return redirect(url_for("web.audit_emergencies"))
