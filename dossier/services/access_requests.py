"""Asking for access: someone the family did not invite asks the owners, who say yes or no.

A verified professional or a registered family member asks, by a dossier's request code (which
an owner gives them) or by an owner's e-mail address, for some of the usual sections, read or
contribute, for a number of months, saying why in their own words. The answer to asking is the
same whether or not the code or address leads anywhere, so asking tells nothing about who has a
dossier. The owners see the request on "Who may look?" and on their start page; saying yes shares
exactly as an owner's own share does (`sharing.share_in`, under the consent rules); saying no
tells the asker, as does the yes. A request no one answered ends after 14 days.

Why someone asks is sealed to each reader (the owners it reached, and the asker) and signed by
the asker, like a sharing's message: the server cannot read it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.actions import Action
from dossier.audit import Event, Outcome, append
from dossier.errors import N_, AccessDenied, Conflict, InvalidInput, NotFound
from dossier.models import (
    DEFAULT_SECTION_NAMES,
    AccessRequest,
    AccessRequestMessage,
    DossierOwner,
    Permission,
    RequestCode,
    RequestStatus,
    Role,
    Section,
    User,
)
from dossier.services import validation
from dossier.services.access import Access
from dossier.services.content import Place, SignedText, Trust, Untrusted, read_signed_text
from dossier.services.content import signed_text as signed_words
from dossier.services.context import Actor, Context
from dossier.services.keychain import dossier_secrets
from dossier.services.notices import NoticeKind, notify
from dossier.services.sessions import unlock_keyring
from dossier.services.sharing import Shared, deciding_owner, share_in
from dossier.services.work import owner_work

WAITING_DAYS = 14
MONTHS = (1, 3, 6, 12)
ASKABLE = ("care", "family", "school", "health")  # sections anyone outside can name
PURPOSE_MAX = 2_000
PERMISSIONS = (str(Permission.READ), str(Permission.CONTRIBUTE))


@dataclass(frozen=True)
class Asker:
    id: uuid.UUID
    name: str
    role: str
    organisation: str | None


@dataclass(frozen=True)
class RequestView:
    """A request as an owner sees it on "Who may look?", or as its asker sees it."""

    id: uuid.UUID
    asker: Asker
    sections: list[str]  # default section names: care, family, school, health
    permission: str
    months: int
    purpose: SignedText
    created_at: datetime
    expires_at: datetime
    status: str  # waiting, approved, refused or expired
    by_code: bool


# --- the request code --------------------------------------------------------------------------


def request_code(db: Session, dossier_id: uuid.UUID) -> str | None:
    """The dossier's current code, for its owners' page; None until an owner makes one."""
    row = db.get(RequestCode, dossier_id)
    secret = dossier_secrets(db).get(dossier_id)
    if row is None or secret is None:
        return None
    return crypto.request_code(secret, row.generation)


def current_request_code(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> str | None:
    """The code an owner gives out, read on its own (the API's view of it): one owner-only read,
    so one event; None until an owner makes one."""
    with owner_work(ctx, actor, dossier_id, Action.REQUEST_CODE_READ) as work:
        code = request_code(work.db, dossier_id)
        work.log(Action.REQUEST_CODE_READ, object_type="dossier", object_id=str(dossier_id))
        return code


def new_request_code(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> str:
    """A (new) code for this dossier; the one before stops working at once."""
    with owner_work(ctx, actor, dossier_id, Action.REQUEST_CODE) as work:
        db = work.db
        secret = dossier_secrets(db).get_or_create(dossier_id)
        row = db.get(RequestCode, dossier_id, with_for_update=True)
        generation = 1 if row is None else row.generation + 1
        code = crypto.request_code(secret, generation)
        lookup = crypto.request_code_lookup(code)
        assert lookup is not None  # a code made here is a code
        if row is None:
            row = RequestCode(dossier_id=dossier_id)
            db.add(row)
        row.generation, row.lookup_hash, row.created_at = generation, lookup, ctx.now()
        work.log(Action.REQUEST_CODE, object_type="dossier", object_id=str(dossier_id))
        return code


def dossier_by_code(ctx: Context, code: str) -> uuid.UUID | None:
    """The dossier a request code names, for an emergency request by code (which is logged
    there); None for anything else."""
    lookup = crypto.request_code_lookup(code)
    if lookup is None:
        return None
    with ctx.reading() as db:
        return db.scalar(select(RequestCode.dossier_id).where(RequestCode.lookup_hash == lookup))


# --- asking ------------------------------------------------------------------------------------


def ask(
    ctx: Context,
    actor: Actor,
    *,
    code: str | None,
    owner_email: str | None,
    sections: list[str],
    permission: str,
    months: int,
    purpose: str,
) -> uuid.UUID:
    """File a request; its id. Whether it reached anyone is not said, here or later."""
    errors = validation.Errors()
    lookup = crypto.request_code_lookup(code) if code else None
    address = validation.email_key(owner_email or "") if owner_email else ""
    if bool(code) == bool(owner_email):
        errors.add("code", N_("Fill in a request code or an owner's e-mail address, one of them."))
    elif code and lookup is None:
        errors.add("code", N_("A request code has 12 letters and digits, like ABCD-EFGH-JKLM."))
    elif owner_email:
        validation.email(owner_email, errors, "owner_email")
    chosen = [name for name in ASKABLE if name in set(sections)]
    if not chosen or len(chosen) != len(set(sections)):
        errors.add("sections", N_("Choose at least one section from the list."))
    if permission not in PERMISSIONS:
        errors.add("permission", N_("Choose read or contribute."))
    if months not in MONTHS:
        errors.add("months", N_("Choose how long from the list."))
    words = (purpose or "").replace("\r\n", "\n").strip()
    if not validation.usable(words):
        errors.add("purpose", validation.UNUSABLE_TEXT)
    elif not words:
        errors.add("purpose", N_("Say why you ask. The owners decide on it."))
    elif len(words) > PURPOSE_MAX:
        errors.add("purpose", N_("This text is too long."))
    with ctx.unit_of_work() as db:
        asker = db.get(User, actor.user_id)
        if asker is None or not _may_ask(asker):
            append(
                db,
                _event(actor, Action.REQUEST_CREATE, Outcome.DENIED, "may not ask"),
                ctx.origin,
                ctx.now(),
            )
            raise AccessDenied(
                N_(
                    "Only a care professional whose registration was checked, "
                    "or a family member, can ask."
                )
            )
        errors.raise_if_any()
        now = ctx.now()
        dossier_id, owner_id, readers = _reached(db, lookup, address)
        request = AccessRequest(
            id=uuid.uuid4(),
            asker_id=actor.user_id,
            dossier_id=dossier_id,
            owner_id=owner_id,
            sections=",".join(chosen),
            permission=permission,
            months=months,
            created_at=now,
            expires_at=now + timedelta(days=WAITING_DAYS),
            status=RequestStatus.WAITING,
        )
        db.add(request)
        db.flush()
        signed = signed_words(
            unlock_keyring(db, actor).signing, _place(request), actor.user_id, "purpose", words
        )
        for reader in [asker, *readers]:
            db.add(
                AccessRequestMessage(
                    request_id=request.id,
                    user_id=reader.id,
                    sealed=crypto.seal_to_public_key(
                        signed, reader.exchange_public_key, _info(request.id, reader.id)
                    ),
                )
            )
        refs = [{"default": DEFAULT_SECTION_NAMES[name]} for name in chosen]
        for reader in readers:
            notify(
                db,
                ctx,
                reader.id,
                dossier_id,
                NoticeKind.REQUEST_WAITING,
                key=f"request:{request.id}",
                person=asker.display_name,
                sections=refs,
            )
        # In the dossier's own log when it reached one, so its owners see that someone asked.
        event = _event(actor, Action.REQUEST_CREATE, Outcome.SUCCESS, None)
        append(
            db,
            replace(event, dossier_id=dossier_id, object_type="request", object_id=str(request.id)),
            ctx.origin,
            now,
        )
        return request.id


def _may_ask(user: User) -> bool:
    if user.role == Role.PROFESSIONAL:
        return user.is_verified
    return user.role == Role.PARENT


def _reached(
    db: Session, lookup: bytes | None, address: str
) -> tuple[uuid.UUID | None, uuid.UUID | None, list[User]]:
    """Whom a request reaches: a dossier's owners (by code) or one owner (by address), or
    nobody; the asker is told the same in every case."""
    if lookup is not None:
        dossier_id = db.scalar(
            select(RequestCode.dossier_id).where(RequestCode.lookup_hash == lookup)
        )
        if dossier_id is None:
            return None, None, []
        owners = db.scalars(
            select(User)
            .join(DossierOwner, DossierOwner.user_id == User.id)
            .where(DossierOwner.dossier_id == dossier_id)
        )
        return dossier_id, None, list(owners)
    owner = db.scalar(select(User).where(User.email == address))
    if owner is None or not db.scalar(
        select(DossierOwner.dossier_id).where(DossierOwner.user_id == owner.id).limit(1)
    ):
        return None, None, []
    return None, owner.id, [owner]


def _place(request: AccessRequest) -> Place:
    """What the asker's signature binds their words to: this request. A request belongs to no
    dossier until an owner says yes, so its own id stands where a dossier's would."""
    return Place(request.id, None, "access-request", request.id, 1, 0)


def _info(request_id: uuid.UUID, reader_id: uuid.UUID) -> dict[str, object]:
    return {"purpose": "access-request", "request": str(request_id), "holder": str(reader_id)}


def _event(actor: Actor, action: Action, outcome: Outcome, reason: str | None) -> Event:
    return Event(
        action=action, actor_id=actor.user_id, actor_role=actor.role, outcome=outcome, reason=reason
    )


# --- reading -----------------------------------------------------------------------------------


def status_of(request: AccessRequest, now: datetime) -> str:
    if request.status == RequestStatus.WAITING and request.expires_at <= now:
        return "expired"
    return str(request.status)


def waiting_for(db: Session, ctx: Context, access: Access) -> list[RequestView]:
    """The requests an owner can answer on this dossier's "Who may look?": those that reached
    this dossier by its code, and those sent to this owner's address (answered for this dossier)."""
    now = ctx.now()
    rows = db.scalars(
        select(AccessRequest)
        .where(
            AccessRequest.status == RequestStatus.WAITING,
            AccessRequest.expires_at > now,
            or_(
                AccessRequest.dossier_id == access.dossier.id,
                (AccessRequest.owner_id == access.actor.user_id)
                & AccessRequest.dossier_id.is_(None),
            ),
        )
        .order_by(AccessRequest.created_at)
    )
    return [_view(db, access.actor, row, now) for row in rows]


def requests_for(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> list[RequestView]:
    """The requests an owner can answer on this dossier, read on their own (the API's list, which
    "Who may look?" shows among the rest): who asked and why, logged as one event."""
    with owner_work(ctx, actor, dossier_id, Action.REQUEST_LIST) as work:
        views = waiting_for(work.db, ctx, work.access)
        work.log(Action.REQUEST_LIST, object_type="dossier", object_id=str(dossier_id))
        return views


def my_requests(ctx: Context, actor: Actor) -> list[RequestView]:
    """The asker's own requests, newest first: what was asked and whether it was answered."""
    with ctx.unit_of_work() as db:
        now = ctx.now()
        rows = db.scalars(
            select(AccessRequest)
            .where(AccessRequest.asker_id == actor.user_id)
            .order_by(AccessRequest.created_at.desc())
        )
        return [_view(db, actor, row, now) for row in rows]


def _view(db: Session, reader: Actor, request: AccessRequest, now: datetime) -> RequestView:
    asker = db.get(User, request.asker_id)
    assert asker is not None  # the request goes with its asker's account
    return RequestView(
        id=request.id,
        asker=Asker(asker.id, asker.display_name, asker.role, asker.organisation),
        sections=request.sections.split(","),
        permission=request.permission,
        months=request.months,
        purpose=_purpose(db, reader, request, asker),
        created_at=request.created_at,
        expires_at=request.expires_at,
        status=status_of(request, now),
        by_code=request.owner_id is None,
    )


def _purpose(db: Session, reader: Actor, request: AccessRequest, asker: User) -> SignedText:
    sealed = db.get(AccessRequestMessage, (request.id, reader.user_id))
    if sealed is None:
        return SignedText("", Trust.UNTRUSTED)
    try:
        data = crypto.open_from_public_key(
            sealed.sealed, unlock_keyring(db, reader).exchange, _info(request.id, reader.user_id)
        )
        return read_signed_text(
            data, _place(request), asker.id, asker.signing_public_key, "purpose"
        )
    except (crypto.CryptoError, Untrusted):
        return SignedText("", Trust.UNTRUSTED)


# --- answering ---------------------------------------------------------------------------------


def decide(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, request_id: uuid.UUID, approve: bool
) -> Shared | None:
    """Yes shares what was asked, from this dossier, as the owner's own share would (pending
    until the consent rules are met); no ends the request. The asker is told either way."""
    with ctx.unit_of_work() as db:
        access = deciding_owner(db, ctx, actor, dossier_id, Action.REQUEST_DECIDE)
        request = db.get(AccessRequest, request_id, with_for_update=True, populate_existing=True)
        reached = request is not None and (
            request.dossier_id == dossier_id
            or (request.dossier_id is None and request.owner_id == actor.user_id)
        )
        if request is None or not reached:
            raise access.refuse(
                Action.REQUEST_DECIDE,
                "no such request",
                NotFound(),
                object_type="request",
                object_id=str(request_id),
            )
        now = ctx.now()
        if status_of(request, now) != RequestStatus.WAITING:
            raise Conflict(N_("This request was answered already, or it has ended."))
        asker = db.get(User, request.asker_id)
        assert asker is not None
        shared = None
        if approve:
            names = request.sections.split(",")
            section_ids = list(
                db.scalars(
                    select(Section.id).where(
                        Section.dossier_id == dossier_id,
                        Section.default_name.in_(names),
                        Section.archived_at.is_(None),
                    )
                )
            )
            if not section_ids:
                raise InvalidInput(
                    {"sections": [N_("This dossier has none of the sections asked for.")]}
                )
            shared = share_in(
                db,
                ctx,
                access,
                grantee_email=asker.email,
                section_ids=section_ids,
                permission=request.permission,
                expires_at=now + timedelta(days=30 * request.months),
            )
            request.grant_id = shared.grant_id
        request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
        request.dossier_id, request.decided_at, request.decided_by = dossier_id, now, actor.user_id
        notify(
            db,
            ctx,
            asker.id,
            None,
            NoticeKind.REQUEST_DECIDED,
            key=f"request-decided:{request.id}",
            person=actor.display_name,
            sections=[{"default": DEFAULT_SECTION_NAMES[n]} for n in request.sections.split(",")],
            variant=str(request.status),
        )
        append(
            db,
            access.event(
                Action.REQUEST_DECIDE,
                object_type="request",
                object_id=str(request.id),
                reason=str(request.status),
            ),
            ctx.origin,
            now,
        )
        return shared
