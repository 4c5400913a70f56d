"""The front door, the start page and the language switch."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for

from dossier.edge.auth import actor, logged_in, login_required, safe_next
from dossier.edge.context import service_context
from dossier.edge.i18n import remember_language
from dossier.services import pages
from dossier.web.blueprint import Page, bp
from dossier.web.forms import CheckInForm, ConfirmForm


@bp.get("/")
def index() -> Page:
    if logged_in():
        return redirect(url_for("web.start"))
    return render_template("pages/index.html")


@bp.get("/start")
@login_required
def start() -> Page:
    me = actor()
    page = pages.start_page(service_context(), me)
    return render_template(
        "pages/start.html",
        me=me,
        waiting=page.waiting_professionals,
        dossiers=page.dossiers,
        corrections=page.corrections,
        approvals=page.approvals,
        recent_looks=page.recent_looks,
        notices=page.notices,
        requests=page.requests,
        emergencies=page.emergencies,
        confirm=ConfirmForm(),
        check_in=page.check_in,
        check_in_form=CheckInForm() if page.check_in else None,
    )


@bp.get("/language/<code>")
def language(code: str) -> Page:
    target = safe_next(request.args.get("next"), url_for("web.index"))
    return remember_language(make_response(redirect(target)), code)
