"""The one blueprint every page module attaches to, plus the helpers they share."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response

from dossier.actions import Action
from dossier.errors import N_, InvalidInput
from dossier.markdown import render as render_markdown
from dossier.models import EntryKind, Relation, Role
from dossier.services.dossiers import DEFAULT_SECTION_NAMES
from dossier.services.notices import NoticeKind

bp = Blueprint("web", __name__)

# What a page view answers: a rendered template, with its status when it is not 200, or a
# response (a redirect, a download); Flask's own Response is a Werkzeug one.
Page = str | tuple[str, int] | Response


def show_errors(form: FlaskForm, error: InvalidInput) -> None:
    """Put each service message next to its field; messages for unknown fields go on top."""
    for name, messages in error.errors.items():
        field = getattr(form, name, None)
        translated = [gettext(message) for message in messages]
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *translated]
        else:
            form.form_errors.extend(translated)


@bp.app_template_filter("markdown")
def markdown_filter(text: str) -> Markup:
    """Rendered safely (no raw HTML), so it may be marked safe."""
    return Markup(render_markdown(text or ""))  # noqa: S704 - markdown-it escapes all HTML


@bp.app_template_filter("section_name")
def section_name_filter(section: object) -> str:
    """App-chosen names are translated; names an owner chose are shown as written."""
    if getattr(section, "default_name", None):
        return gettext(getattr(section, "name", ""))
    return getattr(section, "name", "")


@bp.app_template_filter("section_label")
def section_label_filter(default_name: str) -> str:
    """An app-chosen section name ("care") as the reader says it ("Hulp")."""
    return gettext(DEFAULT_SECTION_NAMES.get(default_name, default_name))


KIND_LABELS = {
    EntryKind.NOTE: N_("Note"),
    EntryKind.REPORT: N_("Report"),
    EntryKind.PLAN: N_("Plan"),
    EntryKind.AGREEMENT: N_("Agreement"),
    EntryKind.LETTER: N_("Letter"),
}
ROLE_LABELS = {
    Role.YOUTH: N_("Young person"),
    Role.PARENT: N_("Parent or guardian"),
    Role.PROFESSIONAL: N_("Care professional"),
    Role.ADMIN: N_("Administrator"),
    Role.AUDITOR: N_("Auditor"),
}
RELATION_LABELS = {
    Relation.SUBJECT: N_("the young person"),
    Relation.GUARDIAN: N_("parent or guardian"),
}


NOTICE_TEXTS = {
    NoticeKind.GRANT_WAITING: N_("A sharing waits for your approval."),
    NoticeKind.GRANT_ACTIVE: N_("A dossier is shared with you."),
    NoticeKind.GRANT_ENDED: N_("Your access to a dossier has ended."),
    NoticeKind.BIRTHDAY_SIXTEEN: N_(
        "You are 16. From now on you decide alone who may look in your dossier."
    ),
    NoticeKind.BIRTHDAY_GUARDIAN: N_(
        "Your child is 16 and decides alone now. You can still look, as long as your child agrees."
    ),
    NoticeKind.OWNER_WAITING: N_("A change of owners waits for your yes."),
    NoticeKind.OWNER_ADDED: N_("You are now an owner of a dossier."),
    NoticeKind.OWNER_JOINED: N_(
        "Someone became an owner of your dossier. See who on the page who may look."
    ),
    NoticeKind.OWNER_REMOVED: N_("You are no longer an owner of a dossier."),
    NoticeKind.OWNERSHIP_CANCELLED: N_("A change of owners was stopped."),
    NoticeKind.DESTROY_WAITING: N_("Someone asks to destroy a dossier. It waits for your yes."),
}


# Auditors search by code, so the list is in the order of the codes.
ACTIONS_BY_CODE = sorted(Action, key=str)


def action_words(code: str, title: str | None = None) -> str:
    """An action in plain words, naming the entry when the reader may see its title. A code
    this version does not know is shown as stored rather than hidden."""
    action = Action.of(code)
    if action is None:
        return code
    if title and action.titled:
        return gettext(action.titled, title=title)
    return gettext(action.label)


@bp.app_context_processor
def labels() -> dict[str, object]:
    return {
        "action_words": action_words,
        "actions": ACTIONS_BY_CODE,
        "notice_text": lambda notice: gettext(NOTICE_TEXTS.get(notice.kind, notice.kind)),
        "kind_label": lambda kind: gettext(KIND_LABELS.get(kind, kind)),
        "role_label": lambda role: gettext(ROLE_LABELS.get(role, role)),
        "relation_label": lambda relation: gettext(RELATION_LABELS.get(relation, relation or "")),
        "kinds": [(kind, gettext(label)) for kind, label in KIND_LABELS.items()],
    }
