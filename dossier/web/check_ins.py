""" "Do you feel heard?" on the start page: answer it, or say "not now"."""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.errors import InvalidInput
from dossier.services import check_ins
from dossier.web.blueprint import Page, bp
from dossier.web.forms import CheckInForm


@bp.post("/check-in")
@login_required
def check_in() -> Page:
    form = CheckInForm()
    if not form.validate():
        flash(" ".join(m for ms in form.errors.values() for m in ms), "error")
        return redirect(url_for("web.start"))
    ctx, me = service_context(), actor()
    if "not_now" in request.form:
        check_ins.not_now(ctx, me)
        return redirect(url_for("web.start"))
    raw = form.score.data
    try:
        check_ins.answer(
            ctx, me, int(raw) if raw and raw.isdigit() else None, form.comment.data or ""
        )
    except InvalidInput as error:
        flash(" ".join(_(m) for ms in error.errors.values() for m in ms), "error")
        return redirect(url_for("web.start") + "#check-in")
    flash(_("Thank you. Your answer counts, without your name."), "success")
    return redirect(url_for("web.start"))
