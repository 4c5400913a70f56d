"""Who is on the plan: everyone who may read its section, and what each of them may do with it.

One place for these rules, so pages, the API and the worker agree:
- read: whoever may read the plan's section;
- write a new version, tick off actions, record an evaluation: owners, and those with
  `contribute` on its section (family too: the plan is made with the network);
- mark "I stand behind this plan": owners and professionals on the plan; whose marks make it
  count is `consent.Rules.plan_agreement`;
- tick off one's own action: also whoever the action names.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossier.consent import GUARDIAN, SUBJECT
from dossier.models import (
    DossierOwner,
    Grant,
    GrantBasis,
    GrantSection,
    Permission,
    Role,
    Section,
    User,
)
from dossier.services.access import Access
from dossier.services.keychain import note_signing_keys

OTHER = "other"  # a mark's relation for anyone who is not an owner


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    role: str
    relation: str  # subject, guardian or other
    organisation: str | None = None


def people_on(
    db: Session, dossier_id: uuid.UUID, section_id: uuid.UUID, now: datetime
) -> list[Person]:
    """Owners first, then everyone a sharing lets read the plan's section today, by name. Their
    signing keys are read along, for the page's signature checks (`note_signing_keys`)."""
    owners = db.execute(
        select(
            User.id,
            User.display_name,
            User.role,
            User.organisation,
            User.signing_public_key,
            DossierOwner.relation,
        )
        .join(DossierOwner, DossierOwner.user_id == User.id)
        .where(DossierOwner.dossier_id == dossier_id)
        .order_by(DossierOwner.since)
    ).all()
    grantees = db.execute(
        select(User.id, User.display_name, User.role, User.organisation, User.signing_public_key)
        .join(Grant, Grant.grantee_id == User.id)
        .join(GrantSection, GrantSection.grant_id == Grant.id)
        .where(
            Grant.dossier_id == dossier_id,
            GrantSection.section_id == section_id,
            Grant.counts_at(now),
        )
        .order_by(User.display_name)
    ).all()
    note_signing_keys(db, {row.id: row.signing_public_key for row in [*owners, *grantees]})
    people = [
        Person(row.id, row.display_name, row.role, row.relation, row.organisation) for row in owners
    ]
    seen = {person.id for person in people}
    for row in grantees:
        if row.id not in seen:
            seen.add(row.id)
            people.append(Person(row.id, row.display_name, row.role, OTHER, row.organisation))
    return people


def relation_of(access: Access) -> str:
    return access.relation if access.is_owner and access.relation in (SUBJECT, GUARDIAN) else OTHER


def may_read(access: Access, section: Section) -> bool:
    return access.can_read(section.id)


def may_write(access: Access, section: Section) -> bool:
    return access.can_add_views(section.id)


# Grants the family gave: those who look in an emergency or by law do not mark the family's plan.
MARKING_BASES = (None, GrantBasis.CONSENT, GrantBasis.OWNERSHIP)


def may_mark(access: Access, section: Section) -> bool:
    """Owners and the professionals the family let read the plan say yes or no; a trusted
    helper suggests but never marks, whatever her account."""
    return (
        access.can_read(section.id)
        and access.permission != Permission.HELP
        and access.grant_basis in MARKING_BASES
        and (access.is_owner or access.actor.role == Role.PROFESSIONAL)
    )
