"""Section and dossier keys: made, sealed to each holder with HPKE, and opened for one use case.

The server never keeps a plain key: a key is opened with the actor's own keyring (unlocked from
their session) for the length of one unit of work, then forgotten.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.errors import AccessDenied, DossierKeyGone
from dossier.keys import DossierSecrets
from dossier.models import EmergencyKey, KeyVersion, SealedKey, User
from dossier.services.context import SECRETS, Actor
from dossier.services.sessions import unlock_keyring

DOSSIER_SCOPE = "dossier"
SEAL_PURPOSE = "section-key"


def scope_of(section_id: uuid.UUID | None) -> str:
    return DOSSIER_SCOPE if section_id is None else str(section_id)


def seal_info(dossier_id: uuid.UUID, scope: str, version: int, recipient: str) -> dict[str, object]:
    """The HPKE `info`: what this sealed key is for and to whom, so it cannot be moved."""
    return {
        "purpose": SEAL_PURPOSE,
        "dossier": str(dossier_id),
        "section": scope,
        "key_version": version,
        "recipient": recipient,
    }


def invitation_recipient(invitation_id: uuid.UUID) -> str:
    return f"invitation:{invitation_id}"


def emergency_recipient(emergency_key_id: uuid.UUID) -> str:
    return f"emergency:{emergency_key_id}"


# Built once: every page that opens content asks these.
_HELD = (
    KeyVersion.dossier_id == bindparam("dossier_id", type_=KeyVersion.dossier_id.type),
    KeyVersion.scope == bindparam("scope", type_=KeyVersion.scope.type),
    SealedKey.holder_id == bindparam("holder_id", type_=SealedKey.holder_id.type),
)
_NEWEST_SEALED_COPY = (
    select(KeyVersion.version, SealedKey.sealed, KeyVersion.masked)
    .join(SealedKey, SealedKey.key_version_id == KeyVersion.id)
    .where(*_HELD)
    .order_by(KeyVersion.version.desc())
    .limit(1)
)
_SEALED_COPY = (
    select(SealedKey.sealed, KeyVersion.masked)
    .join(KeyVersion, SealedKey.key_version_id == KeyVersion.id)
    .where(*_HELD, KeyVersion.version == bindparam("version", type_=KeyVersion.version.type))
)


@dataclass
class KeyChain:
    """The keys one actor can open in one dossier, opened lazily and cached for one use case."""

    db: Session
    dossier_id: uuid.UUID
    holder_id: uuid.UUID
    keyring: crypto.Keyring = field(repr=False)
    _opened: dict[tuple[str, int], bytes] = field(default_factory=dict, repr=False)
    _by_section: dict[tuple[uuid.UUID | None, int], bytes] = field(default_factory=dict, repr=False)

    def current(self, section_id: uuid.UUID | None) -> tuple[int, bytes]:
        """The newest key version of a scope that this holder holds, and the key."""
        scope = scope_of(section_id)
        found = self.db.execute(
            _NEWEST_SEALED_COPY,
            {"dossier_id": self.dossier_id, "scope": scope, "holder_id": self.holder_id},
        ).first()
        if found is None:
            raise AccessDenied()
        version, sealed, masked = found
        return version, self._opened_copy(section_id, scope, version, sealed, masked)

    def key(self, section_id: uuid.UUID | None, version: int) -> bytes:
        cached = self._by_section.get((section_id, version))
        if cached is not None:  # a page asks once per row; the scope's name is not needed then
            return cached
        scope = scope_of(section_id)
        cached = self._opened.get((scope, version))
        if cached is not None:
            self._by_section[(section_id, version)] = cached
            return cached
        found = self.db.execute(
            _SEALED_COPY,
            {
                "dossier_id": self.dossier_id,
                "scope": scope,
                "version": version,
                "holder_id": self.holder_id,
            },
        ).first()
        if found is None:
            raise AccessDenied()
        sealed, masked = found
        return self._opened_copy(section_id, scope, version, sealed, masked)

    def _opened_copy(
        self, section_id: uuid.UUID | None, scope: str, version: int, sealed: bytes, masked: bool
    ) -> bytes:
        """The key in this holder's sealed copy, opened once per use case."""
        key = self._opened.get((scope, version))
        if key is None:
            key = crypto.open_from_public_key(
                sealed,
                self.keyring.exchange,
                seal_info(self.dossier_id, scope, version, str(self.holder_id)),
            )
            if masked:
                key = _unmasked(self.db, self.dossier_id, scope, version, key)
            self._opened[(scope, version)] = key
        self._by_section[(section_id, version)] = key
        return key

    def remember(self, section_id: uuid.UUID | None, version: int, key: bytes) -> None:
        """A key this use case just made; no need to open its sealed copy again."""
        self._opened[(scope_of(section_id), version)] = key

    def holds(self, section_id: uuid.UUID | None) -> bool:
        try:
            self.current(section_id)
        except AccessDenied:
            return False
        return True


def _mask(db: Session, dossier_id: uuid.UUID, scope: str, version: int, key: bytes) -> bytes:
    secret = dossier_secrets(db).get(dossier_id)
    if secret is None:
        raise DossierKeyGone()
    binding = {"dossier": str(dossier_id), "section": scope, "key_version": version}
    return crypto.mask_key(key, secret, binding)


_unmasked = _mask  # masking is its own inverse


def dossier_secrets(db: Session) -> DossierSecrets:
    """The store of per-dossier secrets, handed to every unit of work by its context."""
    store: DossierSecrets = db.info[SECRETS]
    return store


def _sealable(db: Session, key_version: KeyVersion, key: bytes) -> bytes:
    if not key_version.masked:
        return key
    return _mask(db, key_version.dossier_id, key_version.scope, key_version.version, key)


def signing_public_key(db: Session, user_id: uuid.UUID | None) -> bytes:
    """A writer's Ed25519 public key, looked up once per unit of work (a page shows many texts);
    empty for nobody, which verifies nothing."""
    if user_id is None:
        return b""
    known: dict[uuid.UUID, bytes] = db.info.setdefault("signing_keys", {})
    if user_id not in known:
        known[user_id] = db.scalar(select(User.signing_public_key).where(User.id == user_id)) or b""
    return known[user_id]


def note_signing_keys(db: Session, keys: dict[uuid.UUID, bytes]) -> None:
    """Signing keys a use case read along with something else, so `signing_public_key` need
    not look them up one by one."""
    known: dict[uuid.UUID, bytes] = db.info.setdefault("signing_keys", {})
    for user_id, key in keys.items():
        known.setdefault(user_id, key or b"")


def keychain(db: Session, actor: Actor, dossier_id: uuid.UUID) -> KeyChain:
    """The actor's keys for one dossier, opened with the keyring from their session."""
    return KeyChain(db, dossier_id, actor.user_id, unlock_keyring(db, actor))


def new_key_version(
    db: Session, dossier_id: uuid.UUID, section_id: uuid.UUID | None, version: int, now: datetime
) -> tuple[KeyVersion, bytes]:
    """A new key version, sealed at once to the emergency key: every way a key version is born
    (a new dossier or section, a rotation) passes here, so none is born without that seal. The
    caller seals it to the people who hold it."""
    row = KeyVersion(
        id=uuid.uuid4(),
        dossier_id=dossier_id,
        scope=scope_of(section_id),
        section_id=section_id,
        version=version,
        created_at=now,
        masked=True,
    )
    dossier_secrets(db).get_or_create(dossier_id)
    db.add(row)
    db.flush()
    key = crypto.new_key()
    seal_to_emergency(db, row, key)
    return row, key


def seal_to_user(db: Session, key_version: KeyVersion, key: bytes, user: User) -> None:
    """Seal a key to a user's public key; no private key of theirs is needed."""
    db.add(
        SealedKey(
            dossier_id=key_version.dossier_id,
            key_version_id=key_version.id,
            holder_id=user.id,
            sealed=sealed_copy(db, key_version, key, user.exchange_public_key, str(user.id)),
        )
    )


def sealed_copy(
    db: Session, key_version: KeyVersion, key: bytes, public_key: bytes, recipient: str
) -> bytes:
    """A key sealed to one holder, as its `SealedKey` row carries it; the recipient is a user's
    id or `invitation_recipient(...)`."""
    return crypto.seal_to_public_key(
        _sealable(db, key_version, key),
        public_key,
        seal_info(key_version.dossier_id, key_version.scope, key_version.version, recipient),
    )


def seal_to_invitation(
    db: Session,
    key_version: KeyVersion,
    key: bytes,
    invitation_id: uuid.UUID,
    public_key: bytes,
    share_link: bool = False,
) -> None:
    """Seal to the key pair inside an invitation code: a co-owner invitation or a share link."""
    db.add(
        SealedKey(
            dossier_id=key_version.dossier_id,
            key_version_id=key_version.id,
            invitation_id=None if share_link else invitation_id,
            grant_link_id=invitation_id if share_link else None,
            sealed=sealed_copy(
                db, key_version, key, public_key, invitation_recipient(invitation_id)
            ),
        )
    )


def take_over_invitation(
    db: Session,
    dossier_id: uuid.UUID,
    invitation_id: uuid.UUID,
    private_key: X25519PrivateKey,
    user: User,
    share_link: bool = False,
) -> None:
    """Keys that waited in an invitation code are sealed to the person who used it, then the
    invitation's copies are deleted."""
    held_by = SealedKey.grant_link_id if share_link else SealedKey.invitation_id
    for sealed, key_version in db.execute(
        select(SealedKey, KeyVersion)
        .join(KeyVersion, SealedKey.key_version_id == KeyVersion.id)
        .where(held_by == invitation_id)
    ):
        key = crypto.open_from_public_key(
            sealed.sealed,
            private_key,
            seal_info(
                dossier_id,
                key_version.scope,
                key_version.version,
                invitation_recipient(invitation_id),
            ),
        )
        if key_version.masked:
            key = _unmasked(db, dossier_id, key_version.scope, key_version.version, key)
        seal_to_user(db, key_version, key, user)
        db.delete(sealed)


# --- the emergency key as a holder ------------------------------------------------------------

_EMERGENCY = "emergency_key"


def current_emergency_key(db: Session) -> EmergencyKey | None:
    """The organisation's emergency key that takes new seals, looked up once per unit of work."""
    if _EMERGENCY not in db.info:
        db.info[_EMERGENCY] = db.scalar(
            select(EmergencyKey)
            .where(EmergencyKey.retired_at.is_(None))
            .order_by(EmergencyKey.created_at.desc())
            .limit(1)
        )
    found: EmergencyKey | None = db.info[_EMERGENCY]
    return found


def seal_to_emergency(db: Session, key_version: KeyVersion, key: bytes) -> None:
    """Seal a key version to the emergency key too; nothing to do before one is made."""
    emergency = current_emergency_key(db)
    if emergency is None:
        return
    db.add(
        SealedKey(
            dossier_id=key_version.dossier_id,
            key_version_id=key_version.id,
            emergency_key_id=emergency.id,
            sealed=sealed_copy(
                db, key_version, key, emergency.public_key, emergency_recipient(emergency.id)
            ),
        )
    )


def seal_missing_emergency(db: Session, keys: KeyChain) -> int:
    """Key versions born before the emergency key existed get their seal from an owner's keys;
    versions this owner cannot open wait for one who can. Returns how many were sealed."""
    emergency = current_emergency_key(db)
    if emergency is None:
        return 0
    sealed_to_it = select(SealedKey.key_version_id).where(
        SealedKey.dossier_id == keys.dossier_id, SealedKey.emergency_key_id == emergency.id
    )
    count = 0
    for key_version in db.scalars(
        select(KeyVersion).where(
            KeyVersion.dossier_id == keys.dossier_id, KeyVersion.id.not_in(sealed_to_it)
        )
    ):
        try:
            key = keys.key(key_version.section_id, key_version.version)
        except (AccessDenied, crypto.CryptoError):
            continue
        seal_to_emergency(db, key_version, key)
        count += 1
    db.flush()
    return count


def open_emergency_seal(
    db: Session,
    key_version: KeyVersion,
    sealed: bytes,
    emergency_id: uuid.UUID,
    private_key: X25519PrivateKey,
) -> bytes:
    """A key version opened with the combined emergency key (and the dossier's secret)."""
    key = crypto.open_from_public_key(
        sealed,
        private_key,
        seal_info(
            key_version.dossier_id,
            key_version.scope,
            key_version.version,
            emergency_recipient(emergency_id),
        ),
    )
    if key_version.masked:
        key = _unmasked(db, key_version.dossier_id, key_version.scope, key_version.version, key)
    return key
