"""The per-dossier secrets in a database of their own (`DOSSIER_SECRETS_URL`), which every app
replica and worker reaches, so that no process keeps state on its own disk.

It is a second database, not a table in the main one, for the reason the secrets were files: it
is backed up apart, with a short retention, so an old backup of the main database cannot bring
a destroyed dossier back. Its one table is made by the store itself (`prepare`), never by the
main database's Alembic migrations.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    Table,
    Uuid,
    delete,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from dossier.config import ConfigError, Settings
from dossier.db import make_engine
from dossier.keys import FileSecretStore, SecretNotShredded, SecretStore

METADATA = MetaData()
SECRETS = Table(
    "dossier_secrets",
    METADATA,
    Column("dossier_id", Uuid, primary_key=True),
    Column("secret", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
# Replicas that start together make the table once: the second waits, then finds it there.
_SCHEMA_LOCK = 0x5EC2E75


class DatabaseSecretStore:
    """Each statement is its own short transaction, apart from the unit of work that asks: a
    secret is kept (or shredded) at once, as a file would be."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name not in ("postgresql", "sqlite"):
            raise ConfigError("DOSSIER_SECRETS_URL must name a PostgreSQL (or SQLite) database.")
        self.engine = engine

    def prepare(self) -> None:
        """Create the table when it is missing; harmless when it is there."""
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK}
                )
            METADATA.create_all(connection, checkfirst=True)

    def prepared(self) -> bool:
        try:
            return inspect(self.engine).has_table(SECRETS.name)
        except Exception:
            return False

    def read(self, dossier_id: uuid.UUID) -> bytes | None:
        with self.engine.connect() as connection:
            found = connection.execute(
                select(SECRETS.c.secret).where(SECRETS.c.dossier_id == dossier_id)
            ).scalar()
        return bytes(found) if found is not None else None

    def create(self, dossier_id: uuid.UUID, secret: bytes) -> bytes:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        row = {"dossier_id": dossier_id, "secret": secret, "created_at": datetime.now(UTC)}
        with self.engine.begin() as connection:
            # A concurrent insert of the same dossier makes this one wait, then do nothing.
            connection.execute(
                dialect.insert(SECRETS)
                .values(row)
                .on_conflict_do_nothing(index_elements=[SECRETS.c.dossier_id])
            )
            kept = connection.execute(
                select(SECRETS.c.secret).where(SECRETS.c.dossier_id == dossier_id)
            ).scalar_one()
        return bytes(kept)

    def destroy(self, dossier_id: uuid.UUID) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(SECRETS).where(SECRETS.c.dossier_id == dossier_id))
        if self.read(dossier_id) is not None:  # a fresh look, after the delete committed
            raise SecretNotShredded(str(dossier_id))

    def dossier_ids(self) -> list[uuid.UUID]:
        with self.engine.connect() as connection:
            return list(
                connection.execute(
                    select(SECRETS.c.dossier_id).order_by(SECRETS.c.dossier_id)
                ).scalars()
            )

    def ready(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(select(SECRETS.c.dossier_id).limit(1)).all()
                if connection.dialect.name == "postgresql":
                    read_only = connection.exec_driver_sql("SHOW transaction_read_only").scalar()
                    return read_only == "off"
            return True
        except Exception:
            return False

    def close(self) -> None:
        self.engine.dispose()


def connect(settings: Settings) -> DatabaseSecretStore:
    """A store with an engine of its own, for a command that closes it when done."""
    if not settings.secrets_url:
        raise ConfigError("Set DOSSIER_SECRETS_URL to the secrets' own database.")
    return DatabaseSecretStore(make_engine(settings.secrets_url, settings.database_timeout_seconds))


_stores: dict[str, DatabaseSecretStore] = {}
_lock = threading.Lock()


def open_store(settings: Settings) -> SecretStore:
    """The store this deployment keeps its secrets in. A database store is made once per process
    and URL, so its connections are pooled across units of work; made on first use, after
    gunicorn forked its workers, so no two processes share a connection."""
    if not settings.secrets_url:
        return FileSecretStore(settings.secrets_dir)
    with _lock:
        store = _stores.get(settings.secrets_url)
        if store is None:
            store = _stores[settings.secrets_url] = connect(settings)
    return store


def close_stores() -> None:
    """Close every pooled database store of this process (tests, and a command's end)."""
    with _lock:
        for store in _stores.values():
            store.close()
        _stores.clear()


@dataclass
class Moved:
    moved: list[uuid.UUID] = field(default_factory=list)
    # A different secret for the same dossier in both stores: both are kept, nothing guessed.
    conflicts: list[uuid.UUID] = field(default_factory=list)


def move(source: SecretStore, target: SecretStore) -> Moved:
    """Carry every secret from `source` to `target`. Each is removed from the source only once
    the target holds the same bytes, so a move that stops halfway loses nothing and can simply
    be run again. Run it with the app stopped: a dossier destroyed during the move could keep
    its secret in the target."""
    done = Moved()
    for dossier_id in source.dossier_ids():
        secret = source.read(dossier_id)
        if secret is None:
            continue
        if target.create(dossier_id, secret) != secret:
            done.conflicts.append(dossier_id)
            continue
        source.destroy(dossier_id)
        done.moved.append(dossier_id)
    return done
