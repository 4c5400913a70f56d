"""The keys of passages kept from named readers (see `entries.withholding`): each passage has a
key of its own, sealed (HPKE, masked with the dossier's secret like a section key) to every reader
of its section but those it is kept from, and to the emergency key. Nobody it is kept from ever
gets a copy, on any way in: a new reader gets one from an owner's keys at that owner's next change
(`hand_over`), an emergency or legal grantee from the emergency key (`from_emergency`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.errors import DossierKeyGone
from dossier.models import PassageKey, User, WithheldFrom, WithheldPassage
from dossier.services.content import Place, Untrusted, open_text
from dossier.services.content import verify as verify_content
from dossier.services.keychain import (
    KeyChain,
    current_emergency_key,
    dossier_secrets,
    emergency_recipient,
    signing_public_key,
)
from dossier.services.rotation import keepers_of_scope

SEAL_PURPOSE = "passage-key"
OBJECT_TYPE = "withheld"


def place_of(passage: WithheldPassage) -> Place:
    return Place(passage.dossier_id, passage.section_id, OBJECT_TYPE, passage.id, 1, 1)


def seal_info(passage: WithheldPassage, recipient: str) -> dict[str, object]:
    """What a sealed copy is for and to whom, so it cannot be moved to another passage."""
    return {
        "purpose": SEAL_PURPOSE,
        "dossier": str(passage.dossier_id),
        "passage": str(passage.id),
        "recipient": recipient,
    }


def _masked(db: Session, passage: WithheldPassage, key: bytes) -> bytes:
    """The key XOR a pad from the dossier's secret (its own inverse): a destroyed dossier's
    passages stay shut even in an old backup of the database."""
    secret = dossier_secrets(db).get(passage.dossier_id)
    if secret is None:
        raise DossierKeyGone()
    return crypto.mask_key(
        key, secret, {"dossier": str(passage.dossier_id), "passage": str(passage.id)}
    )


def seal_to_user(db: Session, passage: WithheldPassage, key: bytes, user: User) -> None:
    db.add(
        PassageKey(
            passage_id=passage.id,
            dossier_id=passage.dossier_id,
            holder_id=user.id,
            sealed=crypto.seal_to_public_key(
                _masked(db, passage, key),
                user.exchange_public_key,
                seal_info(passage, str(user.id)),
            ),
        )
    )


def seal_to_emergency(db: Session, passage: WithheldPassage, key: bytes) -> None:
    emergency = current_emergency_key(db)
    if emergency is None:
        return
    db.add(
        PassageKey(
            passage_id=passage.id,
            dossier_id=passage.dossier_id,
            emergency_key_id=emergency.id,
            sealed=crypto.seal_to_public_key(
                _masked(db, passage, key),
                emergency.public_key,
                seal_info(passage, emergency_recipient(emergency.id)),
            ),
        )
    )


def open_key(db: Session, passage: WithheldPassage, keys: KeyChain) -> bytes | None:
    """The passage's key from this holder's sealed copy; None without one."""
    sealed = db.scalar(
        select(PassageKey.sealed).where(
            PassageKey.passage_id == passage.id, PassageKey.holder_id == keys.holder_id
        )
    )
    if sealed is None:
        return None
    try:
        masked = crypto.open_from_public_key(
            sealed, keys.keyring.exchange, seal_info(passage, str(keys.holder_id))
        )
    except crypto.CryptoError:
        return None
    return _masked(db, passage, masked)


def kept_from(db: Session, passage_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    found: dict[uuid.UUID, set[uuid.UUID]] = {}
    for passage_id, user_id in db.execute(
        select(WithheldFrom.passage_id, WithheldFrom.user_id).where(
            WithheldFrom.passage_id.in_(list(passage_ids))
        )
    ):
        found.setdefault(passage_id, set()).add(user_id)
    return found


def signed_parts(
    text: str, reason: str, kept_from: set[uuid.UUID], entry_id: uuid.UUID
) -> dict[str, bytes]:
    """The author signs whom it is kept from and which entry it belongs to as well: a name
    taken off the list, or the passage moved to another entry, breaks the signature."""
    return {
        "text": text.encode(),
        "reason": reason.encode(),
        "from": ",".join(sorted(str(user_id) for user_id in kept_from)).encode(),
        "entry": str(entry_id).encode(),
    }


def opened(
    db: Session, passage: WithheldPassage, key: bytes, kept: set[uuid.UUID]
) -> tuple[str, str]:
    """Text and reason, checked against the author's signature over them, the names it is kept
    from and its entry; raises Untrusted otherwise."""
    place = place_of(passage)
    text = open_text(key, passage.text_sealed, place, "text")
    reason = open_text(key, passage.reason_sealed, place, "reason")
    verify_content(
        signing_public_key(db, passage.author_id),
        passage.signature,
        place,
        passage.author_id or uuid.UUID(int=0),
        signed_parts(text, reason, kept, passage.entry_id),
    )
    return text, reason


def _trusted(db: Session, passage: WithheldPassage, key: bytes, kept: set[uuid.UUID]) -> bool:
    """A key is handed on only while the list of whom it is kept from is the one its author
    signed: a row deleted from that list in the database must not open the passage to them."""
    try:
        opened(db, passage, key, kept)
    except (Untrusted, crypto.CryptoError):
        return False
    return True


def hand_over(db: Session, keys: KeyChain, now: datetime) -> int:
    """Inside an owner's change: every passage whose key this owner holds is sealed to each
    reader of its section who lacks it and from whom it is not kept. Returns how many copies."""
    count = 0
    passages = list(
        db.scalars(
            select(WithheldPassage)
            .join(PassageKey, PassageKey.passage_id == WithheldPassage.id)
            .where(
                WithheldPassage.dossier_id == keys.dossier_id,
                PassageKey.holder_id == keys.holder_id,
            )
        )
    )
    if not passages:
        return 0
    kept = kept_from(db, (p.id for p in passages))
    for passage in passages:
        holding = set(
            db.scalars(
                select(PassageKey.holder_id).where(
                    PassageKey.passage_id == passage.id, PassageKey.holder_id.is_not(None)
                )
            )
        )
        missing = [
            user
            for user in keepers_of_scope(db, passage.dossier_id, str(passage.section_id), now)
            if user.id not in holding and user.id not in kept.get(passage.id, set())
        ]
        emergency = current_emergency_key(db)
        lacks_emergency = emergency is not None and not db.scalar(
            select(PassageKey.id).where(
                PassageKey.passage_id == passage.id, PassageKey.emergency_key_id == emergency.id
            )
        )
        if not missing and not lacks_emergency:
            continue
        key = open_key(db, passage, keys)
        if key is None or not _trusted(db, passage, key, kept.get(passage.id, set())):
            continue
        for user in missing:
            seal_to_user(db, passage, key, user)
            count += 1
        if lacks_emergency:  # written before the emergency key existed
            seal_to_emergency(db, passage, key)
    db.flush()
    return count


def from_emergency(
    db: Session,
    private_key: X25519PrivateKey,
    emergency_id: uuid.UUID,
    dossier_id: uuid.UUID,
    sections: list[uuid.UUID],
    grantee: User,
) -> None:
    """When officers open access, the grantee gets the passages of those sections that are
    not kept from her, from their copies sealed to the emergency key."""
    rows = db.execute(
        select(WithheldPassage, PassageKey.sealed)
        .join(PassageKey, PassageKey.passage_id == WithheldPassage.id)
        .where(
            WithheldPassage.dossier_id == dossier_id,
            WithheldPassage.section_id.in_(sections),
            PassageKey.emergency_key_id == emergency_id,
        )
    ).all()
    kept = kept_from(db, (passage.id for passage, _ in rows))
    for passage, sealed in rows:
        if grantee.id in kept.get(passage.id, set()):
            continue
        try:
            key = _masked(
                db,
                passage,
                crypto.open_from_public_key(
                    sealed, private_key, seal_info(passage, emergency_recipient(emergency_id))
                ),
            )
        except crypto.CryptoError:
            continue  # a damaged copy opens nothing; the grantee's page says it cannot be read
        if _trusted(db, passage, key, kept.get(passage.id, set())):
            seal_to_user(db, passage, key, grantee)
