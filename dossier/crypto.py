"""Pure cryptography: key derivation, key pairs, sealed formats and signatures.

Nothing here knows about Flask, SQLAlchemy or the database. Every sealed format starts with a
header (magic, format version, kind) that is also authenticated, every derivation has a label of
its own, and every failure to open raises the same `CryptoError`, so neither a caller nor an
attacker can tell a wrong key from a flipped byte or a wrong version.

Randomness can be passed in (`rng`) so tests can pin known answers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from Crypto.Protocol.SecretSharing import Shamir
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey as Ed25519PrivateKey,  # re-exported: the services' signatures name it
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

Rng = Callable[[int], bytes]

MAGIC = b"ED"
FORMAT_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
SALT_BYTES = 16
RECOVERY_CODE_BYTES = 16
SESSION_SECRET_BYTES = 32
HEADER_BYTES = len(MAGIC) + 2
LABEL_PREFIX = "eigen-dossier/v1/"

_HPKE_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_HPKE_ENC_BYTES = 32


class CryptoError(Exception):
    """Raised for every failure to open, unwrap or verify: deliberately uninformative."""

    def __init__(self) -> None:
        super().__init__("could not open")


class Kind(IntEnum):
    """What a sealed blob holds; part of the authenticated header."""

    KEYRING_BY_PASSWORD = 1
    KEYRING_BY_RECOVERY = 2
    KEYRING_BY_SESSION = 3
    SEALED_TO_PUBLIC_KEY = 4
    CONTENT = 5
    JOB = 6
    HELD_SHARE = 7  # an emergency key share held for one request until it is decided
    SECOND_FACTOR = 8  # an authenticator app's secret, under a key derived from a server key


def label(name: str) -> bytes:
    """The one place a derivation or format label is spelled out."""
    return (LABEL_PREFIX + name).encode("ascii")


def canonical(data: Mapping[str, object]) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, ASCII only. Used for associated data."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def _header(kind: Kind) -> bytes:
    return MAGIC + bytes([FORMAT_VERSION, int(kind)])


Context = Mapping[str, object] | bytes  # bytes: the context's canonical JSON, made by the caller


def _associated_data(kind: Kind, purpose: str, context: Context) -> bytes:
    bound = context if isinstance(context, bytes) else canonical(context)
    return _header(kind) + label(purpose) + b"\x00" + bound


# --- password key derivation -------------------------------------------------------------


@dataclass(frozen=True)
class KdfCost:
    """Argon2id parameters, stored with each user so they can be raised later."""

    time_cost: int
    memory_kib: int
    lanes: int = 1

    def __post_init__(self) -> None:
        if self.time_cost < 1 or self.lanes < 1 or self.memory_kib < 8 * self.lanes:
            raise ValueError("Argon2id cost out of range")

    def weaker_than(self, other: KdfCost) -> bool:
        return self.time_cost < other.time_cost or self.memory_kib < other.memory_kib


PRODUCTION_KDF_COST = KdfCost(time_cost=3, memory_kib=64 * 1024, lanes=1)


@dataclass(frozen=True)
class PasswordKeys:
    """What one Argon2id run yields: a verifier to store and a key-encryption key to keep secret."""

    verifier: bytes = field(repr=False)
    kek: bytes = field(repr=False)


def normalize_password(password: str) -> bytes:
    """NFC, so the same password typed on another keyboard derives the same keys."""
    return unicodedata.normalize("NFC", password).encode("utf-8")


def _hkdf(ikm: bytes, name: str, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label(name)).derive(ikm)


def derive_password_keys(password: str, salt: bytes, cost: KdfCost) -> PasswordKeys:
    """One Argon2id run, split by HKDF into the stored verifier and the key-encryption key."""
    if len(salt) != SALT_BYTES:
        raise ValueError("salt must be 16 bytes")
    master = Argon2id(
        salt=salt,
        length=64,
        iterations=cost.time_cost,
        lanes=cost.lanes,
        memory_cost=cost.memory_kib,
    ).derive(normalize_password(password))
    return PasswordKeys(
        verifier=_hkdf(master, "password/verifier"), kek=_hkdf(master, "password/kek")
    )


def new_salt(rng: Rng = os.urandom) -> bytes:
    return rng(SALT_BYTES)


def same_bytes(a: bytes, b: bytes) -> bool:
    """Constant-time comparison for verifiers and token hashes."""
    return hmac.compare_digest(a, b)


# --- symmetric sealing -------------------------------------------------------------------


def seal(
    key: bytes,
    plaintext: bytes,
    *,
    kind: Kind,
    purpose: str,
    context: Context,
    rng: Rng = os.urandom,
) -> bytes:
    """AES-256-GCM with a fresh nonce; the header and context are bound as associated data."""
    if len(key) != KEY_BYTES:
        raise ValueError("key must be 32 bytes")
    nonce = rng(NONCE_BYTES)
    body = AESGCM(key).encrypt(nonce, plaintext, _associated_data(kind, purpose, context))
    return _header(kind) + nonce + body


def open_sealed(key: bytes, blob: bytes, *, kind: Kind, purpose: str, context: Context) -> bytes:
    """Inverse of `seal`; any mismatch (key, context, header, byte) is one `CryptoError`."""
    if len(key) != KEY_BYTES or len(blob) < HEADER_BYTES + NONCE_BYTES + TAG_BYTES:
        raise CryptoError()
    if not hmac.compare_digest(blob[:HEADER_BYTES], _header(kind)):
        raise CryptoError()
    nonce = blob[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(
            nonce, blob[HEADER_BYTES + NONCE_BYTES :], _associated_data(kind, purpose, context)
        )
    except InvalidTag:
        raise CryptoError() from None


# --- user key pairs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Keyring:
    """A user's private keys: X25519 to receive sealed keys, Ed25519 to sign what they write."""

    exchange: X25519PrivateKey = field(repr=False)
    signing: Ed25519PrivateKey = field(repr=False)

    _SERIAL_VERSION = 1

    @classmethod
    def generate(cls) -> Keyring:
        return cls(X25519PrivateKey.generate(), Ed25519PrivateKey.generate())

    def to_bytes(self) -> bytes:
        return (
            bytes([self._SERIAL_VERSION])
            + self.exchange.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
            + self.signing.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Keyring:
        if len(data) != 1 + 2 * KEY_BYTES or data[0] != cls._SERIAL_VERSION:
            raise CryptoError()
        return cls(
            X25519PrivateKey.from_private_bytes(data[1 : 1 + KEY_BYTES]),
            Ed25519PrivateKey.from_private_bytes(data[1 + KEY_BYTES :]),
        )

    @property
    def exchange_public(self) -> bytes:
        return self.exchange.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def signing_public(self) -> bytes:
        return self.signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


_KEYRING_PURPOSE = {
    Kind.KEYRING_BY_PASSWORD: "keyring/password",
    Kind.KEYRING_BY_RECOVERY: "keyring/recovery",
    Kind.KEYRING_BY_SESSION: "keyring/session",
}


def seal_keyring(
    keyring: Keyring, key: bytes, *, kind: Kind, owner: str, rng: Rng = os.urandom
) -> bytes:
    """Wrap a keyring under a password KEK, a recovery key or a session key, bound to its owner."""
    return seal(
        key,
        keyring.to_bytes(),
        kind=kind,
        purpose=_KEYRING_PURPOSE[kind],
        context={"owner": owner},
        rng=rng,
    )


def open_keyring(blob: bytes, key: bytes, *, kind: Kind, owner: str) -> Keyring:
    return Keyring.from_bytes(
        open_sealed(key, blob, kind=kind, purpose=_KEYRING_PURPOSE[kind], context={"owner": owner})
    )


# --- recovery codes ----------------------------------------------------------------------

_RECOVERY_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def new_recovery_code(rng: Rng = os.urandom) -> str:
    """128 random bits as 26 base32 letters in groups, easy to copy by hand."""
    text = base64.b32encode(rng(RECOVERY_CODE_BYTES)).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_code(text: str) -> bytes:
    """Accept the code as people retype it: any case, spaces or dashes, 0/1/8 for O/I/B."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_RECOVERY_LOOKALIKES)
    if len(cleaned) != 26:
        raise CryptoError()
    try:
        raw = base64.b32decode(cleaned + "======", casefold=False)
    except ValueError:
        raise CryptoError() from None
    if len(raw) != RECOVERY_CODE_BYTES:
        raise CryptoError()
    return raw


def recovery_key(code: bytes) -> bytes:
    """The code already has 128 bits of entropy, so HKDF suffices (no password stretching)."""
    return _hkdf(code, "recovery/key")


# --- invitations ---------------------------------------------------------------------------


def invitation_lookup_hash(code: bytes) -> bytes:
    """Finds the invitation row for a code without storing the code."""
    return _hkdf(code, "invitation/lookup")


def invitation_private_key(code: bytes) -> X25519PrivateKey:
    """An invitation's key pair lives only in its code: keys sealed to it wait for the invitee."""
    return X25519PrivateKey.from_private_bytes(_hkdf(code, "invitation/key"))


REQUEST_CODE_LETTERS = 12  # 60 bits: enough that guessing finds nothing, short to read aloud


def request_code(dossier_secret: bytes, generation: int) -> str:
    """The code an owner gives someone who should ask for access: derived from the dossier's
    own secret, so it needs no storing and dies with the dossier; a new generation replaces it."""
    raw = _hkdf(dossier_secret, f"request-code/{generation:d}", 10)
    text = base64.b32encode(raw).decode("ascii")[:REQUEST_CODE_LETTERS]
    return "-".join(text[i : i + 4] for i in range(0, REQUEST_CODE_LETTERS, 4))


def request_code_lookup(text: str) -> bytes | None:
    """What a request code is found by, as people retype it (any case, spaces, dashes, 0/1/8
    for O/I/B); None for anything that cannot be a code."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_RECOVERY_LOOKALIKES)
    if len(cleaned) != REQUEST_CODE_LETTERS or not cleaned.isascii():
        return None
    return hashlib.sha256(label("request-code/lookup") + cleaned.encode("ascii")).digest()


def grant_invitation_lookup_hash(code: bytes) -> bytes:
    """Like `invitation_lookup_hash`, for share links: a code of one kind never finds the other."""
    return _hkdf(code, "grant-invitation/lookup")


def grant_invitation_private_key(code: bytes) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_hkdf(code, "grant-invitation/key"))


def public_bytes(private_key: X25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def new_key(rng: Rng = os.urandom) -> bytes:
    """A fresh random 256-bit symmetric key (a section or dossier key version)."""
    return rng(KEY_BYTES)


def mask_key(key: bytes, secret: bytes, binding: Mapping[str, object]) -> bytes:
    """`key` XOR a pad derived from `secret` for exactly this key: what holders' sealed copies
    carry, so that opening one needs the secret as well. Applying it twice gives the key back."""
    if len(key) != KEY_BYTES:
        raise ValueError("a key is 32 bytes")
    info = label("key-mask") + b"\x00" + canonical(binding)
    pad = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(secret)
    return bytes(a ^ b for a, b in zip(key, pad, strict=True))


def digest(data: bytes) -> str:
    """SHA-256 in hex, for signing what was written without signing ciphertext."""
    return hashlib.sha256(data).hexdigest()


# --- sessions and tokens -----------------------------------------------------------------


def new_session_secret(rng: Rng = os.urandom) -> bytes:
    return rng(SESSION_SECRET_BYTES)


def session_lookup_hash(secret: bytes) -> bytes:
    """Stored beside the session row to recognise the secret without being able to use it."""
    return _hkdf(secret, "session/lookup")


def session_key(secret: bytes) -> bytes:
    """Wraps the keyring copy of one session; exists only while the cookie or token is presented."""
    return _hkdf(secret, "session/key")


def second_factor_key(server_key: bytes) -> bytes:
    """Seals authenticator-app secrets. Derived, so the server key it comes from never opens
    them under another purpose, nor they it."""
    return _hkdf(server_key, "second-factor/key")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def from_b64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raise CryptoError() from None


# --- sealing to a public key (HPKE, RFC 9180) --------------------------------------------


def seal_to_public_key(plaintext: bytes, recipient: bytes, info: Mapping[str, object]) -> bytes:
    """HPKE base mode, X25519 / HKDF-SHA256 / AES-256-GCM; `info` binds the purpose and holder."""
    body = _HPKE_SUITE.encrypt(
        plaintext,
        X25519PublicKey.from_public_bytes(recipient),
        info=_header(Kind.SEALED_TO_PUBLIC_KEY) + canonical(info),
    )
    return _header(Kind.SEALED_TO_PUBLIC_KEY) + body


def open_from_public_key(
    blob: bytes, private_key: X25519PrivateKey, info: Mapping[str, object]
) -> bytes:
    header = _header(Kind.SEALED_TO_PUBLIC_KEY)
    if len(blob) < HEADER_BYTES + _HPKE_ENC_BYTES + TAG_BYTES or not hmac.compare_digest(
        blob[:HEADER_BYTES], header
    ):
        raise CryptoError()
    try:
        return _HPKE_SUITE.decrypt(blob[HEADER_BYTES:], private_key, info=header + canonical(info))
    except Exception:  # the binding raises different types per failure; callers get one
        raise CryptoError() from None


# --- signatures --------------------------------------------------------------------------


def sign(signing_key: Ed25519PrivateKey, purpose: str, message: bytes) -> bytes:
    """Ed25519 over a labelled message, so a signature for one purpose is useless for another."""
    return signing_key.sign(label(purpose) + b"\x00" + message)


def verify_signature(public_key: bytes, purpose: str, message: bytes, signature: bytes) -> None:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            signature, label(purpose) + b"\x00" + message
        )
    except (InvalidSignature, ValueError):
        raise CryptoError() from None


# --- the emergency key: Shamir shares (k of n) -------------------------------------------

SHARE_HALF_BYTES = 16  # pycryptodome's Shamir shares 16-byte secrets
SHARE_BYTES = 2 * SHARE_HALF_BYTES
MAX_SHARES = 255


@dataclass(frozen=True)
class Share:
    """One officer's part of the emergency key: the index is public, the value is the secret."""

    index: int
    value: bytes = field(repr=False)


def split_key(key: bytes, threshold: int, count: int) -> list[Share]:
    """Split a 32-byte key into `count` shares of which any `threshold` give it back.

    Shamir over GF(2^128) shares 16 bytes, so each half is split on its own with the same
    indexes (1..count) and a share carries both halves. Fewer than `threshold` shares say
    nothing about the key: every value is equally likely."""
    if len(key) != KEY_BYTES:
        raise ValueError("a key is 32 bytes")
    if not 2 <= threshold <= count <= MAX_SHARES:
        raise ValueError("need 2 <= threshold <= count <= 255")
    first = Shamir.split(threshold, count, key[:SHARE_HALF_BYTES])
    second = Shamir.split(threshold, count, key[SHARE_HALF_BYTES:])
    if [index for index, _ in first] != [index for index, _ in second]:
        raise ValueError("both halves must be split with the same indexes")
    return [Share(index, low + high) for (index, low), (_, high) in zip(first, second, strict=True)]


def combine_shares(shares: list[Share]) -> bytes:
    """The key from `threshold` shares; fewer give a wrong key, never an error that says so."""
    if not shares or any(len(share.value) != SHARE_BYTES for share in shares):
        raise CryptoError()
    if len({share.index for share in shares}) != len(shares):
        raise CryptoError()
    halves = [
        Shamir.combine([(s.index, s.value[:SHARE_HALF_BYTES]) for s in shares]),
        Shamir.combine([(s.index, s.value[SHARE_HALF_BYTES:]) for s in shares]),
    ]
    return halves[0] + halves[1]


def private_bytes(private_key: X25519PrivateKey) -> bytes:
    """The raw 32 bytes of an X25519 private key: what the emergency key's shares split."""
    return private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def new_exchange_key() -> X25519PrivateKey:
    """A fresh X25519 key pair (the organisation's emergency key)."""
    return X25519PrivateKey.generate()


def exchange_key(raw: bytes) -> X25519PrivateKey:
    """An X25519 private key from its raw bytes (a combined emergency key)."""
    if len(raw) != KEY_BYTES:
        raise CryptoError()
    return X25519PrivateKey.from_private_bytes(raw)
