"""The one blueprint every page module attaches to, plus the helpers they share."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Blueprint
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response

from dossier.actions import Action
from dossier.edge.i18n import gettext, translator, when
from dossier.errors import N_, InvalidInput
from dossier.markdown import render as render_markdown
from dossier.models import DEFAULT_SECTION_NAMES, CorrectionStatus, EntryKind, Relation, Role
from dossier.services import notices
from dossier.services.dossiers import DossierSummary

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
# Lower case: a role is said in the middle of a sentence ("Anne, care professional").
ROLE_LABELS = {
    Role.YOUTH: N_("young person"),
    Role.PARENT: N_("parent or guardian"),
    Role.PROFESSIONAL: N_("care professional"),
    Role.ADMIN: N_("administrator"),
    Role.AUDITOR: N_("auditor"),
    Role.COUNCIL: N_("client council member"),
}
RELATION_LABELS = {
    Relation.SUBJECT: N_("the young person"),
    Relation.GUARDIAN: N_("parent or guardian"),
}


# One line per kind of notice, defined with the kinds (`notices.LINES`).
NOTICE_TEXTS = notices.LINES


def notice_line(notice: notices.NoticeInfo, dossiers: Iterable[DossierSummary] = ()) -> str:
    """A notice in the page's language. The dossier's and sections' own names come from the
    dossiers the page opened; a notice of any other dossier says "a dossier"."""
    summary = dossier_of(notice, dossiers)
    return notices.line(
        notice.kind,
        notice.data,
        gettext,
        when,
        summary.subject_name if summary else None,
        {str(s.id): s.name for s in summary.sections} if summary else None,
    )


def dossier_of(
    notice: notices.NoticeInfo, dossiers: Iterable[DossierSummary]
) -> DossierSummary | None:
    return next((d for d in dossiers if d.id == notice.dossier_id), None)


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


def correction_outcome(status: str, version: int | None) -> str:
    """Where a correction request stands, in words: a stored status is a code, not a word."""
    if status == CorrectionStatus.CORRECTED:
        return gettext("corrected (version %(n)s)", n=version)
    if status == CorrectionStatus.REMOVED:
        return gettext("entry withdrawn")
    if status == CorrectionStatus.DECLINED:
        return gettext("not changed")
    return gettext("Waiting for the author's answer")


def _labeller(labels: Mapping[Any, str], say: Callable[[str], str]) -> Callable[[str | None], str]:
    """A stored code in the reader's words; a code this version does not know, as stored; no
    code, no words (an empty text would "translate" to the catalog's header)."""
    return lambda code: say(labels.get(code, code)) if code else ""


@bp.app_context_processor
def labels() -> dict[str, object]:
    say = translator()
    return {
        "action_words": action_words,
        "correction_outcome": correction_outcome,
        "actions": ACTIONS_BY_CODE,
        "notice_line": notice_line,
        "notice_dossier": dossier_of,
        "kind_label": _labeller(KIND_LABELS, say),
        "role_label": _labeller(ROLE_LABELS, say),
        "relation_label": _labeller(RELATION_LABELS, say),
        "kinds": [(kind, say(label)) for kind, label in KIND_LABELS.items()],
    }
