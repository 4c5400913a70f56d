"""How each piece of dossier content is sealed, bound to its place, and signed by its author.

Associated data names dossier, section, object, version and key version, so a ciphertext moved to
another row fails to open. Signatures cover digests of the plaintext with the same binding, so
nobody can put words in another person's mouth, not even with the section key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache

from dossier import crypto

TRUSTED = "trusted"


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


def seal_text(key: bytes, text: str, place: Place, field: str) -> bytes:
    return seal_bytes(key, text.encode("utf-8"), place, field)


def seal_bytes(key: bytes, data: bytes, place: Place, field: str) -> bytes:
    return crypto.seal(
        key, data, kind=crypto.Kind.CONTENT, purpose=f"content/{field}", context=place.context()
    )


def open_text(key: bytes, blob: bytes, place: Place, field: str) -> str:
    return open_bytes(key, blob, place, field).decode("utf-8")


def open_bytes(key: bytes, blob: bytes, place: Place, field: str) -> bytes:
    try:
        return crypto.open_sealed(
            key, blob, kind=crypto.Kind.CONTENT, purpose=f"content/{field}", context=place.context()
        )
    except crypto.CryptoError:
        raise Untrusted() from None


def _signed_message(place: Place, author_id: uuid.UUID, parts: dict[str, bytes]) -> bytes:
    """What the author signs: the place without its key version (keys rotate, words stay)."""
    binding = {name: value for name, value in place.context().items() if name != "key_version"}
    return crypto.canonical(
        {
            **binding,
            "author": str(author_id),
            **{name: crypto.digest(value) for name, value in sorted(parts.items())},
        }
    )


def sign(
    signing_key: crypto.Ed25519PrivateKey,
    place: Place,
    author_id: uuid.UUID,
    parts: dict[str, bytes],
) -> bytes:
    return crypto.sign(
        signing_key, f"content/{place.object_type}", _signed_message(place, author_id, parts)
    )


def verify(
    public_key: bytes, signature: bytes, place: Place, author_id: uuid.UUID, parts: dict[str, bytes]
) -> None:
    if not _valid(
        public_key,
        f"content/{place.object_type}",
        _signed_message(place, author_id, parts),
        signature,
    ):
        raise Untrusted()


@lru_cache(maxsize=65536)
def _valid(public_key: bytes, purpose: str, message: bytes, signature: bytes) -> bool:
    """Ed25519 costs ~0.1 ms a check, and a page shows many entries. The answer depends only on
    these four values, so a check once passed need not be paid again by this process."""
    try:
        crypto.verify_signature(public_key, purpose, message, signature)
    except crypto.CryptoError:
        return False
    return True
