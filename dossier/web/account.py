"""Registering, logging in and out, passwords and recovery codes, and one's own account (name,
e-mail address, language, sessions, removal), as pages."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from flask import Response, flash, make_response, redirect, render_template, request, url_for

from dossier.edge.auth import (
    actor,
    clear_session_cookie,
    logged_in,
    login_required,
    safe_next,
    set_pending_cookie,
    set_session_cookie,
)
from dossier.edge.context import service_context
from dossier.edge.i18n import chosen_language, remember_language
from dossier.edge.i18n import gettext as _
from dossier.edge.limits import (
    address_key,
    address_limits,
    guarded,
    limiter,
    own_account_guarded,
)
from dossier.errors import Conflict, InvalidCredentials, InvalidInput, SecondFactorNeeded
from dossier.models import SessionKind
from dossier.services import account_removal, account_sessions, accounts, sessions
from dossier.web.blueprint import Page, bp, show_errors
from dossier.web.forms import (
    ChangePasswordForm,
    ConfirmForm,
    EmailChangeForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    NameForm,
    RecoverySavedForm,
    RegisterForm,
    RemoveAccountForm,
)

REGISTER_ROLES = accounts.SELF_REGISTERED_ROLES


def recovery_page(
    code: str, email: str, next_url: str, form: RecoverySavedForm | None = None
) -> str:
    """The code is shown once; it travels back only so the page can be shown again if needed."""
    form = form or RecoverySavedForm(recovery_code=code, email=email, next=next_url, formdata=None)
    text = _(
        "Eigen Dossier recovery code\n\nE-mail address: %(email)s\nRecovery code: %(code)s\n\n"
        "Keep this code somewhere safe. With it you can choose a new password if you forget yours.",
        email=email,
        code=code,
    )
    download = "data:text/plain;charset=utf-8," + quote(text)
    return render_template(
        "account/recovery_code.html", code=code, email=email, form=form, download=download
    )


@bp.get("/register")
def register_choice() -> Page:
    return render_template("account/register_choice.html")


@bp.route("/register/<role>", methods=["GET", "POST"])
@limiter.limit(address_limits, key_func=address_key, methods=["POST"], scope="register")
def register(role: str) -> Page:
    if role not in REGISTER_ROLES:
        return redirect(url_for("web.register_choice"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            registration = accounts.register(
                service_context(),
                accounts.NewAccount(
                    email=form.email.data or "",
                    password=form.password.data or "",
                    display_name=form.display_name.data or "",
                    role=role,
                    birth_date=form.birth_date.data,
                    organisation=form.organisation.data,
                    registration_number=form.registration_number.data,
                    language=chosen_language(),
                ),
                start_session=SessionKind.WEB,
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            assert registration.ticket is not None
            account_sessions.note_login(
                service_context(), registration.ticket, request.user_agent.string
            )
            response = make_response(
                recovery_page(
                    registration.recovery_code,
                    (form.email.data or "").strip().lower(),
                    safe_next(request.args.get("next"), url_for("web.start")),
                )
            )
            return set_session_cookie(response, registration.ticket)
    return render_template("account/register.html", form=form, role=role)


@bp.post("/recovery-code/saved")
def recovery_saved() -> Page:
    form = RecoverySavedForm()
    next_url = safe_next(form.next.data, url_for("web.index"))
    if form.validate_on_submit():
        flash(_("Good. Keep your recovery code somewhere safe, away from your phone."), "success")
        return redirect(next_url)
    code = form.recovery_code.data or ""
    if form.recovery_code.errors:
        return redirect(next_url)
    return recovery_page(code, form.email.data or "", next_url, form)


@bp.route("/login", methods=["GET", "POST"])
@guarded
def login() -> Page:
    if logged_in():
        return redirect(url_for("web.start"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            ticket = sessions.log_in(
                service_context(), form.email.data or "", form.password.data or "", SessionKind.WEB
            )
        except SecondFactorNeeded as needed:
            target = url_for("web.second_step", next=request.args.get("next"))
            return set_pending_cookie(make_response(redirect(target)), needed.token)
        except InvalidCredentials as error:
            form.form_errors.append(_(error.detail))
        else:
            language = account_sessions.note_login(
                service_context(), ticket, request.user_agent.string
            )
            target = safe_next(request.args.get("next"), url_for("web.start"))
            response = set_session_cookie(make_response(redirect(target)), ticket)
            return remember_language(response, language)
    return render_template("account/login.html", form=form), 200 if not form.errors else 401


@bp.post("/logout")
def logout() -> Page:
    form = ConfirmForm()
    if form.validate_on_submit() and logged_in():
        sessions.log_out(service_context(), actor())
        flash(_("You are logged out."), "success")
    return clear_session_cookie(make_response(redirect(url_for("web.index"))))


@bp.get("/account")
@login_required
def account() -> Page:
    profile = accounts.profile(service_context(), actor())
    return render_template("account/account.html", profile=profile, language_form=LanguageForm())


@bp.route("/account/name", methods=["GET", "POST"])
@login_required
def change_name() -> Page:
    form = NameForm()
    if form.validate_on_submit():
        try:
            accounts.change_name(service_context(), actor(), form.display_name.data or "")
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(_("Your name is changed."), "success")
            return redirect(url_for("web.account"))
    elif request.method == "GET":
        form.display_name.data = accounts.profile(service_context(), actor()).display_name
    return render_template("account/name.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@own_account_guarded
def change_email() -> Page:
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            address = accounts.request_email_change(
                service_context(),
                actor(),
                form.new_email.data or "",
                form.password.data or "",
                lambda code: url_for("web.confirm_email", code=code, _external=True),
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(
                _(
                    "We sent a link to %(address)s. Open it within 24 hours. "
                    "Only then your e-mail address changes.",
                    address=address,
                ),
                "success",
            )
            return redirect(url_for("web.account"))
    return render_template("account/email.html", form=form, current=actor().email)


@bp.route("/account/email/confirm/<code>", methods=["GET", "POST"])
@login_required
def confirm_email(code: str) -> Page:
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            address = accounts.confirm_email_change(service_context(), actor(), code)
        except Conflict as error:
            flash(_(error.detail), "error")
            return redirect(url_for("web.account"))
        flash(
            _(
                "Your e-mail address is now %(address)s. Log in with it from now on.",
                address=address,
            ),
            "success",
        )
        return redirect(url_for("web.account"))
    address = accounts.email_change_waiting(service_context(), actor(), code)
    return render_template("account/confirm_email.html", form=form, address=address)


@bp.post("/account/language")
@login_required
def account_language() -> Page:
    form = LanguageForm()
    target = safe_next(form.next.data, url_for("web.account"))
    if not form.validate_on_submit():
        return redirect(target)
    language = accounts.set_language(service_context(), actor(), form.language.data or "")
    return remember_language(make_response(redirect(target)), language)


@bp.get("/account/sessions")
@login_required
def account_sessions_page() -> Page:
    found = account_sessions.my_sessions(service_context(), actor())
    return render_template("account/sessions.html", sessions=found, form=ConfirmForm())


@bp.post("/account/sessions/<uuid:session_id>/end")
@login_required
def end_session(session_id: uuid.UUID) -> Page:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("web.account_sessions_page"))
    if account_sessions.end_session(service_context(), actor(), session_id):
        flash(_("You are logged out."), "success")
        return clear_session_cookie(make_response(redirect(url_for("web.login"))))
    flash(_("That device is logged out. It needs your password to get in again."), "success")
    return redirect(url_for("web.account_sessions_page"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions() -> Page:
    form = ConfirmForm()
    if form.validate_on_submit():
        ended = account_sessions.end_other_sessions(service_context(), actor())
        flash(
            _(
                "You are logged out on all other devices (%(count)s). You stay logged in here.",
                count=ended,
            ),
            "success",
        )
    return redirect(url_for("web.account_sessions_page"))


@bp.route("/account/remove", methods=["GET", "POST"])
@login_required
@own_account_guarded
def remove_account() -> Page:
    form = RemoveAccountForm()
    status = 200
    if form.validate_on_submit():
        try:
            account_removal.remove_account(service_context(), actor(), form.password.data or "")
        except InvalidInput as error:
            show_errors(form, error)
            status = 422
        except Conflict:
            status = 409  # the page below names every reason
        else:
            flash(_("Your account is removed. Goodbye, and take care."), "success")
            return clear_session_cookie(make_response(redirect(url_for("web.index"))))
    check = account_removal.removal_check(service_context(), actor())
    return render_template("account/remove.html", form=form, check=check), status


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere() -> Page:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("web.account"))
    ended = sessions.log_out_everywhere(service_context(), actor())
    flash(
        _("You are logged out on all devices (%(count)s sessions).", count=ended),
        "success",
    )
    return clear_session_cookie(make_response(redirect(url_for("web.login"))))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Page:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                service_context(),
                actor(),
                form.current_password.data or "",
                form.new_password.data or "",
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(
                _("Your password is changed. On other devices you need to log in again."),
                "success",
            )
            return redirect(url_for("web.account"))
    return render_template("account/change_password.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@guarded
def forgot_password() -> Page:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        try:
            code = accounts.reset_password(
                service_context(),
                email,
                form.recovery_code.data or "",
                form.new_password.data or "",
            )
        except InvalidInput as error:
            show_errors(form, error)
        except InvalidCredentials as error:
            form.form_errors.append(_(error.detail))
        else:
            flash(_("Your new password is set. Log in with it."), "success")
            response: Response = make_response(recovery_page(code, email, url_for("web.login")))
            return clear_session_cookie(response)
    return render_template("account/forgot_password.html", form=form)
