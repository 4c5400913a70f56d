"""The access log in plain words: a visit as one sentence, dates a person reads at a glance, and
the auditor's outcomes, bases and objects in words instead of codes."""

from __future__ import annotations

from flask_babel import format_time

from dossier.actions import Action
from dossier.edge.i18n import gettext, ngettext, when
from dossier.errors import N_
from dossier.models import Relation, Role
from dossier.services.dossiers import DossierSummary
from dossier.services.visits import Outcome, Visit
from dossier.web.blueprint import RELATION_LABELS, ROLE_LABELS, bp, section_name_filter

OUTCOME_LABELS = {
    Outcome.SUCCESS: N_("done"),
    Outcome.DENIED: N_("refused"),
    Outcome.ERROR: N_("went wrong"),
}
# What allowed an event, as the log stores it: a fixed word, or a kind and an id ("grant:<id>").
BASIS_LABELS = {
    "self": N_("their own account"),
    "password": N_("their password"),
    "session": N_("they were logged in"),
    "command line": N_("the server's command line"),
    "admin role": N_("administrator"),
    "auditor role": N_("auditor"),
    "ownership": N_("owner"),
    "age 16": N_("the young person turned 16"),
}
BASIS_KINDS = {
    "grant": N_("a sharing"),
    "invitation": N_("an invitation code"),
}
# Roles an event names besides a person's own (the operator at the server's command line).
ACTOR_ROLE_LABELS = {"operator": N_("operator of the server")}
OBJECT_LABELS = {
    "attachment": N_("file"),
    "change": N_("change of owners"),
    "correction": N_("request for a correction"),
    "dossier": N_("dossier"),
    "entry": N_("entry"),
    "grant": N_("sharing"),
    "invitation": N_("invitation code"),
    "perspective": N_("view"),
    "section": N_("section"),
    "session": N_("login"),
    "user": N_("account"),
}


def visit_time(visit: Visit) -> str:
    """When a visit began, and when it ended if that was another minute."""
    start = when(visit.started)
    if visit.ended.replace(second=0, microsecond=0) == visit.started.replace(
        second=0, microsecond=0
    ):
        return start
    return gettext("%(start)s to %(end)s", start=start, end=format_time(visit.ended, "HH:mm"))


def listed(words: list[str]) -> str:
    """Words as a list people say: "a, b and c", in the reader's language."""
    if len(words) < 2:
        return "".join(words)
    return gettext("%(first)s and %(last)s", first=", ".join(words[:-1]), last=words[-1])


def visit_words(visit: Visit, dossier: DossierSummary) -> str:
    """What a person looked at in one visit, finishing the sentence that begins with who."""
    parts = []
    entries = len(visit.entries)
    sections = [
        section_name_filter(section)
        for section in (dossier.section(sid) for sid in visit.section_ids)
        if section is not None
    ]
    if entries and sections:
        parts.append(
            ngettext(
                "looked at %(num)s entry in %(sections)s",
                "looked at %(num)s entries in %(sections)s",
                entries,
                sections=listed(sections),
            )
        )
    elif entries:
        parts.append(ngettext("looked at %(num)s entry", "looked at %(num)s entries", entries))
    if visit.files:
        parts.append(ngettext("opened %(num)s file", "opened %(num)s files", visit.files))
    if visit.exported:
        parts.append(gettext(Action.DOSSIER_EXPORT.label))
    if not parts:
        opened = Action.DOSSIER_OPEN if visit.opened else Action.DOSSIER_LIST
        parts.append(gettext(opened.label))
    return listed(parts)


def outcome_words(outcome: str) -> str:
    label = OUTCOME_LABELS.get(Outcome(outcome)) if outcome in tuple(Outcome) else None
    return gettext(label) if label else outcome


def basis_words(basis: str | None) -> str:
    """`ownership:subject` as "owner (the young person)", `grant:<id>` as "a sharing"; a basis
    this version does not know is shown as stored rather than hidden."""
    if not basis:
        return ""
    if basis in BASIS_LABELS:
        return gettext(BASIS_LABELS[basis])
    kind, _, rest = basis.partition(":")
    if kind == "ownership" and rest in tuple(Relation):
        relation = gettext(RELATION_LABELS[Relation(rest)])
        return gettext("owner (%(relation)s)", relation=relation)
    if kind in BASIS_KINDS:
        return gettext(BASIS_KINDS[kind])
    return basis


def actor_role_words(role: str) -> str:
    """A role lower case, as it stands mid-sentence in brackets after a name."""
    label = ROLE_LABELS.get(Role(role)) if role in tuple(Role) else ACTOR_ROLE_LABELS.get(role)
    return gettext(label).lower() if label else role


def object_words(object_type: str | None) -> str:
    label = OBJECT_LABELS.get(object_type or "")
    return gettext(label) if label else (object_type or "")


@bp.app_context_processor
def log_words() -> dict[str, object]:
    return {
        "visit_time": visit_time,
        "visit_words": visit_words,
        "outcome_words": outcome_words,
        "basis_words": basis_words,
        "object_words": object_words,
        "actor_role_words": actor_role_words,
        "outcomes": [(str(outcome), gettext(label)) for outcome, label in OUTCOME_LABELS.items()],
    }
