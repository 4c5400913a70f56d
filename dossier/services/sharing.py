"""Sharing: grants by section, consent by age, and revocation that really revokes.

A grant waiting for a second approval has no keys; the last approver seals them. Revoking deletes
the grantee's keys at once and rotates every key they held, so a later copy of the database and
their own private key open nothing they lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dossier import consent, crypto
from dossier.actions import READS, Action
from dossier.audit import Event, Outcome, append
from dossier.errors import N_, Conflict, InvalidInput, NotFound
from dossier.models import (
    LIVE_GRANT_STATUSES,
    SERVICE_ROLES,
    AuditEvent,
    ChangeStatus,
    DossierOwner,
    Grant,
    GrantApproval,
    GrantBasis,
    GrantSection,
    GrantStatus,
    Invitation,
    OwnershipChange,
    Permission,
    Role,
    Section,
    User,
)
from dossier.services import approvals, holds, ownership, sealed, validation
from dossier.services.access import Access, resolve, resolve_owner
from dossier.services.content import (
    Place,
    SignedText,
    Trust,
    Untrusted,
    read_signed_text,
    signed_text,
)
from dossier.services.context import Actor, Context, Refused, mail_after_commit
from dossier.services.dossiers import section_infos
from dossier.services.keychain import (
    KeyChain,
    keychain,
    signing_public_key,
    take_over_invitation,
)
from dossier.services.legal_basis import NOT_REFUSABLE
from dossier.services.lifecycle import rules
from dossier.services.mail import Mail
from dossier.services.notices import NoticeKind, grant_words, notify, owner_ids
from dossier.services.rotation import forget_holder, rotate, scopes_of_grant
from dossier.services.sessions import unlock_keyring
from dossier.services.settling import activate, grant_approvals, grant_sections, rotating, settle
from dossier.services.work import dossier_work

MESSAGE_MAX = 2_000
INVITATION_DAYS = 7
PERMISSIONS = tuple(str(permission) for permission in Permission)


@dataclass(frozen=True)
class Person:
    id: uuid.UUID | None
    name: str
    role: str | None
    organisation: str | None
    email: str | None


@dataclass(frozen=True)
class GrantInfo:
    id: uuid.UUID
    dossier_id: uuid.UUID
    grantee: Person
    section_ids: list[uuid.UUID]
    permission: str
    status: str
    basis: str
    since: datetime
    until: datetime | None
    last_access: datetime | None
    approvals: list[str]
    waiting_for: list[str]
    can_approve: bool
    can_revoke: bool


@dataclass(frozen=True)
class OwnerAccess:
    person: Person
    relation: str
    since: datetime
    last_access: datetime | None
    approved_by: list[ownership.Approver]
    can_remove: bool
    made_the_dossier: bool


@dataclass(frozen=True)
class AccessOverview:
    owners: list[OwnerAccess]
    changes: list[ownership.ChangeInfo]
    grants: list[GrantInfo]
    rotation_remaining: int


@dataclass(frozen=True)
class Shared:
    grant_id: uuid.UUID
    status: str
    invitation_code: str | None
    invitation_expires_at: datetime | None


@dataclass(frozen=True)
class Waiting:
    """Something on a dossier this person owns that waits for their yes: a grant, or an
    ownership change (`kind` says which)."""

    dossier_id: uuid.UUID
    grant_id: uuid.UUID
    grantee_name: str
    created_at: datetime
    kind: str = "grant"


# --- helpers ------------------------------------------------------------------------------------


def _message_info(grant_id: uuid.UUID) -> dict[str, object]:
    return {"purpose": "grant-message", "grant": str(grant_id)}


def _message_place(grant: Grant) -> Place:
    """What the owner's signature binds a message to: this grant in this dossier."""
    return sealed.GRANT_MESSAGE.place(grant, None)


def deciding_owner(
    db: Session, ctx: Context, actor: Actor, dossier_id: uuid.UUID, action: Action
) -> Access:
    """An owner whose approval the consent rules require today; anyone else is refused."""
    access = resolve_owner(db, ctx, actor, dossier_id, action)
    if not rules(ctx).may_decide(
        access.relation, access.dossier.subject_birth_date, ctx.now().date()
    ):
        raise access.refuse(action, f"{access.relation} may not decide at this age")
    return access


def _grant_in(db: Session, access: Access, grant_id: uuid.UUID, action: Action) -> Grant:
    """The grant, locked for this unit of work: two owners deciding on it at once take turns,
    and the second sees what the first did."""
    grant = db.get(Grant, grant_id, with_for_update=True, populate_existing=True)
    if grant is None or grant.dossier_id != access.dossier.id:
        raise access.refuse(
            action, "no such grant", NotFound(), object_type="grant", object_id=str(grant_id)
        )
    return grant


def _validate(
    db: Session,
    ctx: Context,
    access: Access,
    section_ids: list[uuid.UUID],
    permission: str,
    expires_at: datetime | None,
    message: str | None,
) -> tuple[list[uuid.UUID], str]:
    errors = validation.Errors()
    readable = set(db.scalars(select(Section.id).where(Section.dossier_id == access.dossier.id)))
    chosen = list(dict.fromkeys(section_ids))
    if not chosen:
        errors.add("section_ids", N_("Choose at least one section."))
    elif any(section_id not in readable for section_id in chosen):
        errors.add("section_ids", N_("Choose sections of this dossier."))
    if permission not in PERMISSIONS:
        errors.add("permission", N_("Choose read or contribute."))
    elif permission == Permission.HELP and expires_at is None:
        errors.add("expires_at", N_("A helper helps for a while: choose an end date."))
    if expires_at is not None and expires_at <= ctx.now():
        errors.add("expires_at", N_("Choose an end date in the future."))
    text = (message or "").strip()
    if len(text) > MESSAGE_MAX:
        errors.add("message", N_("This message is too long."))
    errors.raise_if_any()
    return chosen, text


def _who_may_not_receive(db: Session, dossier_id: uuid.UUID, person: User) -> str | None:
    """Why this person cannot be given access to the dossier, or None. One rule for every way
    in: a share by e-mail and a share link accepted by whoever holds it."""
    if person.role in SERVICE_ROLES:
        return N_(
            "Dossiers cannot be shared with administrators, auditors or client council "
            "members: they look at the service, not at the people in it."
        )
    if person.role == Role.PROFESSIONAL and person.verified_at is None:
        return N_(
            "This professional account is not checked yet. "
            "It can be used once an administrator has checked it."
        )
    if db.scalar(
        select(DossierOwner.id).where(
            DossierOwner.dossier_id == dossier_id, DossierOwner.user_id == person.id
        )
    ):
        return OWNER_ALREADY
    if db.scalar(
        select(Grant.id).where(
            Grant.dossier_id == dossier_id,
            Grant.grantee_id == person.id,
            Grant.status.in_(LIVE_GRANT_STATUSES),
        )
    ):
        return ALREADY_SHARED
    return None


ALREADY_SHARED = N_("This person has access already. Change it on the page who has access.")
OWNER_ALREADY = N_("This person is an owner already.")


def _one_live_grant(db: Session, field: str) -> None:
    """Flush, and turn a second live grant for one person (two forms sent at once) into the
    same clear answer as the check before it."""
    try:
        db.flush()
    except IntegrityError:
        raise InvalidInput({field: [ALREADY_SHARED]}) from None


# --- sharing ------------------------------------------------------------------------------------


def invitation_mail(
    address: str, code: str, permission: str, inviter: str, link: str | None = None
) -> Mail:
    """The code for someone reached by address: who shares, what they may do with it and who
    cannot use it, since the owner was not told. Its link opens the page that says so again and
    keeps the code through making an account or logging in. Dutch first, like the app; never
    any content."""
    what = {
        Permission.READ: "meelezen",
        Permission.CONTRIBUTE: "meelezen en meeschrijven",
        Permission.HELP: "meelezen en helpen met schrijven, als helper",
    }.get(Permission(permission), "meelezen")
    how = (
        f"Open deze link en log in of maak een account:\n\n    {link}\n\n"
        "Of kies na het inloggen 'Ik heb een uitnodigingscode' en vul deze code in:\n\n"
        f"    {code}\n\n"
        if link
        else "Log in of maak een account. Kies dan 'Ik heb een uitnodigingscode' en vul deze "
        f"code in:\n\n    {code}\n\n"
    )
    return Mail(
        address,
        "Er is een dossier met je gedeeld",  # the log names the subject: no name in it
        f"{inviter} wil een deel van een dossier met je delen in Eigen Dossier: je mag "
        f"{what}.\n\n" + how + "De code werkt één keer, 7 dagen lang. Een account van een "
        "beheerder of controleur kan de code niet gebruiken, en een account van een "
        "hulpverlener pas als het is gecontroleerd.\n",
    )


def _recipient(
    db: Session, dossier_id: uuid.UUID, grantee_email: str | None
) -> tuple[User | None, str | None]:
    """Whom a share by e-mail reaches: an account that may receive access, or else the address
    itself, by an invitation code in an e-mail. Whether the address has an account, and of which
    role, is not said to the owner: both answer alike, and the address learns the rest by mail.
    Only someone already in this dossier (an owner, a live grant) is refused: the owner sees
    them on "Who may look?" anyway."""
    if not grantee_email:
        return None, None
    errors = validation.Errors()
    email = validation.email(grantee_email, errors, "grantee_email")
    errors.raise_if_any()
    person = db.scalar(select(User).where(User.email == email))
    problem = _who_may_not_receive(db, dossier_id, person) if person is not None else None
    if problem in (OWNER_ALREADY, ALREADY_SHARED):
        raise InvalidInput({"grantee_email": [problem]})
    if person is not None and problem is None:
        return person, None
    return None, email


def share(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    *,
    grantee_email: str | None,
    section_ids: list[uuid.UUID],
    permission: str,
    expires_at: datetime | None = None,
    message: str | None = None,
    link: Callable[[str], str] | None = None,
) -> Shared:
    """Share sections by e-mail (with the account behind the address, or else through a code
    sent to it, with the page address `link` makes for it) or, without an address, through a
    one-time invitation code for the owner to pass on. Pending until the age rules are
    satisfied."""
    with ctx.unit_of_work() as db:
        access = deciding_owner(db, ctx, actor, dossier_id, Action.GRANT_CREATE)
        return share_in(
            db,
            ctx,
            access,
            grantee_email=grantee_email,
            section_ids=section_ids,
            permission=permission,
            expires_at=expires_at,
            message=message,
            link=link,
        )


def share_in(
    db: Session,
    ctx: Context,
    access: Access,
    *,
    grantee_email: str | None,
    section_ids: list[uuid.UUID],
    permission: str,
    expires_at: datetime | None = None,
    message: str | None = None,
    link: Callable[[str], str] | None = None,
) -> Shared:
    """`share`, inside the caller's unit of work, by an owner who may decide (`deciding_owner`):
    for a use case that shares as part of something else, such as saying yes to a request."""
    actor, dossier_id = access.actor, access.dossier.id
    chosen, text = _validate(db, ctx, access, section_ids, permission, expires_at, message)
    grantee, mail_to = _recipient(db, dossier_id, grantee_email)
    now = ctx.now()
    grant = Grant(
        id=uuid.uuid4(),
        dossier_id=dossier_id,
        grantee_id=grantee.id if grantee else None,
        permission=permission,
        status=GrantStatus.PENDING,
        created_by=actor.user_id,
        created_at=now,
        expires_at=expires_at,
    )
    code = None
    signed = None
    if grantee is None:
        code = crypto.new_recovery_code()
        raw = crypto.parse_recovery_code(code)
        grant.invitation_lookup_hash = crypto.grant_invitation_lookup_hash(raw)
        grant.invitation_public_key = crypto.public_bytes(crypto.grant_invitation_private_key(raw))
        grant.invitation_expires_at = now + timedelta(days=INVITATION_DAYS)
    recipient = grantee.exchange_public_key if grantee else grant.invitation_public_key
    assert recipient is not None  # an invitation's key pair was made just above
    if text:
        grant.message_signed_by = actor.user_id
        signed = signed_text(
            unlock_keyring(db, actor).signing,
            _message_place(grant),
            actor.user_id,
            "message",
            text,
        )
        grant.message_sealed = crypto.seal_to_public_key(signed, recipient, _message_info(grant.id))
    db.add(grant)
    _one_live_grant(db, "grantee_email")
    for section_id in chosen:
        db.add(GrantSection(grant_id=grant.id, section_id=section_id, dossier_id=dossier_id))
    db.add(
        GrantApproval(
            grant_id=grant.id,
            user_id=actor.user_id,
            dossier_id=dossier_id,
            relation=access.relation,
            at=now,
        )
    )
    db.flush()
    append(
        db,
        access.event(
            Action.GRANT_CREATE,
            object_type="grant",
            object_id=str(grant.id),
            reason=f"{permission}, {len(chosen)} sections"
            + (", by e-mail" if grantee_email else ", by invitation"),
        ),
        ctx.origin,
        now,
    )
    if mail_to is not None and code is not None:
        mail_after_commit(
            db,
            invitation_mail(
                mail_to, code, permission, actor.display_name, link(code) if link else None
            ),
        )
        code = None  # only the address sees it
    keys = keychain(db, actor, dossier_id)
    birth = access.dossier.subject_birth_date
    if rules(ctx).approved([access.relation], birth, now.date()):
        activate(db, ctx, access, keys, grant)
    else:
        if consent.GUARDIAN in rules(ctx).required(birth, now.date()) - {access.relation}:
            _hold_for_approvers(db, ctx, access, keys, grant, chosen, signed)
            approvals.tell_approvers(db, ctx, grant)
        for owner in db.scalars(
            select(DossierOwner).where(
                DossierOwner.dossier_id == dossier_id, DossierOwner.user_id != actor.user_id
            )
        ):
            notify(
                db,
                ctx,
                owner.user_id,
                dossier_id,
                NoticeKind.GRANT_WAITING,
                key=f"waiting:{grant.id}",
                **grant_words(db, grant),
            )
    settle(db, ctx, access, keys)  # an owner's change finishes what waited for an owner
    # The end of a code is told only to whoever holds it: for a share by e-mail, the address.
    return Shared(grant.id, grant.status, code, grant.invitation_expires_at if code else None)


def _hold_for_approvers(
    db: Session,
    ctx: Context,
    access: Access,
    keys: KeyChain,
    grant: Grant,
    chosen: list[uuid.UUID],
    message: bytes | None,
) -> None:
    """A sharing that waits for a guardian keeps the grantee's keys ready for a guardian who may
    only approve (see `holds`), and goes to the dossier's approvers at once."""
    names = {info.id: info for info in section_infos(db, keys, access)}
    sections = [
        {"default": names[section_id].name}  # the app's name, translated when shown
        if names[section_id].default_name
        else {"name": names[section_id].name}
        for section_id in chosen
    ]
    owner = db.get(User, access.actor.user_id)
    assert owner is not None
    holds.hold(db, grant, keys, owner, holds.Summary(sections, message), ctx.now())
    approvals.offer_to_approvers(db, grant, access.actor)


def approve(ctx: Context, actor: Actor, dossier_id: uuid.UUID, grant_id: uuid.UUID) -> str:
    with ctx.unit_of_work() as db:
        access = deciding_owner(db, ctx, actor, dossier_id, Action.GRANT_APPROVE)
        grant = _grant_in(db, access, grant_id, Action.GRANT_APPROVE)
        if grant.status != GrantStatus.PENDING:
            raise Conflict(N_("This is not waiting for approval any more."))
        if db.get(GrantApproval, (grant.id, actor.user_id)) is None:
            db.add(
                GrantApproval(
                    grant_id=grant.id,
                    user_id=actor.user_id,
                    dossier_id=dossier_id,
                    relation=access.relation,
                    at=ctx.now(),
                )
            )
            db.flush()
        append(
            db,
            access.event(Action.GRANT_APPROVE, object_type="grant", object_id=str(grant.id)),
            ctx.origin,
            ctx.now(),
        )
        keys = keychain(db, actor, dossier_id)
        if rules(ctx).approved(
            grant_approvals(db, grant), access.dossier.subject_birth_date, ctx.now().date()
        ):
            activate(db, ctx, access, keys, grant)
        settle(db, ctx, access, keys)
        return grant.status


@dataclass(frozen=True)
class Revoked:
    """What stopping a sharing did: whose access ended, and how much re-encryption is left."""

    grantee_name: str
    remaining: int


def revoke(ctx: Context, actor: Actor, dossier_id: uuid.UUID, grant_id: uuid.UUID) -> Revoked:
    """At once: the grantee's keys go, every key they held rotates, older content is re-encrypted
    (what does not fit in this request goes to the worker, or waits for the next owner write).
    Returns what is left."""
    with ctx.unit_of_work() as db:
        access = deciding_owner(db, ctx, actor, dossier_id, Action.GRANT_REVOKE)
        grant = _grant_in(db, access, grant_id, Action.GRANT_REVOKE)
        if grant.status not in LIVE_GRANT_STATUSES:
            raise Conflict(N_("This access has ended already."))
        if grant.basis == GrantBasis.LEGAL:
            # The law gives this access, not the owners' consent: they are told, not asked.
            raise access.refuse(
                Action.GRANT_REVOKE,
                "access on a legal basis",
                Conflict(NOT_REFUSABLE),
                object_type="grant",
                object_id=str(grant.id),
            )
        was_active = grant.status == GrantStatus.ACTIVE
        now = ctx.now()
        grant.status = GrantStatus.REVOKED
        grant.revoked_at = now
        grant.revoked_by = actor.user_id
        holds.drop(db, grant.id)
        keys = keychain(db, actor, dossier_id)
        if was_active:
            forget_holder(
                db,
                dossier_id,
                grant.grantee_id,
                invitation_id=None if grant.grantee_id else grant.id,
            )
            rotate(db, keys, scopes_of_grant(db, grant), now)
        remaining = settle(db, ctx, access, keys)
        append(
            db,
            access.event(
                Action.GRANT_REVOKE,
                object_type="grant",
                object_id=str(grant.id),
                reason="active" if was_active else "pending",
            ),
            ctx.origin,
            now,
        )
        words = {**grant_words(db, grant), "person": actor.display_name}
        if grant.grantee_id is not None:
            notify(
                db,
                ctx,
                grant.grantee_id,
                dossier_id,
                NoticeKind.GRANT_ENDED,
                **words,
                variant="revoked" if was_active else "refused",
            )
        for owner_id in owner_ids(db, dossier_id):
            if owner_id != actor.user_id:
                notify(db, ctx, owner_id, dossier_id, NoticeKind.SHARING_ENDED, **words)
        grantee = db.get(User, grant.grantee_id) if grant.grantee_id else None
        return Revoked(grantee.display_name if grantee else "", remaining)


def change(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    grant_id: uuid.UUID,
    *,
    section_ids: list[uuid.UUID] | None = None,
    expires_at: datetime | None = None,
) -> None:
    """Narrow a grant: fewer sections or an earlier end, at once (like revoking a part). Sharing
    more needs the same consent as sharing anew, so it is done by sharing again."""
    with ctx.unit_of_work() as db:
        access = deciding_owner(db, ctx, actor, dossier_id, Action.GRANT_CHANGE)
        grant = _grant_in(db, access, grant_id, Action.GRANT_CHANGE)
        if grant.status not in LIVE_GRANT_STATUSES:
            raise InvalidInput({"grant": [N_("This access has ended already.")]})
        errors = validation.Errors()
        current = grant_sections(db, grant)
        removed: list[uuid.UUID] = []
        if section_ids is not None:
            wanted = list(dict.fromkeys(section_ids))
            if not wanted:
                errors.add(
                    "section_ids", N_("Keep at least one section, or stop sharing altogether.")
                )
            elif any(section_id not in current for section_id in wanted):
                errors.add(
                    "section_ids", N_("To share more sections, share again: that needs approval.")
                )
            else:
                removed = [section_id for section_id in current if section_id not in wanted]
        if expires_at is not None:
            if expires_at <= ctx.now():
                errors.add("expires_at", N_("Choose an end date in the future."))
            elif grant.expires_at is not None and expires_at > grant.expires_at:
                errors.add(
                    "expires_at", N_("To share for longer, share again: that needs approval.")
                )
        errors.raise_if_any()
        now = ctx.now()
        keys = keychain(db, actor, dossier_id)
        if expires_at is not None:
            grant.expires_at = expires_at
        if removed:
            for section_id in removed:
                db.delete(db.get(GrantSection, (grant.id, section_id)))
            db.flush()
            if grant.status == GrantStatus.ACTIVE:
                scopes = [str(section_id) for section_id in removed]
                forget_holder(
                    db,
                    dossier_id,
                    grant.grantee_id,
                    invitation_id=None if grant.grantee_id else grant.id,
                    scopes=scopes,
                )
                rotate(db, keys, scopes, now)
        settle(db, ctx, access, keys)
        append(
            db,
            access.event(
                Action.GRANT_CHANGE,
                object_type="grant",
                object_id=str(grant.id),
                reason=f"{len(removed)} sections removed"
                + (", end date earlier" if expires_at else ""),
            ),
            ctx.origin,
            now,
        )


def accept_invitation(ctx: Context, actor: Actor, code: str) -> ownership.Joined:
    """Someone new joins through a share link: keys waiting in the code are re-sealed to them."""
    refused = InvalidInput(
        {"code": [N_("This invitation code is not valid. It may be used already or expired.")]}
    )
    try:
        raw = crypto.parse_recovery_code(code)
    except crypto.CryptoError:
        raise refused from None
    with ctx.unit_of_work() as db:
        grant = db.scalar(
            select(Grant)
            .where(Grant.invitation_lookup_hash == crypto.grant_invitation_lookup_hash(raw))
            .with_for_update()
        )
        now = ctx.now()
        if (
            grant is None
            or grant.grantee_id is not None
            or grant.status not in LIVE_GRANT_STATUSES
            or (grant.invitation_expires_at is not None and grant.invitation_expires_at <= now)
        ):
            raise Refused(
                refused,
                Event(
                    action=Action.GRANT_ACCEPT,
                    outcome=Outcome.DENIED,
                    actor_id=actor.user_id,
                    actor_role=actor.role,
                    dossier_id=grant.dossier_id if grant else None,
                    reason="unknown, used or expired",
                ),
            )
        user = db.get(User, actor.user_id)
        assert user is not None
        problem = _who_may_not_receive(db, grant.dossier_id, user)
        if problem:
            raise Refused(
                InvalidInput({"code": [problem]}),
                Event(
                    action=Action.GRANT_ACCEPT,
                    outcome=Outcome.DENIED,
                    actor_id=actor.user_id,
                    actor_role=actor.role,
                    dossier_id=grant.dossier_id,
                    object_type="grant",
                    object_id=str(grant.id),
                    reason="may not receive access",
                ),
            )
        private = crypto.grant_invitation_private_key(raw)
        take_over_invitation(db, grant.dossier_id, grant.id, private, user, share_link=True)
        if grant.message_sealed is not None:
            message = crypto.open_from_public_key(
                grant.message_sealed, private, _message_info(grant.id)
            )
            grant.message_sealed = crypto.seal_to_public_key(
                message, user.exchange_public_key, _message_info(grant.id)
            )
        grant.grantee_id = user.id
        grant.accepted_at = now
        grant.invitation_lookup_hash = None
        # Keys held for an approver were sealed to the code: the sharing now starts at an
        # owner's next change once its approvals suffice, with keys sealed to this account.
        holds.drop(db, grant.id)
        _one_live_grant(db, "code")
        append(
            db,
            Event(
                action=Action.GRANT_ACCEPT,
                actor_id=user.id,
                actor_role=user.role,
                dossier_id=grant.dossier_id,
                object_type="grant",
                object_id=str(grant.id),
                basis=f"grant:{grant.id}",
            ),
            ctx.origin,
            now,
        )
        return ownership.Joined(
            grant.dossier_id, "done" if grant.status == GrantStatus.ACTIVE else "pending"
        )


# --- what people see ----------------------------------------------------------------------------


def _person(user: User | None) -> Person:
    if user is None:
        return Person(None, "", None, None, None)
    return Person(user.id, user.display_name, user.role, user.organisation, user.email)


def _last_access(db: Session, dossier_id: uuid.UUID, user_id: uuid.UUID | None) -> datetime | None:
    if user_id is None:
        return None
    return db.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.dossier_id == dossier_id,
            AuditEvent.actor_id == user_id,
            AuditEvent.action.in_(READS),
            AuditEvent.outcome == "success",
        )
    )


def _info(db: Session, ctx: Context, grant: Grant, access: Access | None) -> GrantInfo:
    approvals = grant_approvals(db, grant)
    birth = access.dossier.subject_birth_date if access else None
    today = ctx.now().date()
    required = rules(ctx).required(birth, today) if birth else frozenset()
    status = (
        consent.state(
            approved=grant.status != GrantStatus.PENDING,
            revoked_at=grant.revoked_at,
            expires_at=grant.expires_at,
            now=ctx.now(),
        )
        if grant.status in LIVE_GRANT_STATUSES
        else consent.State(grant.status)
    )
    deciding = bool(
        access
        and access.is_owner
        and rules(ctx).may_decide(access.relation, access.dossier.subject_birth_date, today)
    )
    # Approvals that suffice by today's rules (a 16th birthday since) still wait for one yes
    # more: only a decider's keys can start the sharing, and a look at this page does not.
    missing = required - set(approvals)
    return GrantInfo(
        id=grant.id,
        dossier_id=grant.dossier_id,
        grantee=_person(db.get(User, grant.grantee_id) if grant.grantee_id else None),
        section_ids=grant_sections(db, grant),
        permission=grant.permission,
        status=str(status),
        basis=grant.basis,
        since=grant.activated_at or grant.created_at,
        until=grant.expires_at,
        last_access=_last_access(db, grant.dossier_id, grant.grantee_id),
        approvals=approvals,
        waiting_for=sorted(missing or required) if status == consent.State.PENDING else [],
        can_approve=deciding
        and status == consent.State.PENDING
        and access is not None
        and (access.relation not in approvals or not missing),
        can_revoke=deciding
        and status in (consent.State.PENDING, consent.State.ACTIVE)
        and grant.basis != GrantBasis.LEGAL,
    )


def grant_info(db: Session, ctx: Context, access: Access, grant_id: uuid.UUID) -> GrantInfo:
    """One grant as "Who may look?" shows it, read inside the caller's unit of work."""
    grant = _grant_in(db, access, grant_id, Action.GRANT_LIST)
    return _info(db, ctx, grant, access)


def owners_of(db: Session, ctx: Context, access: Access) -> list[OwnerAccess]:
    """Every owner as "Who may look?" shows them, read inside the caller's unit of work."""
    dossier_id = access.dossier.id
    deciding = rules(ctx).may_decide(
        access.relation, access.dossier.subject_birth_date, ctx.now().date()
    )
    return [
        OwnerAccess(
            _person(user),
            owner.relation,
            owner.since,
            _last_access(db, dossier_id, user.id),
            ownership.approvers(db, owner.change_id),
            can_remove=owner.relation != consent.SUBJECT
            and (deciding or user.id == access.actor.user_id),
            made_the_dossier=user.id == access.dossier.created_by,
        )
        for owner, user in db.execute(
            select(DossierOwner, User)
            .join(User, User.id == DossierOwner.user_id)
            .where(DossierOwner.dossier_id == dossier_id)
            .order_by(DossierOwner.since)
        )
    ]


def access_overview(db: Session, ctx: Context, access: Access) -> AccessOverview:
    """Who has access, read inside the caller's unit of work (which logs it). Re-encryption that
    is still due is only counted here: a look never settles it (`settling.settle` does)."""
    grants = [
        _info(db, ctx, grant, access)
        for grant in db.scalars(
            select(Grant)
            .where(Grant.dossier_id == access.dossier.id)
            .order_by(Grant.created_at.desc())
        )
    ]
    return AccessOverview(
        owners_of(db, ctx, access),
        ownership.open_changes(db, ctx, access),
        grants,
        rotating(db, access),
    )


def overview(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> AccessOverview:
    """Who has access: every owner and grant, with sections, permission, dates and last access.
    One read, one `grant.list` event."""
    with dossier_work(ctx, actor, dossier_id, Action.GRANT_LIST) as work:
        work.require_owner(Action.GRANT_LIST)
        result = access_overview(work.db, ctx, work.access)
        work.log(Action.GRANT_LIST, object_type="dossier", object_id=str(dossier_id))
        return result


def waiting_for_me(ctx: Context, actor: Actor) -> list[Waiting]:
    """Grants that wait for this person's approval, on any dossier they own."""
    with ctx.unit_of_work() as db:
        return waiting_in(db, ctx, actor)


def waiting_in(db: Session, ctx: Context, actor: Actor) -> list[Waiting]:
    """`waiting_for_me`, inside the caller's unit of work (the start page's)."""
    result = []
    for owner in db.scalars(select(DossierOwner).where(DossierOwner.user_id == actor.user_id)):
        dossier = owner.dossier_id
        for grant in db.scalars(
            select(Grant).where(Grant.dossier_id == dossier, Grant.status == GrantStatus.PENDING)
        ):
            try:
                access = resolve(db, ctx, actor, dossier, Action.GRANT_WAITING)
            except Refused:
                continue
            info = _info(db, ctx, grant, access)
            if info.can_approve:
                result.append(Waiting(dossier, grant.id, info.grantee.name, grant.created_at))
        if not db.scalar(
            select(OwnershipChange.id).where(
                OwnershipChange.dossier_id == dossier,
                OwnershipChange.status == ChangeStatus.PENDING,
            )
        ):
            continue
        try:
            access = resolve(db, ctx, actor, dossier, Action.OWNERSHIP_WAITING)
        except Refused:
            continue
        result += [
            Waiting(dossier, change.id, change.person_name or "", change.created_at, change.kind)
            for change in ownership.open_changes(db, ctx, access)
            if change.can_approve
        ]
    return result


def message_for_me(ctx: Context, actor: Actor, grant_id: uuid.UUID) -> SignedText | None:
    """The personal message that came with a grant, opened with the grantee's own key and checked
    against the signature of the owner who wrote it (logged; one that fails says so). Anyone with
    the database can seal words to a public key, so a message without a signature (written
    before messages were signed) is not shown at all."""
    with ctx.unit_of_work() as db:
        grant = db.get(Grant, grant_id)
        if grant is None or grant.grantee_id != actor.user_id:
            return None
        message = open_message(db, ctx, actor, grant)
        if message is not None:
            append(
                db, _message_event(actor, grant, Action.GRANT_MESSAGE_READ), ctx.origin, ctx.now()
            )
        return message


def _message_event(actor: Actor, grant: Grant, action: Action, **fields: Any) -> Event:
    return Event(
        action=action,
        actor_id=actor.user_id,
        actor_role=actor.role,
        dossier_id=grant.dossier_id,
        object_type="grant",
        object_id=str(grant.id),
        basis=f"grant:{grant.id}",
        **fields,
    )


def open_message(db: Session, ctx: Context, actor: Actor, grant: Grant) -> SignedText | None:
    """The grantee's message, inside the caller's unit of work (which logs reading it); one that
    fails to open or verify is logged as such here."""
    signer = grant.message_signed_by
    if grant.message_sealed is None or signer is None:
        return None
    try:
        return read_signed_text(
            crypto.open_from_public_key(
                grant.message_sealed, unlock_keyring(db, actor).exchange, _message_info(grant.id)
            ),
            _message_place(grant),
            signer,
            signing_public_key(db, signer),
            "message",
        )
    except (crypto.CryptoError, Untrusted):
        untrusted = _message_event(
            actor,
            grant,
            Action.CONTENT_UNTRUSTED,
            outcome=Outcome.ERROR,
            reason="failed to open or verify",
        )
        append(db, untrusted, ctx.origin, ctx.now())
        return SignedText("", Trust.UNTRUSTED)


def message_of_my_grant(db: Session, ctx: Context, access: Access) -> SignedText | None:
    """The message of the grant this access stands on, if any."""
    if access.grant_id is None:
        return None
    grant = db.get(Grant, access.grant_id)
    return open_message(db, ctx, access.actor, grant) if grant is not None else None


def accept_code(ctx: Context, actor: Actor, code: str) -> ownership.Joined:
    """One field for every invitation code: a co-owner invitation, an approver's or a share
    link."""
    try:
        raw = crypto.parse_recovery_code(code)
    except crypto.CryptoError:
        raw = None
    if raw is not None:
        with ctx.unit_of_work() as db:
            is_owner_invitation = db.scalar(
                select(Invitation.id).where(
                    Invitation.lookup_hash == crypto.invitation_lookup_hash(raw)
                )
            )
            is_approver = approvals.find_code(db, raw) is not None
        if is_owner_invitation:
            return ownership.join(ctx, actor, code)
        if is_approver:
            dossier_id = approvals.accept(ctx, actor, raw)
            return ownership.Joined(dossier_id, approvals.JOINED_AS_APPROVER)
    return accept_invitation(ctx, actor, code)


@dataclass(frozen=True)
class InvitationInfo:
    """What an invitation code offers, for the page its link opens: who invites and what the
    invited person will be able to do. Nothing of the dossier itself: its name is sealed, and
    a code alone opens nothing yet."""

    kind: str  # one of INVITATION_KINDS
    inviter: str
    relation: str | None = None  # an owner's invitation: as the young person or as a guardian
    permission: str | None = None  # a share link: read or contribute
    sections: tuple[str, ...] = ()  # a share link: the app-chosen names of its sections
    other_sections: int = 0  # and how many sections have a name of the owner's own
    until: datetime | None = None  # a share link: when the sharing ends, if it does


INVITE_OWNER, INVITE_SHARE, INVITE_APPROVER = "owner", "share", "approver"
INVITATION_KINDS = (INVITE_OWNER, INVITE_SHARE, INVITE_APPROVER)


def invitation_of(ctx: Context, code: str) -> InvitationInfo | None:
    """Whom a code comes from and what it offers, or None for a code that is not (or no longer)
    valid. It reads names of people and nothing of the dossier, so it logs nothing."""
    try:
        raw = crypto.parse_recovery_code(code)
    except crypto.CryptoError:
        return None
    now = ctx.now()
    with ctx.unit_of_work() as db:
        invitation = db.scalar(
            select(Invitation).where(Invitation.lookup_hash == crypto.invitation_lookup_hash(raw))
        )
        if invitation is not None:
            if invitation.used_at is not None or invitation.expires_at <= now:
                return None
            return InvitationInfo(
                INVITE_OWNER, _name_of(db, invitation.created_by), relation=invitation.relation
            )
        approver = approvals.find_code(db, raw)
        if approver is not None:
            if (
                approver.accepted_at is not None
                or approver.ended_at is not None
                or (approver.expires_at is not None and approver.expires_at <= now)
            ):
                return None
            return InvitationInfo(INVITE_APPROVER, _name_of(db, approver.created_by))
        grant = db.scalar(
            select(Grant).where(
                Grant.invitation_lookup_hash == crypto.grant_invitation_lookup_hash(raw)
            )
        )
        if (
            grant is None
            or grant.grantee_id is not None
            or grant.status not in LIVE_GRANT_STATUSES
            or (grant.invitation_expires_at is not None and grant.invitation_expires_at <= now)
        ):
            return None
        names = db.execute(
            select(Section.default_name, Section.name_sealed)
            .join(GrantSection, GrantSection.section_id == Section.id)
            .where(GrantSection.grant_id == grant.id)
            .order_by(Section.position)
        ).all()
        chosen = tuple(name for name, sealed_name in names if name and sealed_name is None)
        return InvitationInfo(
            INVITE_SHARE,
            _name_of(db, grant.created_by),
            permission=grant.permission,
            sections=chosen,
            other_sections=len(names) - len(chosen),
            until=grant.expires_at,
        )


def _name_of(db: Session, user_id: uuid.UUID) -> str:
    return db.scalar(select(User.display_name).where(User.id == user_id)) or ""
