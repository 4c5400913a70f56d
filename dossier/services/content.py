"""How each piece of dossier content is sealed, bound to its place, and signed by its author.

Associated data names dossier, section, object, version and key version, so a ciphertext moved to
another row fails to open. Signatures cover digests of the plaintext with the same binding, so
nobody can put words in another person's mouth, not even with the section key.

Short texts (names, correction requests and answers, grant messages) carry their signature inside
their ciphertext: beside it, a signature would let anyone holding the database test guesses at a
name. Re-encryption moves the signature along untouched, since it never covers a key version.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property, lru_cache

from dossier import crypto

SIGNED_TEXT_VERSION = 1
SIGNATURE_BYTES = 64


class Trust(StrEnum):
    """What a reader may believe about who wrote a text."""

    TRUSTED = "trusted"  # it opens, and its author's signature holds
    UNSIGNED = "unsigned"  # it opens, but was written before texts of its kind were signed
    UNTRUSTED = "untrusted"  # it fails to open or to verify: never shown as if fine


class Untrusted(Exception):
    """Content that fails to open or to verify: shown as "cannot be trusted", never as if fine."""


@dataclass(frozen=True)
class Place:
    """Where a piece of content belongs; every field ends up in its associated data."""

    dossier_id: uuid.UUID
    section_id: uuid.UUID | None
    object_type: str
    object_id: uuid.UUID
    version: int
    key_version: int

    def context(self) -> dict[str, object]:
        return {
            "dossier": str(self.dossier_id),
            "section": str(self.section_id) if self.section_id else "dossier",
            "object": f"{self.object_type}:{self.object_id}",
            "version": self.version,
            "key_version": self.key_version,
        }

    @cached_property
    def canonical(self) -> bytes:
        """`crypto.canonical(self.context())`, written out: a page opens one place per row, and
        ids, numbers and object types need no escaping (a test holds the two to each other)."""
        section = str(self.section_id) if self.section_id else "dossier"
        return (
            f'{{"dossier":"{self.dossier_id}","key_version":{self.key_version:d},'
            f'"object":"{self.object_type}:{self.object_id}","section":"{section}",'
            f'"version":{self.version:d}}}'
        ).encode("ascii")


def seal_text(key: bytes, text: str, place: Place, field: str) -> bytes:
    return seal_bytes(key, text.encode("utf-8"), place, field)


def seal_bytes(key: bytes, data: bytes, place: Place, field: str) -> bytes:
    return crypto.seal(
        key, data, kind=crypto.Kind.CONTENT, purpose=f"content/{field}", context=place.canonical
    )


def open_text(key: bytes, blob: bytes, place: Place, field: str) -> str:
    return open_bytes(key, blob, place, field).decode("utf-8")


def open_bytes(key: bytes, blob: bytes, place: Place, field: str) -> bytes:
    try:
        return crypto.open_sealed(
            key, blob, kind=crypto.Kind.CONTENT, purpose=f"content/{field}", context=place.canonical
        )
    except crypto.CryptoError:
        raise Untrusted() from None


def _signed_message(
    place: Place,
    author_id: uuid.UUID,
    parts: dict[str, bytes],
    bound: Mapping[str, str] | None = None,
) -> bytes:
    """What the author signs: the place without its key version (keys rotate, words stay), and
    whatever else the words belong to (`bound`, such as the entry a correction request is about)."""
    binding = {name: value for name, value in place.context().items() if name != "key_version"}
    return crypto.canonical(
        {
            **binding,
            **(bound or {}),
            "author": str(author_id),
            **{name: crypto.digest(value) for name, value in sorted(parts.items())},
        }
    )


def sign(
    signing_key: crypto.Ed25519PrivateKey,
    place: Place,
    author_id: uuid.UUID,
    parts: dict[str, bytes],
    bound: Mapping[str, str] | None = None,
) -> bytes:
    return crypto.sign(
        signing_key,
        f"content/{place.object_type}",
        _signed_message(place, author_id, parts, bound),
    )


def verify(
    public_key: bytes,
    signature: bytes,
    place: Place,
    author_id: uuid.UUID,
    parts: dict[str, bytes],
    bound: Mapping[str, str] | None = None,
) -> None:
    if not _valid(
        public_key,
        f"content/{place.object_type}",
        _signed_message(place, author_id, parts, bound),
        signature,
    ):
        raise Untrusted()


# --- short texts, sealed with their signature ----------------------------------------------------


@dataclass(frozen=True)
class SignedText:
    """A text as opened for a reader, with what to believe about who wrote it."""

    text: str
    trust: Trust

    @property
    def trusted(self) -> bool:
        """Shown as its words; an unsigned text is, too, but says it is not signed."""
        return self.trust != Trust.UNTRUSTED

    @property
    def signed(self) -> bool:
        return self.trust == Trust.TRUSTED


def signed_text(
    signing_key: crypto.Ed25519PrivateKey,
    place: Place,
    signer_id: uuid.UUID,
    field: str,
    text: str,
    bound: Mapping[str, str] | None = None,
) -> bytes:
    """The plaintext to seal: a version tag, the author's signature, then the words."""
    data = text.encode("utf-8")
    signature = sign(signing_key, place, signer_id, {field: data}, bound)
    return bytes([SIGNED_TEXT_VERSION]) + signature + data


def read_signed_text(
    data: bytes,
    place: Place,
    signer_id: uuid.UUID | None,
    public_key: bytes,
    field: str,
    bound: Mapping[str, str] | None = None,
) -> SignedText:
    """Inverse of `signed_text`; raises Untrusted when the signature does not hold. Without a
    signer the row was written before texts of its kind were signed: its words are shown as "not
    signed" rather than as a forgery, since they still open only in their own place."""
    if signer_id is None:
        return SignedText(_decoded(data), Trust.UNSIGNED)
    header = 1 + SIGNATURE_BYTES
    if len(data) < header or data[0] != SIGNED_TEXT_VERSION:
        raise Untrusted()
    words = data[header:]
    verify(public_key, data[1:header], place, signer_id, {field: words}, bound)
    return SignedText(_decoded(words), Trust.TRUSTED)


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Untrusted() from None


def seal_signed_text(
    key: bytes,
    text: str,
    place: Place,
    field: str,
    *,
    signing_key: crypto.Ed25519PrivateKey,
    signer_id: uuid.UUID,
    bound: Mapping[str, str] | None = None,
) -> bytes:
    """A short text signed by its author and sealed with the signature, bound to its place."""
    return seal_bytes(
        key, signed_text(signing_key, place, signer_id, field, text, bound), place, field
    )


def open_signed_text(
    key: bytes,
    blob: bytes,
    place: Place,
    field: str,
    *,
    signer_id: uuid.UUID | None,
    public_key: bytes,
    bound: Mapping[str, str] | None = None,
) -> SignedText:
    """Inverse of `seal_signed_text`; raises Untrusted when it fails to open or to verify."""
    return read_signed_text(
        open_bytes(key, blob, place, field), place, signer_id, public_key, field, bound
    )


@lru_cache(maxsize=65536)
def _valid(public_key: bytes, purpose: str, message: bytes, signature: bytes) -> bool:
    """Ed25519 costs ~0.1 ms a check, and a page shows many entries. The answer depends only on
    these four values, so a check once passed need not be paid again by this process."""
    try:
        crypto.verify_signature(public_key, purpose, message, signature)
    except crypto.CryptoError:
        return False
    return True
