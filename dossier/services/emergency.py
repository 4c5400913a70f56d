"""Emergency access (issue 16, part 2): never by one person alone.

Every key version of every dossier is also sealed to the organisation's emergency key (see
`keychain.seal_to_emergency`). Its private half is never stored whole: `create_key` splits it
into Shamir shares, `threshold` of `n`, each sealed to one officer's own account key, and
forgets it. A verified professional files a request (dossier, sections, reason, at most 72
hours); each officer who approves opens their share with the keyring of their own session.
When the `threshold`-th officer approves, the shares are combined in memory, the requested
sections' keys are opened from their emergency seals and sealed to the requester as a grant
with basis "emergency" that ends after the requested hours, and the combined key is dropped.

Between approvals, a share waits for the next officer sealed under the server's job key (in
keys/, beside the database: what the worker already uses to carry rotation keys). That is
acceptable because a held share is bound to one request, opens nothing alone (fewer than
`threshold` shares say nothing about the key), and is deleted when the request is decided or
its time to be approved runs out (`APPROVE_WITHIN`). What it does cost, in plain words: during
that window, someone holding the database, keys/ and the password of one more officer could
combine the key, just as that officer could by approving. Without a pending approval, the
database plus keys/ plus one officer's password opens nothing of any dossier.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.actions import Action
from dossier.audit import Event, Outcome, append
from dossier.days import last_day_of
from dossier.errors import (
    N_,
    AccessDenied,
    Conflict,
    DossierKeyGone,
    InvalidInput,
    NotFound,
    Unavailable,
)
from dossier.models import (
    LIVE_GRANT_STATUSES,
    Dossier,
    EmergencyApproval,
    EmergencyKey,
    EmergencyOfficer,
    EmergencyRequest,
    EmergencyRequestSection,
    EmergencyStatus,
    Grant,
    GrantBasis,
    GrantSection,
    GrantStatus,
    KeyVersion,
    LegalGrantApproval,
    LegalGrantRecord,
    Permission,
    Role,
    SealedKey,
    Section,
    User,
)
from dossier.services import passage_keys, validation
from dossier.services.access import destroyed
from dossier.services.context import (
    Actor,
    Context,
    Refused,
    actor_event,
    actor_refusal,
    require_auditor,
)
from dossier.services.keychain import (
    current_emergency_key,
    open_emergency_seal,
    scope_of,
    seal_to_user,
)
from dossier.services.notices import NoticeKind, name_of, notify, owner_ids, section_refs
from dossier.services.sessions import check_password, unlock_keyring

MAX_HOURS = 72
REASON_MAX = 2000
DEFAULT_THRESHOLD = 2
APPROVE_WITHIN = timedelta(hours=24)
OFFICER_ROLES = (Role.ADMIN, Role.AUDITOR, Role.PROFESSIONAL)
SHARE_PURPOSE = "emergency-share"
HELD_PURPOSE = "emergency/held-share"
OFFICER_BASIS = "emergency officer"
VERDICT_MAX = 4000
WRONG_PASSWORD = N_("This password is not right.")


@dataclass(frozen=True)
class OfficerInfo:
    user_id: uuid.UUID
    email: str
    display_name: str
    role: str
    share_index: int


@dataclass(frozen=True)
class EmergencyKeyInfo:
    id: uuid.UUID
    threshold: int
    created_at: datetime
    officers: list[OfficerInfo]


@dataclass(frozen=True)
class RequestInfo:
    id: uuid.UUID
    dossier_id: uuid.UUID
    requester_id: uuid.UUID
    status: str
    section_ids: list[uuid.UUID]
    hours: int
    threshold: int
    approved_by: list[uuid.UUID]  # officers, in the order they approved
    approve_before: datetime
    grant_id: uuid.UUID | None
    until: datetime | None  # when the emergency grant ends, once it is open


def share_info(emergency_key_id: uuid.UUID, officer_id: uuid.UUID, index: int) -> dict[str, object]:
    """The HPKE `info` of an officer's share: for this key, this officer and this index only."""
    return {
        "purpose": SHARE_PURPOSE,
        "emergency_key": str(emergency_key_id),
        "officer": str(officer_id),
        "index": index,
    }


def _held_context(request_id: uuid.UUID, officer_id: uuid.UUID, index: int) -> dict[str, object]:
    return {"request": str(request_id), "officer": str(officer_id), "index": index}


# --- the key and its officers -------------------------------------------------------------------


def create_key(
    ctx: Context, officer_emails: list[str], threshold: int = DEFAULT_THRESHOLD
) -> EmergencyKeyInfo:
    """Make the emergency key pair, split its private half among the officers, store only the
    public half and the sealed shares. An admin runs this on the server (`dossier emergency
    init`); the officers need not be present, since a share is sealed to their public key."""
    emails = _checked_officers(officer_emails, threshold)
    with ctx.unit_of_work() as db:
        if current_emergency_key(db) is not None:
            raise Conflict(N_("There is an emergency key already."))
        officers = _officer_accounts(db, emails)
        now = ctx.now()
        private_key = crypto.new_exchange_key()
        raw = crypto.private_bytes(private_key)
        row = EmergencyKey(
            id=uuid.uuid4(),
            public_key=crypto.public_bytes(private_key),
            threshold=threshold,
            created_at=now,
        )
        db.add(row)
        db.flush()
        _seal_shares(db, row, raw, officers, now)
        del private_key, raw  # only the shares, sealed, leave this function
        append(
            db,
            Event(
                action=Action.EMERGENCY_KEY_CREATE,
                actor_role="system",
                object_type="emergency_key",
                object_id=str(row.id),
                basis="command line",
                reason=f"{threshold} of {len(officers)} officers",
            ),
            ctx.origin,
            now,
        )
        db.flush()
        return _key_info(db, row)


def _checked_officers(officer_emails: list[str], threshold: int) -> list[str]:
    errors = validation.Errors()
    emails = list(dict.fromkeys(validation.email_key(email) for email in officer_emails))
    if threshold < 2:
        errors.add("threshold", N_("At least two officers must approve together."))
    elif len(emails) < threshold:
        errors.add("officers", N_("Name at least as many officers as must approve together."))
    errors.raise_if_any()
    return emails


def _seal_shares(
    db: Session, row: EmergencyKey, raw: bytes, officers: list[User], now: datetime
) -> None:
    """Split the private half anew and seal one share to each officer's account key."""
    shares = crypto.split_key(raw, row.threshold, len(officers))
    for user, share in zip(officers, shares, strict=True):
        db.add(
            EmergencyOfficer(
                emergency_key_id=row.id,
                user_id=user.id,
                share_index=share.index,
                share_sealed=crypto.seal_to_public_key(
                    share.value,
                    user.exchange_public_key,
                    share_info(row.id, user.id, share.index),
                ),
                designated_at=now,
            )
        )
    del shares


def reshare(
    ctx: Context,
    current_officers: list[tuple[str, str]],
    officer_emails: list[str],
    threshold: int = DEFAULT_THRESHOLD,
) -> EmergencyKeyInfo:
    """Give the emergency key to a new group of officers (someone leaves, someone joins): as
    many current officers as must approve together open their shares with their passwords, the
    key is combined in memory only, split anew among the new officers and forgotten. The key
    itself stays, so every seal to it stays valid; the old shares are deleted, and requests that
    waited with shares of the old split end (their shares no longer fit together)."""
    emails = _checked_officers(officer_emails, threshold)
    with ctx.unit_of_work() as db:
        row = current_emergency_key(db)
        if row is None:
            raise Conflict(N_("Emergency access has not been set up."))
        db.refresh(row, with_for_update=True)
        new_officers = _officer_accounts(db, emails)
        shares: list[crypto.Share] = []
        seen: set[uuid.UUID] = set()
        for email, password in current_officers:
            user = db.scalar(select(User).where(User.email == validation.email_key(email)))
            officer = (
                db.scalar(
                    select(EmergencyOfficer).where(
                        EmergencyOfficer.emergency_key_id == row.id,
                        EmergencyOfficer.user_id == user.id,
                    )
                )
                if user is not None
                else None
            )
            keyring = check_password(ctx, user, password) if user is not None else None
            if officer is None or keyring is None or officer.user_id in seen:
                raise InvalidInput(
                    {"current_officers": [N_("An officer's e-mail address or password is wrong.")]}
                )
            seen.add(officer.user_id)
            shares.append(
                crypto.Share(
                    officer.share_index,
                    crypto.open_from_public_key(
                        officer.share_sealed,
                        keyring.exchange,
                        share_info(row.id, officer.user_id, officer.share_index),
                    ),
                )
            )
        if len(shares) < row.threshold:
            raise InvalidInput(
                {
                    "current_officers": [
                        N_("As many current officers must join as approve together.")
                    ]
                }
            )
        raw = crypto.combine_shares(shares)
        if not crypto.same_bytes(crypto.public_bytes(crypto.exchange_key(raw)), row.public_key):
            raise crypto.CryptoError()
        del shares
        now = ctx.now()
        for old in db.scalars(
            select(EmergencyOfficer).where(EmergencyOfficer.emergency_key_id == row.id)
        ):
            db.delete(old)
        db.flush()
        ended = _end_waiting(db, row.id, now)
        row.threshold = threshold
        _seal_shares(db, row, raw, new_officers, now)
        del raw
        append(
            db,
            Event(
                action=Action.EMERGENCY_KEY_RESHARE,
                actor_role="system",
                object_type="emergency_key",
                object_id=str(row.id),
                basis="command line",
                reason=f"{threshold} of {len(new_officers)} officers, {ended} waiting ended",
            ),
            ctx.origin,
            now,
        )
        db.flush()
        return _key_info(db, row)


def _end_waiting(db: Session, emergency_key_id: uuid.UUID, now: datetime) -> int:
    """Requests and legal records that wait for yeses hold shares of the old split: they end."""
    ended = 0
    for request in db.scalars(
        select(EmergencyRequest).where(
            EmergencyRequest.emergency_key_id == emergency_key_id,
            EmergencyRequest.status == EmergencyStatus.WAITING,
        )
    ):
        for approval in _approvals(db, request.id):
            approval.share_held = None
        request.status, request.decided_at = EmergencyStatus.EXPIRED, now
        ended += 1
    for record in db.scalars(
        select(LegalGrantRecord).where(
            LegalGrantRecord.emergency_key_id == emergency_key_id,
            LegalGrantRecord.status == EmergencyStatus.WAITING,
        )
    ):
        for held in db.scalars(
            select(LegalGrantApproval).where(LegalGrantApproval.record_id == record.id)
        ):
            held.share_held = None
        record.status, record.decided_at = EmergencyStatus.EXPIRED, now
        ended += 1
    return ended


def _officer_accounts(db: Session, emails: list[str]) -> list[User]:
    errors = validation.Errors()
    found = []
    for email in emails:
        user = db.scalar(select(User).where(User.email == email))
        if user is None or user.removed_at is not None:
            errors.add("officers", N_("There is no account with this e-mail address."))
        elif user.role not in OFFICER_ROLES or not user.is_verified:
            errors.add(
                "officers",
                N_("An officer is an administrator, an auditor or a checked professional."),
            )
        else:
            found.append(user)
    errors.raise_if_any()
    return found


def current_key(ctx: Context) -> EmergencyKeyInfo | None:
    """The emergency key that takes new seals, with its officers; None before one is made."""
    with ctx.reading() as db:
        row = current_emergency_key(db)
        return None if row is None else _key_info(db, row)


def _key_info(db: Session, row: EmergencyKey) -> EmergencyKeyInfo:
    officers = [
        OfficerInfo(user.id, user.email, user.display_name, user.role, officer.share_index)
        for officer, user in db.execute(
            select(EmergencyOfficer, User)
            .join(User, User.id == EmergencyOfficer.user_id)
            .where(EmergencyOfficer.emergency_key_id == row.id)
            .order_by(EmergencyOfficer.share_index)
        )
    ]
    return EmergencyKeyInfo(row.id, row.threshold, row.created_at, officers)


# --- requests -----------------------------------------------------------------------------------


def file_request(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    section_ids: list[uuid.UUID],
    reason: str,
    hours: int,
    *,
    names: list[str] | None = None,
) -> RequestInfo:
    """A verified professional asks officers to open sections for at most 72 hours. Sections
    are ids, or the app's own names (`names`: care, health, ...) for a requester who cannot
    see the dossier's sections: the page offers those."""
    errors = validation.Errors()
    cleaned = validation.text(
        reason,
        errors,
        "reason",
        maximum=REASON_MAX,
        required_message=N_("Say why you need access now."),
    )
    if not 1 <= hours <= MAX_HOURS:
        errors.add("hours", N_("Emergency access lasts at most 72 hours."))
    if not section_ids and not names:
        errors.add("sections", N_("Choose at least one section."))
    errors.raise_if_any()
    with ctx.unit_of_work() as db:
        dossier = db.get(Dossier, dossier_id)
        refuse = partial(
            actor_refusal,
            action=Action.EMERGENCY_REQUEST,
            actor=actor,
            dossier=dossier,
            object_type="dossier",
            object_id=str(dossier_id),
        )
        if actor.role != Role.PROFESSIONAL:
            raise refuse(AccessDenied(), reason="not a professional")
        if not actor.verified:
            raise refuse(AccessDenied(), reason="professional not checked yet")
        if dossier is None:
            raise refuse(NotFound(), reason="no such dossier")
        if destroyed(db, dossier_id):
            raise refuse(DossierKeyGone(), reason="dossier destroyed: its secret is gone")
        emergency = current_emergency_key(db)
        if emergency is None:
            raise refuse(
                Conflict(N_("Emergency access has not been set up.")), reason="no emergency key"
            )
        wanted = chosen_sections(db, dossier_id, section_ids, names)
        if _live_grant(db, dossier_id, actor.user_id) is not None:
            raise refuse(
                Conflict(N_("You already have access to this dossier. Ask its owners for more.")),
                reason="already has a sharing",
            )
        if not _sealed_for_emergency(db, dossier_id, wanted, emergency.id):
            raise refuse(
                Conflict(NOT_SEALED_YET), reason="current keys not sealed to the emergency key"
            )
        now = ctx.now()
        request = EmergencyRequest(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            requester_id=actor.user_id,
            emergency_key_id=emergency.id,
            reason=cleaned,
            hours=hours,
            status=EmergencyStatus.WAITING,
            created_at=now,
            approve_before=now + APPROVE_WITHIN,
        )
        db.add(request)
        db.flush()
        for section_id in wanted:
            db.add(
                EmergencyRequestSection(
                    request_id=request.id, section_id=section_id, dossier_id=dossier_id
                )
            )
        append(
            db,
            actor_event(
                Action.EMERGENCY_REQUEST,
                actor,
                dossier,
                object_type="emergency_request",
                object_id=str(request.id),
                basis="emergency request",
                reason=f"{len(wanted)} sections, {hours} hours",
            ),
            ctx.origin,
            now,
        )
        db.flush()
        return _request_info(db, request, emergency.threshold)


def chosen_sections(
    db: Session, dossier_id: uuid.UUID, section_ids: list[uuid.UUID], names: list[str] | None
) -> list[uuid.UUID]:
    """The sections asked for, as ids of this dossier: officers' and requesters' pages offer
    the app's own names (care, health, ...) because they cannot see the dossier's sections."""
    if names:
        section_ids = [
            *section_ids,
            *db.scalars(
                select(Section.id).where(
                    Section.dossier_id == dossier_id,
                    Section.default_name.in_(names),
                    Section.archived_at.is_(None),
                )
            ),
        ]
        if not section_ids:
            raise InvalidInput(
                {"sections": [N_("This dossier has none of the sections you chose.")]}
            )
    known = set(db.scalars(select(Section.id).where(Section.dossier_id == dossier_id)))
    wanted = list(dict.fromkeys(section_ids))
    if not set(wanted) <= known:
        raise InvalidInput({"sections": [N_("Choose sections of this dossier.")]})
    return wanted


def _live_grant(db: Session, dossier_id: uuid.UUID, user_id: uuid.UUID) -> Grant | None:
    return db.scalar(
        select(Grant).where(
            Grant.dossier_id == dossier_id,
            Grant.grantee_id == user_id,
            Grant.status.in_(LIVE_GRANT_STATUSES),
        )
    )


def approve_request(
    ctx: Context, actor: Actor, request_id: uuid.UUID, *, password: str | None = None
) -> RequestInfo:
    """One officer's yes, with their own share; the `threshold`-th yes opens the request.
    With `password` (the page asks for it again), the share opens with the keyring that the
    password opens, not the session's: a yes that opens a dossier is said knowingly."""
    if password is not None and not password:
        raise InvalidInput({"password": [N_("Fill in your password.")]})
    if ctx.job_key is None:
        raise Unavailable()  # the server keys are not loaded: no share can wait safely
    with ctx.unit_of_work() as db:
        request = db.get(EmergencyRequest, request_id, with_for_update=True)
        dossier = db.get(Dossier, request.dossier_id) if request is not None else None
        refuse = partial(
            actor_refusal,
            action=Action.EMERGENCY_APPROVE,
            actor=actor,
            dossier=dossier,
            object_type="emergency_request",
            object_id=str(request_id),
        )
        if request is None or dossier is None:
            raise refuse(NotFound(), reason="no such request")
        officer = db.scalar(
            select(EmergencyOfficer).where(
                EmergencyOfficer.emergency_key_id == request.emergency_key_id,
                EmergencyOfficer.user_id == actor.user_id,
            )
        )
        if officer is None:
            raise refuse(AccessDenied(), reason="not an emergency officer")
        if actor.user_id == request.requester_id:
            raise refuse(AccessDenied(), reason="approving their own request")
        now = ctx.now()
        if request.status == EmergencyStatus.WAITING and request.approve_before <= now:
            raise Refused(
                Conflict(N_("This request waited too long. It has ended.")),
                actor_event(
                    Action.EMERGENCY_APPROVE,
                    actor,
                    dossier,
                    outcome=Outcome.DENIED,
                    object_type="emergency_request",
                    object_id=str(request_id),
                    reason="request past its time",
                ),
                keep=partial(_expire_by_id, ctx, request_id),
            )
        if request.status != EmergencyStatus.WAITING:
            raise refuse(
                Conflict(N_("This request has been decided already.")), reason="already decided"
            )
        if db.get(EmergencyApproval, (request.id, actor.user_id)) is not None:
            raise refuse(
                Conflict(N_("You approved this request already.")), reason="approved twice"
            )
        keyring = None
        if password is not None:
            user = db.get(User, actor.user_id)
            keyring = check_password(ctx, user, password) if user is not None else None
            if keyring is None:
                raise refuse(InvalidInput({"password": [WRONG_PASSWORD]}), reason="wrong password")
        try:
            share = crypto.open_from_public_key(
                officer.share_sealed,
                (keyring or unlock_keyring(db, actor)).exchange,
                share_info(officer.emergency_key_id, actor.user_id, officer.share_index),
            )
        except crypto.CryptoError:
            raise refuse(AccessDenied(), reason="share does not open") from None
        db.add(
            EmergencyApproval(
                request_id=request.id,
                officer_id=actor.user_id,
                dossier_id=request.dossier_id,
                share_index=officer.share_index,
                share_held=crypto.seal(
                    ctx.job_key,
                    share,
                    kind=crypto.Kind.HELD_SHARE,
                    purpose=HELD_PURPOSE,
                    context=_held_context(request.id, actor.user_id, officer.share_index),
                ),
                at=now,
            )
        )
        del share
        db.flush()
        append(
            db,
            actor_event(
                Action.EMERGENCY_APPROVE,
                actor,
                dossier,
                object_type="emergency_request",
                object_id=str(request.id),
                basis=OFFICER_BASIS,
            ),
            ctx.origin,
            now,
        )
        emergency = db.get(EmergencyKey, request.emergency_key_id)
        assert emergency is not None  # a request's key row is never deleted
        approvals = _approvals(db, request.id)
        if len(approvals) >= emergency.threshold:
            _open(db, ctx, actor, dossier, request, emergency, approvals)
        db.flush()
        return _request_info(db, request, emergency.threshold)


NOT_SEALED_YET = N_(
    "This dossier cannot be opened in an emergency yet: its owners have not used it since "
    "emergency access was set up. Ask its owners."
)


def sections_of(db: Session, request_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        db.scalars(
            select(EmergencyRequestSection.section_id).where(
                EmergencyRequestSection.request_id == request_id
            )
        )
    )


def _sealed_for_emergency(
    db: Session, dossier_id: uuid.UUID, sections: list[uuid.UUID], emergency_id: uuid.UUID
) -> bool:
    """Whether the newest key of the dossier and of each section is sealed to the emergency key:
    a dossier made before the key gets its seals only at its owners' next change, and until then
    an emergency would open nothing that could be read."""
    for section_id in [None, *sections]:
        newest = db.scalar(
            select(KeyVersion)
            .where(
                KeyVersion.dossier_id == dossier_id,
                KeyVersion.scope == scope_of(section_id),
            )
            .order_by(KeyVersion.version.desc())
            .limit(1)
        )
        if newest is None:
            return False
        sealed = db.scalar(
            select(SealedKey.key_version_id).where(
                SealedKey.key_version_id == newest.id, SealedKey.emergency_key_id == emergency_id
            )
        )
        if sealed is None:
            return False
    return True


def _approvals(db: Session, request_id: uuid.UUID) -> list[EmergencyApproval]:
    return list(
        db.scalars(
            select(EmergencyApproval)
            .where(EmergencyApproval.request_id == request_id)
            .order_by(EmergencyApproval.at, EmergencyApproval.share_index)
        )
    )


def _open(
    db: Session,
    ctx: Context,
    actor: Actor,
    dossier: Dossier,
    request: EmergencyRequest,
    emergency: EmergencyKey,
    approvals: list[EmergencyApproval],
) -> None:
    """Combine the held shares in memory, seal the requested keys to the requester as an
    emergency grant, delete the held shares, and forget the combined key."""
    assert ctx.job_key is not None
    requester = db.get(User, request.requester_id)
    if requester is None or _live_grant(db, dossier.id, request.requester_id) is not None:
        raise actor_refusal(
            Conflict(N_("The person who asked has access to this dossier already.")),
            Action.EMERGENCY_OPEN,
            actor,
            dossier,
            reason="requester already has a sharing",
            object_type="emergency_request",
            object_id=str(request.id),
        )
    shares = [
        crypto.Share(
            approval.share_index,
            crypto.open_sealed(
                ctx.job_key,
                approval.share_held,
                kind=crypto.Kind.HELD_SHARE,
                purpose=HELD_PURPOSE,
                context=_held_context(request.id, approval.officer_id, approval.share_index),
            ),
        )
        for approval in approvals
        if approval.share_held is not None
    ]
    if not _sealed_for_emergency(db, dossier.id, sections_of(db, request.id), emergency.id):
        raise actor_refusal(
            Conflict(NOT_SEALED_YET),
            Action.EMERGENCY_OPEN,
            actor,
            dossier,
            reason="current keys not sealed to the emergency key",
            object_type="emergency_request",
            object_id=str(request.id),
        )
    now = ctx.now()
    sections = sections_of(db, request.id)
    grant = grant_from_shares(
        db,
        emergency,
        shares,
        dossier,
        requester,
        sections,
        basis=GrantBasis.EMERGENCY,
        created_by=actor.user_id,
        now=now,
        expires_at=now + timedelta(hours=request.hours),
    )
    del shares
    for approval in approvals:
        approval.share_held = None
    request.status = EmergencyStatus.OPENED
    request.decided_at = now
    request.grant_id = grant.id
    _tell_opened(db, ctx, dossier, request, grant, sections, approvals)
    append(
        db,
        actor_event(
            Action.EMERGENCY_OPEN,
            actor,
            dossier,
            object_type="grant",
            object_id=str(grant.id),
            basis=f"emergency:{request.id}",
            reason=f"{len(sections)} sections, {request.hours} hours, {len(approvals)} officers",
        ),
        ctx.origin,
        now,
    )


def grant_from_shares(
    db: Session,
    emergency: EmergencyKey,
    shares: list[crypto.Share],
    dossier: Dossier,
    grantee: User,
    sections: list[uuid.UUID],
    *,
    basis: str,
    created_by: uuid.UUID,
    now: datetime,
    expires_at: datetime,
) -> Grant:
    """What k officers' yes opens, for an emergency or on a legal basis: the shares combined in
    memory (checked against the key's public half, so a tampered share opens nothing), the
    sections' keys (and the dossier key, for names) sealed to the grantee as a read grant that
    ends at `expires_at`; the combined key is forgotten before this returns."""
    private_key = crypto.exchange_key(crypto.combine_shares(shares))
    if not crypto.same_bytes(crypto.public_bytes(private_key), emergency.public_key):
        raise crypto.CryptoError()
    grant = Grant(
        id=uuid.uuid4(),
        dossier_id=dossier.id,
        grantee_id=grantee.id,
        permission=Permission.READ,
        status=GrantStatus.ACTIVE,
        basis=basis,
        created_by=created_by,
        created_at=now,
        activated_at=now,
        expires_at=expires_at,
    )
    db.add(grant)
    db.flush()
    for section_id in sections:
        db.add(GrantSection(grant_id=grant.id, section_id=section_id, dossier_id=dossier.id))
    for key_version, sealed in db.execute(
        select(KeyVersion, SealedKey.sealed)
        .join(SealedKey, SealedKey.key_version_id == KeyVersion.id)
        .where(
            KeyVersion.dossier_id == dossier.id,
            SealedKey.emergency_key_id == emergency.id,
            KeyVersion.section_id.in_(sections) | KeyVersion.section_id.is_(None),
        )
    ):
        key = open_emergency_seal(db, key_version, sealed, emergency.id, private_key)
        seal_to_user(db, key_version, key, grantee)
    passage_keys.from_emergency(db, private_key, emergency.id, dossier.id, sections, grantee)
    del private_key
    return grant


def expire_overdue(ctx: Context) -> int:
    """Requests that waited past their time end, and the shares they held are deleted: for the
    worker's regular tick. Returns how many ended."""
    with ctx.unit_of_work() as db:
        overdue = list(
            db.scalars(
                select(EmergencyRequest).where(
                    EmergencyRequest.status == EmergencyStatus.WAITING,
                    EmergencyRequest.approve_before <= ctx.now(),
                )
            )
        )
        for request in overdue:
            _expire(db, ctx, request)
        return len(overdue)


def _expire_by_id(ctx: Context, request_id: uuid.UUID, db: Session) -> None:
    request = db.get(EmergencyRequest, request_id)
    if request is not None and request.status == EmergencyStatus.WAITING:
        _expire(db, ctx, request)


def _expire(db: Session, ctx: Context, request: EmergencyRequest) -> None:
    now = ctx.now()
    for approval in _approvals(db, request.id):
        approval.share_held = None
    request.status = EmergencyStatus.EXPIRED
    request.decided_at = now
    dossier = db.get(Dossier, request.dossier_id)
    notify(
        db,
        ctx,
        request.requester_id,
        None,
        NoticeKind.EMERGENCY_ENDED,
        key=f"emergency-ended:{request.id}",
        sections=section_refs(db, _section_ids(db, request.id)),
    )
    append(
        db,
        Event(
            action=Action.EMERGENCY_EXPIRE,
            actor_role="system",
            dossier_id=request.dossier_id,
            on_behalf_of=dossier.subject_user_id if dossier else None,
            object_type="emergency_request",
            object_id=str(request.id),
            reason="too few officers approved in time",
        ),
        ctx.origin,
        now,
    )


def _request_info(db: Session, request: EmergencyRequest, threshold: int) -> RequestInfo:
    grant = db.get(Grant, request.grant_id) if request.grant_id else None
    return RequestInfo(
        id=request.id,
        dossier_id=request.dossier_id,
        requester_id=request.requester_id,
        status=request.status,
        section_ids=list(
            db.scalars(
                select(EmergencyRequestSection.section_id).where(
                    EmergencyRequestSection.request_id == request.id
                )
            )
        ),
        hours=request.hours,
        threshold=threshold,
        approved_by=[approval.officer_id for approval in _approvals(db, request.id)],
        approve_before=request.approve_before,
        grant_id=request.grant_id,
        until=grant.expires_at if grant else None,
    )


# --- telling at once ----------------------------------------------------------------------------


def _section_ids(db: Session, request_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        db.scalars(
            select(EmergencyRequestSection.section_id).where(
                EmergencyRequestSection.request_id == request_id
            )
        )
    )


def _tell_opened(
    db: Session,
    ctx: Context,
    dossier: Dossier,
    request: EmergencyRequest,
    grant: Grant,
    sections: list[uuid.UUID],
    approvals: list[EmergencyApproval],
) -> None:
    """Every owner (the young person too, once she owns her dossier) hears at once who may look
    in which sections until when, and which officers said yes; the requester hears she may.
    Why stays on "Who may look?": a notice also leaves by e-mail."""
    assert grant.expires_at is not None  # an emergency grant always ends
    words: dict[str, Any] = {
        "person": name_of(db, request.requester_id),
        "sections": section_refs(db, sections),
        "date": last_day_of(grant.expires_at).isoformat(),
    }
    officers = [name_of(db, approval.officer_id) for approval in approvals]
    key = f"emergency:{request.id}"
    for owner in owner_ids(db, dossier.id):
        notify(
            db,
            ctx,
            owner,
            dossier.id,
            NoticeKind.EMERGENCY_OPENED,
            key=key,
            officers=officers,
            **words,
        )
    notify(db, ctx, request.requester_id, None, NoticeKind.EMERGENCY_GRANTED, key=key, **words)


# --- what people see ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    organisation: str | None


@dataclass(frozen=True)
class RequestView:
    """An emergency request as its requester, an officer, an owner or the auditor sees it. The
    reason is the requester's account of the emergency, kept in clear (see the model)."""

    id: uuid.UUID
    dossier_id: uuid.UUID
    subject_name: str  # the young person's display name, empty when she has no account yet
    requester: Person
    reason: str
    section_ids: list[uuid.UUID]
    section_codes: list[str]  # the app's own names (care, ...); "" for a section of its own
    hours: int
    status: str  # waiting, opened or expired (a waiting request past its time is expired)
    created_at: datetime
    approve_before: datetime
    until: datetime | None
    live: bool  # opened, and its grant still gives access
    threshold: int
    officers: list[str]  # who said yes, in order
    approved_by_me: bool
    reviewed_at: datetime | None
    reviewer: str | None
    verdict: str | None


def _person(db: Session, user_id: uuid.UUID | None) -> Person:
    user = db.get(User, user_id) if user_id else None
    if user is None:
        return Person(user_id or uuid.UUID(int=0), "", None)
    return Person(user.id, user.display_name, user.organisation)


def _view(db: Session, request: EmergencyRequest, now: datetime, me: uuid.UUID) -> RequestView:
    emergency = db.get(EmergencyKey, request.emergency_key_id)
    dossier = db.get(Dossier, request.dossier_id)
    grant = db.get(Grant, request.grant_id) if request.grant_id else None
    sections = _section_ids(db, request.id)
    codes: dict[uuid.UUID, str | None] = {
        section_id: code
        for section_id, code in db.execute(
            select(Section.id, Section.default_name).where(Section.id.in_(sections))
        )
    }
    approvals = _approvals(db, request.id)
    status = str(request.status)
    if status == EmergencyStatus.WAITING and request.approve_before <= now:
        status = EmergencyStatus.EXPIRED
    live = (
        grant is not None
        and grant.status == GrantStatus.ACTIVE
        and (grant.expires_at is None or grant.expires_at > now)
    )
    return RequestView(
        id=request.id,
        dossier_id=request.dossier_id,
        subject_name=name_of(db, dossier.subject_user_id) if dossier else "",
        requester=_person(db, request.requester_id),
        reason=request.reason,
        section_ids=sections,
        section_codes=[codes.get(section) or "" for section in sections],
        hours=request.hours,
        status=status,
        created_at=request.created_at,
        approve_before=request.approve_before,
        until=grant.expires_at if grant else None,
        live=live,
        threshold=emergency.threshold if emergency else DEFAULT_THRESHOLD,
        officers=[name_of(db, approval.officer_id) for approval in approvals],
        approved_by_me=any(approval.officer_id == me for approval in approvals),
        reviewed_at=request.reviewed_at,
        reviewer=name_of(db, request.reviewed_by) if request.reviewed_by else None,
        verdict=request.verdict,
    )


def my_requests(ctx: Context, actor: Actor) -> list[RequestView]:
    """The requester's own emergency requests, newest first. Her own words and what came of
    them: nothing of the dossier she is not let into, so no event."""
    with ctx.reading() as db:
        rows = db.scalars(
            select(EmergencyRequest)
            .where(EmergencyRequest.requester_id == actor.user_id)
            .order_by(EmergencyRequest.created_at.desc())
        )
        now = ctx.now()
        return [_view(db, row, now, actor.user_id) for row in rows]


@dataclass(frozen=True)
class Known:
    """A dossier the requester had access to before: she may pick it from a list."""

    dossier_id: uuid.UUID
    subject_name: str
    until: datetime | None  # when her last access there ended, or ends


def known_dossiers(ctx: Context, actor: Actor) -> list[Known]:
    """Dossiers shared with this person before (by an owner; not by an emergency), newest
    first, named by the young person's display name, which is stored in clear."""
    with ctx.reading() as db:
        rows = db.execute(
            select(Grant.dossier_id, Grant.expires_at, Grant.created_at, Dossier.subject_user_id)
            .join(Dossier, Dossier.id == Grant.dossier_id)
            .where(Grant.grantee_id == actor.user_id, Grant.basis != GrantBasis.EMERGENCY)
            .order_by(Grant.created_at.desc())
        )
        found: dict[uuid.UUID, Known] = {}
        for dossier_id, expires_at, _created, subject in rows:
            if dossier_id not in found:
                found[dossier_id] = Known(dossier_id, name_of(db, subject), expires_at)
        return list(found.values())


def _officer_of(db: Session, actor: Actor) -> EmergencyKey | None:
    emergency = current_emergency_key(db)
    if emergency is None:
        return None
    officer = db.scalar(
        select(EmergencyOfficer.id).where(
            EmergencyOfficer.emergency_key_id == emergency.id,
            EmergencyOfficer.user_id == actor.user_id,
        )
    )
    return emergency if officer is not None else None


def is_officer(ctx: Context, actor: Actor) -> bool:
    """Whether this person holds a share of the current emergency key (for links, not rules)."""
    with ctx.reading() as db:
        return _officer_of(db, actor) is not None


def officer_waiting(db: Session, actor: Actor, now: datetime) -> int | None:
    """For the start page: how many requests wait for this officer's yes, or None when she is
    not an officer. Only a number, so no event; the list itself is logged when she opens it."""
    emergency = _officer_of(db, actor)
    if emergency is None:
        return None
    return len(
        db.scalars(
            select(EmergencyRequest.id).where(
                EmergencyRequest.emergency_key_id == emergency.id,
                EmergencyRequest.status == EmergencyStatus.WAITING,
                EmergencyRequest.approve_before > now,
                EmergencyRequest.requester_id != actor.user_id,
                EmergencyRequest.id.not_in(
                    select(EmergencyApproval.request_id).where(
                        EmergencyApproval.officer_id == actor.user_id
                    )
                ),
            )
        ).all()
    )


def waiting_for_officer(ctx: Context, actor: Actor) -> list[RequestView]:
    """The requests an officer can say yes to: waiting, in time, not her own; oldest first.
    One event: she read who asks for what, and why."""
    with ctx.unit_of_work() as db:
        emergency = _officer_of(db, actor)
        if emergency is None:
            raise actor_refusal(
                AccessDenied(),
                Action.EMERGENCY_WAITING,
                actor,
                None,
                reason="not an emergency officer",
            )
        now = ctx.now()
        rows = list(
            db.scalars(
                select(EmergencyRequest)
                .where(
                    EmergencyRequest.emergency_key_id == emergency.id,
                    EmergencyRequest.status == EmergencyStatus.WAITING,
                    EmergencyRequest.approve_before > now,
                    EmergencyRequest.requester_id != actor.user_id,
                )
                .order_by(EmergencyRequest.created_at)
            )
        )
        append(
            db,
            actor_event(
                Action.EMERGENCY_WAITING,
                actor,
                None,
                basis=OFFICER_BASIS,
                reason=f"{len(rows)} requests",
            ),
            ctx.origin,
            now,
        )
        return [_view(db, row, now, actor.user_id) for row in rows]


def on_dossier(db: Session, dossier_id: uuid.UUID, now: datetime) -> list[RequestView]:
    """Every emergency access to this dossier, newest first, for its owners' "Who may look?"
    (inside that page's unit of work and its one event)."""
    rows = db.scalars(
        select(EmergencyRequest)
        .where(
            EmergencyRequest.dossier_id == dossier_id,
            EmergencyRequest.status == EmergencyStatus.OPENED,
        )
        .order_by(EmergencyRequest.created_at.desc())
    )
    return [_view(db, row, now, uuid.UUID(int=0)) for row in rows]


# --- the auditor's queue ------------------------------------------------------------------------


def review_queue(ctx: Context, actor: Actor) -> list[RequestView]:
    """Every emergency access, the ones without a verdict on top, newest first within each.
    One event, like the auditor's search."""
    with ctx.unit_of_work() as db:
        require_auditor(actor, Action.EMERGENCY_QUEUE)
        rows = list(
            db.scalars(
                select(EmergencyRequest)
                .where(EmergencyRequest.status == EmergencyStatus.OPENED)
                .order_by(
                    EmergencyRequest.reviewed_at.is_not(None),
                    EmergencyRequest.created_at.desc(),
                )
            )
        )
        now = ctx.now()
        append(
            db,
            actor_event(
                Action.EMERGENCY_QUEUE,
                actor,
                None,
                basis="auditor role",
                reason=f"{len(rows)} emergency accesses",
            ),
            ctx.origin,
            now,
        )
        return [_view(db, row, now, actor.user_id) for row in rows]


def review(ctx: Context, actor: Actor, request_id: uuid.UUID, verdict: str) -> RequestView:
    """The auditor closes an emergency access with a written verdict, once. The event lands in
    the dossier's own log, so its owners can see that it was reviewed."""
    errors = validation.Errors()
    cleaned = validation.text(
        verdict,
        errors,
        "verdict",
        maximum=VERDICT_MAX,
        required_message=N_("Write your verdict: was this an emergency, and was the access right?"),
    )
    with ctx.unit_of_work() as db:
        require_auditor(actor, Action.EMERGENCY_REVIEW)
        errors.raise_if_any()
        request = db.get(EmergencyRequest, request_id, with_for_update=True)
        dossier = db.get(Dossier, request.dossier_id) if request is not None else None
        if request is None or request.status != EmergencyStatus.OPENED:
            raise actor_refusal(
                NotFound(),
                Action.EMERGENCY_REVIEW,
                actor,
                dossier,
                reason="no such emergency access",
                object_type="emergency_request",
                object_id=str(request_id),
            )
        if request.reviewed_at is not None:
            raise Conflict(N_("This emergency access has a verdict already."))
        now = ctx.now()
        request.reviewed_at, request.reviewed_by, request.verdict = now, actor.user_id, cleaned
        append(
            db,
            actor_event(
                Action.EMERGENCY_REVIEW,
                actor,
                dossier,
                object_type="emergency_request",
                object_id=str(request.id),
                basis="auditor role",
            ),
            ctx.origin,
            now,
        )
        db.flush()
        return _view(db, request, now, actor.user_id)
