"""Server keys in keys/: the Flask secret key and the Ed25519 key that signs audit checkpoints.

They are made once by `dossier keys init`, readable only by their owner, and never have a
built-in fallback: without them the app does not start.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from dossier.errors import ServerKeysMissing

SECRET_KEY_FILE = "flask-secret.key"  # noqa: S105 - a file name, not a secret
AUDIT_KEY_FILE = "audit-signing.pem"


@dataclass(frozen=True)
class ServerKeys:
    secret_key: bytes = field(repr=False)
    audit_signing_key: Ed25519PrivateKey = field(repr=False)


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def init_keys(keys_dir: Path) -> list[Path]:
    """Create whichever key is missing; never overwrite one. Returns the files written."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    secret_path = keys_dir / SECRET_KEY_FILE
    if not secret_path.exists():
        _write_new(secret_path, secrets.token_hex(64).encode("ascii") + b"\n")
        written.append(secret_path)
    audit_path = keys_dir / AUDIT_KEY_FILE
    if not audit_path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
        _write_new(audit_path, pem)
        written.append(audit_path)
    return written


def load_keys(keys_dir: Path) -> ServerKeys:
    secret_path = keys_dir / SECRET_KEY_FILE
    audit_path = keys_dir / AUDIT_KEY_FILE
    missing = [p.name for p in (secret_path, audit_path) if not p.is_file()]
    if missing:
        raise ServerKeysMissing(
            f"Server keys missing in {keys_dir}: {', '.join(missing)}. Run `dossier keys init`."
        )
    secret = secret_path.read_bytes().strip()
    if len(secret) < 64:
        raise ServerKeysMissing(f"{secret_path} is too short to be a secret key.")
    key = load_pem_private_key(audit_path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ServerKeysMissing(f"{audit_path} is not an Ed25519 private key.")
    return ServerKeys(secret_key=secret, audit_signing_key=key)
