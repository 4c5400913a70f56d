"""Who may do what in a dossier: decided here, for pages and API alike, and only here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import Session

from dossier.actions import Action
from dossier.audit import Event, Outcome
from dossier.errors import AccessDenied, DomainError, DossierKeyGone, NotFound
from dossier.models import (
    Dossier,
    DossierOwner,
    Grant,
    GrantSection,
    GrantStatus,
    KeyVersion,
    Permission,
    Perspective,
    Role,
    User,
)
from dossier.services.context import Actor, Context, Refused
from dossier.services.keychain import dossier_secrets
from dossier.services.lifecycle import sweep, sweep_by_id, sweep_due


@dataclass(frozen=True)
class Access:
    """The actor's standing in one dossier, and the basis that will be written in the log."""

    dossier: Dossier
    actor: Actor
    relation: str  # subject, guardian or grantee
    permission: str  # own, read or contribute
    sections: frozenset[uuid.UUID] | None  # None: every section
    grant_id: uuid.UUID | None = None
    grant_basis: str | None = None  # why the grant exists (a GrantBasis); None for owners

    @property
    def is_owner(self) -> bool:
        return self.permission == "own"

    @property
    def basis(self) -> str:
        return f"ownership:{self.relation}" if self.is_owner else f"grant:{self.grant_id}"

    @property
    def perspective(self) -> str:
        if self.is_owner:
            return Perspective.CLIENT
        return (
            Perspective.PROFESSIONAL if self.actor.role == Role.PROFESSIONAL else Perspective.FAMILY
        )

    def can_read(self, section_id: uuid.UUID) -> bool:
        return self.sections is None or section_id in self.sections

    @property
    def may_write_entries(self) -> bool:
        """Owners write entries; of the others, only professionals allowed to contribute."""
        return self.is_owner or (
            self.permission == Permission.CONTRIBUTE and self.actor.role == Role.PROFESSIONAL
        )

    def can_write_entries(self, section_id: uuid.UUID) -> bool:
        if self.is_owner:
            return True
        return (
            self.permission == Permission.CONTRIBUTE
            and self.actor.role == Role.PROFESSIONAL
            and self.can_read(section_id)
        )

    def can_draft(self, section_id: uuid.UUID) -> bool:
        """A trusted helper drafts views and correction requests for the young person."""
        return self.permission == Permission.HELP and self.can_read(section_id)

    def can_add_views(self, section_id: uuid.UUID) -> bool:
        return self.is_owner or (
            self.permission == Permission.CONTRIBUTE and self.can_read(section_id)
        )

    def event(self, action: Action, **fields: Any) -> Event:
        return Event(
            action=action,
            actor_id=self.actor.user_id,
            actor_role=self.actor.role,
            on_behalf_of=self.dossier.subject_user_id,
            dossier_id=self.dossier.id,
            basis=self.basis,
            **fields,
        )

    def refuse(
        self, action: Action, reason: str, error: DomainError | None = None, **fields: Any
    ) -> Refused:
        """A refusal for someone who may know the dossier exists: 403 unless told otherwise."""
        return Refused(
            error or AccessDenied(),
            self.event(action, outcome=Outcome.DENIED, reason=reason, **fields),
        )


def resolve(
    db: Session, ctx: Context, actor: Actor, dossier_id: uuid.UUID, action: Action
) -> Access:
    """The actor's access, or a refusal that looks to a stranger like an absent dossier (404).

    A stranger's request does the same work whether the dossier exists or not, so its answer
    time tells nothing either: who the actor is to the dossier is asked first, by its id alone,
    and only someone with a standing there goes on to its secret, its sweep and the exact rules.
    """
    dossier, relation, known, due = standing(db, actor, dossier_id, ctx.now())
    stranger = Refused(
        NotFound(),
        Event(
            action=action,
            outcome=Outcome.DENIED,
            actor_id=actor.user_id,
            actor_role=actor.role,
            dossier_id=dossier_id if dossier is not None else None,
            object_type="dossier",
            object_id=str(dossier_id),
            reason="no access" if dossier is not None else "no such dossier",
        ),
    )
    if dossier is None or not known:
        raise stranger
    if destroyed(db, dossier_id):
        raise Refused(
            DossierKeyGone(),
            Event(
                action=action,
                outcome=Outcome.DENIED,
                actor_id=actor.user_id,
                actor_role=actor.role,
                dossier_id=dossier_id,
                object_type="dossier",
                object_id=str(dossier_id),
                reason="dossier destroyed: its secret is gone",
            ),
        )
    if due and sweep(db, ctx, dossier):
        relation = db.scalar(_relation(actor, dossier_id))
    if relation is not None:
        return Access(dossier, actor, relation, "own", None)
    grant = active_grant(db, ctx, actor, dossier_id)
    if grant is None:
        # The refusal rolls this transaction back; what the sweep ended must end all the same.
        raise Refused(stranger.error, stranger.event, keep=partial(sweep_by_id, ctx, dossier_id))
    sections = frozenset(
        db.scalars(select(GrantSection.section_id).where(GrantSection.grant_id == grant.id))
    )
    return Access(dossier, actor, "grantee", grant.permission, sections, grant.id, str(grant.basis))


def _relation(actor: Actor, dossier_id: uuid.UUID) -> Select[str]:
    return select(DossierOwner.relation).where(
        DossierOwner.dossier_id == dossier_id, DossierOwner.user_id == actor.user_id
    )


class Standing(NamedTuple):
    dossier: Dossier | None
    relation: str | None  # as an owner
    known: bool  # an owner, or the holder of a grant not yet ended by status
    sweep_due: bool


def _standing_statement() -> Select[Dossier, str | None, bool, bool]:
    dossier_id = bindparam("dossier_id", type_=Dossier.id.type)
    actor_id = bindparam("actor_id", type_=Dossier.id.type)
    relation = select(DossierOwner.relation).where(
        DossierOwner.dossier_id == dossier_id, DossierOwner.user_id == actor_id
    )
    grant = select(Grant.id).where(
        Grant.dossier_id == dossier_id,
        Grant.grantee_id == actor_id,
        Grant.status == GrantStatus.ACTIVE,
        Grant.revoked_at.is_(None),
    )
    return select(
        Dossier,
        relation.scalar_subquery(),
        exists(grant),
        sweep_due(dossier_id, bindparam("now", type_=Grant.expires_at.type)),
    ).where(Dossier.id == dossier_id)


_STANDING = _standing_statement()


def standing(db: Session, actor: Actor, dossier_id: uuid.UUID, now: datetime) -> Standing:
    """Who the actor is to the dossier: everyone whom `resolve` may let in, after the sweep and
    the exact rules, is `known`, and a few more (a grant past its date, say); and whether the
    sweep has work. One statement, which costs the same for a dossier that does not exist."""
    found = db.execute(
        _STANDING, {"dossier_id": dossier_id, "actor_id": actor.user_id, "now": now}
    ).first()
    if found is None:
        return Standing(None, None, False, False)
    dossier, relation, granted, due = found
    return Standing(dossier, relation, relation is not None or bool(granted), bool(due))


def destroyed(db: Session, dossier_id: uuid.UUID) -> bool:
    """Rows without their secret: what a backup from before a destruction brings back. Such a
    dossier can never be opened again, so it is treated as gone everywhere."""
    if dossier_secrets(db).get(dossier_id) is not None:
        return False
    masked = select(KeyVersion.id).where(KeyVersion.dossier_id == dossier_id, KeyVersion.masked)
    return db.scalar(masked.limit(1)) is not None


def active_grant(db: Session, ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> Grant | None:
    """A grant counts while it is active and before its end; professionals only once verified."""
    if actor.role == Role.PROFESSIONAL and not actor.verified:
        return None
    now = ctx.now()
    return db.scalar(
        select(Grant).where(
            Grant.dossier_id == dossier_id,
            Grant.grantee_id == actor.user_id,
            Grant.counts_at(now),
        )
    )


def owners(db: Session, dossier_id: uuid.UUID) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(DossierOwner, DossierOwner.user_id == User.id)
            .where(DossierOwner.dossier_id == dossier_id)
            .order_by(DossierOwner.since)
        )
    )


def resolve_owner(
    db: Session, ctx: Context, actor: Actor, dossier_id: uuid.UUID, action: Action
) -> Access:
    """The actor's access if they own the dossier; anyone else with access is refused (403)."""
    access = resolve(db, ctx, actor, dossier_id, action)
    if not access.is_owner:
        raise access.refuse(action, "not an owner")
    return access
