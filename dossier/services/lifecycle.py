"""What time does to a dossier, applied whenever it is opened: grants end on their date, and on
the subject's 16th birthday the guardians' ownership becomes an ordinary grant."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from dossier import consent
from dossier.actions import Action
from dossier.audit import Event, append
from dossier.models import (
    LIVE_GRANT_STATUSES,
    Dossier,
    DossierOwner,
    Grant,
    GrantSection,
    GrantStatus,
    Permission,
    Section,
    User,
)
from dossier.services import holds
from dossier.services.context import Context
from dossier.services.notices import NoticeKind, notify
from dossier.services.rotation import forget_holder, mark_due, scopes_of_grant


def rules(ctx: Context) -> consent.Rules:
    return consent.Rules(youth_alone_12_15=ctx.settings.youth_alone_12_15)


def sweep_due(
    dossier_id: ColumnElement[uuid.UUID], now: ColumnElement[datetime]
) -> ColumnElement[bool]:
    """Whether the sweep may find anything: a grant whose end has come, or a guardian owner
    (whose ownership ends at the subject's 16th birthday). Asked beside other questions, so a
    dossier with nothing to sweep costs no statement of its own."""
    ended = select(Grant.id).where(Grant.dossier_id == dossier_id, *_ended(now))
    guardians = select(DossierOwner.id).where(
        DossierOwner.dossier_id == dossier_id, DossierOwner.relation == consent.GUARDIAN
    )
    return or_(exists(ended), exists(guardians))


def sweep(db: Session, ctx: Context, dossier: Dossier) -> bool:
    """True when it changed who owns the dossier."""
    expire_due(db, ctx, dossier)
    return apply_sixteenth_birthday(db, ctx, dossier)


def sweep_by_id(ctx: Context, dossier_id: uuid.UUID, db: Session) -> None:
    """The sweep in a transaction of its own, such as the one that logs a refused request."""
    dossier = db.get(Dossier, dossier_id)
    if dossier is not None:
        sweep(db, ctx, dossier)


def sweep_everywhere(ctx: Context) -> int:
    """What time did to dossiers nobody opened: the worker runs this, so an ended grant loses
    its keys on time even when no one looks. One dossier per transaction; returns how many."""
    now = ctx.now()
    with ctx.unit_of_work() as db:
        due = list(db.scalars(select(Grant.dossier_id).where(*_ended(now)).distinct()))
    for dossier_id in due:
        with ctx.unit_of_work() as db:
            dossier = db.get(Dossier, dossier_id)
            if dossier is not None:
                expire_due(db, ctx, dossier)
    return len(due)


def _ended(now: datetime | ColumnElement[datetime]) -> tuple[ColumnElement[bool], ...]:
    """Grants, active or still waiting, whose end date has come."""
    return (
        Grant.status.in_(LIVE_GRANT_STATUSES),
        Grant.expires_at.is_not(None),
        Grant.expires_at <= now,
    )


def expire_due(db: Session, ctx: Context, dossier: Dossier) -> None:
    """Grants past their end lose their keys at once; rotation waits for the next owner action."""
    now = ctx.now()
    for grant in db.scalars(select(Grant).where(Grant.dossier_id == dossier.id, *_ended(now))):
        was_active = grant.status == GrantStatus.ACTIVE
        grant.status = GrantStatus.EXPIRED
        holds.drop(db, grant.id)  # a waiting sharing that ended keeps nothing in hold
        if was_active:
            forget_holder(
                db,
                dossier.id,
                grant.grantee_id,
                invitation_id=None if grant.grantee_id else grant.id,
            )
            mark_due(db, dossier.id, scopes_of_grant(db, grant), now)
            if grant.grantee_id is not None:
                notify(
                    db, ctx, grant.grantee_id, dossier.id, NoticeKind.GRANT_ENDED, reason="expired"
                )
        append(
            db,
            Event(
                action=Action.GRANT_EXPIRE,
                actor_role="system",
                dossier_id=dossier.id,
                object_type="grant",
                object_id=str(grant.id),
                basis=f"grant:{grant.id}",
                reason="end date reached",
            ),
            ctx.origin,
            now,
        )


def apply_sixteenth_birthday(db: Session, ctx: Context, dossier: Dossier) -> bool:
    """From 16 the youth alone decides. Once the youth has joined, each guardian keeps what they
    could see, as a grant the youth controls, and both are told. True when it did so."""
    today = ctx.now().date()
    if (
        rules(ctx).guardians_own(dossier.subject_birth_date, today)
        or dossier.subject_user_id is None
    ):
        return False
    guardians = list(
        db.scalars(
            select(DossierOwner).where(
                DossierOwner.dossier_id == dossier.id, DossierOwner.relation == consent.GUARDIAN
            )
        )
    )
    if not guardians:
        return False
    now = ctx.now()
    sections = list(db.scalars(select(Section.id).where(Section.dossier_id == dossier.id)))
    for owner in guardians:
        # A grant the guardian may still hold from before gives way to the one made now.
        for earlier in db.scalars(
            select(Grant).where(
                Grant.dossier_id == dossier.id,
                Grant.grantee_id == owner.user_id,
                Grant.status.in_(LIVE_GRANT_STATUSES),
            )
        ):
            earlier.status = GrantStatus.REVOKED
            earlier.revoked_at = now
        db.flush()
        grant = Grant(
            id=uuid.uuid4(),
            dossier_id=dossier.id,
            grantee_id=owner.user_id,
            permission=Permission.CONTRIBUTE,
            status=GrantStatus.ACTIVE,
            basis="ownership",
            created_by=dossier.subject_user_id,
            created_at=now,
            activated_at=now,
        )
        db.add(grant)
        db.flush()
        for section_id in sections:
            db.add(GrantSection(grant_id=grant.id, section_id=section_id, dossier_id=dossier.id))
        db.delete(owner)
        guardian = db.get(User, owner.user_id)
        append(
            db,
            Event(
                action=Action.OWNERSHIP_TO_GRANT,
                actor_role="system",
                dossier_id=dossier.id,
                on_behalf_of=dossier.subject_user_id,
                object_type="grant",
                object_id=str(grant.id),
                basis="age 16",
                reason="guardian ownership ends at 16",
            ),
            ctx.origin,
            now,
        )
        notify(db, ctx, owner.user_id, dossier.id, NoticeKind.BIRTHDAY_GUARDIAN)
        notify(
            db,
            ctx,
            dossier.subject_user_id,
            dossier.id,
            NoticeKind.BIRTHDAY_SIXTEEN,
            guardian=guardian.display_name if guardian else "",
        )
    db.flush()
    return True
