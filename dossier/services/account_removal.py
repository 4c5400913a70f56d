"""Removing one's own account, when no dossier depends on it.

What stays true afterwards (DESIGN.md): what she wrote in other people's dossiers stays, signed;
her account row stays as a stub with only its id, role and public keys, so each signature still
verifies, and the name shown is that of a removed account. Her e-mail address, name, birth date
and every private key are gone: nobody can log in with the account or open anything sealed to it.
The log keeps what she did, under the removed account.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from dossier.actions import Action
from dossier.audit import Event, Outcome, append
from dossier.errors import N_, Conflict, InvalidInput, NotFound
from dossier.models import (
    LIVE_GRANT_STATUSES,
    OPEN_CHANGE_STATUSES,
    ChangeStatus,
    CorrectionRequest,
    CorrectionStatus,
    Dossier,
    DossierOwner,
    EmailChange,
    Entry,
    EntryPerspective,
    Grant,
    GrantStatus,
    Notice,
    OwnershipChange,
    Role,
    SealedKey,
    User,
    UserSession,
)
from dossier.services import holds
from dossier.services.context import Actor, Context, Refused, mail_after_commit
from dossier.services.mail import Mail
from dossier.services.rotation import forget_holder, mark_due, scopes_of_grant
from dossier.services.sessions import check_password

# Shown wherever her name was: in the dossiers she wrote in and in "Who looked?". Dutch, like
# every name the app shows as stored.
REMOVED_NAME = "Verwijderd account"

# Why an account cannot be removed yet, each with what to do first.
ABOUT_HER = N_(
    "A dossier is about you. It needs your account. If you want to remove your account, "
    "destroy that dossier first."
)
SOLE_OWNER = N_(
    "You are the only owner of a dossier. Destroy that dossier first, or make someone else an "
    "owner and then step down."
)
CO_OWNER = N_(
    "You own a dossier together with someone else. Step down as owner first, on the page "
    "'Who may look?' of that dossier."
)
OPEN_CORRECTIONS = N_(
    "Someone asked you to correct something you wrote, and waits for your answer. "
    "Answer that request first."
)
STAFF = N_(
    "Accounts of administrators and auditors are removed by whoever runs Eigen Dossier, not here."
)
WRONG_PASSWORD = N_("This is not your current password.")


@dataclass(frozen=True)
class RemovalCheck:
    """What removing the account would do, and what stands in its way, counted."""

    about_her: int  # dossiers about her
    sole_owner: int  # dossiers she alone owns
    co_owner: int  # dossiers she owns with others
    open_corrections: int  # requests that wait for her answer
    staff: bool
    shared_with_her: int  # dossiers she may look in, which she would lose
    texts: int  # entries and views she wrote, which stay

    @property
    def reasons(self) -> list[str]:
        """Each reason the account cannot go yet, as a message id; none when it can."""
        found = [
            (self.staff, STAFF),
            (self.about_her > 0, ABOUT_HER),
            (self.sole_owner > 0, SOLE_OWNER),
            (self.co_owner > 0, CO_OWNER),
            (self.open_corrections > 0, OPEN_CORRECTIONS),
        ]
        return [message for applies, message in found if applies]


def _check(db: Session, user: User) -> RemovalCheck:
    about_her = set(db.scalars(select(Dossier.id).where(Dossier.subject_user_id == user.id)))
    # A dossier about her says so once: she cannot step down from it as an owner, only destroy it.
    owned = db.scalars(select(DossierOwner.dossier_id).where(DossierOwner.user_id == user.id))
    owned_ids = [dossier_id for dossier_id in owned if dossier_id not in about_her]
    owners_per_dossier = {
        dossier_id: owners
        for dossier_id, owners in db.execute(
            select(DossierOwner.dossier_id, func.count())
            .where(DossierOwner.dossier_id.in_(owned_ids))
            .group_by(DossierOwner.dossier_id)
        )
    }
    sole = sum(1 for dossier_id in owned_ids if owners_per_dossier.get(dossier_id, 0) <= 1)

    def count(statement: Select[int]) -> int:
        return db.scalar(statement) or 0

    return RemovalCheck(
        about_her=len(about_her),
        sole_owner=sole,
        co_owner=len(owned_ids) - sole,
        open_corrections=count(
            select(func.count())
            .select_from(CorrectionRequest)
            .where(
                CorrectionRequest.author_id == user.id,
                CorrectionRequest.status == CorrectionStatus.OPEN,
            )
        ),
        staff=user.role not in (Role.YOUTH, Role.PARENT, Role.PROFESSIONAL),
        shared_with_her=count(
            select(func.count(func.distinct(Grant.dossier_id))).where(
                Grant.grantee_id == user.id, Grant.status.in_(LIVE_GRANT_STATUSES)
            )
        ),
        texts=count(select(func.count()).select_from(Entry).where(Entry.author_id == user.id))
        + count(
            select(func.count())
            .select_from(EntryPerspective)
            .where(EntryPerspective.author_id == user.id)
        ),
    )


def _own(db: Session, actor: Actor) -> User:
    user = db.get(User, actor.user_id)
    if user is None or user.removed_at is not None:
        raise NotFound()
    return user


def removal_check(ctx: Context, actor: Actor) -> RemovalCheck:
    """For the page that says what removing would do, before anything is done."""
    with ctx.unit_of_work() as db:
        return _check(db, _own(db, actor))


ACCOUNT_REMOVED = Mail(
    to="",
    subject="Je account bij Eigen Dossier is verwijderd",
    body=(
        "Je account bij Eigen Dossier is verwijderd. Je kunt er niet meer mee inloggen.\n\n"
        "Wat je in dossiers van anderen schreef, staat er nog. Daar staat nu 'Verwijderd "
        "account' bij in plaats van je naam.\n\n"
        "Was jij dit niet? Neem dan meteen contact op met de beheerder van Eigen Dossier.\n"
    ),
)


def remove_account(ctx: Context, actor: Actor, password: str) -> None:
    """Removes the actor's own account, confirmed with the password; refused, with every reason,
    while a dossier depends on it. Every session ends, this one too."""
    if not password:
        raise InvalidInput({"password": [N_("Fill in your password.")]})
    with ctx.unit_of_work() as db:
        user = _own(db, actor)
        if check_password(ctx, user, password) is None:
            raise Refused(
                InvalidInput({"password": [WRONG_PASSWORD]}),
                _event(user, Outcome.DENIED, "wrong password"),
            )
        reasons = _check(db, user).reasons
        if reasons:
            raise Refused(Conflict(reasons[0]), _event(user, Outcome.DENIED, "a dossier needs it"))
        now = ctx.now()
        _end_grants(db, ctx, user, now)
        for change in db.scalars(
            select(OwnershipChange).where(
                OwnershipChange.person_id == user.id,
                OwnershipChange.status.in_(OPEN_CHANGE_STATUSES),
            )
        ):
            change.status = ChangeStatus.CANCELLED
            change.decided_at = now
        db.execute(delete(SealedKey).where(SealedKey.holder_id == user.id))
        db.execute(delete(EmailChange).where(EmailChange.user_id == user.id))
        db.execute(delete(Notice).where(Notice.user_id == user.id))
        db.execute(delete(UserSession).where(UserSession.user_id == user.id))
        address = user.email
        _forget(user, now)
        mail_after_commit(db, Mail(address, ACCOUNT_REMOVED.subject, ACCOUNT_REMOVED.body))
        append(db, _event(user), ctx.origin, now)


def _end_grants(db: Session, ctx: Context, user: User, now: datetime) -> None:
    """Every dossier shared with her stops being shared, and says so in its own log."""
    for grant in db.scalars(
        select(Grant).where(Grant.grantee_id == user.id, Grant.status.in_(LIVE_GRANT_STATUSES))
    ):
        if grant.status == GrantStatus.ACTIVE:
            forget_holder(db, grant.dossier_id, user.id)
            mark_due(db, grant.dossier_id, scopes_of_grant(db, grant), now)
        grant.status = GrantStatus.REVOKED
        grant.revoked_at = now
        grant.revoked_by = user.id
        holds.drop(db, grant.id)
        append(
            db,
            Event(
                action=Action.GRANT_REVOKE,
                actor_id=user.id,
                actor_role=user.role,
                dossier_id=grant.dossier_id,
                object_type="grant",
                object_id=str(grant.id),
                basis=f"grant:{grant.id}",
                reason="account removed",
            ),
            ctx.origin,
            now,
        )


def _forget(user: User, now: datetime) -> None:
    """Keeps the id, role and public keys (so signatures verify); forgets the person."""
    user.email = f"removed:{user.id.hex}"
    user.display_name = REMOVED_NAME
    user.birth_date = None
    user.organisation = None
    user.registration_number = None
    user.language = None
    # Nothing opens the private keys again: both sealed copies go, and no password matches.
    user.keyring_by_password = b""
    user.keyring_by_recovery = b""
    user.auth_verifier = os.urandom(32)
    user.removed_at = now


def _event(user: User, outcome: Outcome = Outcome.SUCCESS, reason: str | None = None) -> Event:
    return Event(
        action=Action.ACCOUNT_REMOVE,
        outcome=outcome,
        actor_id=user.id,
        actor_role=user.role,
        object_type="user",
        object_id=str(user.id),
        reason=reason,
        basis="self",
    )
