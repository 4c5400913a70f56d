"""Dossiers: creating one, its sections, co-owners joining by invitation, and destroying it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dossier import consent, crypto
from dossier.audit import Event, Outcome, append, start_chain
from dossier.errors import N_, AccessDenied, InvalidInput, NotFound
from dossier.models import (
    Attachment,
    CorrectionRequest,
    Dossier,
    DossierOwner,
    Entry,
    EntryPerspective,
    EntryVersion,
    Grant,
    GrantSection,
    Invitation,
    KeyVersion,
    Relation,
    Role,
    SealedKey,
    Section,
    User,
)
from dossier.services import validation
from dossier.services.access import Access, owners, resolve
from dossier.services.content import Place, Untrusted, open_text, seal_text
from dossier.services.context import Actor, Context, Refused, after_commit
from dossier.services.keychain import (
    KeyChain,
    dossier_secrets,
    keychain,
    new_key_version,
    seal_to_invitation,
    seal_to_user,
    take_over_invitation,
)
from dossier.services.lifecycle import rules as lifecycle_rules

DEFAULT_SECTIONS = (
    ("my_story", N_("My story")),
    ("care", N_("Care")),
    ("family", N_("Family")),
    ("school", N_("School")),
    ("health", N_("Health")),
)
DEFAULT_SECTION_NAMES = dict(DEFAULT_SECTIONS)
SECTION_NAME_MAX = 60
CHILD_MAX_AGE = 17
INVITATION_DAYS = 7
UNREADABLE = N_("(cannot be read)")


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
    return Place(dossier.id, None, "dossier", dossier.id, 1, dossier.name_key_version)


def _section_place(section: Section) -> Place:
    return Place(section.dossier_id, None, "section", section.id, 1, section.name_key_version or 0)


def subject_name(keys: KeyChain, dossier: Dossier) -> str:
    try:
        key = keys.key(None, dossier.name_key_version)
        return open_text(key, dossier.subject_name_sealed, _name_place(dossier), "subject_name")
    except (Untrusted, AccessDenied, crypto.CryptoError):
        return UNREADABLE


def section_infos(db: Session, keys: KeyChain, access: Access) -> list[SectionInfo]:
    rows = db.scalars(
        select(Section).where(Section.dossier_id == access.dossier.id).order_by(Section.position)
    )
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
    try:
        key = keys.key(None, section.name_key_version or 0)
        return open_text(key, section.name_sealed, _section_place(section), "section_name")
    except (Untrusted, AccessDenied, crypto.CryptoError):
        return UNREADABLE


def summary(db: Session, keys: KeyChain, access: Access) -> DossierSummary:
    return DossierSummary(
        id=access.dossier.id,
        subject_name=subject_name(keys, access.dossier),
        subject_birth_date=access.dossier.subject_birth_date,
        my_relation=access.relation,
        permission=access.permission,
        sections=section_infos(db, keys, access),
        owners=[
            OwnerInfo(user.id, user.display_name, relation)
            for user, relation in db.execute(
                select(User, DossierOwner.relation)
                .join(DossierOwner, DossierOwner.user_id == User.id)
                .where(DossierOwner.dossier_id == access.dossier.id)
                .order_by(DossierOwner.since)
            )
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
        dossier.subject_name_sealed = seal_text(
            dossier_key, name, _name_place(dossier), "subject_name"
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
        append(
            db,
            access.event("dossier.create", object_type="dossier", object_id=str(dossier_id)),
            ctx.origin,
            now,
        )
        db.flush()
        return summary(db, keychain(db, actor, dossier_id), access)


def list_dossiers(ctx: Context, actor: Actor) -> list[DossierSummary]:
    """Dossiers I own, then those shared with me; each as I may see it."""
    with ctx.unit_of_work() as db:
        owned = db.scalars(
            select(DossierOwner.dossier_id).where(DossierOwner.user_id == actor.user_id)
        ).all()
        granted = db.scalars(
            select(Grant.dossier_id).where(
                Grant.grantee_id == actor.user_id, Grant.status == "active"
            )
        ).all()
        result = []
        for dossier_id in [*owned, *[d for d in granted if d not in owned]]:
            try:
                access = resolve(db, ctx, actor, dossier_id, "dossier.list")
            except Refused:
                continue  # an ended grant is simply no longer listed
            result.append(summary(db, keychain(db, actor, dossier_id), access))
        return result


def get_dossier(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, owner_only: bool = False
) -> DossierSummary:
    """The dossier as the actor may see it; `owner_only` for the pages that manage it."""
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, "dossier.open")
        if owner_only and not access.is_owner:
            raise access.refuse("dossier.manage", "not an owner")
        append(
            db,
            access.event("dossier.open", object_type="dossier", object_id=str(dossier_id)),
            ctx.origin,
            ctx.now(),
        )
        return summary(db, keychain(db, actor, dossier_id), access)


# --- sections -----------------------------------------------------------------------------------


def _owner_access(
    db: Session, ctx: Context, actor: Actor, dossier_id: uuid.UUID, action: str
) -> Access:
    access = resolve(db, ctx, actor, dossier_id, action)
    if not access.is_owner:
        raise access.refuse(action, "not an owner")
    return access


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
    section.name_sealed = seal_text(key, name, _section_place(section), "section_name")


def add_section(ctx: Context, actor: Actor, dossier_id: uuid.UUID, name: str) -> SectionInfo:
    """A new compartment with its own key, sealed to every owner and to open invitations."""
    with ctx.unit_of_work() as db:
        access = _owner_access(db, ctx, actor, dossier_id, "section.create")
        cleaned = _clean_section_name(name)
        now = ctx.now()
        position = db.scalar(
            select(func.coalesce(func.max(Section.position), -1)).where(
                Section.dossier_id == dossier_id
            )
        )
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
            access.event("section.create", object_type="section", object_id=str(section.id)),
            ctx.origin,
            now,
        )
        return SectionInfo(section.id, cleaned, None, False)


def _owned_section(db: Session, access: Access, section_id: uuid.UUID, action: str) -> Section:
    section = db.get(Section, section_id)
    if section is None or section.dossier_id != access.dossier.id:
        raise access.refuse(action, "no such section", NotFound())
    return section


def rename_section(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, section_id: uuid.UUID, name: str
) -> SectionInfo:
    with ctx.unit_of_work() as db:
        access = _owner_access(db, ctx, actor, dossier_id, "section.rename")
        cleaned = _clean_section_name(name)
        section = _owned_section(db, access, section_id, "section.rename")
        _seal_section_name(keychain(db, actor, dossier_id), section, cleaned)
        append(
            db,
            access.event("section.rename", object_type="section", object_id=str(section.id)),
            ctx.origin,
            ctx.now(),
        )
        return SectionInfo(section.id, cleaned, None, section.archived_at is not None)


def archive_section(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, section_id: uuid.UUID, archived: bool = True
) -> None:
    """Out of the way, not gone: its entries stay readable for whoever could read them."""
    with ctx.unit_of_work() as db:
        access = _owner_access(db, ctx, actor, dossier_id, "section.archive")
        section = _owned_section(db, access, section_id, "section.archive")
        section.archived_at = ctx.now() if archived else None
        append(
            db,
            access.event(
                "section.archive" if archived else "section.restore",
                object_type="section",
                object_id=str(section.id),
            ),
            ctx.origin,
            ctx.now(),
        )


# --- co-owners ----------------------------------------------------------------------------------


def _open_invitations(db: Session, ctx: Context, dossier_id: uuid.UUID) -> list[Invitation]:
    return list(
        db.scalars(
            select(Invitation).where(
                Invitation.dossier_id == dossier_id,
                Invitation.used_at.is_(None),
                Invitation.expires_at > ctx.now(),
            )
        )
    )


def invite_owner(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, relation: str | None = None
) -> InvitationTicket:
    """A one-time code for a co-owner: the young person (from 12, once) or a guardian (while the
    young person is under 16). Single use, seven days."""
    with ctx.unit_of_work() as db:
        access = _owner_access(db, ctx, actor, dossier_id, "invitation.create")
        dossier = access.dossier
        age = consent.age_on(dossier.subject_birth_date, ctx.now().date())
        if relation is None:
            subject_can_join = dossier.subject_user_id is None and age >= validation.YOUTH_MIN_AGE
            relation = Relation.SUBJECT if subject_can_join else Relation.GUARDIAN
        if relation == Relation.SUBJECT:
            if dossier.subject_user_id is not None:
                raise InvalidInput({"relation": [N_("The young person has joined already.")]})
            if age < validation.YOUTH_MIN_AGE:
                raise InvalidInput({"relation": [N_("Your child can join from 12 years old.")]})
        elif relation == Relation.GUARDIAN:
            if not lifecycle_rules(ctx).guardians_own(dossier.subject_birth_date, ctx.now().date()):
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
        keys = keychain(db, actor, dossier_id)
        for key_version in _held_key_versions(db, dossier_id, actor.user_id):
            key = keys.key(key_version.section_id, key_version.version)
            seal_to_invitation(db, key_version, key, invitation.id, invitation.public_key)
        append(
            db,
            access.event(
                "invitation.create",
                object_type="invitation",
                object_id=str(invitation.id),
                reason=relation,
            ),
            ctx.origin,
            now,
        )
        return InvitationTicket(code=code, relation=relation, expires_at=invitation.expires_at)


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


INVITATION_REFUSED = N_("This invitation code is not valid. It may be used already or expired.")


def join(ctx: Context, actor: Actor, code: str) -> uuid.UUID:
    """Accept an invitation: the keys sealed to the code are re-sealed to the new co-owner."""
    try:
        raw = crypto.parse_recovery_code(code)
    except crypto.CryptoError:
        raise InvalidInput({"code": [INVITATION_REFUSED]}) from None
    with ctx.unit_of_work() as db:
        invitation = db.scalar(
            select(Invitation).where(Invitation.lookup_hash == crypto.invitation_lookup_hash(raw))
        )
        refusal_event = Event(
            action="invitation.accept",
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
        assert user is not None and dossier is not None
        problem = None
        if db.scalar(
            select(DossierOwner.id).where(
                DossierOwner.dossier_id == dossier.id, DossierOwner.user_id == user.id
            )
        ):
            problem = N_("You are already an owner of this dossier.")
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
        take_over_invitation(
            db, dossier.id, invitation.id, crypto.invitation_private_key(raw), user
        )
        now = ctx.now()
        invitation.used_at = now
        invitation.used_by = user.id
        db.add(
            DossierOwner(
                dossier_id=dossier.id, user_id=user.id, relation=invitation.relation, since=now
            )
        )
        if invitation.relation == Relation.SUBJECT:
            dossier.subject_user_id = user.id
        append(
            db,
            Event(
                action="invitation.accept",
                actor_id=user.id,
                actor_role=user.role,
                dossier_id=dossier.id,
                object_type="invitation",
                object_id=str(invitation.id),
                reason=invitation.relation,
                basis=f"invitation:{invitation.id}",
            ),
            ctx.origin,
            now,
        )
        return dossier.id


# --- destruction ---------------------------------------------------------------------------------

_DOSSIER_TABLES = (
    CorrectionRequest,
    Attachment,
    EntryPerspective,
    EntryVersion,
    Entry,
    GrantSection,
    Grant,
    Invitation,
    KeyVersion,
    Section,
    DossierOwner,
)


def destruction_preview(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> dict[str, int]:
    """What destroying would take away, so the confirmation can name it."""
    with ctx.unit_of_work() as db:
        _owner_access(db, ctx, actor, dossier_id, "dossier.destroy_preview")
        count = lambda model: db.scalar(  # noqa: E731
            select(func.count()).select_from(model).where(model.dossier_id == dossier_id)
        )
        return {
            "entries": count(Entry),
            "versions": count(EntryVersion),
            "perspectives": count(EntryPerspective),
            "attachments": count(Attachment),
            "sections": count(Section),
            "people_with_access": count(DossierOwner) + count(Grant),
        }


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def destroy(ctx: Context, actor: Actor, dossier_id: uuid.UUID, confirm_name: str) -> None:
    """Crypto-shredding first (every sealed key), then every row. The audit trail stays."""
    with ctx.unit_of_work() as db:
        access = _owner_access(db, ctx, actor, dossier_id, "dossier.destroy")
        name = subject_name(keychain(db, actor, dossier_id), access.dossier)
        if not _same_name(confirm_name or "", name):
            raise InvalidInput(
                {"confirm": [N_("Type the name exactly as it is shown to confirm.")]}
            )
        append(
            db,
            access.event("dossier.destroy", object_type="dossier", object_id=str(dossier_id)),
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
