"""Server keys in keys/: the Flask secret key, the Ed25519 key that signs audit checkpoints and the
key that seals what queued jobs carry; and one secret per dossier, in a store of its own.

They are made once by `dossier keys init`, readable only by their owner, and never have a
built-in fallback: without them the app does not start.
"""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

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


class SecretStore(Protocol):
    """Where each dossier's secret lives, outside the main database and its backups: a folder
    beside the server keys (`FileSecretStore`) or a database of its own
    (`dossier.secret_store.DatabaseSecretStore`), which every replica reaches."""

    def read(self, dossier_id: uuid.UUID) -> bytes | None:
        """The dossier's secret, or None when it has none (never made, or destroyed)."""

    def create(self, dossier_id: uuid.UUID, secret: bytes) -> bytes:
        """Keep `secret` unless the dossier has one already; either way return the one kept,
        so two processes making a secret at once agree on the first."""

    def destroy(self, dossier_id: uuid.UUID) -> None:
        """Delete the secret for good, now, and check that it is gone (raises otherwise)."""

    def dossier_ids(self) -> list[uuid.UUID]:
        """Every dossier that has a secret here: what a move to another store carries."""

    def ready(self) -> bool:
        """Reachable and taking writes: new dossiers need their secret kept."""


class SecretNotShredded(RuntimeError):
    """A destroyed dossier's secret is still readable: the destruction must not report done."""


@dataclass(frozen=True)
class FileSecretStore:
    """One file per dossier in a folder beside the server keys: the embedded default. Every
    process that serves the dossier must see the same folder, so this store ties the app to
    one host (or to a shared disk)."""

    folder: Path

    def _path(self, dossier_id: uuid.UUID) -> Path:
        return self.folder / f"{dossier_id}.key"

    def read(self, dossier_id: uuid.UUID) -> bytes | None:
        try:
            return self._path(dossier_id).read_bytes()
        except FileNotFoundError:
            return None

    def create(self, dossier_id: uuid.UUID, secret: bytes) -> bytes:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = self.folder / f".{dossier_id}.{secrets.token_hex(4)}.tmp"
        _write_new(partial, secret, sync=True)
        try:
            os.link(partial, self._path(dossier_id))  # fails if another process was first
        except FileExistsError:
            pass
        finally:
            partial.unlink()
        kept = self.read(dossier_id)
        assert kept is not None  # the file is there: this call or another process linked it
        return kept

    def destroy(self, dossier_id: uuid.UUID) -> None:
        if not self.folder.is_dir():
            return  # a dossier from before secrets were kept has none to destroy
        self._path(dossier_id).unlink(missing_ok=True)
        directory = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        if self._path(dossier_id).exists():
            raise SecretNotShredded(str(dossier_id))

    def dossier_ids(self) -> list[uuid.UUID]:
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.glob("*.key"):
            try:
                found.append(uuid.UUID(path.stem))
            except ValueError:
                continue  # not a dossier's secret
        return sorted(found)

    def ready(self) -> bool:
        target = self.folder if self.folder.exists() else self.folder.parent
        return target.is_dir() and os.access(target, os.W_OK | os.X_OK)


@dataclass(frozen=True)
class DossierSecrets:
    """One random secret per dossier, kept in a `SecretStore` and never in the main database.
    Every sealed copy of a dossier's keys is masked with it, so deleting it when a dossier is
    destroyed makes every backup of the main database unreadable for that dossier, for good."""

    store: SecretStore
    # Read once per unit of work; each gets a view of its own, so nothing goes stale.
    _read: dict[uuid.UUID, bytes | None] = field(default_factory=dict, repr=False, compare=False)

    def get(self, dossier_id: uuid.UUID) -> bytes | None:
        if dossier_id not in self._read:
            self._read[dossier_id] = self.store.read(dossier_id)
        return self._read[dossier_id]

    def get_or_create(self, dossier_id: uuid.UUID) -> bytes:
        """Two processes making the same secret at once agree: the first one kept wins."""
        existing = self.get(dossier_id)
        if existing is not None:
            return existing
        kept = self.store.create(dossier_id, secrets.token_bytes(SECRET_BYTES))
        self._read[dossier_id] = kept
        return kept

    def destroy(self, dossier_id: uuid.UUID) -> None:
        self.store.destroy(dossier_id)
        self._read[dossier_id] = None
