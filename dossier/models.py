"""SQLAlchemy 2 typed models. Ids are random UUIDs; secrets are stored only sealed or hashed."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    and_,
    false,
    or_,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from dossier import consent
from dossier.consent import State
from dossier.errors import N_

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(StrEnum):
    YOUTH = "youth"
    PARENT = "parent"
    PROFESSIONAL = "professional"
    ADMIN = "admin"
    AUDITOR = "auditor"
    COUNCIL = "council"  # a client council member: anonymous figures, never a person


# Who checks or advises on the service and never looks in a dossier: nobody shares with them.
SERVICE_ROLES = (Role.ADMIN, Role.AUDITOR, Role.COUNCIL)


class SessionKind(StrEnum):
    WEB = "web"
    API = "api"


class Language(StrEnum):
    """The languages the pages speak; Dutch first, as the app does."""

    DUTCH = "nl"
    ENGLISH = "en"


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    birth_date: Mapped[date | None] = mapped_column(Date)
    organisation: Mapped[str | None] = mapped_column(String(200))
    registration_number: Mapped[str | None] = mapped_column(String(20))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    kdf_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    kdf_time_cost: Mapped[int] = mapped_column(Integer)
    kdf_memory_kib: Mapped[int] = mapped_column(Integer)
    kdf_lanes: Mapped[int] = mapped_column(Integer)
    auth_verifier: Mapped[bytes] = mapped_column(LargeBinary(32))
    exchange_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    signing_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    keyring_by_password: Mapped[bytes] = mapped_column(LargeBinary)
    keyring_by_recovery: Mapped[bytes] = mapped_column(LargeBinary)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The language the pages speak to this person wherever they log in; none until chosen.
    language: Mapped[str | None] = mapped_column(String(5))
    # A removed account keeps only its id, role and public keys, so what it signed still verifies.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_verified(self) -> bool:
        return counts_as_verified(self.role, self.verified_at)


def counts_as_verified(role: str, verified_at: datetime | None) -> bool:
    """Only professionals wait for an admin; everyone else is who they say for our purposes."""
    return role != Role.PROFESSIONAL or verified_at is not None


class UserSession(Base):
    """A logged-in browser or API token: the keyring copy here opens only with the cookie's key."""

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    lookup_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    keyring_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Which browser and system, in words its owner knows ("Firefox", "Android"); never the
    # whole User-Agent, which says more about a person than they need to see here.
    browser: Mapped[str | None] = mapped_column(String(40))
    platform: Mapped[str | None] = mapped_column(String(40))
    # Where, roughly: the kind of network the login came from (`account_sessions.NETWORKS`),
    # never the address itself.
    network: Mapped[str | None] = mapped_column(String(20))
    # Someone who must have a second factor and has none yet: this session reaches only the
    # pages that set one up. Set at login, cleared when the first factor is added. A default
    # in the database only, so rows written as an older revision had them still insert alike.
    needs_second_factor: Mapped[bool] = mapped_column(Boolean, server_default=false())

    user: Mapped[User] = relationship(back_populates="sessions")


class FactorKind(StrEnum):
    TOTP = "totp"
    PASSKEY = "passkey"


class SecondFactor(Base):
    """An authenticator app or a passkey that proves, after the password, that it is really
    them. Counts only once confirmed: a code from the app, or the passkey's own answer."""

    __tablename__ = "second_factors"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An app: its secret, sealed (see `services.second_factors`), and the last time step used,
    # so one code works once.
    secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    # A passkey: what the browser registered, and the challenge while it is being added.
    credential_id: Mapped[bytes | None] = mapped_column(LargeBinary(1023), index=True)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    challenge: Mapped[bytes | None] = mapped_column(LargeBinary(64))


class PendingLogin(Base):
    """The password was right and a second factor is still to come. Holds the keyring copy as a
    session does, under the pending token's key, but no page or API call accepts it: only the
    second step, which turns it into a real session."""

    __tablename__ = "pending_logins"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    lookup_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    keyring_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    challenge: Mapped[bytes | None] = mapped_column(LargeBinary(64))


class FactorReset(Base):
    """Staff who lost their factor: one admin starts the reset, a second admin confirms it."""

    __tablename__ = "factor_resets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    started_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailChange(Base):
    """A new address waiting for its owner to open the link sent there. Only a hash of the
    link's secret is kept; the change takes effect when the link is opened, once."""

    __tablename__ = "email_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    new_email: Mapped[str] = mapped_column(String(254))
    lookup_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditChainHead(Base):
    """The tip of one hash chain; locked while an event is appended to it."""

    __tablename__ = "audit_chain_heads"

    chain: Mapped[str] = mapped_column(String(80), primary_key=True)
    dossier_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """One line of the access log. `body` is the canonical JSON exactly as hashed."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("chain", "seq", name="uq_audit_events_chain_seq"),
        Index("ix_audit_events_at_id", "at", "id"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
        Index("ix_audit_events_dossier_at", "dossier_id", "at"),
        # The client council's figures count a few actions over a year of events.
        Index("ix_audit_events_action_at", "action", "at"),
        # An owner's visits to her dossier, newest first ("who looked since your last visit"):
        # without it a planner may walk every dossier's visits by action and time instead.
        Index("ix_audit_events_dossier_actor_action_at", "dossier_id", "actor_id", "action", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    chain: Mapped[str] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    on_behalf_of: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(60))
    dossier_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(200))
    basis: Mapped[str | None] = mapped_column(String(120))
    client_address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)


class AuditCheckpoint(Base):
    """A signed statement of every chain's head at one moment, linked to the checkpoint before.

    `body` is the canonical JSON that was signed; copies exported elsewhere catch a database owner
    who rewrites the log with the triggers switched off."""

    __tablename__ = "audit_checkpoints"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    merkle_root: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class Relation(StrEnum):
    """How an owner stands to a dossier: the subject themself, or a guardian."""

    SUBJECT = consent.SUBJECT
    GUARDIAN = consent.GUARDIAN


class Perspective(StrEnum):
    PROFESSIONAL = "professional"
    CLIENT = "client"
    FAMILY = "family"


class EntryKind(StrEnum):
    NOTE = "note"
    REPORT = "report"
    PLAN = "plan"
    AGREEMENT = "agreement"
    LETTER = "letter"


class Permission(StrEnum):
    READ = "read"
    CONTRIBUTE = "contribute"
    # A trusted helper (a cliëntondersteuner, a mentor): reads the chosen sections and drafts
    # views and correction requests for the young person, which count only once she sends them.
    HELP = "help"


class CorrectionStatus(StrEnum):
    OPEN = "open"
    CORRECTED = "corrected"
    REMOVED = "removed"
    DECLINED = "declined"


# How an author may answer a correction request: every status but the one it starts in.
CORRECTION_ANSWERS = (
    CorrectionStatus.CORRECTED,
    CorrectionStatus.REMOVED,
    CorrectionStatus.DECLINED,
)


class Dossier(Base):
    """About one subject. The name is sealed under the dossier key; the birth date is needed in
    clear, because the consent rules depend on the subject's age on the day."""

    __tablename__ = "dossiers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    subject_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    subject_birth_date: Mapped[date] = mapped_column(Date)
    subject_name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    name_key_version: Mapped[int] = mapped_column(Integer)
    # Who signed the name (sealed with it); none for names set before names were signed.
    name_signed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DossierOwner(Base):
    """An owner. A dossier has one young person it is about, and the database says so too."""

    __tablename__ = "dossier_owners"
    __table_args__ = (
        UniqueConstraint("dossier_id", "user_id", name="uq_dossier_owners_member"),
        Index(
            "uq_dossier_owners_one_subject",
            "dossier_id",
            unique=True,
            sqlite_where=text("relation = 'subject'"),
            postgresql_where=text("relation = 'subject'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    # The approved change that made this person an owner; none for whoever made the dossier.
    change_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("ownership_changes.id", ondelete="SET NULL")
    )


class ChangeKind(StrEnum):
    """What an ownership change does. Each waits for the approvals the consent rules ask."""

    ADD_OWNER = "add_owner"
    REMOVE_OWNER = "remove_owner"
    DESTROY = "destroy"


class ChangeStatus(StrEnum):
    PENDING = "pending"  # waiting for approvals
    APPROVED = "approved"  # approved; a new owner still has to join with the code
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_CHANGE_STATUSES = (ChangeStatus.PENDING, ChangeStatus.APPROVED)


class OwnershipChange(Base):
    """Adding or removing an owner, or destroying the dossier: proposed by one owner, carried out
    once the people the consent rules name have approved."""

    __tablename__ = "ownership_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    relation: Mapped[str | None] = mapped_column(String(20))  # of the owner added or removed
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("invitations.id", ondelete="SET NULL")
    )
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OwnershipApproval(Base):
    """One owner's yes to an ownership change, with the relation that made it count."""

    __tablename__ = "ownership_approvals"

    change_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("ownership_changes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), primary_key=True)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


# The sections every dossier starts with: a code stored with the section, and its name (a
# message id, translated where it is shown).
OWN_STORY = "my_story"  # the young person's own words: nobody else's entry starts there
DEFAULT_SECTIONS = (
    (OWN_STORY, N_("My story")),
    ("care", N_("Care")),
    ("family", N_("Family")),
    ("school", N_("School")),
    ("health", N_("Health")),
)
DEFAULT_SECTION_NAMES = dict(DEFAULT_SECTIONS)


class Section(Base):
    """A compartment with its own key. Default sections are named by the app (and translated);
    a name an owner chose is sealed under the dossier key."""

    __tablename__ = "sections"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    default_name: Mapped[str | None] = mapped_column(String(40))
    name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    name_key_version: Mapped[int | None] = mapped_column(Integer)
    name_signed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KeyVersion(Base):
    """One version of a symmetric key: of a section, or (section_id null) of the dossier itself."""

    __tablename__ = "key_versions"
    __table_args__ = (
        UniqueConstraint("dossier_id", "scope", "version", name="uq_key_versions_scope_version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(40))  # "dossier" or a section id
    section_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("sections.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Sealed copies carry the key masked with the dossier's secret outside the database.
    masked: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())


class SealedKey(Base):
    """A key version sealed (HPKE) to one holder: a user, or a pending invitation's key pair."""

    __tablename__ = "sealed_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    key_version_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("key_versions.id", ondelete="CASCADE"), index=True
    )
    holder_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    grant_link_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("grants.id", ondelete="CASCADE"), index=True
    )
    # The organisation's emergency key as a holder: every key version is sealed to it too.
    emergency_key_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("emergency_keys.id"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class Invitation(Base):
    """A one-time code to join as co-owner. Its key pair comes from the code, which only the
    link holds; the dossier's keys are sealed to it, so nobody has to be online to let them in."""

    __tablename__ = "invitations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(20))
    lookup_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Until the consent rules approve the new owner, no key is sealed to the code.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class GrantBasis(StrEnum):
    """Why a grant exists: an owner's consent, a guardian's ownership turned into a grant at
    16, or emergency officers who opened it without the owners."""

    CONSENT = "consent"
    OWNERSHIP = "ownership"
    EMERGENCY = "emergency"
    LEGAL = "legal"  # officers recorded it on a legal basis: the owners are told, not asked


# A grant's status is its standing under the consent rules: one vocabulary for both.
GrantStatus = State
LIVE_GRANT_STATUSES = (GrantStatus.PENDING, GrantStatus.ACTIVE)


class Grant(Base):
    """Access for someone who is not an owner: sections x permission x optional end. One person
    holds at most one live grant per dossier; the database says so too."""

    __tablename__ = "grants"
    __table_args__ = (
        Index(
            "uq_grants_one_live_per_person",
            "dossier_id",
            "grantee_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'active') AND grantee_id IS NOT NULL"),
            postgresql_where=text("status IN ('pending', 'active') AND grantee_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    grantee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    permission: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    basis: Mapped[str] = mapped_column(String(20), default="consent", server_default="consent")
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    message_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    message_signed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # A grant for someone new: its key pair lives only in the invitation code.
    invitation_lookup_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    invitation_public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    invitation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def counts_at(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
        """A grant gives access while it is active and before its end, to the second: the one
        condition for who may read and for who keeps a key when keys rotate."""
        return and_(
            Grant.status == GrantStatus.ACTIVE,
            Grant.revoked_at.is_(None),
            or_(Grant.expires_at.is_(None), Grant.expires_at > now),
        )


class GrantApproval(Base):
    """One yes to a grant, with the relation that made it count: an owner's, or an approve-only
    guardian's (as `guardian`)."""

    __tablename__ = "grant_approvals"

    grant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("grants.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), primary_key=True)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Approver(Base):
    """A parent or guardian the young person asked to approve only: she says yes or no to
    sharings that wait for a guardian, and holds no key of the dossier. Until she uses the code
    from her e-mail, what she may release is sealed to the code's key pair."""

    __tablename__ = "approvers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lookup_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class GrantHold(Base):
    """What a sharing that waits for a guardian keeps ready under its own release key: what an
    approver is shown (sections, message), beside the grantee's keys in `HeldKey`."""

    __tablename__ = "grant_holds"

    grant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("grants.id", ondelete="CASCADE"), primary_key=True
    )
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    summary_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HeldKey(Base):
    """A key version already sealed to the grantee, and locked again under the grant's release
    key: useless to the grantee until an approver's yes unlocks it, and to the approver always."""

    __tablename__ = "held_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    grant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("grants.id", ondelete="CASCADE"), index=True
    )
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    key_version_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("key_versions.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class GrantRelease(Base):
    """A grant's release key sealed to one person who may pass it on: the owner who shared (to
    offer it to an approver later), or an approver (to her account, or to her code)."""

    __tablename__ = "grant_releases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    grant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("grants.id", ondelete="CASCADE"), index=True
    )
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    approver_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("approvers.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class RotationDue(Base):
    """A key scope whose holders changed without an owner present (an expiry): rotated at the
    next owner action, since only an owner's keys can make the next version."""

    __tablename__ = "rotations_due"

    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)


class Notice(Base):
    """Something a person should know, shown on their start page. Names and dates, never content.

    `event_key` names the event a notice tells of (a grant's end date, a birthday, a first look),
    so the database itself refuses to tell one person of one event twice."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_user_created", "user_id", "created_at"),
        Index("uq_notices_user_event", "user_id", "event_key", unique=True),
        Index(
            "ix_notices_unread",
            "user_id",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    dossier_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    event_key: Mapped[str | None] = mapped_column(String(120))


class NoticeMail(Base):
    """Which topics of notices a person does not want by e-mail. No row: every topic arrives."""

    __tablename__ = "notice_mail"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    muted: Mapped[str] = mapped_column(String(200), default="")  # topics, comma-separated
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GrantSection(Base):
    __tablename__ = "grant_sections"

    grant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("grants.id", ondelete="CASCADE"), primary_key=True
    )
    section_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sections.id", ondelete="CASCADE"), primary_key=True
    )
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )


class Entry(Base):
    """A note, report, plan, agreement or letter. Its words live in versions; this row is the
    part that stays in clear: who, when, what kind, which perspective."""

    __tablename__ = "entries"
    __table_args__ = (Index("ix_entries_dossier_created", "dossier_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE")
    )
    section_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sections.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    author_role: Mapped[str] = mapped_column(String(20))
    perspective: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outdated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outdated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EntryVersion(Base):
    __tablename__ = "entry_versions"
    __table_args__ = (UniqueConstraint("entry_id", "version", name="uq_entry_versions_version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_version: Mapped[int] = mapped_column(Integer)
    title_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    body_size: Mapped[int] = mapped_column(Integer)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    note: Mapped[str | None] = mapped_column(String(40))
    # Never loaded: it is here so that one flush inserts a new entry before its first version
    # (the unit of work orders inserts only between classes a relationship joins).
    entry: Mapped[Entry] = relationship(lazy="raise", passive_deletes=True)


class EntryPerspective(Base):
    """Someone's own view next to an entry, in their own words; only they ever wrote it."""

    __tablename__ = "entry_perspectives"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    author_role: Mapped[str] = mapped_column(String(20))
    perspective: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_version: Mapped[int] = mapped_column(Integer)
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    body_size: Mapped[int] = mapped_column(Integer)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    uploaded_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    key_version: Mapped[int] = mapped_column(Integer)
    filename_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    content_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class CorrectionRequest(Base):
    """An owner asks an entry's author to correct or remove it; the answer stays on record."""

    __tablename__ = "correction_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    requested_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    removal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_version: Mapped[int] = mapped_column(Integer)
    reason_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    answer_key_version: Mapped[int | None] = mapped_column(Integer)
    resulting_version: Mapped[int | None] = mapped_column(Integer)
    # The signatures are sealed with the texts; none for texts written before they were signed.
    reason_signed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    answer_signed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class PlanStatus(StrEnum):
    """Where a version of the family's plan stands. A proposal becomes the plan when everyone
    whose mark the consent rules require agrees; the plan before it is then replaced, and the
    proposals that were open beside it are set aside (both stay readable in the history)."""

    PROPOSED = "proposed"
    CURRENT = "current"
    REPLACED = "replaced"
    SET_ASIDE = "set_aside"


class PlanOutcome(StrEnum):
    """At evaluation, per goal."""

    REACHED = "reached"
    PARTLY = "partly"
    NOT_REACHED = "not"


class PlanVersion(Base):
    """One version of the plan of a dossier, written and signed by one person, sealed under the
    key of the section it lives in. What it says (strengths, network, goals, actions) is one
    sealed document; only what reminders need stands beside it in the clear: dates and numbers."""

    __tablename__ = "plan_versions"
    __table_args__ = (
        UniqueConstraint("dossier_id", "number", name="uq_plan_versions_number"),
        # One plan per dossier: the database itself refuses a second current version.
        Index(
            "uq_plan_versions_one_current",
            "dossier_id",
            unique=True,
            sqlite_where=text("status = 'current'"),
            postgresql_where=text("status = 'current'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("sections.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    based_on: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    author_role: Mapped[str] = mapped_column(String(20))
    perspective: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_evaluation_on: Mapped[date | None] = mapped_column(Date)
    key_version: Mapped[int] = mapped_column(Integer)
    content_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class PlanAction(Base):
    """One action of a plan version, as far as others must know without opening the plan: its
    date and the person in the dossier who does it, so the worker can remind them. `ref` names
    the same action in every version that keeps it."""

    __tablename__ = "plan_actions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    plan_version_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True
    )
    ref: Mapped[uuid.UUID] = mapped_column(Uuid)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class PlanProgress(Base):
    """Whether an action is done, with a short note, whichever version of the plan holds it:
    ticking an action off is not a change of the plan, so nobody's mark is lost by it."""

    __tablename__ = "plan_progress"
    __table_args__ = (UniqueConstraint("dossier_id", "ref", name="uq_plan_progress_ref"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("sections.id"))
    ref: Mapped[uuid.UUID] = mapped_column(Uuid)
    done: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    key_version: Mapped[int] = mapped_column(Integer)
    note_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class PlanMark(Base):
    """ "I stand behind this plan" or "I don't, because …", by one person for one version."""

    __tablename__ = "plan_marks"
    __table_args__ = (
        UniqueConstraint("plan_version_id", "user_id", name="uq_plan_marks_version_user"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("sections.id"))
    plan_version_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    relation: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    agrees: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_version: Mapped[int] = mapped_column(Integer)
    reason_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class PlanEvaluation(Base):
    """What was reached, per goal, in words, written at an evaluation of the plan."""

    __tablename__ = "plan_evaluations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("sections.id"))
    plan_version_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_version: Mapped[int] = mapped_column(Integer)
    content_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class RequestStatus(StrEnum):
    """Where a request for access stands. One waiting past its 14 days counts as expired."""

    WAITING = "waiting"
    APPROVED = "approved"
    REFUSED = "refused"


class RequestCode(Base):
    """Which generation of a dossier's request code is valid, found by its hash: the code itself
    is derived from the dossier's secret (`crypto.request_code`), so it is never stored."""

    __tablename__ = "request_codes"

    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int] = mapped_column(Integer)
    lookup_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccessRequest(Base):
    """Someone asks the owners for access: to one dossier (by its request code) or to whichever
    dossier of one owner that owner chooses (by the owner's e-mail address). What they ask for
    stands in the clear, as a sharing's does; why, in their own words, is sealed to each
    person who reads it (`AccessRequestMessage`)."""

    __tablename__ = "access_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    asker_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    dossier_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sections: Mapped[str] = mapped_column(String(200))  # default section names, comma-separated
    permission: Mapped[str] = mapped_column(String(20))
    months: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    grant_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("grants.id", ondelete="SET NULL")
    )


class AccessRequestMessage(Base):
    """Why someone asks, in their words and signed by them, sealed to one reader's own key."""

    __tablename__ = "access_request_messages"

    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("access_requests.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


# --- emergency access: never by one person alone ----------------------------------------------


class EmergencyKey(Base):
    """The organisation's X25519 emergency key. Only its public half is stored; the private half
    exists as Shamir shares, one per officer (`EmergencyOfficer`), `threshold` of which give it
    back. A retired key takes no new seals."""

    __tablename__ = "emergency_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    threshold: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmergencyOfficer(Base):
    """A staff account designated to approve emergency requests, with its share of the key
    sealed (HPKE) to that account's own public key: only the officer's password opens it."""

    __tablename__ = "emergency_officers"
    __table_args__ = (
        UniqueConstraint("emergency_key_id", "user_id", name="uq_emergency_officers_key_user"),
        UniqueConstraint("emergency_key_id", "share_index", name="uq_emergency_officers_key_index"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    emergency_key_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("emergency_keys.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    share_index: Mapped[int] = mapped_column(Integer)
    share_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    designated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EmergencyStatus(StrEnum):
    WAITING = "waiting"  # for enough officers
    OPENED = "opened"  # officers approved: the requester holds an emergency grant
    EXPIRED = "expired"  # not enough officers approved in time


class EmergencyRequest(Base):
    """A professional's request to read sections without the owners, for at most 72 hours.

    The reason is kept in clear: it is the requester's account of the emergency, addressed to
    officers, owners and the auditor, none of whom holds a key that could seal it for the
    others. It is not dossier content, and the form says so."""

    __tablename__ = "emergency_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    requester_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    emergency_key_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("emergency_keys.id"))
    reason: Mapped[str] = mapped_column(Text)
    hours: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Officers approve before this moment, or the request ends and its held shares go.
    approve_before: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    grant_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("grants.id", ondelete="SET NULL")
    )
    # The auditor closes every opened request with a written verdict: whether the emergency
    # was one. The verdict is the auditor's own words about the request, never dossier content.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    verdict: Mapped[str | None] = mapped_column(Text)


class EmergencyRequestSection(Base):
    __tablename__ = "emergency_request_sections"

    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("emergency_requests.id", ondelete="CASCADE"), primary_key=True
    )
    section_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sections.id", ondelete="CASCADE"), primary_key=True
    )
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )


class EmergencyApproval(Base):
    """One officer's yes. Until the request is decided it holds that officer's share, sealed
    under the server's job key for this request only; deciding deletes it (sets it to null)."""

    __tablename__ = "emergency_approvals"

    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("emergency_requests.id", ondelete="CASCADE"), primary_key=True
    )
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), primary_key=True)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    share_index: Mapped[int] = mapped_column(Integer)
    share_held: Mapped[bytes | None] = mapped_column(LargeBinary)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class LegalGrantRecord(Base):
    """Access on a legal basis (a child protection measure, a report under the reporting code):
    an officer records it, k officers say yes with their shares of the emergency key, and the
    grantee gets a grant with basis "legal" that ends on `until`. The basis is a code of a fixed
    list; the reference (a court decision's number) is kept in clear: it names a decision about
    the family, addressed to owners, officers and the auditor, and is not dossier content."""

    __tablename__ = "legal_grant_records"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    grantee_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    recorded_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    emergency_key_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("emergency_keys.id"))
    basis: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(200))
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))  # an EmergencyStatus
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approve_before: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    grant_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("grants.id", ondelete="SET NULL"), index=True
    )


class LegalGrantSection(Base):
    __tablename__ = "legal_grant_sections"

    record_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("legal_grant_records.id", ondelete="CASCADE"), primary_key=True
    )
    section_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sections.id", ondelete="CASCADE"), primary_key=True
    )
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )


class LegalGrantApproval(Base):
    """One officer's yes to a legal grant, holding her share like an `EmergencyApproval`."""

    __tablename__ = "legal_grant_approvals"

    record_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("legal_grant_records.id", ondelete="CASCADE"), primary_key=True
    )
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), primary_key=True)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    share_index: Mapped[int] = mapped_column(Integer)
    share_held: Mapped[bytes | None] = mapped_column(LargeBinary)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class WithheldPassage(Base):
    """A passage of an entry that its author keeps from named readers to protect someone else
    (Jeugdwet: another person's privacy). Its words are sealed under a key of its own, sealed in
    turn to every reader of the section but those named, and to the emergency key; the names it
    is kept from are in clear, so their pages can say that something is kept from them."""

    __tablename__ = "withheld_passages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sections.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    reason_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class WithheldFrom(Base):
    """One person a passage is kept from."""

    __tablename__ = "withheld_from"

    passage_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("withheld_passages.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), primary_key=True)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )


class PassageKey(Base):
    """A passage's key sealed (HPKE, masked with the dossier's secret) to one holder: a reader
    it is not kept from, or the emergency key. Never to anyone it is kept from."""

    __tablename__ = "passage_keys"
    __table_args__ = (UniqueConstraint("passage_id", "holder_id", name="uq_passage_keys_holder"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    passage_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("withheld_passages.id", ondelete="CASCADE"), index=True
    )
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    holder_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    emergency_key_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("emergency_keys.id")
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class PassageObjection(Base):
    """Someone a passage is kept from objects; the auditor answers with a written verdict. Both
    texts are the writers' own words about the withholding, never dossier content."""

    __tablename__ = "passage_objections"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    passage_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("withheld_passages.id", ondelete="CASCADE"), index=True
    )
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    verdict: Mapped[str | None] = mapped_column(Text)


class DraftKind(StrEnum):
    VIEW = "view"
    CORRECTION = "correction"
    PLAN = "plan"  # a new version of the family's plan, proposed once an owner sends it


class DraftStatus(StrEnum):
    WAITING = "waiting"
    SENT = "sent"
    DISCARDED = "discarded"


class Draft(Base):
    """What a trusted helper wrote for the young person: a view or a correction request about an
    entry, or a change of the family's plan (no entry). Sealed under the section's key and
    signed by the helper; it becomes real only when an owner sends it, as her own, signed by her.
    """

    __tablename__ = "drafts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sections.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # a DraftKind
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_version: Mapped[int] = mapped_column(Integer)
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20))  # a DraftStatus
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class CheckInMoment(StrEnum):
    """What made the service ask "Do you feel heard?": moments that matter to a family."""

    PLAN = "plan"  # a plan everyone stands behind
    CORRECTION = "correction"  # an answer to a request for a correction


class CheckIn(Base):
    """One answer to "Do you feel heard?", kept apart from who gave it: no person, and no date
    finer than the month. Read only as figures by the client council."""

    __tablename__ = "check_ins"
    __table_args__ = (Index("ix_check_ins_month", "month"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    month: Mapped[date] = mapped_column(Date)  # always the first day of the month
    role: Mapped[str] = mapped_column(String(20))  # youth or parent
    moment: Mapped[str] = mapped_column(String(20))  # a CheckInMoment
    score: Mapped[int] = mapped_column(Integer)  # 1 (not at all) to 5 (completely)
    comment: Mapped[str | None] = mapped_column(Text)


class CheckInTurn(Base):
    """The month someone last answered or said "not now", so nobody is asked more than once a
    month. It says nothing about what they answered."""

    __tablename__ = "check_in_turns"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date)
