"""Which notices reach a person by e-mail: a page of their own account."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.i18n import gettext as _
from dossier.services import notices
from dossier.web.blueprint import Page, bp
from dossier.web.forms import ConfirmForm


@bp.route("/account/mail", methods=["GET", "POST"])
@login_required
def mail_choices() -> Page:
    """Every notice reaches the start page; here a person picks the topics that also arrive by
    e-mail. Nothing unchecked is an answer too: no e-mail at all."""
    form = ConfirmForm()
    ctx = service_context()
    if form.validate_on_submit():
        notices.choose_mail_topics(ctx, actor(), request.form.getlist("topics"))
        flash(_("Saved. You get e-mail only about what you ticked."), "success")
        return redirect(url_for("web.mail_choices"))
    return render_template(
        "account/mail.html",
        form=form,
        chosen=notices.mail_topics(ctx, actor()),
        topics=notices.TOPIC_LABELS,
    )
