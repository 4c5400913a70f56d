"""Notices on the start page (and by e-mail): what waits for someone, and what changed for them.

A notice names who did something, in which dossier and which sections, and never holds content:
its data is stored in clear, so it keeps people's display names (stored in clear anyway), the
app's own section names and ids. A section name an owner chose is sealed, so a notice keeps only
its id and the page that opens the dossier shows the name. The dossier's name is never kept.

What happens to entries (a new one, a view beside one, a correction request answered) and to the
plan (a new version, a "no" to one, a version that became the plan) is told from the rows the
writers add, in their own transaction (`tell_of_writing`): the writers need not know who is told,
and nobody is told of work that rolled back. A notice about the plan keeps a version's number,
never its goals, actions or anyone's reason.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from babel.dates import format_date
from babel.support import NullTranslations, Translations
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    ScalarSelect,
    bindparam,
    event,
    func,
    inspect,
    select,
    union,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.util import identity_key

from dossier.actions import Action
from dossier.errors import N_
from dossier.models import (
    DEFAULT_SECTION_NAMES,
    CorrectionRequest,
    CorrectionStatus,
    DossierOwner,
    Entry,
    EntryKind,
    EntryPerspective,
    Grant,
    GrantSection,
    Notice,
    NoticeMail,
    PlanMark,
    PlanStatus,
    PlanVersion,
    Section,
    User,
)
from dossier.services.context import CONTEXT, Actor, Context, mail_after_commit
from dossier.services.mail import Mail


class NoticeKind(StrEnum):
    """What a notice is about; its e-mail subject and its line on the start page derive from it."""

    ENTRY_NEW = "entry.new"
    VIEW_NEW = "view.new"
    CORRECTION_ANSWERED = "correction.answered"
    GRANT_WAITING = Action.GRANT_WAITING
    GRANT_ACTIVE = "grant.active"
    GRANT_APPROVED = "grant.approved"
    GRANT_REFUSED = "grant.refused"
    GRANT_ENDING = "grant.ending"
    GRANT_ENDED = "grant.ended"
    SHARING_ENDING = "sharing.ending"
    SHARING_ENDED = "sharing.ended"
    LOOKED_FIRST = "looked.first"
    BIRTHDAY_TWELVE_SOON = "birthday.twelve_soon"
    BIRTHDAY_SIXTEEN_SOON = "birthday.sixteen_soon"
    BIRTHDAY_SIXTEEN = "birthday.sixteen"
    BIRTHDAY_GUARDIAN = "birthday.guardian"
    OWNER_WAITING = "owner.waiting"
    OWNER_ADDED = Action.OWNER_ADDED
    OWNER_JOINED = "owner.joined"
    OWNER_REMOVED = Action.OWNER_REMOVED
    OWNERSHIP_CANCELLED = "ownership.cancelled"
    DESTROY_WAITING = "destroy.waiting"
    PLAN_NEW = "plan.new"
    PLAN_AGREED = "plan.agreed"
    PLAN_NOT_AGREED = "plan.not_agreed"
    PLAN_ACTION_SOON = "plan.action_soon"
    PLAN_ACTION_OVERDUE = "plan.action_overdue"
    PLAN_EVALUATION_SOON = "plan.evaluation_soon"
    REQUEST_WAITING = "request.waiting"
    REQUEST_DECIDED = "request.decided"
    EMERGENCY_OPENED = "emergency.opened"
    EMERGENCY_GRANTED = "emergency.granted"
    EMERGENCY_ENDED = "emergency.ended"
    LEGAL_OPENED = "legal.opened"
    LEGAL_GRANTED = "legal.granted"
    PASSAGE_WITHHELD = "passage.withheld"
    PASSAGE_ANSWERED = "passage.answered"
    DRAFT_WAITING = "draft.waiting"


class Topic(StrEnum):
    """What a person chooses to get by e-mail, or not: a few topics, not every kind."""

    WRITING = "writing"
    SHARING = "sharing"
    LOOKS = "looks"
    OWNERS = "owners"
    PLAN = "plan"


TOPICS: dict[NoticeKind, Topic] = {
    NoticeKind.ENTRY_NEW: Topic.WRITING,
    NoticeKind.VIEW_NEW: Topic.WRITING,
    NoticeKind.CORRECTION_ANSWERED: Topic.WRITING,
    NoticeKind.GRANT_WAITING: Topic.SHARING,
    NoticeKind.GRANT_ACTIVE: Topic.SHARING,
    NoticeKind.GRANT_APPROVED: Topic.SHARING,
    NoticeKind.GRANT_REFUSED: Topic.SHARING,
    NoticeKind.GRANT_ENDING: Topic.SHARING,
    NoticeKind.GRANT_ENDED: Topic.SHARING,
    NoticeKind.SHARING_ENDING: Topic.SHARING,
    NoticeKind.SHARING_ENDED: Topic.SHARING,
    NoticeKind.LOOKED_FIRST: Topic.LOOKS,
    NoticeKind.BIRTHDAY_TWELVE_SOON: Topic.OWNERS,
    NoticeKind.BIRTHDAY_SIXTEEN_SOON: Topic.OWNERS,
    NoticeKind.BIRTHDAY_SIXTEEN: Topic.OWNERS,
    NoticeKind.BIRTHDAY_GUARDIAN: Topic.OWNERS,
    NoticeKind.OWNER_WAITING: Topic.OWNERS,
    NoticeKind.OWNER_ADDED: Topic.OWNERS,
    NoticeKind.OWNER_JOINED: Topic.OWNERS,
    NoticeKind.OWNER_REMOVED: Topic.OWNERS,
    NoticeKind.OWNERSHIP_CANCELLED: Topic.OWNERS,
    NoticeKind.DESTROY_WAITING: Topic.OWNERS,
    NoticeKind.PLAN_NEW: Topic.PLAN,
    NoticeKind.PLAN_AGREED: Topic.PLAN,
    NoticeKind.PLAN_NOT_AGREED: Topic.PLAN,
    NoticeKind.PLAN_ACTION_SOON: Topic.PLAN,
    NoticeKind.PLAN_ACTION_OVERDUE: Topic.PLAN,
    NoticeKind.PLAN_EVALUATION_SOON: Topic.PLAN,
    NoticeKind.REQUEST_WAITING: Topic.SHARING,
    NoticeKind.REQUEST_DECIDED: Topic.SHARING,
    NoticeKind.EMERGENCY_OPENED: Topic.SHARING,
    NoticeKind.EMERGENCY_GRANTED: Topic.SHARING,
    NoticeKind.EMERGENCY_ENDED: Topic.SHARING,
    NoticeKind.LEGAL_OPENED: Topic.SHARING,
    NoticeKind.LEGAL_GRANTED: Topic.SHARING,
    NoticeKind.PASSAGE_WITHHELD: Topic.WRITING,
    NoticeKind.PASSAGE_ANSWERED: Topic.WRITING,
    NoticeKind.DRAFT_WAITING: Topic.WRITING,
}

TOPIC_LABELS: dict[Topic, str] = {
    Topic.WRITING: N_("New entries and plans, views, and answers to your correction requests"),
    Topic.SHARING: N_("Sharing: what waits for your yes, what starts, what ends or ends soon"),
    Topic.LOOKS: N_("Someone looked for the first time"),
    Topic.OWNERS: N_("Owners, birthdays that change who decides, and destroying a dossier"),
    Topic.PLAN: N_("The plan: a new version, who says yes or no, and what is due soon"),
}

# E-mail subjects, Dutch first like the app (the e-mail's line is the start page's, in Dutch).
SUBJECTS: dict[NoticeKind, str] = {
    NoticeKind.ENTRY_NEW: "Er is iets nieuws geschreven in een dossier",
    NoticeKind.VIEW_NEW: "Er staat een nieuwe kant van het verhaal bij een bericht",
    NoticeKind.CORRECTION_ANSWERED: "Je vraag om verbetering heeft een antwoord",
    NoticeKind.GRANT_WAITING: "Iemand wil delen: dat wacht op jouw ja",
    NoticeKind.GRANT_ACTIVE: "Er is een dossier met je gedeeld",
    NoticeKind.GRANT_APPROVED: "Iemand zei ja tegen een deling",
    NoticeKind.GRANT_REFUSED: "Iemand zei nee tegen een deling",
    NoticeKind.GRANT_ENDING: "Je toegang tot een dossier stopt binnenkort",
    NoticeKind.GRANT_ENDED: "Je toegang tot een dossier is gestopt",
    NoticeKind.SHARING_ENDING: "Een deling stopt binnenkort",
    NoticeKind.SHARING_ENDED: "Een deling is gestopt",
    NoticeKind.LOOKED_FIRST: "Iemand keek voor het eerst in een dossier",
    NoticeKind.BIRTHDAY_TWELVE_SOON: "Over een maand verandert wie beslist: 12 jaar",
    NoticeKind.BIRTHDAY_SIXTEEN_SOON: "Over een maand verandert wie beslist: 16 jaar",
    NoticeKind.BIRTHDAY_SIXTEEN: "Je bent 16: vanaf nu beslis jij alleen",
    NoticeKind.BIRTHDAY_GUARDIAN: "Je kind is 16: je bent nu meekijker",
    NoticeKind.OWNER_WAITING: "Een nieuwe eigenaar of een andere verandering wacht op jouw ja",
    NoticeKind.OWNER_ADDED: "Je bent nu eigenaar van een dossier",
    NoticeKind.OWNER_JOINED: "Iemand is eigenaar geworden van je dossier",
    NoticeKind.OWNER_REMOVED: "Je bent geen eigenaar meer van een dossier",
    NoticeKind.OWNERSHIP_CANCELLED: "Een verandering van eigenaren is gestopt",
    NoticeKind.DESTROY_WAITING: "Iemand vraagt om een dossier te vernietigen",
    NoticeKind.PLAN_NEW: "Er is een nieuwe versie van het plan",
    NoticeKind.PLAN_AGREED: "Het plan is afgesproken",
    NoticeKind.PLAN_NOT_AGREED: "Iemand staat nog niet achter het plan",
    NoticeKind.PLAN_ACTION_SOON: "Je stap in het plan moet bijna klaar zijn",
    NoticeKind.PLAN_ACTION_OVERDUE: "Een stap in het plan is nog niet gedaan",
    NoticeKind.PLAN_EVALUATION_SOON: "Binnenkort kijken jullie samen terug op het plan",
    NoticeKind.REQUEST_WAITING: "Iemand vraagt om mee te kijken",
    NoticeKind.REQUEST_DECIDED: "Er is een antwoord op je vraag om mee te kijken",
    NoticeKind.EMERGENCY_OPENED: "Iemand kijkt mee in een noodgeval",
    NoticeKind.EMERGENCY_GRANTED: "Je mag meekijken in een noodgeval",
    NoticeKind.EMERGENCY_ENDED: "Je vraag om toegang in een noodgeval is gestopt",
    NoticeKind.LEGAL_OPENED: "Iemand kijkt mee op grond van de wet",
    NoticeKind.LEGAL_GRANTED: "Je mag meekijken op grond van de wet",
    NoticeKind.PASSAGE_WITHHELD: "Een deel van een bericht is voor jou achtergehouden",
    NoticeKind.PASSAGE_ANSWERED: "Er is een antwoord op je bezwaar",
    NoticeKind.DRAFT_WAITING: "Je helper schreef een voorstel voor je",
}

# One plain line per kind, for the start page and the e-mail. %(person)s: who did it;
# %(sections)s: the sections; %(grantee)s: whom a sharing is for; %(date)s: a day;
# %(dossier)s: the dossier's name, shown only where the reader may open it; %(version)s: the
# number of a version of the plan; %(officers)s: the emergency officers who said yes;
# %(basis)s and %(reference)s: a legal basis in words and its reference.
LINES: dict[NoticeKind, str] = {
    NoticeKind.ENTRY_NEW: N_("%(person)s wrote a new entry in %(sections)s."),
    NoticeKind.VIEW_NEW: N_("%(person)s wrote their own view beside an entry in %(sections)s."),
    NoticeKind.CORRECTION_ANSWERED: N_(
        "%(person)s answered your correction request in %(sections)s."
    ),
    NoticeKind.GRANT_WAITING: N_(
        "%(person)s wants to share %(sections)s with %(grantee)s. That waits for your yes."
    ),
    NoticeKind.GRANT_ACTIVE: N_("%(person)s shared %(sections)s with you."),
    NoticeKind.GRANT_APPROVED: N_("%(person)s said yes: %(grantee)s may now look in %(sections)s."),
    NoticeKind.GRANT_REFUSED: N_("%(person)s said no: %(grantee)s may not look in %(sections)s."),
    NoticeKind.GRANT_ENDING: N_("You may look in %(sections)s up to and including %(date)s."),
    NoticeKind.GRANT_ENDED: N_("You may no longer look in %(sections)s."),
    NoticeKind.SHARING_ENDING: N_(
        "%(grantee)s may look in %(sections)s up to and including %(date)s."
    ),
    NoticeKind.SHARING_ENDED: N_("%(person)s stopped sharing %(sections)s with %(grantee)s."),
    NoticeKind.LOOKED_FIRST: N_("%(person)s looked in the dossier for the first time."),
    NoticeKind.BIRTHDAY_TWELVE_SOON: N_(
        "%(dossier)s turns 12 on %(date)s. From then on your child and a parent or guardian both"
        " say yes before someone new may look. Your child may also stop a sharing alone."
    ),
    NoticeKind.BIRTHDAY_SIXTEEN_SOON: N_(
        "You turn 16 on %(date)s. From then on you alone decide who may look in your dossier."
        " Your parent or guardian is then no longer an owner, but may still look as long as you"
        " agree."
    ),
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
    NoticeKind.PLAN_NEW: N_("%(person)s wrote a new version of the plan."),
    NoticeKind.PLAN_AGREED: N_(
        "Version %(version)s is now the plan. Everyone who must agree said yes."
    ),
    NoticeKind.PLAN_NOT_AGREED: N_(
        "%(person)s does not stand behind version %(version)s of the plan yet."
        " Read why on the plan."
    ),
    NoticeKind.PLAN_ACTION_SOON: N_("Your action in the plan is due on %(date)s."),
    NoticeKind.PLAN_ACTION_OVERDUE: N_(
        "An action in the plan was due on %(date)s. It is not ticked off yet."
    ),
    NoticeKind.PLAN_EVALUATION_SOON: N_(
        "On %(date)s you look back at the plan together. What went well?"
    ),
    NoticeKind.REQUEST_WAITING: N_(
        '%(person)s asks to look in %(sections)s. Say yes or no on "Who may look?".'
    ),
    NoticeKind.REQUEST_DECIDED: N_("Your request to look in %(sections)s has an answer."),
    # The requester's reason stays on "Who may look?": a notice also leaves by e-mail, and the
    # reason may well tell about the young person.
    NoticeKind.EMERGENCY_OPENED: N_(
        "In an emergency, %(person)s may look in %(sections)s until %(date)s."
        " Emergency officers who said yes: %(officers)s."
        ' Read why on "Who may look?".'
    ),
    NoticeKind.EMERGENCY_GRANTED: N_(
        "Emergency officers said yes. You may look in %(sections)s until %(date)s."
    ),
    NoticeKind.EMERGENCY_ENDED: N_(
        "Your emergency request for %(sections)s has ended. Too few emergency officers said yes."
    ),
    # The basis and its reference are not dossier content: a court decision's number may leave
    # by e-mail, so the owners hear at once on what ground someone looks.
    NoticeKind.LEGAL_OPENED: N_(
        "By law, %(person)s may look in %(sections)s up to and including %(date)s."
        " Ground: %(basis)s, %(reference)s."
    ),
    NoticeKind.LEGAL_GRANTED: N_(
        "Emergency officers said yes. By law, you may look in %(sections)s up to and including"
        " %(date)s."
    ),
    # Nobody has something kept from them without being told that it exists.
    NoticeKind.PASSAGE_WITHHELD: N_(
        "%(person)s kept part of an entry in %(sections)s from you, to protect someone else."
        " You may object."
    ),
    NoticeKind.PASSAGE_ANSWERED: N_(
        "%(person)s answered your objection to a part kept from you. Read it with the entry."
    ),
    NoticeKind.DRAFT_WAITING: N_(
        "%(person)s wrote a suggestion for you in %(sections)s."
        " Send it, change it or throw it away."
    ),
}

# The same kinds said otherwise, by a notice's `variant`: what happened, or to whom it is said.
VARIANTS: dict[tuple[NoticeKind, str], str] = {
    (NoticeKind.ENTRY_NEW, EntryKind.PLAN): N_("%(person)s wrote a new plan in %(sections)s."),
    (NoticeKind.CORRECTION_ANSWERED, CorrectionStatus.CORRECTED): N_(
        "%(person)s answered your correction request in %(sections)s: the entry is corrected."
    ),
    (NoticeKind.CORRECTION_ANSWERED, CorrectionStatus.REMOVED): N_(
        "%(person)s answered your correction request in %(sections)s: the entry is taken away."
    ),
    (NoticeKind.CORRECTION_ANSWERED, CorrectionStatus.DECLINED): N_(
        "%(person)s answered your correction request in %(sections)s: the entry stays as it was."
    ),
    (NoticeKind.GRANT_ENDED, "revoked"): N_("%(person)s stopped sharing %(sections)s with you."),
    (NoticeKind.GRANT_ENDED, "expired"): N_(
        "You may no longer look in %(sections)s: the end date has come."
    ),
    (NoticeKind.GRANT_ENDED, "refused"): N_(
        "%(person)s said no. You may not look in %(sections)s."
    ),
    (NoticeKind.BIRTHDAY_TWELVE_SOON, "alone"): N_(
        "%(dossier)s turns 12 on %(date)s. From then on your child decides alone who may look."
    ),
    (NoticeKind.BIRTHDAY_SIXTEEN_SOON, "guardian"): N_(
        "%(dossier)s turns 16 on %(date)s. From then on your child alone decides who may look."
        " You are then no longer an owner, but may still look as long as your child agrees."
    ),
    (NoticeKind.BIRTHDAY_SIXTEEN_SOON, "guardian-waiting"): N_(
        "%(dossier)s turns 16 on %(date)s. Once your child has an account, your child alone"
        " decides who may look. You may then still look as long as your child agrees."
    ),
    (NoticeKind.PLAN_ACTION_OVERDUE, "yours"): N_(
        "Your action in the plan was due on %(date)s. Done? Then tick it off."
    ),
    (NoticeKind.PLAN_ACTION_OVERDUE, "theirs"): N_(
        "An action of %(person)s in the plan was due on %(date)s. It is not ticked off yet."
    ),
    (NoticeKind.REQUEST_DECIDED, "approved"): N_(
        "%(person)s said yes to your request to look in %(sections)s."
    ),
    (NoticeKind.REQUEST_DECIDED, "refused"): N_(
        "%(person)s said no to your request to look in %(sections)s."
    ),
}

SOMEONE = N_("Someone")
A_DOSSIER = N_("a dossier")
OWN_SECTION = N_("a section of its own")
YOUR_CHILD = N_("Your child")
AND = N_("and")


@dataclass(frozen=True)
class NoticeInfo:
    id: uuid.UUID
    kind: str
    dossier_id: uuid.UUID | None
    data: dict[str, Any]
    created_at: datetime
    read: bool


# --- making notices -------------------------------------------------------------------------


# Built once: every write that tells someone asks these.
_SECTION_NAMES = (
    select(Section.id, Section.default_name)
    .where(Section.id.in_(bindparam("section_ids", expanding=True)))
    .order_by(Section.position, Section.created_at)
)
_NAME = select(User.display_name).where(User.id == bindparam("user_id", type_=User.id.type))


def section_refs(db: Session, section_ids: Iterable[uuid.UUID]) -> list[dict[str, str]]:
    """Sections as a notice may keep them: the app's own name, or only the id of a sealed one.
    Sections the unit of work already holds (a write checked its section) are not read again."""
    wanted = list(dict.fromkeys(section_ids))
    if not wanted:
        return []
    held = [
        section
        for section in (db.identity_map.get(identity_key(Section, i)) for i in wanted)
        if isinstance(section, Section)
    ]
    if len(held) == len(wanted):
        ordered = sorted(held, key=lambda section: (section.position, section.created_at))
        rows = [(section.id, section.default_name) for section in ordered]
    else:
        rows = [(row[0], row[1]) for row in db.execute(_SECTION_NAMES, {"section_ids": wanted})]
    return [
        {"default": DEFAULT_SECTION_NAMES.get(code, code)} if code else {"id": str(section_id)}
        for section_id, code in rows
    ]


KNOWN_NAMES = "known_names"  # in a session's info: user id -> display name


def know_name(db: Session, user_id: uuid.UUID, name: str) -> None:
    """A name the unit of work already read (the actor's, with their session), so that a
    notice naming them does not read it again."""
    db.info.setdefault(KNOWN_NAMES, {})[user_id] = name


def name_of(db: Session, user_id: uuid.UUID | None) -> str:
    """A person's display name, as they chose it (it is stored in clear); empty if unknown.
    Read once per unit of work."""
    if user_id is None:
        return ""
    known: dict[uuid.UUID, str] = db.info.setdefault(KNOWN_NAMES, {})
    if user_id not in known:
        known[user_id] = db.scalar(_NAME, {"user_id": user_id}) or ""
    return known[user_id]


def grant_words(db: Session, grant: Grant) -> dict[str, Any]:
    """What a notice about a sharing names: who shared, with whom, which sections."""
    sections = db.scalars(select(GrantSection.section_id).where(GrantSection.grant_id == grant.id))
    return {
        "person": name_of(db, grant.created_by),
        "grantee": name_of(db, grant.grantee_id),
        "sections": section_refs(db, sections),
    }


class Recipient(NamedTuple):
    """Someone to tell, with where their mail goes and the topics they muted."""

    user_id: uuid.UUID
    email: str | None
    muted: str | None


# A `Recipient` as a statement: whoever it finds, with where their mail goes.
_RECIPIENTS = select(User.id, User.email, NoticeMail.muted).outerjoin(
    NoticeMail, NoticeMail.user_id == User.id
)
_RECIPIENT = _RECIPIENTS.where(User.id == bindparam("user_id", type_=User.id.type))
_HEARD = select(Notice.id).where(
    Notice.user_id == bindparam("user_id", type_=Notice.user_id.type),
    Notice.event_key == bindparam("key", type_=Notice.event_key.type),
)


def notify(
    db: Session,
    ctx: Context,
    user_id: uuid.UUID,
    dossier_id: uuid.UUID | None,
    kind: NoticeKind,
    *,
    key: str | None = None,
    at: datetime | None = None,
    **data: Any,
) -> bool:
    """Record a notice in the caller's transaction; its e-mail leaves only if that commits.
    `key` names the event, so one person hears of it once. False when they heard already."""
    if key is not None and db.scalar(_HEARD, {"user_id": user_id, "key": key}):
        return False
    if kind == NoticeKind.GRANT_ENDED and "sections" not in data and dossier_id is not None:
        data = {**_ended_grant_words(db, user_id, dossier_id), **data}
    found = db.execute(_RECIPIENT, {"user_id": user_id}).first()
    recipient = Recipient(*found) if found is not None else Recipient(user_id, None, None)
    _record(db, ctx, recipient, dossier_id, kind, key, at, data)
    return True


def _record(
    db: Session,
    ctx: Context,
    recipient: Recipient,
    dossier_id: uuid.UUID | None,
    kind: NoticeKind,
    key: str | None,
    at: datetime | None,
    data: dict[str, Any],
) -> None:
    db.add(
        Notice(
            user_id=recipient.user_id,
            dossier_id=dossier_id,
            kind=kind,
            data=json.dumps(data),
            created_at=at or ctx.now(),
            event_key=key,
        )
    )
    if recipient.email is not None and TOPICS[kind] not in _topics(recipient.muted):
        mail_after_commit(db, notice_mail(recipient.email, kind, data, ctx.settings.public_url))


def _ended_grant_words(db: Session, user_id: uuid.UUID, dossier_id: uuid.UUID) -> dict[str, Any]:
    """For a caller that says only that access ended: the grant that did, most recent first."""
    grant = db.scalar(
        select(Grant)
        .where(Grant.dossier_id == dossier_id, Grant.grantee_id == user_id)
        .order_by(Grant.expires_at.desc().nulls_last(), Grant.created_at.desc())
        .limit(1)
    )
    return grant_words(db, grant) if grant is not None else {}


def _readers_statement() -> CompoundSelect[uuid.UUID]:
    dossier_id = bindparam("dossier_id", type_=DossierOwner.dossier_id.type)
    owners = select(DossierOwner.user_id).where(DossierOwner.dossier_id == dossier_id)
    grantees = (
        select(Grant.grantee_id)
        .join(GrantSection, GrantSection.grant_id == Grant.id)
        .where(
            Grant.dossier_id == dossier_id,
            GrantSection.section_id == bindparam("section_id", type_=GrantSection.section_id.type),
            Grant.grantee_id.is_not(None),
            Grant.counts_at(bindparam("now", type_=Grant.expires_at.type)),
        )
    )
    return union(owners, grantees)


_READERS = _readers_statement()
_READERS_TO_TELL = _RECIPIENTS.where(User.id.in_(_READERS.scalar_subquery())).order_by(User.id)


def readers_of(
    db: Session, dossier_id: uuid.UUID, section_id: uuid.UUID, now: datetime
) -> set[uuid.UUID]:
    """Who can read a section today: its dossier's owners, and grantees holding that section."""
    found = db.scalars(_READERS, {"dossier_id": dossier_id, "section_id": section_id, "now": now})
    return set(found)


def _readers_to_tell(
    db: Session, dossier_id: uuid.UUID, section_id: uuid.UUID, now: datetime
) -> list[Recipient]:
    """`readers_of` with where their mail goes, in one statement, in a steady order. Plain rows
    on the unit of work's connection: only `tell_of_writing` asks, inside a flush, where the
    session would not flush first anyway."""
    rows = db.connection().execute(
        _READERS_TO_TELL, {"dossier_id": dossier_id, "section_id": section_id, "now": now}
    )
    return [Recipient(*row) for row in rows]


def owner_ids(db: Session, dossier_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        db.scalars(select(DossierOwner.user_id).where(DossierOwner.dossier_id == dossier_id))
    )


@event.listens_for(Session, "before_flush")
def tell_of_writing(db: Session, _flush: object, _instances: object) -> None:
    """New entries and views, answered correction requests and what happens to the plan, told
    to whom they concern, in the writer's transaction. Only a use case's unit of work (which
    carries its context) tells."""
    ctx = db.info.get(CONTEXT)
    if not isinstance(ctx, Context):
        return
    _tell_of_the_plan(db, ctx)
    written = [row for row in db.new if isinstance(row, Entry | EntryPerspective)]
    answered = [
        row
        for row in db.dirty
        if isinstance(row, CorrectionRequest)
        and row.status != CorrectionStatus.OPEN
        and inspect(row).attrs.status.history.deleted == [CorrectionStatus.OPEN]
    ]
    if not written and not answered:
        return
    with db.no_autoflush:
        for row in written:
            if isinstance(row, Entry):
                _tell_readers(db, ctx, row, row, NoticeKind.ENTRY_NEW, f"entry:{row.id}")
            else:
                entry = db.get(Entry, row.entry_id)
                if entry is not None:
                    _tell_readers(db, ctx, entry, row, NoticeKind.VIEW_NEW, f"view:{row.id}")
        for request in answered:
            entry = db.get(Entry, request.entry_id)
            if entry is None:
                continue
            notify(
                db,
                ctx,
                request.requested_by,
                request.dossier_id,
                NoticeKind.CORRECTION_ANSWERED,
                key=f"correction:{request.id}",
                at=request.answered_at,
                person=name_of(db, request.author_id),
                sections=section_refs(db, [entry.section_id]),
                variant=str(request.status),
                entry=str(entry.id),
            )


def _tell_readers(
    db: Session,
    ctx: Context,
    entry: Entry,
    row: Entry | EntryPerspective,
    kind: NoticeKind,
    key: str,
) -> None:
    """Everyone who reads the section but the writer hears of the new row. Its key names a row
    made in this very flush, so nobody can have heard of it before."""
    at = row.created_at or ctx.now()
    words: dict[str, Any] = {
        "person": name_of(db, row.author_id),
        "sections": section_refs(db, [entry.section_id]),
        "entry": str(entry.id),
    }
    if kind == NoticeKind.ENTRY_NEW and entry.kind == EntryKind.PLAN:
        words["variant"] = EntryKind.PLAN
    for reader in _readers_to_tell(db, entry.dossier_id, entry.section_id, at):
        if reader.user_id != row.author_id:
            _record(db, ctx, reader, entry.dossier_id, kind, key, at, words)


PLAN_MARKED = "plan-marked"  # in a session's info: version id -> who marked it in that session


def _tell_of_the_plan(db: Session, ctx: Context) -> None:
    """A new version, a "no" to one and a version that became the plan: the rows say it."""
    proposed = [row for row in db.new if isinstance(row, PlanVersion)]
    adopted = [
        row
        for row in db.dirty
        if isinstance(row, PlanVersion)
        and row.status == PlanStatus.CURRENT
        and inspect(row).attrs.status.history.deleted == [PlanStatus.PROPOSED]
    ]
    marks = [row for row in (*db.new, *db.dirty) if isinstance(row, PlanMark)]
    # Who marked a version in this unit of work: whose mark made it the plan saw that happen.
    marked: dict[uuid.UUID, uuid.UUID] = db.info.setdefault(PLAN_MARKED, {})
    marked.update((mark.plan_version_id, mark.user_id) for mark in marks)
    refused = [
        mark
        for mark in marks
        if mark.agrees is False
        # A new "no", or a yes that turned into one; a "no" said again in other words is not news.
        and (mark in db.new or inspect(mark).attrs.agrees.history.deleted == [True])
    ]
    if not proposed and not adopted and not refused:
        return
    with db.no_autoflush:
        for version in proposed:
            at = version.created_at or ctx.now()
            readers = readers_of(db, version.dossier_id, version.section_id, at)
            for reader in sorted(readers - {version.author_id}):
                notify(
                    db,
                    ctx,
                    reader,
                    version.dossier_id,
                    NoticeKind.PLAN_NEW,
                    key=f"plan:{version.id}",
                    at=at,
                    person=name_of(db, version.author_id),
                    version=version.number,
                )
        for mark in refused:
            _tell_of_a_no(db, ctx, mark)
        for version in adopted:
            at = version.settled_at or ctx.now()
            readers = readers_of(db, version.dossier_id, version.section_id, at)
            for reader in sorted(readers - {marked.get(version.id)}):
                notify(
                    db,
                    ctx,
                    reader,
                    version.dossier_id,
                    NoticeKind.PLAN_AGREED,
                    key=f"plan-agreed:{version.id}",
                    at=at,
                    version=version.number,
                )


def _tell_of_a_no(db: Session, ctx: Context, mark: PlanMark) -> None:
    """The version's writer and the owners hear who does not agree; why stays on the plan,
    sealed, for whoever may read it."""
    version = db.get(PlanVersion, mark.plan_version_id)
    if version is None:
        return
    at = mark.created_at or ctx.now()
    readers = readers_of(db, version.dossier_id, version.section_id, at)
    concerned = ({version.author_id, *owner_ids(db, version.dossier_id)} & readers) - {mark.user_id}
    for person in sorted(concerned):
        notify(
            db,
            ctx,
            person,
            version.dossier_id,
            NoticeKind.PLAN_NOT_AGREED,
            key=f"plan-no:{mark.id}:{at.isoformat()}",
            at=at,
            person=name_of(db, mark.user_id),
            version=version.number,
        )


# --- saying them ----------------------------------------------------------------------------


def template_of(kind: str, data: dict[str, Any]) -> str | None:
    """The message id for a notice: its variant's, or its kind's; None for an unknown kind."""
    variant = str(data.get("variant") or data.get("reason") or "")
    known = NoticeKind._value2member_map_.get(kind)
    if not isinstance(known, NoticeKind):
        return None
    return VARIANTS.get((known, variant), LINES[known])


def line(
    kind: str,
    data: dict[str, Any],
    translate: Callable[[str], str],
    day: Callable[[date], str],
    dossier_name: str | None = None,
    section_names: dict[str, str] | None = None,
) -> str:
    """A notice in one plain sentence, in the language of `translate`. Sealed names (the
    dossier's, a section the owner named) appear only when the caller could open them."""
    template = template_of(kind, data)
    if template is None:
        return kind
    names = section_names or {}
    sections = [
        translate(ref["default"])
        if "default" in ref
        else names.get(ref.get("id", ""), translate(OWN_SECTION))
        for ref in data.get("sections", [])
    ]
    when = data.get("date")
    words = {
        "person": data.get("person") or data.get("guardian") or translate(SOMEONE),
        "grantee": data.get("grantee") or translate(SOMEONE).lower(),
        "sections": joined(sections, translate(AND)) or translate(A_DOSSIER),
        "date": day(date.fromisoformat(when)) if when else "",
        "dossier": dossier_name or translate(YOUR_CHILD),
        "version": data.get("version", ""),
        "officers": joined(list(data.get("officers", [])), translate(AND)),
        # a legal basis: its words from the fixed list (a msgid), and the decision's reference
        "basis": translate(data["basis"]) if data.get("basis") else "",
        "reference": data.get("reference", ""),
    }
    return translate(template) % words


def joined(names: list[str], and_word: str) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {and_word} {names[-1]}"


@lru_cache(maxsize=1)
def dutch() -> NullTranslations:
    return Translations.load(str(Path(__file__).parent.parent / "translations"), ["nl"])


def notice_mail(address: str, kind: NoticeKind, data: dict[str, Any], public_url: str) -> Mail:
    """The start page's line in Dutch and a link there: names, never content, never the
    dossier's name (it is sealed)."""
    said = line(kind, data, dutch().gettext, lambda day: format_date(day, "d MMMM", locale="nl"))
    body = (
        f"{said}\n\n"
        f"Kijk op je startpagina wat er is veranderd:\n\n    {public_url}/start\n\n"
        "Welke e-mails je krijgt, kies je op de pagina 'Mijn account'.\n"
    )
    return Mail(address, SUBJECTS[kind], body)


# --- reading them ---------------------------------------------------------------------------


def _info(n: Notice, read: bool | None = None) -> NoticeInfo:
    return NoticeInfo(
        n.id,
        n.kind,
        n.dossier_id,
        json.loads(n.data),
        n.created_at,
        n.read_at is not None if read is None else read,
    )


def my_notices(ctx: Context, actor: Actor, limit: int = 20) -> list[NoticeInfo]:
    with ctx.unit_of_work() as db:
        return notices_of(db, actor, limit)


def notices_of(db: Session, actor: Actor, limit: int = 20) -> list[NoticeInfo]:
    """`my_notices`, inside the caller's unit of work."""
    rows = db.scalars(
        select(Notice)
        .where(Notice.user_id == actor.user_id)
        .order_by(Notice.created_at.desc(), Notice.id)
        .limit(limit)
    )
    return [_info(n) for n in rows]


def news_of(db: Session, actor: Actor, now: datetime, limit: int = 10) -> list[NoticeInfo]:
    """The newest notices for the start page, newest first, each saying whether it was new;
    showing them is seeing them, so the ones shown count as read from now on."""
    shown = notices_of(db, actor, limit)
    unread = [n.id for n in shown if not n.read]
    if unread:
        db.execute(update(Notice).where(Notice.id.in_(unread)).values(read_at=now))
    return shown


def unread_of(
    user_id: ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID],
) -> ScalarSelect[int]:
    """How many notices of a person are unread, asked beside the session check: the count in
    every page's header costs no statement of its own."""
    return (
        select(func.count())
        .select_from(Notice)
        .where(Notice.user_id == user_id, Notice.read_at.is_(None))
        .scalar_subquery()
    )


def unread_count(db: Session, user_id: uuid.UUID) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(Notice)
            .where(Notice.user_id == user_id, Notice.read_at.is_(None))
        )
        or 0
    )


def mark_all_read(ctx: Context, actor: Actor) -> None:
    with ctx.unit_of_work() as db:
        db.execute(
            update(Notice)
            .where(Notice.user_id == actor.user_id, Notice.read_at.is_(None))
            .values(read_at=ctx.now())
        )


# --- what arrives by e-mail -----------------------------------------------------------------


def muted_topics(db: Session, user_id: uuid.UUID) -> frozenset[Topic]:
    return _topics(db.scalar(select(NoticeMail.muted).where(NoticeMail.user_id == user_id)))


def _topics(muted: str | None) -> frozenset[Topic]:
    return frozenset(Topic(t) for t in (muted or "").split(",") if t in Topic._value2member_map_)


def mail_topics(ctx: Context, actor: Actor) -> frozenset[Topic]:
    """The topics that reach this person by e-mail."""
    with ctx.unit_of_work() as db:
        return frozenset(Topic) - muted_topics(db, actor.user_id)


def choose_mail_topics(ctx: Context, actor: Actor, wanted: Iterable[str]) -> frozenset[Topic]:
    """Keep what this person wants by e-mail; a topic not offered is ignored. Everything keeps
    reaching the start page either way."""
    chosen = frozenset(Topic(t) for t in wanted if t in Topic._value2member_map_)
    muted = ",".join(sorted(t.value for t in Topic if t not in chosen))
    with ctx.unit_of_work() as db:
        row = db.get(NoticeMail, actor.user_id)
        if row is None:
            db.add(NoticeMail(user_id=actor.user_id, muted=muted, changed_at=ctx.now()))
        else:
            row.muted = muted
            row.changed_at = ctx.now()
    return chosen
