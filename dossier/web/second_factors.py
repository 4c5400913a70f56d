"""The second step at login, and the pages where one adds and removes authenticator apps and
passkeys; the admins' page for resetting a staff member's second step."""

from __future__ import annotations

import uuid

import segno
from flask import Response, flash, make_response, redirect, render_template, request, url_for
from markupsafe import Markup

from dossier.edge.auth import (
    actor,
    clear_pending_cookie,
    logged_in,
    login_required,
    pending_token,
    safe_next,
    set_session_cookie,
)
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.edge.i18n import remember_language
from dossier.edge.limits import second_step_guarded
from dossier.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    SecondFactorSetupNeeded,
)
from dossier.services import account_sessions, second_factors
from dossier.services.sessions import SessionTicket
from dossier.web.account import recovery_page
from dossier.web.blueprint import Page, bp, show_errors
from dossier.web.forms import (
    AddAppForm,
    AddPasskeyForm,
    ConfirmForm,
    PasskeyAnswerForm,
    SecondStepForm,
    SecondStepRecoveryForm,
    StartResetForm,
)

# Pages a session that must first set up a second step may still reach.
SETUP_ENDPOINTS = frozenset(
    {
        "web.second_steps",
        "web.start_app",
        "web.add_app",
        "web.passkey_options",
        "web.add_passkey",
        "web.logout",
        "web.language",
        "web.account_language",
    }
)


@bp.before_app_request
def _setup_before_anything_else() -> Page | None:
    """Someone who must log in in two steps and has no second step yet sets one up first."""
    endpoint = request.endpoint or ""
    if not endpoint.startswith(("web.", "api.")):
        return None  # static files and health checks never look at who asks
    if not logged_in() or not actor().needs_second_factor:
        return None
    if endpoint.startswith("api."):
        if endpoint == "api.delete_current_session":
            return None
        raise SecondFactorSetupNeeded()
    if endpoint in SETUP_ENDPOINTS:
        return None
    return redirect(url_for("web.second_steps"))


def logged_in_response(ticket: SessionTicket, target: str) -> Response:
    language = account_sessions.note_login(service_context(), ticket, request.user_agent.string)
    response = set_session_cookie(make_response(redirect(target)), ticket)
    return clear_pending_cookie(remember_language(response, language))


def _expired() -> Response:
    flash(_("This login took too long. Log in again."), "error")
    return clear_pending_cookie(make_response(redirect(url_for("web.login"))))


@bp.route("/login/code", methods=["GET", "POST"])
@second_step_guarded
def second_step() -> Page:
    if logged_in():
        return redirect(url_for("web.start"))
    waiting = second_factors.pending(service_context(), pending_token())
    if waiting is None:
        return _expired()
    form = SecondStepForm()
    status = 200
    if form.validate_on_submit():
        try:
            ticket = second_factors.log_in_with_app(
                service_context(), pending_token(), form.code.data or ""
            )
        except InvalidCredentials as error:
            if second_factors.pending(service_context(), pending_token()) is None:
                return _expired()
            form.code.errors = [_(error.detail)]
            status = 401
        else:
            return logged_in_response(
                ticket, safe_next(request.args.get("next"), url_for("web.start"))
            )
    return render_template("account/second_step.html", form=form, kinds=waiting.kinds), status


@bp.route("/login/recovery", methods=["GET", "POST"])
@second_step_guarded
def second_step_recovery() -> Page:
    if logged_in():
        return redirect(url_for("web.start"))
    if second_factors.pending(service_context(), pending_token()) is None:
        return _expired()
    form = SecondStepRecoveryForm()
    status = 200
    if form.validate_on_submit():
        try:
            ticket, code, email = second_factors.log_in_with_recovery(
                service_context(), pending_token(), form.recovery_code.data or ""
            )
        except InvalidCredentials as error:
            if second_factors.pending(service_context(), pending_token()) is None:
                return _expired()
            form.recovery_code.errors = [_(error.detail)]
            status = 401
        else:
            language = account_sessions.note_login(
                service_context(), ticket, request.user_agent.string
            )
            response = make_response(recovery_page(code, email, url_for("web.second_steps")))
            response = set_session_cookie(response, ticket)
            return clear_pending_cookie(remember_language(response, language))
    return render_template("account/second_step_recovery.html", form=form), status


# --- one's own second steps ---------------------------------------------------------------


@bp.get("/account/second-step")
@login_required
def second_steps() -> Page:
    ctx = service_context()
    listed = second_factors.my_factors(ctx, actor())
    return render_template(
        "account/second_steps.html",
        factors=listed,
        required=actor().needs_second_factor,
        form=ConfirmForm(),
    )


@bp.post("/account/second-step/app")
@login_required
def start_app() -> Page:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("web.second_steps"))
    setup = second_factors.start_app(service_context(), actor())
    return redirect(url_for("web.add_app", factor_id=setup.factor_id))


def qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG: no image request, nothing for the CSP to allow."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, title=_("QR code for the app"))
    return Markup(svg)  # noqa: S704 - segno writes the SVG from the URI's bits, no input text


@bp.route("/account/second-step/app/<uuid:factor_id>", methods=["GET", "POST"])
@login_required
def add_app(factor_id: uuid.UUID) -> Page:
    form = AddAppForm()
    status = 200
    if form.validate_on_submit():
        try:
            second_factors.confirm_app(
                service_context(), actor(), factor_id, form.name.data or "", form.code.data or ""
            )
        except InvalidInput as error:
            show_errors(form, error)
            status = 422
        else:
            flash(_("Done. From now on you log in with your password and a code."), "success")
            return redirect(url_for("web.second_steps"))
    setup = second_factors.app_waiting(service_context(), actor(), factor_id)
    return render_template(
        "account/add_app.html", form=form, setup=setup, qr=qr_svg(setup.uri)
    ), status


@bp.route("/account/second-step/<uuid:factor_id>/remove", methods=["GET", "POST"])
@login_required
def remove_factor(factor_id: uuid.UUID) -> Page:
    form = ConfirmForm()
    listed = {f.id: f for f in second_factors.my_factors(service_context(), actor())}
    factor = listed.get(factor_id)
    if factor is None:
        raise NotFound()
    if form.validate_on_submit():
        try:
            second_factors.remove_factor(service_context(), actor(), factor_id)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(_("Removed. You no longer log in with %(name)s.", name=factor.name), "success")
        return redirect(url_for("web.second_steps"))
    return render_template("account/remove_factor.html", form=form, factor=factor)


# --- two admins reset a staff member's second step -----------------------------------------


@bp.route("/admin/second-step-resets", methods=["GET", "POST"])
@login_required
def factor_resets() -> Page:
    form = StartResetForm()
    status = 200
    if form.validate_on_submit():
        try:
            second_factors.start_reset(service_context(), actor(), form.email.data or "")
        except InvalidInput as error:
            show_errors(form, error)
            status = 422
        except Conflict as error:
            form.form_errors.append(_(error.detail))
            status = 409
        else:
            flash(_("Asked. A second admin must now confirm the reset."), "success")
            return redirect(url_for("web.factor_resets"))
    waiting = second_factors.open_resets(service_context(), actor())
    return render_template(
        "admin/factor_resets.html", form=form, resets=waiting, confirm_form=ConfirmForm()
    ), status


@bp.post("/admin/second-step-resets/<uuid:reset_id>/confirm")
@login_required
def confirm_factor_reset(reset_id: uuid.UUID) -> Page:
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            second_factors.confirm_reset(service_context(), actor(), reset_id)
        except Conflict as error:
            flash(_(error.detail), "error")
        else:
            flash(
                _("Reset. They log in with their password and set up a new second step."),
                "success",
            )
    return redirect(url_for("web.factor_resets"))


# --- passkeys (the page's script asks for options, then posts the browser's answer) ---------


def relying_party() -> second_factors.RelyingParty:
    """The site as the browser sees it: passkeys belong to the host name they were made on."""
    origin = request.host_url.rstrip("/")
    return second_factors.RelyingParty(rp_id=request.host.split(":")[0], origin=origin)


def _json(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="application/json")


@bp.post("/account/second-step/passkey/options")
@login_required
def passkey_options() -> Page:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _json('{"error": "csrf"}', 400)
    return _json(
        second_factors.passkey_registration_options(service_context(), actor(), relying_party())
    )


@bp.post("/account/second-step/passkey")
@login_required
def add_passkey() -> Page:
    form = AddPasskeyForm()
    if form.validate_on_submit():
        try:
            second_factors.add_passkey(
                service_context(),
                actor(),
                form.name.data or "",
                form.credential.data or "",
                relying_party(),
            )
        except InvalidInput as error:
            for messages in error.errors.values():
                for message in messages:
                    flash(_(message), "error")
        else:
            flash(_("Done. From now on you log in with your password and your passkey."), "success")
    return redirect(url_for("web.second_steps"))


@bp.post("/login/passkey/options")
@second_step_guarded
def passkey_login_options() -> Page:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _json('{"error": "csrf"}', 400)
    options = second_factors.passkey_login_options(
        service_context(), pending_token(), relying_party()
    )
    if options is None:
        return _json('{"error": "expired"}', 401)
    return _json(options)


@bp.post("/login/passkey")
@second_step_guarded
def passkey_login() -> Page:
    form = PasskeyAnswerForm()
    if not form.validate_on_submit():
        return redirect(url_for("web.second_step"))
    try:
        ticket = second_factors.log_in_with_passkey(
            service_context(), pending_token(), form.credential.data or "", relying_party()
        )
    except InvalidCredentials as error:
        if second_factors.pending(service_context(), pending_token()) is None:
            return _expired()
        flash(_(error.detail), "error")
        return redirect(url_for("web.second_step", next=request.args.get("next")))
    return logged_in_response(ticket, safe_next(request.args.get("next"), url_for("web.start")))
