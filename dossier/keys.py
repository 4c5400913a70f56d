"""Server keys in keys/: the Flask secret key, the Ed25519 key that signs audit checkpoints, the
key that seals what queued jobs carry, and one secret per dossier.

They are made once by `dossier keys init`, readable only by their owner, and never have a
built-in fallback: without them the app does not start.
"""

from __future__ import annotations

import os
import secrets
import uuid
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
JOB_KEY_FILE = "job-sealing.key"


@dataclass(frozen=True)
class ServerKeys:
    secret_key: bytes = field(repr=False)
    audit_signing_key: Ed25519PrivateKey = field(repr=False)
    job_key: bytes = field(repr=False)  # seals what a queued job must carry, e.g. section keys


def _write_new(path: Path, data: bytes, sync: bool = False) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())


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
    job_path = keys_dir / JOB_KEY_FILE
    if not job_path.exists():
        _write_new(job_path, secrets.token_bytes(32))
        written.append(job_path)
    return written


def load_keys(keys_dir: Path) -> ServerKeys:
    secret_path = keys_dir / SECRET_KEY_FILE
    audit_path = keys_dir / AUDIT_KEY_FILE
    job_path = keys_dir / JOB_KEY_FILE
    missing = [p.name for p in (secret_path, audit_path, job_path) if not p.is_file()]
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
    job_key = job_path.read_bytes()
    if len(job_key) != 32:
        raise ServerKeysMissing(f"{job_path} is not a 32-byte key.")
    return ServerKeys(secret_key=secret, audit_signing_key=key, job_key=job_key)


DOSSIER_SECRETS_DIR = "dossiers"
SECRET_BYTES = 32


@dataclass(frozen=True)
class DossierSecrets:
    """One random secret per dossier, kept as a file beside the server keys and never in the
    database. Every sealed copy of a dossier's keys is masked with it, so deleting the file when a
    dossier is destroyed makes every database backup of that dossier unreadable for good."""

    folder: Path
    # Read once per store; each unit of work gets a store of its own, so nothing goes stale.
    _read: dict[uuid.UUID, bytes | None] = field(default_factory=dict, repr=False, compare=False)

    def _path(self, dossier_id: uuid.UUID) -> Path:
        return self.folder / f"{dossier_id}.key"

    def get(self, dossier_id: uuid.UUID) -> bytes | None:
        if dossier_id not in self._read:
            try:
                self._read[dossier_id] = self._path(dossier_id).read_bytes()
            except FileNotFoundError:
                self._read[dossier_id] = None
        return self._read[dossier_id]

    def get_or_create(self, dossier_id: uuid.UUID) -> bytes:
        """Two processes making the same secret at once agree: the first file wins."""
        existing = self.get(dossier_id)
        if existing is not None:
            return existing
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        secret = secrets.token_bytes(SECRET_BYTES)
        partial = self.folder / f".{dossier_id}.{secrets.token_hex(4)}.tmp"
        _write_new(partial, secret, sync=True)
        try:
            os.link(partial, self._path(dossier_id))  # fails if another process was first
        except FileExistsError:
            pass
        finally:
            partial.unlink()
        self._read.pop(dossier_id, None)
        linked = self.get(dossier_id)
        assert linked is not None  # the file is there: this call or another process linked it
        return linked

    def destroy(self, dossier_id: uuid.UUID) -> None:
        if not self.folder.is_dir():
            return  # a dossier from before secrets were kept has none to destroy
        self._path(dossier_id).unlink(missing_ok=True)
        self._read[dossier_id] = None
        directory = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
