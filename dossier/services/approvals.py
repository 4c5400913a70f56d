"""A parent or guardian asked to approve only.

The young person (12 to 15) asks her by e-mail; with the code from it she sees what each waiting
sharing asks (who, which sections, how long, the message) and says yes or no. Her yes counts as a
guardian's under the consent rules, exactly like a guardian owner's, and when it completes the
approvals it releases the keys the sharing holds for the grantee (`holds`). She is no owner and
holds no grant, so `access.resolve` does not know her: every page of the dossier refuses her.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossier import consent, crypto
from dossier.actions import Action
from dossier.audit import Event, Outcome, append
from dossier.errors import N_, Conflict, InvalidInput, NotFound
from dossier.models import (
    SERVICE_ROLES,
    Approver,
    Dossier,
    DossierOwner,
    Grant,
    GrantApproval,
    GrantRelease,
    GrantSection,
    GrantStatus,
    Relation,
    Role,
    User,
)
from dossier.services import holds, sealed, validation
from dossier.services.access import Access, resolve_owner
from dossier.services.content import SignedText, Trust, Untrusted, read_signed_text
from dossier.services.context import Actor, Context, Refused, mail_after_commit
from dossier.services.keychain import signing_public_key
from dossier.services.lifecycle import rules, sweep
from dossier.services.mail import Mail
from dossier.services.notices import NoticeKind, grant_words, notify, owner_ids
from dossier.services.sessions import unlock_keyring
from dossier.services.settling import tell_started

INVITATION_DAYS = 7
JOINED_AS_APPROVER = "approver"  # what `sharing.accept_code` answers for an approver's code
CODE_REFUSED = N_("This invitation code is not valid. It may be used already or expired.")


# --- what the rules say, for a page to say it ------------------------------------------------


@dataclass(frozen=True)
class WhoAgrees:
    """Who must agree before a sharing starts, as the page explains it in one sentence."""

    age: int
    required: list[str]  # relations, sorted: "guardian", "subject"
    relation: str  # of the person asking
    may_ask_approver: bool


def who_must_agree(ctx: Context, birth_date: date, relation: str) -> WhoAgrees:
    today = ctx.now().date()
    policy = rules(ctx)
    return WhoAgrees(
        consent.age_on(birth_date, today),
        sorted(policy.required(birth_date, today)),
        relation,
        policy.may_ask_approver(relation, birth_date, today),
    )


# --- asking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    approver_id: uuid.UUID
    expires_at: datetime
    sharings: int  # waiting sharings she can decide on


@dataclass(frozen=True)
class ApproverInfo:
    """An approver as "Who may look?" shows her to the owners."""

    id: uuid.UUID
    name: str | None  # None until she used her code
    since: datetime
    expires_at: datetime | None
    can_end: bool


def approver_mail(address: str, asked_by: str, link: str) -> Mail:
    """Dutch first, like the app. Says what she may do and what not; never any content."""
    return Mail(
        address,
        f"{asked_by} vraagt of je wilt meebeslissen over delen",
        f"{asked_by} deelt een deel van haar of zijn dossier in Eigen Dossier. Tot 16 jaar moet "
        "ook een ouder of voogd ja zeggen voordat iemand mag meekijken.\n\n"
        "Open deze link, log in of maak een account, en kies ja of nee:\n\n"
        f"    {link}\n\n"
        "Je ziet wie mag meekijken, welke delen, hoe lang, en het bericht erbij. Het dossier "
        "zelf lees je niet. De link werkt één keer, 7 dagen lang.\n",
    )


def ask(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    email: str,
    link: Callable[[str], str],
) -> Asked:
    """The young person asks a parent or guardian, by address, to approve only. The code goes
    only to that address (`link` makes the page address for it); each sharing that waits for a
    guardian is offered to her at once, and later ones when they are made."""
    with ctx.unit_of_work() as db:
        access = resolve_owner(db, ctx, actor, dossier_id, Action.APPROVER_ASK)
        if access.relation != Relation.SUBJECT:
            raise access.refuse(Action.APPROVER_ASK, "only the young person asks an approver")
        today = ctx.now().date()
        if not rules(ctx).may_ask_approver(
            access.relation, access.dossier.subject_birth_date, today
        ):
            raise InvalidInput({"email": [N_("You decide alone now: nobody else needs to agree.")]})
        errors = validation.Errors()
        address = validation.email(email, errors, "email")
        errors.raise_if_any()
        if address == actor.email:
            raise InvalidInput(
                {"email": [N_("Fill in the address of your parent or guardian, not your own.")]}
            )
        now = ctx.now()
        code = crypto.new_recovery_code()
        raw = crypto.parse_recovery_code(code)
        approver = Approver(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            relation=Relation.GUARDIAN,
            created_by=actor.user_id,
            created_at=now,
            lookup_hash=crypto.invitation_lookup_hash(raw),
            public_key=crypto.public_bytes(crypto.invitation_private_key(raw)),
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        db.add(approver)
        db.flush()
        keyring = unlock_keyring(db, actor)
        offered = sum(
            holds.offer(db, grant, actor.user_id, keyring, approver)
            for grant in _pending(db, dossier_id)
        )
        append(
            db,
            access.event(Action.APPROVER_ASK, object_type="approver", object_id=str(approver.id)),
            ctx.origin,
            now,
        )
        mail_after_commit(db, approver_mail(address, actor.display_name, link(code)))
        assert approver.expires_at is not None
        return Asked(approver.id, approver.expires_at, offered)


def offer_to_approvers(db: Session, grant: Grant, owner: Actor) -> None:
    """A new sharing that waits for a guardian goes to every approver of the dossier at once,
    inside the sharing owner's unit of work, and each one who joined hears of it."""
    keyring = unlock_keyring(db, owner)
    for approver in _live_approvers(db, grant.dossier_id, None):
        holds.offer(db, grant, owner.user_id, keyring, approver)


def tell_approvers(db: Session, ctx: Context, grant: Grant) -> None:
    for approver in _live_approvers(db, grant.dossier_id, None):
        if approver.user_id is not None:
            # No dossier named: she cannot open it, so the notice points nowhere but to her yes.
            notify(
                db,
                ctx,
                approver.user_id,
                None,
                NoticeKind.GRANT_WAITING,
                key=f"waiting:{grant.id}",
                **grant_words(db, grant),
            )


def _pending(db: Session, dossier_id: uuid.UUID) -> list[Grant]:
    return list(
        db.scalars(
            select(Grant).where(Grant.dossier_id == dossier_id, Grant.status == GrantStatus.PENDING)
        )
    )


def _live_approvers(
    db: Session, dossier_id: uuid.UUID | None, user_id: uuid.UUID | None
) -> list[Approver]:
    query = select(Approver).where(Approver.ended_at.is_(None))
    if dossier_id is not None:
        query = query.where(Approver.dossier_id == dossier_id)
    if user_id is not None:
        query = query.where(Approver.user_id == user_id)
    return list(db.scalars(query.order_by(Approver.created_at)))


# --- her code ----------------------------------------------------------------------------------


def find_code(db: Session, raw: bytes) -> Approver | None:
    return db.scalar(
        select(Approver).where(Approver.lookup_hash == crypto.invitation_lookup_hash(raw))
    )


def accept(ctx: Context, actor: Actor, raw: bytes) -> uuid.UUID:
    """She used the code from her e-mail: the release keys sealed to it are sealed to her
    account, and the code is spent. Returns the dossier's id."""
    with ctx.unit_of_work() as db:
        approver = db.scalar(
            select(Approver)
            .where(Approver.lookup_hash == crypto.invitation_lookup_hash(raw))
            .with_for_update()
        )
        now = ctx.now()
        if (
            approver is None
            or approver.ended_at is not None
            or (approver.expires_at is not None and approver.expires_at <= now)
        ):
            raise Refused(
                InvalidInput({"code": [CODE_REFUSED]}),
                _event(
                    actor,
                    Action.APPROVER_ACCEPT,
                    approver,
                    outcome=Outcome.DENIED,
                    reason="unknown, used or expired",
                ),
            )
        problem = _who_may_not_approve(db, approver, actor)
        if problem:
            raise Refused(
                InvalidInput({"code": [problem]}),
                _event(
                    actor,
                    Action.APPROVER_ACCEPT,
                    approver,
                    outcome=Outcome.DENIED,
                    reason="may not approve",
                ),
            )
        user = db.get(User, actor.user_id)
        assert user is not None
        holds.take_over(db, approver, crypto.invitation_private_key(raw), user)
        approver.user_id = user.id
        approver.accepted_at = now
        approver.lookup_hash = None
        approver.public_key = None
        append(db, _event(actor, Action.APPROVER_ACCEPT, approver), ctx.origin, now)
        return approver.dossier_id


def _who_may_not_approve(db: Session, approver: Approver, actor: Actor) -> str | None:
    if actor.role in (*SERVICE_ROLES, Role.YOUTH):
        return N_("Only a parent or guardian can use this code.")
    if db.scalar(
        select(DossierOwner.id).where(
            DossierOwner.dossier_id == approver.dossier_id, DossierOwner.user_id == actor.user_id
        )
    ):
        return N_("You are an owner of this dossier already. You approve on the page who may look.")
    if _live_approvers(db, approver.dossier_id, actor.user_id):
        return N_("You can approve for this dossier already.")
    return None


def _event(
    actor: Actor,
    action: Action,
    approver: Approver | None,
    grant: Grant | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    reason: str | None = None,
) -> Event:
    """An event of the approver's own doing, in the dossier's chain, on the basis of her role."""
    target = grant.id if grant else approver.id if approver else None
    return Event(
        action=action,
        outcome=outcome,
        actor_id=actor.user_id,
        actor_role=actor.role,
        dossier_id=approver.dossier_id if approver else None,
        object_type="grant" if grant else "approver",
        object_id=str(target) if target else None,
        reason=reason,
        basis=f"approver:{approver.id}" if approver else None,
    )


# --- what she sees, and her yes or no ------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One sharing that waits for her yes, as she sees it: never anything of the dossier but
    what the young person wrote for her here."""

    grant_id: uuid.UUID
    dossier_id: uuid.UUID
    asked_by: str
    grantee_name: str
    grantee_role: str | None
    grantee_organisation: str | None
    permission: str
    sections: list[dict[str, str]]
    until: datetime | None
    message: SignedText | None
    asked_at: datetime


@dataclass(frozen=True)
class RequestsPage:
    requests: list[Request]
    asked_by: list[str]  # whose sharings she may decide on, also when nothing waits


def requests_for_me(ctx: Context, actor: Actor) -> RequestsPage:
    """Every sharing that waits for this approver, one `approver.requests` event each (in that
    dossier's chain, so the young person sees who looked at what she asked)."""
    with ctx.unit_of_work() as db:
        keyring = None
        found: list[Request] = []
        asked_by: list[str] = []
        for approver in _live_approvers(db, None, actor.user_id):
            dossier = db.get(Dossier, approver.dossier_id)
            assert dossier is not None
            sweep(db, ctx, dossier)
            asked_by.append(_name(db, approver.created_by))
            for grant in _pending(db, dossier.id):
                if not _may_decide(ctx, dossier, grant):
                    continue
                keyring = keyring or unlock_keyring(db, actor)
                key = holds.release_key(db, grant, approver, keyring)
                summary = holds.summary_of(db, grant, key) if key else None
                if summary is None:
                    continue
                found.append(_request(db, grant, summary))
                append(
                    db,
                    _event(actor, Action.APPROVER_REQUESTS, approver, grant),
                    ctx.origin,
                    ctx.now(),
                )
        return RequestsPage(found, sorted(set(asked_by)))


def waiting_count(db: Session, ctx: Context, actor: Actor) -> int:
    """How many sharings wait for this approver's yes, counted inside the caller's unit of work
    (the start page's) without opening any: no names, so nothing to log."""
    waiting = 0
    for approver in _live_approvers(db, None, actor.user_id):
        dossier = db.get(Dossier, approver.dossier_id)
        assert dossier is not None
        waiting += sum(
            1
            for grant in _pending(db, dossier.id)
            if _may_decide(ctx, dossier, grant)
            and db.scalar(
                select(GrantRelease.id).where(
                    GrantRelease.grant_id == grant.id, GrantRelease.approver_id == approver.id
                )
            )
        )
    return waiting


def _name(db: Session, user_id: uuid.UUID | None) -> str:
    user = db.get(User, user_id) if user_id else None
    return user.display_name if user else ""


def _request(db: Session, grant: Grant, summary: holds.Summary) -> Request:
    grantee = db.get(User, grant.grantee_id) if grant.grantee_id else None
    message = None
    if summary.message is not None:
        try:
            message = read_signed_text(
                summary.message,
                sealed.GRANT_MESSAGE.place(grant, None),
                grant.message_signed_by,
                signing_public_key(db, grant.message_signed_by),
                "message",
            )
        except Untrusted:
            message = SignedText("", Trust.UNTRUSTED)
    return Request(
        grant_id=grant.id,
        dossier_id=grant.dossier_id,
        asked_by=_name(db, grant.created_by),
        grantee_name=grantee.display_name if grantee else "",
        grantee_role=grantee.role if grantee else None,
        grantee_organisation=grantee.organisation if grantee else None,
        permission=grant.permission,
        sections=summary.sections,
        until=grant.expires_at,
        message=message,
        asked_at=grant.created_at,
    )


def _may_decide(ctx: Context, dossier: Dossier, grant: Grant) -> bool:
    return rules(ctx).approver_may_decide(
        consent.State(grant.status), dossier.subject_birth_date, ctx.now().date()
    )


@dataclass(frozen=True)
class Decided:
    status: str  # the grant's: active, pending (a yes that waits for an owner), revoked
    grantee_name: str


def decide(ctx: Context, actor: Actor, grant_id: uuid.UUID, *, yes: bool) -> Decided:
    """Her yes or no to one waiting sharing of a dossier she approves for. A yes that completes
    the approvals starts the sharing with the keys it holds; a no ends it."""
    action = Action.GRANT_APPROVE if yes else Action.GRANT_REFUSE
    with ctx.unit_of_work() as db:
        grant = db.get(Grant, grant_id, with_for_update=True, populate_existing=True)
        approvers = _live_approvers(db, grant.dossier_id, actor.user_id) if grant else []
        if grant is None or not approvers:
            raise Refused(
                NotFound(),
                Event(
                    action=action,
                    outcome=Outcome.DENIED,
                    actor_id=actor.user_id,
                    actor_role=actor.role,
                    dossier_id=grant.dossier_id if grant else None,
                    object_type="grant",
                    object_id=str(grant_id),
                    reason="not an approver of this dossier",
                ),
            )
        approver = approvers[0]
        dossier = db.get(Dossier, grant.dossier_id)
        assert dossier is not None
        sweep(db, ctx, dossier)
        if not _may_decide(ctx, dossier, grant):
            raise Conflict(N_("This does not wait for your yes any more."))
        key = holds.release_key(db, grant, approver, unlock_keyring(db, actor))
        if key is None:
            raise Refused(
                NotFound(),
                _event(
                    actor,
                    action,
                    approver,
                    grant,
                    outcome=Outcome.DENIED,
                    reason="not asked about this sharing",
                ),
            )
        now = ctx.now()
        grantee_name = _name(db, grant.grantee_id)
        if not yes:
            grant.status = GrantStatus.REVOKED
            grant.revoked_at = now
            grant.revoked_by = actor.user_id
            holds.drop(db, grant.id)
            append(db, _event(actor, action, approver, grant), ctx.origin, now)
            _tell_refused(db, ctx, grant, actor)
            return Decided(grant.status, grantee_name)
        if db.get(GrantApproval, (grant.id, actor.user_id)) is None:
            db.add(
                GrantApproval(
                    grant_id=grant.id,
                    user_id=actor.user_id,
                    dossier_id=grant.dossier_id,
                    relation=consent.GUARDIAN,  # her yes counts as a guardian's, by the rules
                    at=now,
                )
            )
            db.flush()
        append(db, _event(actor, action, approver, grant), ctx.origin, now)
        approvals = list(
            db.scalars(select(GrantApproval.relation).where(GrantApproval.grant_id == grant.id))
        )
        if rules(ctx).approved(approvals, dossier.subject_birth_date, now.date()) and (
            holds.release(db, grant, key)
        ):
            grant.status = GrantStatus.ACTIVE
            grant.activated_at = now
            sections = db.scalars(
                select(GrantSection.section_id).where(GrantSection.grant_id == grant.id)
            ).all()
            append(
                db,
                _event(
                    actor,
                    Action.GRANT_ACTIVATE,
                    approver,
                    grant,
                    reason=f"{len(sections)} sections, {grant.permission}",
                ),
                ctx.origin,
                now,
            )
            tell_started(db, ctx, grant, actor.user_id)
        return Decided(grant.status, grantee_name)


def _tell_refused(db: Session, ctx: Context, grant: Grant, actor: Actor) -> None:
    """Her no reaches the grantee and the owners who shared, by her name."""
    words = {**grant_words(db, grant), "person": actor.display_name}
    if grant.grantee_id is not None:
        notify(
            db,
            ctx,
            grant.grantee_id,
            grant.dossier_id,
            NoticeKind.GRANT_ENDED,
            variant="refused",
            **words,
        )
    for owner_id in owner_ids(db, grant.dossier_id):
        notify(
            db,
            ctx,
            owner_id,
            grant.dossier_id,
            NoticeKind.GRANT_REFUSED,
            key=f"refused:{grant.id}",
            **words,
        )


# --- the owners' side --------------------------------------------------------------------------


def approvers_in(db: Session, ctx: Context, access: Access) -> list[ApproverInfo]:
    """The dossier's approvers, read inside the caller's unit of work (which logs it); a code
    past its end is not listed."""
    deciding = rules(ctx).may_decide(
        access.relation, access.dossier.subject_birth_date, ctx.now().date()
    )
    now = ctx.now()
    return [
        ApproverInfo(
            approver.id,
            _name(db, approver.user_id) if approver.user_id else None,
            approver.accepted_at or approver.created_at,
            None if approver.user_id else approver.expires_at,
            can_end=deciding,
        )
        for approver in _live_approvers(db, access.dossier.id, None)
        if approver.user_id is not None
        or (approver.expires_at is not None and approver.expires_at > now)
    ]


def end(ctx: Context, actor: Actor, dossier_id: uuid.UUID, approver_id: uuid.UUID) -> str:
    """An owner who decides takes the role away: her release keys go, her code stops. What she
    approved stays approved. Returns her name (empty if she never used the code)."""
    with ctx.unit_of_work() as db:
        access = resolve_owner(db, ctx, actor, dossier_id, Action.APPROVER_END)
        if not rules(ctx).may_decide(
            access.relation, access.dossier.subject_birth_date, ctx.now().date()
        ):
            raise access.refuse(
                Action.APPROVER_END, f"{access.relation} may not decide at this age"
            )
        approver = db.get(Approver, approver_id, with_for_update=True)
        if approver is None or approver.dossier_id != dossier_id:
            raise access.refuse(
                Action.APPROVER_END,
                "no such approver",
                NotFound(),
                object_type="approver",
                object_id=str(approver_id),
            )
        if approver.ended_at is not None:
            raise Conflict(N_("This has been decided already."))
        approver.ended_at = ctx.now()
        approver.ended_by = actor.user_id
        approver.lookup_hash = None
        approver.public_key = None
        holds.drop_approver(db, approver.id)
        append(
            db,
            access.event(Action.APPROVER_END, object_type="approver", object_id=str(approver.id)),
            ctx.origin,
            ctx.now(),
        )
        return _name(db, approver.user_id)
