"""Access on a legal basis (issue 16, part 3): the law, not the owners, decides; they are told.

An emergency officer records a grant for a checked professional on a basis from a fixed list (a
child protection measure, a report under the reporting code) with its reference, for chosen
sections until a date at most a year ahead. Like an emergency it opens only when `threshold`
officers say yes with their password and their share of the emergency key; the recording
officer's record is her yes. The shares wait between yeses exactly as an emergency's do (see
`emergency`). The grant has basis "legal" and ends on its date like any grant.

Owners cannot refuse or stop it: the law gives the access, not their consent (`sharing.revoke`
refuses it and says so). They are told at once who, which sections, until when, on which basis
with which reference, and "Who may look?" shows it in those words. Every read under it carries
`grant:<id>` in the log like any grant, so "Who looked?" lists each use.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.actions import Action
from dossier.audit import append
from dossier.days import last_day_of, local_day, start_of
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
    Dossier,
    EmergencyKey,
    EmergencyOfficer,
    EmergencyStatus,
    Grant,
    GrantBasis,
    LegalGrantApproval,
    LegalGrantRecord,
    LegalGrantSection,
    Role,
    Section,
    User,
)
from dossier.services import validation
from dossier.services.access import destroyed
from dossier.services.context import Actor, Context, actor_event, actor_refusal, require_auditor
from dossier.services.emergency import (
    APPROVE_WITHIN,
    NOT_SEALED_YET,
    WRONG_PASSWORD,
    _live_grant,
    _officer_of,
    _sealed_for_emergency,
    chosen_sections,
    grant_from_shares,
    share_info,
)
from dossier.services.notices import NoticeKind, name_of, notify, owner_ids, section_refs
from dossier.services.sessions import check_password

HELD_PURPOSE = "legal/held-share"
OFFICER_BASIS = "emergency officer"
MAX_DAYS = 366  # at most a year, a leap day included
REFERENCE_MAX = 200

# The fixed list: a code, and its words as owners read them. Nothing else is a legal basis here.
BASES: dict[str, str] = {
    "child_protection": N_("a child protection measure"),
    "safety_report": N_("a report under the reporting code"),
}

NOT_REFUSABLE = N_(
    "This access is given by law. Owners cannot stop it. Ask the person who looks, or an auditor."
)


@dataclass(frozen=True)
class LegalView:
    """A legal grant as officers and owners see it; the reference is in clear (see the model)."""

    id: uuid.UUID
    dossier_id: uuid.UUID
    subject_name: str  # the young person's account name (stored in clear), for officers
    recorded_by: str
    created_at: datetime
    approve_before: datetime
    grantee_id: uuid.UUID
    grantee_name: str
    grantee_organisation: str | None
    basis: str  # the code
    basis_words: str  # its msgid, for the page to translate
    reference: str
    section_ids: list[uuid.UUID]
    section_codes: list[str]
    until: datetime
    status: str
    live: bool
    threshold: int
    officers: list[str]
    grant_id: uuid.UUID | None

    @property
    def last_day(self) -> date:
        """The last day the access counts, in the Netherlands: `until` is the midnight after it."""
        return last_day_of(self.until)


def _held_context(record_id: uuid.UUID, officer_id: uuid.UUID, index: int) -> dict[str, object]:
    return {"legal": str(record_id), "officer": str(officer_id), "index": index}


def _sections(db: Session, record_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        db.scalars(
            select(LegalGrantSection.section_id).where(LegalGrantSection.record_id == record_id)
        )
    )


def _approvals(db: Session, record_id: uuid.UUID) -> list[LegalGrantApproval]:
    return list(
        db.scalars(
            select(LegalGrantApproval)
            .where(LegalGrantApproval.record_id == record_id)
            .order_by(LegalGrantApproval.at, LegalGrantApproval.share_index)
        )
    )


def _end_of(day: date) -> datetime:
    """A grant "until" a day lasts to the end of that day, in the Netherlands; `last_day_of`
    reads it back."""
    return start_of(day + timedelta(days=1))


def record(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    grantee_email: str,
    section_ids: list[uuid.UUID],
    until: date | None,
    basis: str,
    reference: str,
    *,
    password: str,
    names: list[str] | None = None,
) -> LegalView:
    """An officer records access on a legal basis; her record is her yes (with her password).
    Sections are ids, or the app's own names (as `emergency.file_request` takes them)."""
    errors = validation.Errors()
    cleaned = validation.text(
        reference,
        errors,
        "reference",
        maximum=REFERENCE_MAX,
        required_message=N_("Fill in the reference of the decision or report."),
    )
    if basis not in BASES:
        errors.add("basis", N_("Choose a legal basis from the list."))
    if not section_ids and not names:
        errors.add("sections", N_("Choose at least one section."))
    today = local_day(ctx.now())
    if until is None or until < today:
        errors.add("until", N_("Choose a day from today on."))
    elif until > today + timedelta(days=MAX_DAYS):
        errors.add("until", N_("Access on a legal basis lasts at most a year."))
    if not password:
        errors.add("password", N_("Fill in your password."))
    errors.raise_if_any()
    assert until is not None
    if ctx.job_key is None:
        raise Unavailable()
    with ctx.unit_of_work() as db:
        dossier = db.get(Dossier, dossier_id)
        refuse = partial(
            actor_refusal,
            action=Action.LEGAL_RECORD,
            actor=actor,
            dossier=dossier,
            object_type="dossier",
            object_id=str(dossier_id),
        )
        emergency = _officer_of(db, actor)
        if emergency is None:
            raise refuse(AccessDenied(), reason="not an emergency officer")
        if dossier is None:
            raise refuse(NotFound(), reason="no such dossier")
        if destroyed(db, dossier_id):
            raise refuse(DossierKeyGone(), reason="dossier destroyed: its secret is gone")
        grantee = db.scalar(select(User).where(User.email == validation.email_key(grantee_email)))
        if (
            grantee is None
            or grantee.removed_at is not None
            or grantee.role != Role.PROFESSIONAL
            or not grantee.is_verified
        ):
            raise InvalidInput(
                {"grantee": [N_("There is no checked professional with this e-mail address.")]}
            )
        if grantee.id == actor.user_id:
            raise refuse(AccessDenied(), reason="recording access for themselves")
        wanted = chosen_sections(db, dossier_id, section_ids, names)
        if _live_grant(db, dossier_id, grantee.id) is not None:
            raise refuse(
                Conflict(N_("This person has access to this dossier already.")),
                reason="grantee already has a sharing",
            )
        if not _sealed_for_emergency(db, dossier_id, wanted, emergency.id):
            raise refuse(Conflict(NOT_SEALED_YET), reason="current keys not sealed")
        now = ctx.now()
        ends = _end_of(until)
        row = LegalGrantRecord(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            grantee_id=grantee.id,
            recorded_by=actor.user_id,
            emergency_key_id=emergency.id,
            basis=basis,
            reference=cleaned,
            until=ends,
            status=EmergencyStatus.WAITING,
            created_at=now,
            # A yes after the last day would open an access that has already ended.
            approve_before=min(now + APPROVE_WITHIN, ends),
        )
        db.add(row)
        db.flush()
        for section_id in wanted:
            db.add(
                LegalGrantSection(record_id=row.id, section_id=section_id, dossier_id=dossier_id)
            )
        append(
            db,
            actor_event(
                Action.LEGAL_RECORD,
                actor,
                dossier,
                object_type="legal_grant",
                object_id=str(row.id),
                basis=f"legal:{basis}",
                reason=f"{len(wanted)} sections, until {until.isoformat()}",
            ),
            ctx.origin,
            now,
        )
        _say_yes(db, ctx, actor, dossier, row, emergency, password)
        db.flush()
        return _view(db, row, now)


def approve(ctx: Context, actor: Actor, record_id: uuid.UUID, *, password: str) -> LegalView:
    """Another officer's yes, with her password; the `threshold`-th yes opens the grant."""
    if not password:
        raise InvalidInput({"password": [N_("Fill in your password.")]})
    if ctx.job_key is None:
        raise Unavailable()
    with ctx.unit_of_work() as db:
        row = db.get(LegalGrantRecord, record_id, with_for_update=True)
        dossier = db.get(Dossier, row.dossier_id) if row is not None else None
        refuse = partial(
            actor_refusal,
            action=Action.LEGAL_APPROVE,
            actor=actor,
            dossier=dossier,
            object_type="legal_grant",
            object_id=str(record_id),
        )
        emergency = _officer_of(db, actor)
        if row is None or dossier is None:
            raise refuse(NotFound(), reason="no such legal grant")
        if emergency is None or emergency.id != row.emergency_key_id:
            raise refuse(AccessDenied(), reason="not an emergency officer")
        now = ctx.now()
        if row.status != EmergencyStatus.WAITING or min(row.approve_before, row.until) <= now:
            raise refuse(
                Conflict(N_("This has been decided already, or waited too long.")),
                reason="not waiting",
            )
        if actor.user_id == row.grantee_id:
            raise refuse(AccessDenied(), reason="approving access for themselves")
        if db.get(LegalGrantApproval, (row.id, actor.user_id)) is not None:
            raise refuse(Conflict(N_("You said yes already.")), reason="approved twice")
        _say_yes(db, ctx, actor, dossier, row, emergency, password)
        db.flush()
        return _view(db, row, now)


def _say_yes(
    db: Session,
    ctx: Context,
    actor: Actor,
    dossier: Dossier,
    row: LegalGrantRecord,
    emergency: EmergencyKey,
    password: str,
) -> None:
    assert ctx.job_key is not None
    action = Action.LEGAL_APPROVE
    officer = db.scalar(
        select(EmergencyOfficer).where(
            EmergencyOfficer.emergency_key_id == emergency.id,
            EmergencyOfficer.user_id == actor.user_id,
        )
    )
    user = db.get(User, actor.user_id)
    keyring = check_password(ctx, user, password) if user is not None else None
    fields: dict[str, Any] = {"object_type": "legal_grant", "object_id": str(row.id)}
    if officer is None or keyring is None:
        raise actor_refusal(
            InvalidInput({"password": [WRONG_PASSWORD]}),
            action,
            actor,
            dossier,
            reason="wrong password",
            **fields,
        )
    try:
        share = crypto.open_from_public_key(
            officer.share_sealed,
            keyring.exchange,
            share_info(emergency.id, actor.user_id, officer.share_index),
        )
    except crypto.CryptoError:
        raise actor_refusal(
            AccessDenied(), action, actor, dossier, reason="share does not open", **fields
        ) from None
    now = ctx.now()
    db.add(
        LegalGrantApproval(
            record_id=row.id,
            officer_id=actor.user_id,
            dossier_id=row.dossier_id,
            share_index=officer.share_index,
            share_held=crypto.seal(
                ctx.job_key,
                share,
                kind=crypto.Kind.HELD_SHARE,
                purpose=HELD_PURPOSE,
                context=_held_context(row.id, actor.user_id, officer.share_index),
            ),
            at=now,
        )
    )
    del share
    db.flush()
    append(
        db,
        actor_event(action, actor, dossier, basis=OFFICER_BASIS, **fields),
        ctx.origin,
        now,
    )
    approvals = _approvals(db, row.id)
    if len(approvals) >= emergency.threshold:
        _open(db, ctx, actor, dossier, row, emergency, approvals)


def _open(
    db: Session,
    ctx: Context,
    actor: Actor,
    dossier: Dossier,
    row: LegalGrantRecord,
    emergency: EmergencyKey,
    approvals: list[LegalGrantApproval],
) -> None:
    """Combine the shares in memory, seal the chosen sections' keys to the grantee as a grant
    with basis "legal" until the chosen day, and tell the owners and the grantee at once."""
    assert ctx.job_key is not None
    grantee = db.get(User, row.grantee_id)
    fields: dict[str, Any] = {"object_type": "legal_grant", "object_id": str(row.id)}
    if grantee is None or _live_grant(db, dossier.id, row.grantee_id) is not None:
        raise actor_refusal(
            Conflict(N_("This person has access to this dossier already.")),
            Action.LEGAL_OPEN,
            actor,
            dossier,
            reason="grantee already has a sharing",
            **fields,
        )
    sections = _sections(db, row.id)
    if not _sealed_for_emergency(db, dossier.id, sections, emergency.id):
        raise actor_refusal(
            Conflict(NOT_SEALED_YET),
            Action.LEGAL_OPEN,
            actor,
            dossier,
            reason="current keys not sealed",
            **fields,
        )
    shares = [
        crypto.Share(
            approval.share_index,
            crypto.open_sealed(
                ctx.job_key,
                approval.share_held,
                kind=crypto.Kind.HELD_SHARE,
                purpose=HELD_PURPOSE,
                context=_held_context(row.id, approval.officer_id, approval.share_index),
            ),
        )
        for approval in approvals
        if approval.share_held is not None
    ]
    now = ctx.now()
    grant = grant_from_shares(
        db,
        emergency,
        shares,
        dossier,
        grantee,
        sections,
        basis=GrantBasis.LEGAL,
        created_by=row.recorded_by,
        now=now,
        expires_at=row.until,
    )
    del shares
    for approval in approvals:
        approval.share_held = None
    row.status = EmergencyStatus.OPENED
    row.decided_at = now
    row.grant_id = grant.id
    words: dict[str, Any] = {
        "person": name_of(db, grantee.id),
        "sections": section_refs(db, sections),
        "date": last_day_of(row.until).isoformat(),
    }
    event_key = f"legal:{row.id}"
    for owner in owner_ids(db, dossier.id):
        notify(
            db,
            ctx,
            owner,
            dossier.id,
            NoticeKind.LEGAL_OPENED,
            key=event_key,
            basis=BASES[row.basis],
            reference=row.reference,
            **words,
        )
    notify(db, ctx, grantee.id, None, NoticeKind.LEGAL_GRANTED, key=event_key, **words)
    append(
        db,
        actor_event(
            Action.LEGAL_OPEN,
            actor,
            dossier,
            object_type="grant",
            object_id=str(grant.id),
            basis=f"legal:{row.basis}",
            reason=f"{len(sections)} sections, {len(approvals)} officers, ref {row.reference}",
        ),
        ctx.origin,
        now,
    )


def _view(db: Session, row: LegalGrantRecord, now: datetime) -> LegalView:
    emergency = db.get(EmergencyKey, row.emergency_key_id)
    grant = db.get(Grant, row.grant_id) if row.grant_id else None
    grantee = db.get(User, row.grantee_id)
    sections = _sections(db, row.id)
    codes: dict[uuid.UUID, str | None] = {
        section_id: code
        for section_id, code in db.execute(
            select(Section.id, Section.default_name).where(Section.id.in_(sections))
        )
    }
    status = str(row.status)
    if status == EmergencyStatus.WAITING and row.approve_before <= now:
        status = EmergencyStatus.EXPIRED
    dossier = db.get(Dossier, row.dossier_id)
    return LegalView(
        id=row.id,
        dossier_id=row.dossier_id,
        subject_name=name_of(db, dossier.subject_user_id) if dossier else "",
        recorded_by=name_of(db, row.recorded_by),
        created_at=row.created_at,
        approve_before=row.approve_before,
        grantee_id=row.grantee_id,
        grantee_name=grantee.display_name if grantee else "",
        grantee_organisation=grantee.organisation if grantee else None,
        basis=row.basis,
        basis_words=BASES.get(row.basis, row.basis),
        reference=row.reference,
        section_ids=sections,
        section_codes=[codes.get(section) or "" for section in sections],
        until=row.until,
        status=status,
        live=grant is not None
        and bool(db.scalar(select(Grant.id).where(Grant.id == grant.id, Grant.counts_at(now)))),
        threshold=emergency.threshold if emergency else 2,
        officers=[name_of(db, approval.officer_id) for approval in _approvals(db, row.id)],
        grant_id=row.grant_id,
    )


def waiting_for_officer(ctx: Context, actor: Actor) -> list[LegalView]:
    """Legal grants waiting for more yeses, in time, that this officer has not said yes to.
    One event: she read who gets access on which basis."""
    with ctx.unit_of_work() as db:
        emergency = _officer_of(db, actor)
        if emergency is None:
            raise actor_refusal(
                AccessDenied(), Action.LEGAL_WAITING, actor, None, reason="not an emergency officer"
            )
        now = ctx.now()
        mine = select(LegalGrantApproval.record_id).where(
            LegalGrantApproval.officer_id == actor.user_id
        )
        rows = list(
            db.scalars(
                select(LegalGrantRecord)
                .where(
                    LegalGrantRecord.emergency_key_id == emergency.id,
                    LegalGrantRecord.status == EmergencyStatus.WAITING,
                    LegalGrantRecord.approve_before > now,
                    LegalGrantRecord.grantee_id != actor.user_id,
                    LegalGrantRecord.id.not_in(mine),
                )
                .order_by(LegalGrantRecord.created_at)
            )
        )
        append(
            db,
            actor_event(
                Action.LEGAL_WAITING,
                actor,
                None,
                basis=OFFICER_BASIS,
                reason=f"{len(rows)} legal grants",
            ),
            ctx.origin,
            now,
        )
        return [_view(db, row, now) for row in rows]


def on_dossier(db: Session, dossier_id: uuid.UUID, now: datetime) -> list[LegalView]:
    """Every opened legal grant of this dossier, newest first, for "Who may look?" (inside
    that page's unit of work and its one event)."""
    rows = db.scalars(
        select(LegalGrantRecord)
        .where(
            LegalGrantRecord.dossier_id == dossier_id,
            LegalGrantRecord.status == EmergencyStatus.OPENED,
        )
        .order_by(LegalGrantRecord.created_at.desc())
    )
    return [_view(db, row, now) for row in rows]


def expire_overdue(ctx: Context) -> int:
    """Legal grants that waited too long for yeses end, and their held shares are deleted."""
    with ctx.unit_of_work() as db:
        overdue = list(
            db.scalars(
                select(LegalGrantRecord).where(
                    LegalGrantRecord.status == EmergencyStatus.WAITING,
                    LegalGrantRecord.approve_before <= ctx.now(),
                )
            )
        )
        for row in overdue:
            for approval in _approvals(db, row.id):
                approval.share_held = None
            row.status = EmergencyStatus.EXPIRED
            row.decided_at = ctx.now()
        return len(overdue)


def require_officer(ctx: Context, actor: Actor) -> None:
    """Only an emergency officer sees the form to record access on a legal basis; anyone
    else is refused here, and the refusal is logged like any other."""
    with ctx.unit_of_work() as db:
        if _officer_of(db, actor) is None:
            raise actor_refusal(
                AccessDenied(), Action.LEGAL_RECORD, actor, None, reason="not an emergency officer"
            )


@dataclass(frozen=True)
class AuditList:
    """Every access on a legal basis that opened, for the auditor, with the counts she reports."""

    grants: list[LegalView]
    live: int
    by_basis: dict[str, int]


def for_auditor(ctx: Context, actor: Actor) -> AuditList:
    """All opened legal grants, live ones first, newest first within each, with counts per
    basis. One event, like the auditor's queue of emergencies."""
    with ctx.unit_of_work() as db:
        require_auditor(actor, Action.LEGAL_AUDIT)
        now = ctx.now()
        rows = db.scalars(
            select(LegalGrantRecord)
            .where(LegalGrantRecord.status == EmergencyStatus.OPENED)
            .order_by(LegalGrantRecord.created_at.desc())
        )
        views = sorted((_view(db, row, now) for row in rows), key=lambda view: not view.live)
        by_basis = {code: 0 for code in BASES}
        for view in views:
            by_basis[view.basis] = by_basis.get(view.basis, 0) + 1
        append(
            db,
            actor_event(
                Action.LEGAL_AUDIT,
                actor,
                None,
                basis="auditor role",
                reason=f"{len(views)} legal grants",
            ),
            ctx.origin,
            now,
        )
        return AuditList(views, sum(view.live for view in views), by_basis)
