"""Dossier pages: create, open with filters, sections, owners, export and destruction."""

from __future__ import annotations

import uuid

from flask import Response, flash, redirect, render_template, request, url_for

from dossier.edge.auth import actor, logged_in, login_required
from dossier.edge.context import service_context
from dossier.edge.export import render_export
from dossier.edge.i18n import gettext as _
from dossier.edge.params import uuid_arg
from dossier.errors import Conflict, InvalidInput
from dossier.models import Relation, Role
from dossier.services import approvals, dossiers, emergency, entries, ownership, pages, sharing
from dossier.services.export import export_zip
from dossier.web.blueprint import Page, bp, show_errors
from dossier.web.forms import (
    ConfirmForm,
    CreateDossierForm,
    DestroyForm,
    InviteForm,
    JoinForm,
    SectionForm,
)
from dossier.web.sharing import join_link


@bp.route("/dossiers/new", methods=["GET", "POST"])
@login_required
def create_dossier() -> Page:
    me = actor()
    for_self = me.role == Role.YOUTH
    form = CreateDossierForm()
    if request.method == "GET" and for_self:
        form.subject_name.data = me.display_name
    if form.validate_on_submit():
        try:
            created = dossiers.create_dossier(
                service_context(),
                me,
                form.subject_name.data or "",
                form.subject_birth_date.data,
                for_self,
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(_("Your dossier is ready. Start by writing something in My story."), "success")
            return redirect(url_for("web.dossier", dossier_id=created.id))
    return render_template(
        "dossiers/new.html",
        form=form,
        for_self=for_self,
        emergency_key=emergency.current_key(service_context()),
    )


@bp.get("/dossiers/<uuid:dossier_id>")
@login_required
def dossier(dossier_id: uuid.UUID) -> Page:
    ctx = service_context()
    me = actor()
    args = request.args
    view_filter = args.get("view")
    filters = entries.Filters(
        section_id=uuid_arg("section"),
        kind=args.get("kind") or None,
        author_id=uuid_arg("author"),
        has_my_view={"mine": True, "none": False}.get(view_filter or ""),
        query=args.get("q") or None,
        older=args.get("older") == "1",
        cursor=args.get("cursor") or None,
        limit=20,
    )
    try:
        visit = pages.dossier_page(ctx, me, dossier_id, filters)
    except InvalidInput:
        flash(_("This page link is not valid. Start from the first page."), "error")
        return redirect(url_for("web.dossier", dossier_id=dossier_id))
    page = visit.page
    next_args = {**args.to_dict(), "cursor": page.next_cursor} if page.next_cursor else None
    return render_template(
        "dossiers/dossier.html",
        new_lookers=visit.new_lookers,
        message=visit.message,
        dossier=visit.dossier,
        page=page,
        filters=filters,
        view_filter=view_filter,
        authors=visit.authors,
        next_args=next_args,
    )


@bp.get("/dossiers/<uuid:dossier_id>/settings")
@login_required
def manage(dossier_id: uuid.UUID) -> Page:
    page = pages.manage_page(service_context(), actor(), dossier_id)
    return render_template("dossiers/manage.html", dossier=page.dossier)


@bp.route("/dossiers/<uuid:dossier_id>/sections", methods=["GET", "POST"])
@login_required
def sections(dossier_id: uuid.UUID) -> Page:
    ctx = service_context()
    form = SectionForm()
    if form.validate_on_submit():
        try:
            added = dossiers.add_section(ctx, actor(), dossier_id, form.name.data or "")
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(_("Section %(name)s is added.", name=added.name), "success")
            return redirect(url_for("web.sections", dossier_id=dossier_id))
    summary = dossiers.get_dossier(ctx, actor(), dossier_id, owner_only=True)
    return render_template(
        "dossiers/sections.html",
        dossier=summary,
        form=form,
        rename=SectionForm(formdata=None),
        confirm=ConfirmForm(),
    )


@bp.post("/dossiers/<uuid:dossier_id>/sections/<uuid:section_id>/rename")
@login_required
def rename_section(dossier_id: uuid.UUID, section_id: uuid.UUID) -> Page:
    form = SectionForm()
    if form.validate_on_submit():
        try:
            dossiers.rename_section(
                service_context(), actor(), dossier_id, section_id, form.name.data or ""
            )
        except InvalidInput as error:
            flash(" ".join(_(m) for ms in error.errors.values() for m in ms), "error")
        else:
            flash(_("The section has a new name."), "success")
    elif form.errors:
        flash(" ".join(m for ms in form.errors.values() for m in ms), "error")
    return redirect(url_for("web.sections", dossier_id=dossier_id))


@bp.post("/dossiers/<uuid:dossier_id>/sections/<uuid:section_id>/archive")
@login_required
def archive_section(dossier_id: uuid.UUID, section_id: uuid.UUID) -> Page:
    if ConfirmForm().validate_on_submit():
        restore = request.form.get("restore") == "1"
        dossiers.archive_section(service_context(), actor(), dossier_id, section_id, not restore)
        flash(
            _("The section is back.")
            if restore
            else _("The section is archived. Nothing in it is lost."),
            "success",
        )
    return redirect(url_for("web.sections", dossier_id=dossier_id))


@bp.route("/dossiers/<uuid:dossier_id>/invite", methods=["GET", "POST"])
@login_required
def invite(dossier_id: uuid.UUID) -> Page:
    ctx = service_context()
    summary = dossiers.get_dossier(ctx, actor(), dossier_id, owner_only=True)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            ticket = ownership.invite_owner(ctx, actor(), dossier_id, form.relation.data or None)
        except InvalidInput as error:
            show_errors(form, error)
        else:
            link = join_link(ticket.code)
            return render_template(
                "dossiers/invitation.html", dossier=summary, ticket=ticket, link=link
            )
    return render_template("dossiers/invite.html", dossier=summary, form=form)


@bp.route("/join", methods=["GET", "POST"])
def join() -> Page:
    """Every invitation link opens here: a co-owner's, a share link's and an approver's. It says
    who invites to what; someone without an account makes one or logs in and comes back here
    with the code, because the login and registration pages pass `next` on."""
    code = request.args.get("code", "").strip()
    invitation = sharing.invitation_of(service_context(), code) if code else None
    if not logged_in():
        if not code or request.method != "GET":
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        back = url_for("web.join", code=code)
        return render_template("dossiers/invited.html", invitation=invitation, next=back)
    form = JoinForm()
    if request.method == "GET" and code:
        form.code.data = code
    if form.validate_on_submit():
        try:
            joined = sharing.accept_code(service_context(), actor(), form.code.data or "")
        except InvalidInput as error:
            show_errors(form, error)
        else:
            if joined.status == approvals.JOINED_AS_APPROVER:
                flash(
                    _("Welcome. Here you see what waits for your yes or no."),
                    "success",
                )
                return redirect(url_for("web.requests"))
            if joined.status != "done":
                flash(
                    _(
                        "Thank you. The owners of the dossier must agree first. "
                        "You get a message when you can open it."
                    ),
                    "success",
                )
                return redirect(url_for("web.start"))
            flash(_("Welcome. You can now open this dossier."), "success")
            return redirect(url_for("web.dossier", dossier_id=joined.dossier_id))
    return render_template("dossiers/join.html", form=form, invitation=invitation, code=code)


@bp.get("/dossiers/<uuid:dossier_id>/export")
@login_required
def export(dossier_id: uuid.UUID) -> Response:
    archive = export_zip(service_context(), actor(), dossier_id, render_export)
    return Response(
        archive,
        mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="eigen-dossier.zip"'},
    )


@bp.route("/dossiers/<uuid:dossier_id>/destroy", methods=["GET", "POST"])
@login_required
def destroy(dossier_id: uuid.UUID) -> Page:
    ctx = service_context()
    form = DestroyForm()
    if form.validate_on_submit():
        try:
            decision = ownership.destroy(ctx, actor(), dossier_id, form.confirm.data or "")
        except InvalidInput as error:
            show_errors(form, error)
        else:
            if decision.status == "done":
                flash(_("The dossier is destroyed. Nobody can open it any more."), "success")
                return redirect(url_for("web.start"))
            flash(
                _(
                    "Nothing is destroyed yet. The young person must first join the dossier "
                    "and confirm it herself. Anyone who owns the dossier can still stop it."
                )
                if Relation.SUBJECT in decision.waiting_for
                else _(
                    "Nothing is destroyed yet. The others who must confirm got a message. "
                    "Anyone who owns the dossier can still stop it."
                ),
                "success",
            )
            return redirect(url_for("web.access", dossier_id=dossier_id))
    page = pages.destroy_page(ctx, actor(), dossier_id)
    return render_template(
        "dossiers/destroy.html",
        dossier=page.dossier,
        preview=page.preview,
        form=form,
        confirmers=page.confirmers,
    )


@bp.route("/dossiers/<uuid:dossier_id>/owners/<uuid:user_id>/remove", methods=["GET", "POST"])
@login_required
def remove_owner(dossier_id: uuid.UUID, user_id: uuid.UUID) -> Page:
    ctx = service_context()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            decision = ownership.remove_owner(ctx, actor(), dossier_id, user_id)
        except InvalidInput as error:
            flash(" ".join(_(m) for ms in error.errors.values() for m in ms), "error")
        else:
            if user_id == actor().user_id and decision.status == "done":
                flash(_("You are no longer an owner of this dossier."), "success")
                return redirect(url_for("web.start"))
            flash(
                _(
                    "%(name)s is no longer an owner. This takes effect right away.",
                    name=decision.person_name,
                )
                if decision.status == "done"
                else _("Asked. It still waits for someone else to agree."),
                "success",
            )
        return redirect(url_for("web.access", dossier_id=dossier_id))
    page = pages.remove_owner_page(ctx, actor(), dossier_id, user_id)
    if page.owner is None:
        flash(_("You cannot take this person away as owner."), "error")
        return redirect(url_for("web.access", dossier_id=dossier_id))
    return render_template(
        "dossiers/remove_owner.html",
        dossier=page.dossier,
        owner=page.owner,
        form=form,
        myself=page.myself,
    )


@bp.post("/dossiers/<uuid:dossier_id>/ownership-changes/<uuid:change_id>/approval")
@login_required
def approve_change(dossier_id: uuid.UUID, change_id: uuid.UUID) -> Page:
    if ConfirmForm().validate_on_submit():
        try:
            decision = ownership.approve(service_context(), actor(), dossier_id, change_id)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            if decision.status == "done" and decision.kind == "destroy":
                flash(_("The dossier is destroyed. Nobody can open it any more."), "success")
                return redirect(url_for("web.start"))
            flash(
                _("Approved. It still waits for someone else.")
                if decision.waiting_for
                else _("Approved. It is done."),
                "success",
            )
    return redirect(url_for("web.access", dossier_id=dossier_id))


@bp.post("/dossiers/<uuid:dossier_id>/ownership-changes/<uuid:change_id>/cancel")
@login_required
def cancel_change(dossier_id: uuid.UUID, change_id: uuid.UUID) -> Page:
    if ConfirmForm().validate_on_submit():
        try:
            ownership.cancel(service_context(), actor(), dossier_id, change_id)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(_("Stopped. Nothing changes."), "success")
    return redirect(url_for("web.access", dossier_id=dossier_id))
