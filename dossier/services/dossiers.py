"""Dossiers: creating one, its sections, co-owners joining by invitation, and destroying it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from dossier import consent, crypto
from dossier.actions import Action
from dossier.audit import append, start_chain
from dossier.errors import N_, AccessDenied, InvalidInput, NotFound
from dossier.models import (
    DEFAULT_SECTION_NAMES,
    DEFAULT_SECTIONS,
    Dossier,
    DossierOwner,
    Grant,
    GrantStatus,
    Invitation,
    Relation,
    Role,
    Section,
    User,
)
from dossier.services import sealed, validation
from dossier.services.access import Access, owners, resolve, resolve_owner
from dossier.services.content import Place, Untrusted, open_signed_text, seal_signed_text
from dossier.services.context import Actor, Context, Refused
from dossier.services.keychain import (
    KeyChain,
    keychain,
    new_key_version,
    seal_to_invitation,
    seal_to_user,
    signing_public_key,
)

SECTION_NAME_MAX = 60
CHILD_MAX_AGE = 17
INVITATION_DAYS = 7
UNREADABLE = N_("(cannot be read)")
UNTRUSTED_NAME = N_("(cannot be trusted)")


@dataclass(frozen=True)
class SectionInfo:
    id: uuid.UUID
    name: str
    default_name: str | None  # an app-chosen name, to be translated when shown
    archived: bool


@dataclass(frozen=True)
class OwnerInfo:
    user_id: uuid.UUID
    display_name: str
    relation: str


@dataclass(frozen=True)
class DossierSummary:
    id: uuid.UUID
    subject_name: str
    subject_birth_date: date
    my_relation: str
    permission: str
    sections: list[SectionInfo]
    owners: list[OwnerInfo]
    created_at: datetime
    may_write: bool

    def section(self, section_id: uuid.UUID) -> SectionInfo | None:
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass(frozen=True)
class InvitationTicket:
    code: str
    relation: str
    expires_at: datetime


# --- reading the dossier's own data ------------------------------------------------------------


def _name_place(dossier: Dossier) -> Place:
    return sealed.DOSSIER_NAME.place(dossier, None)


def _section_place(section: Section) -> Place:
    return sealed.SECTION_NAME.place(section, None)


def _open_name(
    keys: KeyChain,
    key_version: int,
    blob: bytes,
    place: Place,
    field: str,
    signer: uuid.UUID | None,
) -> str:
    """A name as its owner set it, checked against their signature; a name that fails to open or
    to verify is never shown as if it were the name."""
    try:
        key = keys.key(None, key_version)
    except (AccessDenied, crypto.CryptoError):
        return UNREADABLE
    try:
        return open_signed_text(
            key,
            blob,
            place,
            field,
            signer_id=signer,
            public_key=signing_public_key(keys.db, signer),
        ).text
    except Untrusted:
        return UNTRUSTED_NAME


def _seal_name(keys: KeyChain, key: bytes, name: str, place: Place, field: str) -> bytes:
    return seal_signed_text(
        key, name, place, field, signing_key=keys.keyring.signing, signer_id=keys.holder_id
    )


def subject_name(keys: KeyChain, dossier: Dossier) -> str:
    return _open_name(
        keys,
        dossier.name_key_version,
        dossier.subject_name_sealed,
        _name_place(dossier),
        "subject_name",
        dossier.name_signed_by,
    )


# Built once: every page that names the dossier asks these.
_SECTIONS = (
    select(Section)
    .where(Section.dossier_id == bindparam("dossier_id", type_=Section.dossier_id.type))
    .order_by(Section.position)
)
_OWNERS = (
    select(User.id, User.display_name, DossierOwner.relation)
    .join(DossierOwner, DossierOwner.user_id == User.id)
    .where(DossierOwner.dossier_id == bindparam("dossier_id", type_=DossierOwner.dossier_id.type))
    .order_by(DossierOwner.since)
)


def section_infos(db: Session, keys: KeyChain, access: Access) -> list[SectionInfo]:
    rows = db.scalars(_SECTIONS, {"dossier_id": access.dossier.id})
    infos = []
    for section in rows:
        if not access.can_read(section.id):
            continue
        infos.append(
            SectionInfo(
                id=section.id,
                name=_section_name(keys, section),
                default_name=section.default_name if section.name_sealed is None else None,
                archived=section.archived_at is not None,
            )
        )
    return infos


def _section_name(keys: KeyChain, section: Section) -> str:
    if section.name_sealed is None:
        return DEFAULT_SECTION_NAMES.get(section.default_name or "", section.default_name or "")
    return _open_name(
        keys,
        section.name_key_version or 0,
        section.name_sealed,
        _section_place(section),
        "section_name",
        section.name_signed_by,
    )


def summary(
    db: Session, ctx: Context, keys: KeyChain, access: Access, action: Action, **fields: object
) -> DossierSummary:
    """The dossier with its subject's and sections' names opened. Opening them is a read, so the
    event that says who read them is written here, in the same transaction, once per call: no
    caller can hand names out without it."""
    append(
        db,
        access.event(action, object_type="dossier", object_id=str(access.dossier.id), **fields),
        ctx.origin,
        ctx.now(),
    )
    return described(db, keys, access)


def described(db: Session, keys: KeyChain, access: Access) -> DossierSummary:
    """The names opened, for a use case that logs the page they appear on as its one event."""
    return DossierSummary(
        id=access.dossier.id,
        subject_name=subject_name(keys, access.dossier),
        subject_birth_date=access.dossier.subject_birth_date,
        my_relation=access.relation,
        permission=access.permission,
        sections=section_infos(db, keys, access),
        owners=[
            OwnerInfo(user_id, name, relation)
            for user_id, name, relation in db.execute(_OWNERS, {"dossier_id": access.dossier.id})
        ],
        created_at=access.dossier.created_at,
        may_write=access.may_write_entries,
    )


# --- creating -----------------------------------------------------------------------------------


def _validated_subject(
    ctx: Context, actor_user: User, name: str, birth_date: date | None, for_self: bool
) -> tuple[str, date, str]:
    errors = validation.Errors()
    if for_self:
        if actor_user.role != Role.YOUTH or actor_user.birth_date is None:
            raise AccessDenied(N_("Only a young person can make a dossier about themselves."))
        clean_name = validation.name(
            name or actor_user.display_name,
            errors,
            "subject_name",
            maximum=validation.NAME_MAX,
            required_message=N_("Fill in a name."),
        )
        if birth_date is not None and birth_date != actor_user.birth_date:
            errors.add("subject_birth_date", N_("This is not the date of birth in your account."))
        errors.raise_if_any()
        return clean_name, actor_user.birth_date, Relation.SUBJECT
    if actor_user.role != Role.PARENT:
        raise AccessDenied(N_("Only a parent or guardian can make a dossier for a child."))
    clean_name = validation.name(
        name,
        errors,
        "subject_name",
        maximum=validation.NAME_MAX,
        required_message=N_("Fill in your child's name."),
    )
    today = ctx.now().date()
    if birth_date is None:
        errors.add("subject_birth_date", N_("Fill in your child's date of birth."))
    elif birth_date > today:
        errors.add("subject_birth_date", N_("This date is in the future."))
    elif consent.age_on(birth_date, today) > CHILD_MAX_AGE:
        errors.add(
            "subject_birth_date",
            N_("Your child is 18 or older. They can make their own dossier."),
        )
    errors.raise_if_any()
    assert birth_date is not None
    return clean_name, birth_date, Relation.GUARDIAN


def create_dossier(
    ctx: Context, actor: Actor, subject_name: str, subject_birth_date: date | None, for_self: bool
) -> DossierSummary:
    """A youth's own dossier, or a parent's for their child, with the five default sections."""
    with ctx.unit_of_work() as db:
        user = db.get(User, actor.user_id)
        if user is None:
            raise NotFound()
        name, birth_date, relation = _validated_subject(
            ctx, user, subject_name, subject_birth_date, for_self
        )
        if for_self and db.scalar(select(Dossier.id).where(Dossier.subject_user_id == user.id)):
            raise InvalidInput({"for_self": [N_("You already have a dossier about yourself.")]})
        now = ctx.now()
        dossier_id = uuid.uuid4()
        dossier = Dossier(
            id=dossier_id,
            subject_user_id=user.id if for_self else None,
            subject_birth_date=birth_date,
            subject_name_sealed=b"",
            name_key_version=1,
            created_by=user.id,
            created_at=now,
        )
        db.add(dossier)
        db.add(DossierOwner(dossier_id=dossier_id, user_id=user.id, relation=relation, since=now))
        db.flush()
        dossier_key_row, dossier_key = new_key_version(db, dossier_id, None, 1, now)
        seal_to_user(db, dossier_key_row, dossier_key, user)
        keys = keychain(db, actor, dossier_id)
        keys.remember(None, 1, dossier_key)
        dossier.name_signed_by = keys.holder_id
        dossier.subject_name_sealed = _seal_name(
            keys, dossier_key, name, _name_place(dossier), "subject_name"
        )
        for position, (default_name, _label) in enumerate(DEFAULT_SECTIONS):
            section = Section(
                id=uuid.uuid4(),
                dossier_id=dossier_id,
                default_name=default_name,
                position=position,
                created_at=now,
            )
            db.add(section)
            db.flush()
            row, key = new_key_version(db, dossier_id, section.id, 1, now)
            seal_to_user(db, row, key, user)
        start_chain(db, dossier_id)
        access = Access(dossier, actor, relation, "own", None)
        db.flush()
        return summary(db, ctx, keys, access, Action.DOSSIER_CREATE)


def list_dossiers(ctx: Context, actor: Actor) -> list[DossierSummary]:
    """Dossiers I own, then those shared with me; each as I may see it. Their names are read, so
    each listed dossier's log says who saw it in a list: one event per dossier per call."""
    with ctx.unit_of_work() as db:
        return dossiers_of(db, ctx, actor)


def dossiers_of(db: Session, ctx: Context, actor: Actor) -> list[DossierSummary]:
    """`list_dossiers`, inside the caller's unit of work (the start page's)."""
    owned = db.scalars(
        select(DossierOwner.dossier_id).where(DossierOwner.user_id == actor.user_id)
    ).all()
    granted = db.scalars(
        select(Grant.dossier_id).where(
            Grant.grantee_id == actor.user_id, Grant.status == GrantStatus.ACTIVE
        )
    ).all()
    result = []
    for dossier_id in [*owned, *[d for d in granted if d not in owned]]:
        try:
            access = resolve(db, ctx, actor, dossier_id, Action.DOSSIER_LIST)
        except Refused:
            continue  # an ended grant is simply no longer listed
        keys = keychain(db, actor, dossier_id)
        result.append(summary(db, ctx, keys, access, Action.DOSSIER_LIST))
    return result


def get_dossier(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, owner_only: bool = False
) -> DossierSummary:
    """The dossier as the actor may see it; `owner_only` for the pages that manage it."""
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.DOSSIER_OPEN)
        if owner_only and not access.is_owner:
            raise access.refuse(Action.DOSSIER_MANAGE, "not an owner")
        return summary(db, ctx, keychain(db, actor, dossier_id), access, Action.DOSSIER_OPEN)


# --- sections -----------------------------------------------------------------------------------


def _clean_section_name(name: str) -> str:
    errors = validation.Errors()
    cleaned = validation.name(
        name, errors, "name", maximum=SECTION_NAME_MAX, required_message=N_("Fill in a name.")
    )
    errors.raise_if_any()
    return cleaned


def _seal_section_name(keys: KeyChain, section: Section, name: str) -> None:
    version, key = keys.current(None)
    section.name_key_version = version
    section.name_signed_by = keys.holder_id
    section.name_sealed = _seal_name(keys, key, name, _section_place(section), "section_name")


def add_section(ctx: Context, actor: Actor, dossier_id: uuid.UUID, name: str) -> SectionInfo:
    """A new compartment with its own key, sealed to every owner and to open invitations."""
    with ctx.unit_of_work() as db:
        access = resolve_owner(db, ctx, actor, dossier_id, Action.SECTION_CREATE)
        cleaned = _clean_section_name(name)
        now = ctx.now()
        position = db.execute(
            select(func.coalesce(func.max(Section.position), -1)).where(
                Section.dossier_id == dossier_id
            )
        ).scalar_one()
        section = Section(
            id=uuid.uuid4(), dossier_id=dossier_id, position=position + 1, created_at=now
        )
        keys = keychain(db, actor, dossier_id)
        _seal_section_name(keys, section, cleaned)
        db.add(section)
        db.flush()
        row, key = new_key_version(db, dossier_id, section.id, 1, now)
        for owner in owners(db, dossier_id):
            seal_to_user(db, row, key, owner)
        for invitation in _open_invitations(db, ctx, dossier_id):
            seal_to_invitation(db, row, key, invitation.id, invitation.public_key)
        append(
            db,
            access.event(Action.SECTION_CREATE, object_type="section", object_id=str(section.id)),
            ctx.origin,
            now,
        )
        return SectionInfo(section.id, cleaned, None, False)


def _owned_section(db: Session, access: Access, section_id: uuid.UUID, action: Action) -> Section:
    section = db.get(Section, section_id)
    if section is None or section.dossier_id != access.dossier.id:
        raise access.refuse(action, "no such section", NotFound())
    return section


def rename_section(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, section_id: uuid.UUID, name: str
) -> SectionInfo:
    renamed = change_section(ctx, actor, dossier_id, section_id, name=name)
    assert renamed is not None
    return renamed


def archive_section(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, section_id: uuid.UUID, archived: bool = True
) -> None:
    """Out of the way, not gone: its entries stay readable for whoever could read them."""
    change_section(ctx, actor, dossier_id, section_id, archived=archived)


def change_section(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    section_id: uuid.UUID,
    *,
    name: str | None = None,
    archived: bool | None = None,
) -> SectionInfo | None:
    """A new name and the archive mark, in one transaction: both happen or neither does.
    Returns the section as renamed, when it was."""
    action = Action.SECTION_RENAME if name is not None else Action.SECTION_ARCHIVE
    with ctx.unit_of_work() as db:
        access = resolve_owner(db, ctx, actor, dossier_id, action)
        cleaned = _clean_section_name(name) if name is not None else None
        section = _owned_section(db, access, section_id, action)
        now = ctx.now()
        if cleaned is not None:
            _seal_section_name(keychain(db, actor, dossier_id), section, cleaned)
            append(
                db,
                access.event(
                    Action.SECTION_RENAME, object_type="section", object_id=str(section.id)
                ),
                ctx.origin,
                now,
            )
        if archived is not None:
            section.archived_at = now if archived else None
            append(
                db,
                access.event(
                    Action.SECTION_ARCHIVE if archived else Action.SECTION_RESTORE,
                    object_type="section",
                    object_id=str(section.id),
                ),
                ctx.origin,
                now,
            )
        if cleaned is None:
            return None
        return SectionInfo(section.id, cleaned, None, section.archived_at is not None)


# --- invitations that hold keys ----------------------------------------------------------------


def _open_invitations(db: Session, ctx: Context, dossier_id: uuid.UUID) -> list[Invitation]:
    return list(
        db.scalars(
            select(Invitation).where(
                Invitation.dossier_id == dossier_id,
                Invitation.used_at.is_(None),
                Invitation.approved_at.is_not(None),
                Invitation.expires_at > ctx.now(),
            )
        )
    )
