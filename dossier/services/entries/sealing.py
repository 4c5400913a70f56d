"""Sealing and opening an entry's words: every version, file and correction is bound to its
place (from the registry in `sealed`) and checked against its author's signature.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from dossier import crypto
from dossier.errors import AccessDenied
from dossier.models import (
    Attachment,
    CorrectionRequest,
    Entry,
    EntryPerspective,
    EntryVersion,
)
from dossier.services import sealed
from dossier.services.content import (
    Place,
    SignedText,
    Untrusted,
    open_bytes,
    open_signed_text,
    open_text,
    seal_text,
)
from dossier.services.content import sign as sign_content
from dossier.services.content import verify as verify_content
from dossier.services.keychain import KeyChain, signing_public_key


def version_place(entry: Entry, version: EntryVersion) -> Place:
    return sealed.ENTRY_VERSION.place(version, entry.section_id)


def view_place(entry: Entry, view: EntryPerspective) -> Place:
    return sealed.VIEW.place(view, entry.section_id)


def attachment_place(entry: Entry, attachment: Attachment) -> Place:
    return sealed.ATTACHMENT.place(attachment, entry.section_id)


def correction_place(entry: Entry, correction: CorrectionRequest, answer: bool = False) -> Place:
    kind = sealed.CORRECTION_ANSWER if answer else sealed.CORRECTION
    return kind.place(correction, entry.section_id)


def correction_binding(entry: Entry) -> dict[str, str]:
    """A request and its answer belong to one entry, which their place does not name."""
    return {"entry": str(entry.id)}


def open_version(
    db: Session, keys: KeyChain, entry: Entry, version: EntryVersion, kind: str | None = None
) -> tuple[str, str]:
    """Title and body, checked against the author's signature; raises Untrusted otherwise. Every
    version is written by the entry's author, whom a page names: a version by anyone else was
    moved or edited."""
    if version.author_id != entry.author_id:
        raise Untrusted()
    try:
        key = keys.key(entry.section_id, version.key_version)
    except (crypto.CryptoError, AccessDenied):
        raise Untrusted() from None
    place = version_place(entry, version)
    title = open_text(key, version.title_sealed, place, "title")
    body = open_text(key, version.body_sealed, place, "body")
    verify_content(
        signing_public_key(db, version.author_id),
        version.signature,
        place,
        version.author_id,
        {"title": title.encode(), "body": body.encode(), "kind": (kind or entry.kind).encode()},
    )
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED.add(
        _verified_key(signing_public_key(db, version.author_id), version, place, kind or entry.kind)
    )
    return title, body


# Digests of versions this process opened whole and found signed by their author: see open_title.
_VERIFIED: set[bytes] = set()
_VERIFIED_MAX = 200_000


def _verified_key(public_key: bytes, version: EntryVersion, place: Place, kind: str) -> bytes:
    """Everything the verdict depends on (the place names dossier, section, entry, version and
    key version), each part length-prefixed so no two tuples collide."""
    parts = (
        public_key,
        version.author_id.bytes,
        place.canonical,
        kind.encode(),
        version.signature,
        version.title_sealed,
        version.body_sealed,
    )
    lengths = _LENGTHS.pack(*(len(part) for part in parts))
    return hashlib.sha256(lengths + b"".join(parts)).digest()


_LENGTHS = struct.Struct(">7Q")  # every part's length first, so no two tuples give one text


def open_title(db: Session, keys: KeyChain, entry: Entry, version: EntryVersion) -> str:
    """The title alone, as a list shows it; raises Untrusted like `open_version`.

    The author's signature covers title and body together, so checking it means opening the body.
    A version whose very ciphertexts, signature, kind, author and key this process has checked
    before need not be checked again: the title still opens here, under the section's key and
    bound to this place, which proves the key; the same bytes under the same key hold the same
    words. Only digests are remembered, never words."""
    if version.author_id != entry.author_id:
        raise Untrusted()
    place = version_place(entry, version)
    seen = _verified_key(signing_public_key(db, version.author_id), version, place, entry.kind)
    if seen not in _VERIFIED:
        return open_version(db, keys, entry, version)[0]
    try:
        key = keys.key(entry.section_id, version.key_version)
    except (crypto.CryptoError, AccessDenied):
        raise Untrusted() from None
    return open_text(key, version.title_sealed, place, "title")


def seal_version(
    keys: KeyChain,
    keyring: crypto.Keyring,
    entry: Entry,
    number: int,
    title: str,
    body: str,
    author_id: uuid.UUID,
    now: datetime,
    note: str | None = None,
) -> EntryVersion:
    key_version, key = keys.current(entry.section_id)
    version = EntryVersion(
        id=uuid.uuid4(),
        dossier_id=entry.dossier_id,
        entry_id=entry.id,
        version=number,
        author_id=author_id,
        created_at=now,
        key_version=key_version,
        title_sealed=b"",
        body_sealed=b"",
        body_size=len(body.encode()),
        signature=b"",
        note=note,
    )
    place = version_place(entry, version)
    version.title_sealed = seal_text(key, title, place, "title")
    version.body_sealed = seal_text(key, body, place, "body")
    version.signature = sign_content(
        keyring.signing,
        place,
        author_id,
        {"title": title.encode(), "body": body.encode(), "kind": entry.kind.encode()},
    )
    return version


def open_attachment(
    db: Session, keys: KeyChain, entry: Entry, attachment: Attachment
) -> tuple[str, bytes]:
    """Name and content, checked against the uploader's signature; raises Untrusted otherwise."""
    place = attachment_place(entry, attachment)
    try:
        key = keys.key(entry.section_id, attachment.key_version)
    except (crypto.CryptoError, AccessDenied):
        raise Untrusted() from None
    name = open_text(key, attachment.filename_sealed, place, "filename")
    content = open_bytes(key, attachment.content_sealed, place, "content")
    verify_content(
        signing_public_key(db, attachment.uploaded_by),
        attachment.signature,
        place,
        attachment.uploaded_by,
        {"filename": name.encode(), "content": content},
    )
    return name, content


def correction_text(
    db: Session, keys: KeyChain, entry: Entry, correction: CorrectionRequest, *, answer: bool
) -> SignedText:
    """The reason or the answer, signed by the person shown as writing it: the owner who asked,
    or the entry's author who answered."""
    writer = correction.author_id if answer else correction.requested_by
    signer = correction.answer_signed_by if answer else correction.reason_signed_by
    if signer is not None and signer != writer:
        raise Untrusted()
    return open_signed_text(
        keys.key(
            entry.section_id,
            (correction.answer_key_version or 0) if answer else correction.key_version,
        ),
        (correction.answer_sealed or b"") if answer else correction.reason_sealed,
        correction_place(entry, correction, answer),
        "answer" if answer else "reason",
        signer_id=signer,
        public_key=signing_public_key(db, signer),
        bound=correction_binding(entry),
    )
