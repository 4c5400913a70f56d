"""The front door, the start page and the language switch."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for

from dossier.edge.auth import actor, logged_in, login_required, safe_next
from dossier.edge.context import service_context
from dossier.edge.i18n import LANGUAGE_COOKIE, LANGUAGES
from dossier.services import accounts, audit_views, dossiers, entries, notices, sharing
from dossier.web.blueprint import Page, bp
from dossier.web.forms import ConfirmForm


@bp.get("/")
def index() -> Page:
    if logged_in():
        return redirect(url_for("web.start"))
    return render_template("pages/index.html")


@bp.get("/start")
@login_required
def start() -> Page:
    me = actor()
    ctx = service_context()
    waiting = []
    if me.role == "admin":
        waiting = [p for p in accounts.professionals(ctx, me) if not p.verified]
    mine = dossiers.list_dossiers(ctx, me) if me.role in ("youth", "parent", "professional") else []
    return render_template(
        "pages/start.html",
        me=me,
        waiting=waiting,
        dossiers=mine,
        corrections=entries.waiting_for_me(ctx, me),
        approvals=sharing.waiting_for_me(ctx, me),
        recent_looks=audit_views.recent_looks(ctx, me) if me.role in ("youth", "parent") else [],
        notices=notices.my_notices(ctx, me, limit=5),
        confirm=ConfirmForm(),
    )


@bp.get("/language/<code>")
def language(code: str) -> Page:
    target = safe_next(request.args.get("next"), url_for("web.index"))
    response = make_response(redirect(target))
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response
