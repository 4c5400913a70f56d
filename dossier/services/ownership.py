"""Owners: adding one, removing one, and destroying the dossier, each by the consent rules.

An owner reads everything and decides, so becoming one is the strongest way in. It is approved by
the same people as a share (by the subject's age on the day), and until then the invitation code
holds no key. Removing an owner rotates every key, as a revocation does. Destruction cannot be
undone: from 12 it waits for the young person's own confirmation, under 12 for every guardian's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dossier import consent, crypto
from dossier.actions import Action
from dossier.audit import Event, Outcome, append
from dossier.errors import N_, Conflict, InvalidInput, NotFound
from dossier.models import (
    LIVE_GRANT_STATUSES,
    OPEN_CHANGE_STATUSES,
    Attachment,
    ChangeKind,
    ChangeStatus,
    CorrectionRequest,
    Dossier,
    DossierOwner,
    Entry,
    EntryPerspective,
    EntryVersion,
    Grant,
    GrantSection,
    GrantStatus,
    Invitation,
    KeyVersion,
    OwnershipApproval,
    OwnershipChange,
    PlanAction,
    PlanEvaluation,
    PlanMark,
    PlanProgress,
    PlanVersion,
    Relation,
    Role,
    SealedKey,
    Section,
    User,
)
from dossier.services import validation
from dossier.services.access import Access, resolve_owner
from dossier.services.context import Actor, Context, Refused, after_commit
from dossier.services.dossiers import subject_name
from dossier.services.keychain import (
    DOSSIER_SCOPE,
    dossier_secrets,
    keychain,
    scope_of,
    seal_to_invitation,
    seal_to_user,
    take_over_invitation,
)
from dossier.services.lifecycle import rules
from dossier.services.notices import NoticeKind, notify
from dossier.services.rotation import forget_holder, mark_due, rotate
from dossier.services.settling import settle

INVITATION_DAYS = 7
INVITATION_REFUSED = N_("This invitation code is not valid. It may be used already or expired.")


@dataclass(frozen=True)
class InvitationTicket:
    code: str
    relation: str
    expires_at: datetime
    status: str  # approved: the code works at once; pending: it waits for approval


@dataclass(frozen=True)
class Joined:
    dossier_id: uuid.UUID
    status: str  # done: an owner now; pending: waiting for approval


@dataclass(frozen=True)
class Decision:
    """What came of proposing or approving a change: carried out, or still waiting."""

    change_id: uuid.UUID
    kind: str
    status: str
    waiting_for: list[str]
    person_name: str | None = None  # whom a removal is about, for the answer to name them


@dataclass(frozen=True)
class Approver:
    name: str
    relation: str
    at: datetime


@dataclass(frozen=True)
class ChangeInfo:
    id: uuid.UUID
    kind: str
    status: str
    relation: str | None
    person_id: uuid.UUID | None
    person_name: str | None
    proposed_by: str
    created_at: datetime
    approvals: list[Approver]
    waiting_for: list[str]  # "subject", "guardian", or the names of the people asked
    can_approve: bool
    can_cancel: bool


# --- the rules, applied ---------------------------------------------------------------------------


def _owner_relations(db: Session, dossier_id: uuid.UUID) -> dict[str, str]:
    return {
        str(user_id): relation
        for user_id, relation in db.execute(
            select(DossierOwner.user_id, DossierOwner.relation).where(
                DossierOwner.dossier_id == dossier_id
            )
        )
    }


def _lock(db: Session, dossier_id: uuid.UUID) -> None:
    """Ownership use cases on one dossier take turns (PostgreSQL; SQLite writers always do), so
    two owners stepping down at once can never leave the dossier without one."""
    db.execute(select(Dossier.id).where(Dossier.id == dossier_id).with_for_update())


def _approvals(db: Session, change: OwnershipChange) -> dict[str, str]:
    return {
        str(user_id): relation
        for user_id, relation in db.execute(
            select(OwnershipApproval.user_id, OwnershipApproval.relation).where(
                OwnershipApproval.change_id == change.id
            )
        )
    }


def _waiting_for(db: Session, ctx: Context, dossier: Dossier, change: OwnershipChange) -> list[str]:
    """Relations (or, for a destruction, owners' ids) whose approval the change still needs."""
    today = ctx.now().date()
    approvals = _approvals(db, change)
    owners = _owner_relations(db, dossier.id)
    policy = rules(ctx)
    if change.kind == ChangeKind.DESTROY:
        return sorted(
            policy.destruction_waits_for(owners, approvals, dossier.subject_birth_date, today)
        )
    if change.kind == ChangeKind.ADD_OWNER:
        required = policy.to_add_owner(change.relation or "", dossier.subject_birth_date, today)
        have = set(approvals.values())
        if change.relation == Relation.GUARDIAN and Relation.GUARDIAN not in owners.values():
            # Nobody else speaks for the guardians: the invited guardian does, by using the code
            # (until then the code holds keys that nobody can use without it).
            have.add(Relation.GUARDIAN)
        return sorted(required - have)
    if change.person_id is not None and str(change.person_id) in approvals:
        return []  # an owner who agrees to leave steps down
    if policy.removal_needs_the_removed(dossier.subject_birth_date, today):
        return [str(change.person_id)]
    required = policy.to_remove_owner(dossier.subject_birth_date, today)
    return sorted(required - set(approvals.values()))


def _may_approve(access: Access, change: OwnershipChange, waiting: list[str]) -> bool:
    """Whether this owner's yes is one the change still waits for. A new owner is approved by
    name: only once the invited person has used the code does anyone else see who it is."""
    if change.kind == ChangeKind.ADD_OWNER and change.person_id is None:
        return False
    if change.kind == ChangeKind.REMOVE_OWNER and change.person_id == access.actor.user_id:
        return True
    return str(access.actor.user_id) in waiting or access.relation in waiting


def _propose(
    db: Session, ctx: Context, access: Access, kind: ChangeKind, **fields: object
) -> OwnershipChange:
    change = OwnershipChange(
        id=uuid.uuid4(),
        dossier_id=access.dossier.id,
        kind=kind,
        status=ChangeStatus.PENDING,
        created_by=access.actor.user_id,
        created_at=ctx.now(),
        **fields,
    )
    db.add(change)
    db.flush()
    return change


def _approve(db: Session, ctx: Context, access: Access, change: OwnershipChange) -> None:
    if db.get(OwnershipApproval, (change.id, access.actor.user_id)) is None:
        db.add(
            OwnershipApproval(
                change_id=change.id,
                user_id=access.actor.user_id,
                dossier_id=change.dossier_id,
                relation=access.relation,
                at=ctx.now(),
            )
        )
        db.flush()


def _tell_the_others(db: Session, ctx: Context, access: Access, kind: NoticeKind) -> None:
    """Every other owner hears of a change that waits, so nothing happens behind their back."""
    for user_id in _owner_relations(db, access.dossier.id):
        if user_id != str(access.actor.user_id):
            notify(db, ctx, uuid.UUID(user_id), access.dossier.id, kind)


def _change_in(
    db: Session, access: Access, change_id: uuid.UUID, action: Action
) -> OwnershipChange:
    change = db.get(OwnershipChange, change_id, with_for_update=True, populate_existing=True)
    if change is None or change.dossier_id != access.dossier.id:
        raise access.refuse(action, "no such change", NotFound(), object_type="change")
    if change.status not in OPEN_CHANGE_STATUSES:
        raise Conflict(N_("This has been decided already."))
    return change


def _carry_out(db: Session, ctx: Context, access: Access, change: OwnershipChange) -> str:
    """Do what the change says once nobody's approval is missing. Returns its new status."""
    if change.kind == ChangeKind.ADD_OWNER:
        return _admit(db, ctx, access, change)
    if change.kind == ChangeKind.REMOVE_OWNER:
        _still_removable(db, change)
        _remove(db, ctx, access, change)
    else:
        _destroy(db, ctx, access)
    change.status = ChangeStatus.DONE
    change.decided_at = ctx.now()
    return change.status


# --- adding an owner ------------------------------------------------------------------------------


def _held_key_versions(
    db: Session, dossier_id: uuid.UUID, holder_id: uuid.UUID
) -> list[KeyVersion]:
    return list(
        db.scalars(
            select(KeyVersion)
            .join(SealedKey, SealedKey.key_version_id == KeyVersion.id)
            .where(KeyVersion.dossier_id == dossier_id, SealedKey.holder_id == holder_id)
        )
    )


def _admit(db: Session, ctx: Context, access: Access, change: OwnershipChange) -> str:
    """Approved: the keys go to the new owner if they joined already, or wait in their code."""
    invitation = db.get(Invitation, change.invitation_id) if change.invitation_id else None
    keys = keychain(db, access.actor, access.dossier.id)
    held = _held_key_versions(db, access.dossier.id, access.actor.user_id)
    now = ctx.now()
    change.decided_at = now
    if change.person_id is None:
        if invitation is None or invitation.expires_at <= now:
            raise Conflict(N_("This invitation has ended. Make a new one."))
        invitation.approved_at = now
        for key_version in held:
            key = keys.key(key_version.section_id, key_version.version)
            seal_to_invitation(db, key_version, key, invitation.id, invitation.public_key)
        change.status = ChangeStatus.APPROVED
        return change.status
    person = db.get(User, change.person_id)
    assert person is not None
    _end_grants_of(db, ctx, access.dossier.id, person.id)
    for key_version in held:
        seal_to_user(db, key_version, keys.key(key_version.section_id, key_version.version), person)
    _make_owner(db, ctx, access.dossier, person, change)
    append(
        db,
        access.event(
            Action.OWNER_ADDED, object_type="user", object_id=str(person.id), reason=change.relation
        ),
        ctx.origin,
        now,
    )
    notify(db, ctx, person.id, access.dossier.id, NoticeKind.OWNER_ADDED)
    return change.status


def _end_grants_of(db: Session, ctx: Context, dossier_id: uuid.UUID, person_id: uuid.UUID) -> None:
    """Someone who becomes an owner holds everything as owner: a grant they had ends, and its
    sealed keys make way for the owner's, so one person never holds two ways in."""
    for grant in db.scalars(
        select(Grant).where(
            Grant.dossier_id == dossier_id,
            Grant.grantee_id == person_id,
            Grant.status.in_(LIVE_GRANT_STATUSES),
        )
    ):
        grant.status = GrantStatus.REVOKED
        grant.revoked_at = ctx.now()
        grant.revoked_by = person_id
    forget_holder(db, dossier_id, person_id)


def _make_owner(
    db: Session, ctx: Context, dossier: Dossier, person: User, change: OwnershipChange
) -> None:
    db.add(
        DossierOwner(
            dossier_id=dossier.id,
            user_id=person.id,
            relation=change.relation,
            since=ctx.now(),
            change_id=change.id,
        )
    )
    if change.relation == Relation.SUBJECT:
        dossier.subject_user_id = person.id
    change.status = ChangeStatus.DONE
    change.decided_at = ctx.now()
    db.flush()
    for owner_id in _owner_relations(db, dossier.id):
        if owner_id != str(person.id):
            notify(
                db,
                ctx,
                uuid.UUID(owner_id),
                dossier.id,
                NoticeKind.OWNER_JOINED,
                name=person.display_name,
            )


def invite_owner(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, relation: str | None = None
) -> InvitationTicket:
    """A one-time code for a co-owner: the young person (from 12, once) or a guardian (while the
    young person is under 16). Single use, seven days; it opens nothing until it is approved."""
    with ctx.unit_of_work() as db:
        access = resolve_owner(db, ctx, actor, dossier_id, Action.INVITATION_CREATE)
        _lock(db, dossier_id)
        dossier = access.dossier
        today = ctx.now().date()
        age = consent.age_on(dossier.subject_birth_date, today)
        if relation is None:
            subject_can_join = dossier.subject_user_id is None and age >= validation.YOUTH_MIN_AGE
            relation = Relation.SUBJECT if subject_can_join else Relation.GUARDIAN
        if relation == Relation.SUBJECT:
            if dossier.subject_user_id is not None:
                raise InvalidInput({"relation": [N_("The young person has joined already.")]})
            if age < validation.YOUTH_MIN_AGE:
                raise InvalidInput({"relation": [N_("Your child can join from 12 years old.")]})
            if _open_invitation_for_the_subject(db, ctx, dossier_id):
                raise InvalidInput(
                    {
                        "relation": [
                            N_(
                                "There is a code for the young person already. Stop it on the "
                                "page who may look, then make a new one."
                            )
                        ]
                    }
                )
        elif relation == Relation.GUARDIAN:
            if not rules(ctx).guardians_own(dossier.subject_birth_date, today):
                raise InvalidInput(
                    {
                        "relation": [
                            N_("From 16 you decide alone. Parents can no longer be co-owners.")
                        ]
                    }
                )
        else:
            raise InvalidInput({"relation": [N_("Choose who you invite.")]})
        code = crypto.new_recovery_code()
        raw = crypto.parse_recovery_code(code)
        private = crypto.invitation_private_key(raw)
        now = ctx.now()
        invitation = Invitation(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            relation=relation,
            lookup_hash=crypto.invitation_lookup_hash(raw),
            public_key=crypto.public_bytes(private),
            created_by=actor.user_id,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        db.add(invitation)
        db.flush()
        change = _propose(
            db, ctx, access, ChangeKind.ADD_OWNER, relation=relation, invitation_id=invitation.id
        )
        if rules(ctx).may_decide(access.relation, dossier.subject_birth_date, today):
            _approve(db, ctx, access, change)
        append(
            db,
            access.event(
                Action.INVITATION_CREATE,
                object_type="invitation",
                object_id=str(invitation.id),
                reason=relation,
            ),
            ctx.origin,
            now,
        )
        waiting = _waiting_for(db, ctx, dossier, change)
        if not waiting:
            _admit(db, ctx, access, change)
        else:
            _tell_the_others(db, ctx, access, NoticeKind.OWNER_WAITING)
        return InvitationTicket(
            code=code,
            relation=relation,
            expires_at=invitation.expires_at,
            status=ChangeStatus.APPROVED if not waiting else ChangeStatus.PENDING,
        )


def _open_invitation_for_the_subject(db: Session, ctx: Context, dossier_id: uuid.UUID) -> bool:
    """One code at a time can make someone the young person of a dossier."""
    return (
        db.scalar(
            select(Invitation.id).where(
                Invitation.dossier_id == dossier_id,
                Invitation.relation == Relation.SUBJECT,
                Invitation.used_at.is_(None),
                Invitation.expires_at > ctx.now(),
            )
        )
        is not None
    )


def join(ctx: Context, actor: Actor, code: str) -> Joined:
    """Accept an invitation. Approved: the keys sealed to the code are re-sealed to the new
    co-owner. Not yet: they wait, holding nothing, until the last approver seals the keys."""
    try:
        raw = crypto.parse_recovery_code(code)
    except crypto.CryptoError:
        raise InvalidInput({"code": [INVITATION_REFUSED]}) from None
    with ctx.unit_of_work() as db:
        invitation = db.scalar(
            select(Invitation).where(Invitation.lookup_hash == crypto.invitation_lookup_hash(raw))
        )
        if invitation is not None:
            _lock(db, invitation.dossier_id)
            db.refresh(invitation)
        refusal_event = Event(
            action=Action.INVITATION_ACCEPT,
            outcome=Outcome.DENIED,
            actor_id=actor.user_id,
            actor_role=actor.role,
            dossier_id=invitation.dossier_id if invitation else None,
            object_type="invitation",
            object_id=str(invitation.id) if invitation else None,
        )
        if (
            invitation is None
            or invitation.used_at is not None
            or invitation.expires_at <= ctx.now()
        ):
            raise Refused(
                InvalidInput({"code": [INVITATION_REFUSED]}),
                replace(refusal_event, reason="unknown, used or expired"),
            )
        user = db.get(User, actor.user_id)
        dossier = db.get(Dossier, invitation.dossier_id)
        change = db.scalar(
            select(OwnershipChange).where(OwnershipChange.invitation_id == invitation.id)
        )
        assert user is not None and dossier is not None
        if change is None or change.status not in OPEN_CHANGE_STATUSES:
            raise Refused(
                InvalidInput({"code": [INVITATION_REFUSED]}),
                replace(refusal_event, reason="no open change for this invitation"),
            )
        problem = None
        if db.scalar(
            select(DossierOwner.id).where(
                DossierOwner.dossier_id == dossier.id, DossierOwner.user_id == user.id
            )
        ):
            problem = N_("You are already an owner of this dossier.")
        elif db.scalar(
            select(OwnershipChange.id).where(
                OwnershipChange.dossier_id == dossier.id,
                OwnershipChange.kind == ChangeKind.ADD_OWNER,
                OwnershipChange.person_id == user.id,
                OwnershipChange.status.in_(OPEN_CHANGE_STATUSES),
            )
        ):
            problem = N_("You are waiting for the owners' yes already.")
        elif invitation.relation == Relation.SUBJECT and dossier.subject_user_id is not None:
            problem = N_("The young person has joined this dossier already.")
        elif invitation.relation == Relation.SUBJECT and (
            user.role != Role.YOUTH or user.birth_date != dossier.subject_birth_date
        ):
            problem = N_(
                "This invitation is for the young person the dossier is about. "
                "Log in with their account, with the same date of birth."
            )
        elif invitation.relation == Relation.GUARDIAN and user.role != Role.PARENT:
            problem = N_(
                "This invitation is for a parent or guardian. Log in with a parent account."
            )
        if problem:
            raise Refused(
                InvalidInput({"code": [problem]}),
                replace(refusal_event, reason="wrong account"),
            )
        now = ctx.now()
        invitation.used_at = now
        invitation.used_by = user.id
        change.person_id = user.id
        if invitation.approved_at is not None:
            _end_grants_of(db, ctx, dossier.id, user.id)
            take_over_invitation(
                db, dossier.id, invitation.id, crypto.invitation_private_key(raw), user
            )
            _make_owner(db, ctx, dossier, user, change)
        append(
            db,
            Event(
                action=Action.INVITATION_ACCEPT,
                actor_id=user.id,
                actor_role=user.role,
                dossier_id=dossier.id,
                object_type="invitation",
                object_id=str(invitation.id),
                reason=invitation.relation
                + ("" if change.status == ChangeStatus.DONE else ", waiting for approval"),
                basis=f"invitation:{invitation.id}",
            ),
            ctx.origin,
            now,
        )
        if change.status != ChangeStatus.DONE:
            waiting = _waiting_for(db, ctx, dossier, change)
            for owner_id, relation in _owner_relations(db, dossier.id).items():
                if relation in waiting:
                    notify(db, ctx, uuid.UUID(owner_id), dossier.id, NoticeKind.OWNER_WAITING)
        return Joined(dossier.id, str(change.status))


# --- deciding on a waiting change -----------------------------------------------------------------


def approve(ctx: Context, actor: Actor, dossier_id: uuid.UUID, change_id: uuid.UUID) -> Decision:
    """One more yes; the last one needed carries the change out in the same transaction."""
    with ctx.unit_of_work() as db:
        access = resolve_owner(db, ctx, actor, dossier_id, Action.OWNERSHIP_APPROVE)
        _lock(db, dossier_id)
        change = _change_in(db, access, change_id, Action.OWNERSHIP_APPROVE)
        if change.status != ChangeStatus.PENDING:
            raise Conflict(N_("This has been decided already."))
        if change.kind == ChangeKind.DESTROY:
            raise Conflict(N_("To confirm a destruction, type the name, as when it was asked for."))
        if change.kind == ChangeKind.ADD_OWNER and change.person_id is None:
            raise Conflict(
                N_("Wait until the invited person has used the code: then you see who it is.")
            )
        waiting = _waiting_for(db, ctx, access.dossier, change)
        if not _may_approve(access, change, waiting):
            raise access.refuse(
                Action.OWNERSHIP_APPROVE,
                "not asked to approve",
                object_type="change",
                object_id=str(change.id),
            )
        _approve(db, ctx, access, change)
        append(
            db,
            access.event(
                Action.OWNERSHIP_APPROVE,
                object_type="change",
                object_id=str(change.id),
                reason=change.kind,
            ),
            ctx.origin,
            ctx.now(),
        )
        waiting = _waiting_for(db, ctx, access.dossier, change)
        status = _carry_out(db, ctx, access, change) if not waiting else change.status
        return Decision(change.id, change.kind, str(status), waiting)


def cancel(ctx: Context, actor: Actor, dossier_id: uuid.UUID, change_id: uuid.UUID) -> None:
    """Withdraw or object: whoever proposed the change, and anyone whose yes it needs, may stop
    it while it waits. An approved invitation nobody used yet loses its keys."""
    with ctx.unit_of_work() as db:
        access = resolve_owner(db, ctx, actor, dossier_id, Action.OWNERSHIP_CANCEL)
        _lock(db, dossier_id)
        change = _change_in(db, access, change_id, Action.OWNERSHIP_CANCEL)
        if not _may_cancel(ctx, access, change):
            raise access.refuse(
                Action.OWNERSHIP_CANCEL,
                "may not decide on this",
                object_type="change",
                object_id=str(change.id),
            )
        change.status = ChangeStatus.CANCELLED
        change.decided_at = ctx.now()
        if change.invitation_id is not None:
            invitation = db.get(Invitation, change.invitation_id)
            if invitation is not None:
                invitation.expires_at = min(invitation.expires_at, ctx.now())
                forget_holder(db, dossier_id, None, invitation_id=invitation.id)
        append(
            db,
            access.event(
                Action.OWNERSHIP_CANCEL,
                object_type="change",
                object_id=str(change.id),
                reason=change.kind,
            ),
            ctx.origin,
            ctx.now(),
        )
        _tell_the_others(db, ctx, access, NoticeKind.OWNERSHIP_CANCELLED)


def _may_cancel(ctx: Context, access: Access, change: OwnershipChange) -> bool:
    """Whoever asked may withdraw; every owner may object to a destruction, and the person to be
    removed to their removal; otherwise those who decide on sharing today."""
    if change.created_by == access.actor.user_id or change.kind == ChangeKind.DESTROY:
        return True
    if change.kind == ChangeKind.REMOVE_OWNER and change.person_id == access.actor.user_id:
        return True
    return rules(ctx).may_decide(
        access.relation, access.dossier.subject_birth_date, ctx.now().date()
    )


# --- removing an owner ----------------------------------------------------------------------------


def remove_owner(ctx: Context, actor: Actor, dossier_id: uuid.UUID, user_id: uuid.UUID) -> Decision:
    """Take an owner away, by the same rule as sharing; a guardian may also step down alone.
    Carried out, every key they held rotates, as when a share is revoked."""
    with ctx.unit_of_work() as db:
        access = resolve_owner(db, ctx, actor, dossier_id, Action.OWNER_REMOVE)
        _lock(db, dossier_id)
        target = db.scalar(
            select(DossierOwner).where(
                DossierOwner.dossier_id == dossier_id, DossierOwner.user_id == user_id
            )
        )
        if target is None:
            raise access.refuse(
                Action.OWNER_REMOVE,
                "not an owner",
                NotFound(),
                object_type="user",
                object_id=str(user_id),
            )
        if target.relation == Relation.SUBJECT:
            raise InvalidInput(
                {"owner": [N_("The young person the dossier is about always stays its owner.")]}
            )
        if len(_owner_relations(db, dossier_id)) == 1:
            raise InvalidInput(
                {
                    "owner": [
                        N_(
                            "A dossier needs an owner. Invite someone else first, "
                            "or destroy the dossier."
                        )
                    ]
                }
            )
        stepping_down = user_id == actor.user_id
        today = ctx.now().date()
        if not stepping_down and not rules(ctx).may_decide(
            access.relation, access.dossier.subject_birth_date, today
        ):
            raise access.refuse(
                Action.OWNER_REMOVE, f"{access.relation} may not decide at this age"
            )
        change = db.scalar(
            select(OwnershipChange).where(
                OwnershipChange.dossier_id == dossier_id,
                OwnershipChange.kind == ChangeKind.REMOVE_OWNER,
                OwnershipChange.person_id == user_id,
                OwnershipChange.status == ChangeStatus.PENDING,
            )
        ) or _propose(
            db, ctx, access, ChangeKind.REMOVE_OWNER, relation=target.relation, person_id=user_id
        )
        _approve(db, ctx, access, change)
        append(
            db,
            access.event(
                Action.OWNER_REMOVE,
                object_type="user",
                object_id=str(user_id),
                reason="steps down" if stepping_down else "proposed",
            ),
            ctx.origin,
            ctx.now(),
        )
        waiting = _waiting_for(db, ctx, access.dossier, change)
        name = _name(db, user_id)
        if waiting:
            _tell_the_others(db, ctx, access, NoticeKind.OWNER_WAITING)
            return Decision(change.id, change.kind, str(change.status), waiting, name)
        return Decision(change.id, change.kind, _carry_out(db, ctx, access, change), [], name)


def _still_removable(db: Session, change: OwnershipChange) -> None:
    """A removal approved later must still make sense now: the person is an owner, not the
    young person, and not the last one."""
    owners = _owner_relations(db, change.dossier_id)
    relation = owners.get(str(change.person_id))
    if relation is None or relation == Relation.SUBJECT or len(owners) == 1:
        raise Conflict(N_("This no longer fits who owns the dossier. Nothing was changed."))


def _remove(db: Session, ctx: Context, access: Access, change: OwnershipChange) -> None:
    dossier_id = access.dossier.id
    assert change.person_id is not None
    db.execute(
        delete(DossierOwner).where(
            DossierOwner.dossier_id == dossier_id, DossierOwner.user_id == change.person_id
        )
    )
    forget_holder(db, dossier_id, change.person_id)
    _withdraw_codes_of(db, ctx, dossier_id, change.person_id)
    now = ctx.now()
    if change.person_id != access.actor.user_id:
        keys = keychain(db, access.actor, dossier_id)
        sections = db.scalars(select(Section.id).where(Section.dossier_id == dossier_id))
        rotate(db, keys, [DOSSIER_SCOPE, *(scope_of(section) for section in sections)], now)
        settle(db, ctx, access, keys)
    else:
        _rotate_later(db, dossier_id, now)
    append(
        db,
        access.event(
            Action.OWNER_REMOVED,
            object_type="user",
            object_id=str(change.person_id),
            reason=change.relation or "",
        ),
        ctx.origin,
        now,
    )
    notify(db, ctx, change.person_id, dossier_id, NoticeKind.OWNER_REMOVED)


def _withdraw_codes_of(
    db: Session, ctx: Context, dossier_id: uuid.UUID, person_id: uuid.UUID
) -> None:
    """Codes a removed owner made must not let them back in: their unused owner invitations and
    share links nobody accepted yet end now, with the keys sealed to them."""
    now = ctx.now()
    for invitation in db.scalars(
        select(Invitation).where(
            Invitation.dossier_id == dossier_id,
            Invitation.created_by == person_id,
            Invitation.used_at.is_(None),
        )
    ):
        invitation.expires_at = min(invitation.expires_at, now)
        forget_holder(db, dossier_id, None, invitation_id=invitation.id)
    for change in db.scalars(
        select(OwnershipChange).where(
            OwnershipChange.dossier_id == dossier_id,
            OwnershipChange.created_by == person_id,
            OwnershipChange.status.in_(OPEN_CHANGE_STATUSES),
        )
    ):
        change.status = ChangeStatus.CANCELLED
        change.decided_at = now
    for link in db.scalars(
        select(Grant).where(
            Grant.dossier_id == dossier_id,
            Grant.created_by == person_id,
            Grant.grantee_id.is_(None),
            Grant.status.in_(LIVE_GRANT_STATUSES),
        )
    ):
        link.status = GrantStatus.REVOKED
        link.revoked_at = now
        forget_holder(db, dossier_id, None, invitation_id=link.id)


def _rotate_later(db: Session, dossier_id: uuid.UUID, now: datetime) -> None:
    """An owner who steps down holds no key of the others: the next owner action rotates."""
    sections = db.scalars(select(Section.id).where(Section.dossier_id == dossier_id))
    mark_due(db, dossier_id, [DOSSIER_SCOPE, *(scope_of(section) for section in sections)], now)


# --- destruction ---------------------------------------------------------------------------------

_DOSSIER_TABLES = (
    PlanEvaluation,
    PlanMark,
    PlanProgress,
    PlanAction,
    PlanVersion,
    CorrectionRequest,
    Attachment,
    EntryPerspective,
    EntryVersion,
    Entry,
    GrantSection,
    Grant,
    OwnershipApproval,
    OwnershipChange,
    Invitation,
    KeyVersion,
    Section,
    DossierOwner,
)

# What the destruction preview counts; each has its dossier_id.
_Counted = (
    Entry
    | EntryVersion
    | EntryPerspective
    | Attachment
    | Section
    | DossierOwner
    | Grant
    | PlanVersion
)


def destruction_preview(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> dict[str, int]:
    """What destroying would take away, so the confirmation can name it."""
    with ctx.unit_of_work() as db:
        resolve_owner(db, ctx, actor, dossier_id, Action.DOSSIER_DESTROY_PREVIEW)
        return destruction_counts(db, dossier_id)


def destruction_counts(db: Session, dossier_id: uuid.UUID) -> dict[str, int]:
    """`destruction_preview`, inside the caller's unit of work."""

    def count(model: type[_Counted]) -> int:
        return db.execute(
            select(func.count()).select_from(model).where(model.dossier_id == dossier_id)
        ).scalar_one()

    return {
        "entries": count(Entry),
        "versions": count(EntryVersion),
        "perspectives": count(EntryPerspective),
        "attachments": count(Attachment),
        "sections": count(Section),
        "plan_versions": count(PlanVersion),
        "people_with_access": count(DossierOwner) + count(Grant),
    }


def who_confirms_destruction(ctx: Context, birth_date: date) -> str:
    """The destruction rule for this age today, in one word the page turns into a sentence:
    `every_guardian`, `subject_and_guardian` or `subject`."""
    today = ctx.now().date()
    policy = rules(ctx)
    if consent.band(birth_date, today) is consent.Band.CHILD:
        return "every_guardian"
    return (
        "subject_and_guardian"
        if consent.GUARDIAN in policy.required(birth_date, today)
        else "subject"
    )


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def destroy(ctx: Context, actor: Actor, dossier_id: uuid.UUID, confirm_name: str) -> Decision:
    """Ask to destroy, or confirm a request that waits. Once everyone the rules name has
    confirmed: crypto-shredding first (every sealed key), then every row. The audit trail stays."""
    with ctx.unit_of_work() as db:
        access = resolve_owner(db, ctx, actor, dossier_id, Action.DOSSIER_DESTROY)
        _lock(db, dossier_id)
        name = subject_name(keychain(db, actor, dossier_id), access.dossier)
        if not _same_name(confirm_name or "", name):
            raise InvalidInput(
                {"confirm": [N_("Type the name exactly as it is shown to confirm.")]}
            )
        change = db.scalar(
            select(OwnershipChange)
            .where(
                OwnershipChange.dossier_id == dossier_id,
                OwnershipChange.kind == ChangeKind.DESTROY,
                OwnershipChange.status == ChangeStatus.PENDING,
            )
            .with_for_update()
        ) or _propose(db, ctx, access, ChangeKind.DESTROY)
        _approve(db, ctx, access, change)
        waiting = _waiting_for(db, ctx, access.dossier, change)
        if waiting:
            append(
                db,
                access.event(
                    Action.DOSSIER_DESTROY_REQUEST, object_type="dossier", object_id=str(dossier_id)
                ),
                ctx.origin,
                ctx.now(),
            )
            _tell_the_others(db, ctx, access, NoticeKind.DESTROY_WAITING)
            return Decision(change.id, change.kind, str(change.status), waiting)
        return Decision(change.id, change.kind, _carry_out(db, ctx, access, change), [])


def _destroy(db: Session, ctx: Context, access: Access) -> None:
    dossier_id = access.dossier.id
    append(
        db,
        access.event(Action.DOSSIER_DESTROY, object_type="dossier", object_id=str(dossier_id)),
        ctx.origin,
        ctx.now(),
    )
    db.execute(delete(SealedKey).where(SealedKey.dossier_id == dossier_id))
    db.flush()
    for model in _DOSSIER_TABLES:
        db.execute(delete(model).where(model.dossier_id == dossier_id))
    db.execute(delete(Dossier).where(Dossier.id == dossier_id))
    # Last, and only once the rows are gone for good: the secret that every backup needs.
    after_commit(db, partial(dossier_secrets(db).destroy, dossier_id))


# --- what owners see ------------------------------------------------------------------------------


def open_changes(db: Session, ctx: Context, access: Access) -> list[ChangeInfo]:
    """Changes that wait, as an owner sees them on "Who may look?"."""
    now = ctx.now()
    result = []
    for change in db.scalars(
        select(OwnershipChange)
        .where(
            OwnershipChange.dossier_id == access.dossier.id,
            OwnershipChange.status.in_(OPEN_CHANGE_STATUSES),
        )
        .order_by(OwnershipChange.created_at)
    ):
        invitation = db.get(Invitation, change.invitation_id) if change.invitation_id else None
        unused = change.kind == ChangeKind.ADD_OWNER and change.person_id is None
        if unused and (invitation is None or invitation.expires_at <= now):
            continue  # an invitation nobody used in time is gone
        waiting = (
            _waiting_for(db, ctx, access.dossier, change)
            if change.status == (ChangeStatus.PENDING)
            else []
        )
        result.append(
            ChangeInfo(
                id=change.id,
                kind=change.kind,
                status=change.status,
                relation=change.relation,
                person_id=change.person_id,
                person_name=_name(db, change.person_id),
                proposed_by=_name(db, change.created_by) or "",
                created_at=change.created_at,
                approvals=approvers(db, change.id),
                waiting_for=[_waiting_label(db, item) for item in waiting],
                can_approve=change.status == ChangeStatus.PENDING
                and _may_approve(access, change, waiting),
                can_cancel=_may_cancel(ctx, access, change),
            )
        )
    return result


def approvers(db: Session, change_id: uuid.UUID | None) -> list[Approver]:
    if change_id is None:
        return []
    return [
        Approver(name, relation, at)
        for name, relation, at in db.execute(
            select(User.display_name, OwnershipApproval.relation, OwnershipApproval.at)
            .join(User, User.id == OwnershipApproval.user_id)
            .where(OwnershipApproval.change_id == change_id)
            .order_by(OwnershipApproval.at)
        )
    ]


def _name(db: Session, user_id: uuid.UUID | None) -> str | None:
    return db.scalar(select(User.display_name).where(User.id == user_id)) if user_id else None


def _waiting_label(db: Session, item: str) -> str:
    """A relation stays a relation (the page says it in words); an owner's id becomes a name."""
    if item in (consent.SUBJECT, consent.GUARDIAN):
        return item
    return _name(db, uuid.UUID(item)) or ""
