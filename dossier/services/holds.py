"""A sharing that waits for a guardian's yes, kept ready for a guardian who may only approve.

The last approver seals the keys, but a parent asked to approve only holds none, and must never
hold one. So when a sharing waits for a guardian, the owner who shares seals the grantee's keys
as usual and locks those sealed copies once more under a release key of the grant's own, with
what the approver is shown (the sections, the message). The release key is sealed to that owner,
to offer it to an approver later, and to each approver. Her yes opens it and files the copies
as the grantee's, so the sharing starts with no owner online. She only ever handles copies
sealed to the grantee, which open with the grantee's private key alone.

A key version made after the hold (a rotation while it waited) is not held: then her yes is
recorded, and the sharing starts at the next owner change, as `settling.settle` starts any grant
whose approvals suffice.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.models import (
    Approver,
    Grant,
    GrantHold,
    GrantRelease,
    GrantSection,
    HeldKey,
    KeyVersion,
    SealedKey,
    User,
)
from dossier.services.keychain import KeyChain, invitation_recipient, sealed_copy

RELEASE_PURPOSE = "grant-release"
HELD_KEY_PURPOSE = "grant-hold/key"
SUMMARY_PURPOSE = "grant-hold/summary"


@dataclass(frozen=True)
class Summary:
    """What an approver is shown besides the grant's clear columns (who, permission, end):
    the sections by name (`default` for a name the app gives, else `name`) and the message as
    the owner signed it."""

    sections: list[dict[str, str]]
    message: bytes | None = None

    def to_bytes(self) -> bytes:
        return crypto.canonical(
            {
                "sections": self.sections,
                "message": crypto.b64url(self.message) if self.message is not None else None,
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Summary:
        raw = json.loads(data)
        message = raw.get("message")
        return cls(list(raw["sections"]), crypto.from_b64url(message) if message else None)


def _release_info(grant_id: uuid.UUID, recipient: str) -> dict[str, object]:
    return {"purpose": RELEASE_PURPOSE, "grant": str(grant_id), "recipient": recipient}


def _context(grant: Grant, **more: str) -> dict[str, object]:
    return {"dossier": str(grant.dossier_id), "grant": str(grant.id), **more}


def granted_key_versions(db: Session, grant: Grant) -> list[KeyVersion]:
    """Every key version a grant's holder gets: its sections' and the dossier key's."""
    sections = select(GrantSection.section_id).where(GrantSection.grant_id == grant.id)
    return list(
        db.scalars(
            select(KeyVersion).where(
                KeyVersion.dossier_id == grant.dossier_id,
                (KeyVersion.section_id.in_(sections)) | (KeyVersion.section_id.is_(None)),
            )
        )
    )


def _grantee_target(db: Session, grant: Grant) -> tuple[bytes, str]:
    if grant.grantee_id is not None:
        grantee = db.get(User, grant.grantee_id)
        assert grantee is not None
        return grantee.exchange_public_key, str(grantee.id)
    assert grant.invitation_public_key is not None
    return grant.invitation_public_key, invitation_recipient(grant.id)


def approver_target(db: Session, approver: Approver) -> tuple[bytes, str]:
    """Whom an approver's release key is sealed to: her account once she used her code."""
    if approver.user_id is not None:
        user = db.get(User, approver.user_id)
        assert user is not None
        return user.exchange_public_key, f"user:{user.id}"
    assert approver.public_key is not None
    return approver.public_key, f"approver:{approver.id}"


def hold(
    db: Session, grant: Grant, keys: KeyChain, owner: User, summary: Summary, now: datetime
) -> None:
    """Inside the sharing owner's unit of work: lock the grantee's keys and the summary under a
    new release key, sealed to this owner."""
    release = crypto.new_key()
    public_key, recipient = _grantee_target(db, grant)
    for key_version in granted_key_versions(db, grant):
        copy = sealed_copy(
            db,
            key_version,
            keys.key(key_version.section_id, key_version.version),
            public_key,
            recipient,
        )
        db.add(
            HeldKey(
                grant_id=grant.id,
                dossier_id=grant.dossier_id,
                key_version_id=key_version.id,
                sealed=crypto.seal(
                    release,
                    copy,
                    kind=crypto.Kind.CONTENT,
                    purpose=HELD_KEY_PURPOSE,
                    context=_context(grant, key_version=str(key_version.id)),
                ),
            )
        )
    db.add(
        GrantHold(
            grant_id=grant.id,
            dossier_id=grant.dossier_id,
            summary_sealed=crypto.seal(
                release,
                summary.to_bytes(),
                kind=crypto.Kind.CONTENT,
                purpose=SUMMARY_PURPOSE,
                context=_context(grant),
            ),
            created_at=now,
        )
    )
    _add_release(db, grant, release, owner.exchange_public_key, f"user:{owner.id}", owner.id, None)


def _add_release(
    db: Session,
    grant: Grant,
    release: bytes,
    public_key: bytes,
    recipient: str,
    owner_id: uuid.UUID | None,
    approver_id: uuid.UUID | None,
) -> None:
    db.add(
        GrantRelease(
            grant_id=grant.id,
            dossier_id=grant.dossier_id,
            owner_id=owner_id,
            approver_id=approver_id,
            sealed=crypto.seal_to_public_key(
                release, public_key, _release_info(grant.id, recipient)
            ),
        )
    )


def offer(
    db: Session, grant: Grant, owner_id: uuid.UUID, keyring: crypto.Keyring, approver: Approver
) -> bool:
    """The owner who shared passes the release key on to an approver. False when this owner
    holds none for the grant (someone else shared it, or it was shared before holds existed)."""
    sealed = db.scalar(
        select(GrantRelease.sealed).where(
            GrantRelease.grant_id == grant.id, GrantRelease.owner_id == owner_id
        )
    )
    if sealed is None:
        return False
    release = crypto.open_from_public_key(
        sealed, keyring.exchange, _release_info(grant.id, f"user:{owner_id}")
    )
    public_key, recipient = approver_target(db, approver)
    _add_release(db, grant, release, public_key, recipient, None, approver.id)
    return True


def take_over(db: Session, approver: Approver, private_key: X25519PrivateKey, user: User) -> None:
    """The approver used her code: what was sealed to the code is sealed to her account."""
    for row in db.scalars(select(GrantRelease).where(GrantRelease.approver_id == approver.id)):
        release = crypto.open_from_public_key(
            row.sealed, private_key, _release_info(row.grant_id, f"approver:{approver.id}")
        )
        row.sealed = crypto.seal_to_public_key(
            release, user.exchange_public_key, _release_info(row.grant_id, f"user:{user.id}")
        )


def release_key(
    db: Session, grant: Grant, approver: Approver, keyring: crypto.Keyring
) -> bytes | None:
    """The approver's release key for this grant, opened with her own key; None if she has none."""
    sealed = db.scalar(
        select(GrantRelease.sealed).where(
            GrantRelease.grant_id == grant.id, GrantRelease.approver_id == approver.id
        )
    )
    if sealed is None:
        return None
    _public, recipient = approver_target(db, approver)
    return crypto.open_from_public_key(sealed, keyring.exchange, _release_info(grant.id, recipient))


def summary_of(db: Session, grant: Grant, release: bytes) -> Summary | None:
    held = db.get(GrantHold, grant.id)
    if held is None:
        return None
    return Summary.from_bytes(
        crypto.open_sealed(
            release,
            held.summary_sealed,
            kind=crypto.Kind.CONTENT,
            purpose=SUMMARY_PURPOSE,
            context=_context(grant),
        )
    )


def release(db: Session, grant: Grant, release: bytes) -> bool:
    """File the held copies as the grantee's sealed keys. False (and nothing filed) when a key
    version of the grant is not held: it was made while the sharing waited."""
    held = {
        row.key_version_id: row
        for row in db.scalars(select(HeldKey).where(HeldKey.grant_id == grant.id))
    }
    versions = granted_key_versions(db, grant)
    if not held or any(version.id not in held for version in versions):
        return False
    for version in versions:
        copy = crypto.open_sealed(
            release,
            held[version.id].sealed,
            kind=crypto.Kind.CONTENT,
            purpose=HELD_KEY_PURPOSE,
            context=_context(grant, key_version=str(version.id)),
        )
        db.add(
            SealedKey(
                dossier_id=grant.dossier_id,
                key_version_id=version.id,
                holder_id=grant.grantee_id,
                grant_link_id=None if grant.grantee_id else grant.id,
                sealed=copy,
            )
        )
    drop(db, grant.id)
    return True


def drop(db: Session, grant_id: uuid.UUID) -> None:
    """A grant that started, ended or changed hands keeps nothing in hold."""
    for model in (HeldKey, GrantRelease):
        db.execute(delete(model).where(model.grant_id == grant_id))
    db.execute(delete(GrantHold).where(GrantHold.grant_id == grant_id))


def drop_approver(db: Session, approver_id: uuid.UUID) -> None:
    """An approver whose role ended keeps no release key."""
    db.execute(delete(GrantRelease).where(GrantRelease.approver_id == approver_id))
