"""Finishing what waited for an owner's keys: key rotations still due, and grants that the age
rules now find approved (after a 16th birthday, say).

Only an owner's keys can make a new key version or re-encrypt, so this happens inside an owner's
request. It is an explicit step, never a side effect of a read: re-encrypting can take seconds and
writes rows and events nobody asked for by looking. Owner writes that change who may look call
`settle` (sharing, approving, revoking, narrowing, removing an owner); what does not fit in their
time budget goes to `dossier worker` with the keys sealed for the job (`rotation.hand_over`), or,
without a queue, waits for the next such write. Pages only say how much is left (`rotating`).
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dossier.actions import Action
from dossier.audit import append
from dossier.models import (
    Grant,
    GrantApproval,
    GrantSection,
    GrantStatus,
    KeyVersion,
    RotationDue,
    User,
)
from dossier.services import holds, passage_keys
from dossier.services.access import Access
from dossier.services.context import Context
from dossier.services.keychain import (
    KeyChain,
    seal_missing_emergency,
    seal_to_invitation,
    seal_to_user,
)
from dossier.services.lifecycle import rules
from dossier.services.notices import NoticeKind, grant_words, name_of, notify, owner_ids
from dossier.services.rotation import hand_over, settle_due


def grant_approvals(db: Session, grant: Grant) -> list[str]:
    return list(
        db.scalars(select(GrantApproval.relation).where(GrantApproval.grant_id == grant.id))
    )


def grant_sections(db: Session, grant: Grant) -> list[uuid.UUID]:
    return list(
        db.scalars(select(GrantSection.section_id).where(GrantSection.grant_id == grant.id))
    )


def activate(db: Session, ctx: Context, access: Access, keys: KeyChain, grant: Grant) -> None:
    """The last approver seals the keys of the granted sections (and the dossier key)."""
    sections = grant_sections(db, grant)
    grantee = db.get(User, grant.grantee_id) if grant.grantee_id else None
    for key_version in db.scalars(
        select(KeyVersion).where(
            KeyVersion.dossier_id == grant.dossier_id,
            (KeyVersion.section_id.in_(sections)) | (KeyVersion.section_id.is_(None)),
        )
    ):
        key = keys.key(key_version.section_id, key_version.version)
        if grantee is not None:
            seal_to_user(db, key_version, key, grantee)
        elif grant.invitation_public_key is not None:
            seal_to_invitation(
                db, key_version, key, grant.id, grant.invitation_public_key, share_link=True
            )
    holds.drop(db, grant.id)  # an owner's keys started it: nothing waits for an approver
    grant.status = GrantStatus.ACTIVE
    grant.activated_at = ctx.now()
    append(
        db,
        access.event(
            Action.GRANT_ACTIVATE,
            object_type="grant",
            object_id=str(grant.id),
            reason=f"{len(sections)} sections, {grant.permission}",
        ),
        ctx.origin,
        ctx.now(),
    )
    tell_started(db, ctx, grant, access.actor.user_id)


def tell_started(db: Session, ctx: Context, grant: Grant, approver_id: uuid.UUID) -> None:
    """The grantee hears who shared what with them, once for the whole sharing; when someone
    else's yes started it, the owners hear that too."""
    words = grant_words(db, grant)
    if grant.grantee_id is not None:
        notify(
            db,
            ctx,
            grant.grantee_id,
            grant.dossier_id,
            NoticeKind.GRANT_ACTIVE,
            key=f"active:{grant.id}",
            **words,
        )
    if approver_id != grant.created_by:
        approved = {**words, "person": name_of(db, approver_id)}
        for owner_id in owner_ids(db, grant.dossier_id):
            if owner_id != approver_id:
                notify(
                    db,
                    ctx,
                    owner_id,
                    grant.dossier_id,
                    NoticeKind.GRANT_APPROVED,
                    key=f"approved:{grant.id}",
                    **approved,
                )


def settle(db: Session, ctx: Context, access: Access, keys: KeyChain) -> int:
    """Inside an owner's write: rotate what waited for an owner, re-encrypt within the time
    budget and hand the rest over, seal to the emergency key what it lacks, and start grants
    whose approvals now suffice. Returns how many
    key scopes are still being re-encrypted."""
    progress = settle_due(db, keys, ctx.now())
    hand_over(ctx, db, keys, progress)
    seal_missing_emergency(db, keys)  # a dossier from before the emergency key gets its seal
    passage_keys.hand_over(db, keys, ctx.now())  # new readers get the passages not kept from them
    today = ctx.now().date()
    for grant in db.scalars(
        select(Grant).where(
            Grant.dossier_id == access.dossier.id, Grant.status == GrantStatus.PENDING
        )
    ):
        if rules(ctx).approved(
            grant_approvals(db, grant), access.dossier.subject_birth_date, today
        ):
            activate(db, ctx, access, keys, grant)
    return progress.remaining


def rotating(db: Session, access: Access) -> int:
    """How many key scopes are still being re-encrypted: for a page to say so, without doing it.
    Scopes whose rotation has not started yet (it waits for an owner) are not counted."""
    return (
        db.scalar(
            select(func.count())
            .select_from(RotationDue)
            .where(
                RotationDue.dossier_id == access.dossier.id,
                ~RotationDue.scope.like("pending:%"),
            )
        )
        or 0
    )
