"""Re-encryption after a revocation: entries per second, beside two baselines: a skeleton that
reads, opens, re-seals and writes the same rows in the same database in batches (plain SQL,
AES-GCM, one executemany per batch), and raw AES-GCM on the same data in memory.

A dossier of ENTRIES entries is shared with a care worker and revoked. The revoking request runs
under its time budget (the owner waits at most that long); later owner actions finish the rest.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, Integer, LargeBinary, Uuid, bindparam, text

from bench.apps import content_aad, open_content, seal_content
from dossier import migrations
from dossier.config import Settings
from dossier.crypto import KdfCost
from dossier.db import make_engine, make_session_factory
from dossier.models import Entry, SessionKind
from dossier.services import accounts, dossiers, sessions, sharing
from dossier.services.context import Actor, Context
from dossier.services.entries.sealing import seal_version
from dossier.services.keychain import keychain
from dossier.services.rotation import BATCH, continue_rotation

ENTRIES = int(os.environ.get("BENCH_ENTRIES", "10000"))
PASSWORD = "a bench password long enough"
TITLE = "Verslag van een gesprek"
BODY = "Een tekst van gemiddelde lengte over hoe het gaat, thuis en op school. " * 12


def _actor(ctx: Context, email: str):
    ticket = sessions.log_in(ctx, email, PASSWORD, SessionKind.WEB)
    return sessions.authenticate(ctx, ticket.token, SessionKind.WEB)


def _fill(ctx: Context, owner, dossier_id: uuid.UUID, section_id: uuid.UUID) -> None:
    with ctx.unit_of_work() as db:
        keys = keychain(db, owner, dossier_id)
        now = ctx.now()
        for _ in range(ENTRIES):
            entry = Entry(
                id=uuid.uuid4(),
                dossier_id=dossier_id,
                section_id=section_id,
                author_id=owner.user_id,
                author_role="youth",
                perspective="client",
                kind="note",
                current_version=1,
                created_at=now,
                updated_at=now,
            )
            db.add(entry)
            db.add(seal_version(keys, keys.keyring, entry, 1, TITLE, BODY, owner.user_id, now))
        db.flush()


def _baseline_per_second() -> float:
    """Raw AES-GCM: open and re-seal title and body of every entry, nothing else."""
    old, new = AESGCM(os.urandom(32)), AESGCM(os.urandom(32))
    nonce = os.urandom(12)
    blobs = [
        (old.encrypt(nonce, TITLE.encode(), None), old.encrypt(nonce, BODY.encode(), None))
    ] * ENTRIES
    start = time.perf_counter()
    for title, body in blobs:
        new.encrypt(os.urandom(12), old.decrypt(nonce, title, None), None)
        new.encrypt(os.urandom(12), old.decrypt(nonce, body, None), None)
    return ENTRIES / (time.perf_counter() - start)


_STALE_IDS = (
    text(
        "SELECT v.id FROM entry_versions v WHERE v.dossier_id = :d AND v.key_version < :current "
        "AND v.entry_id IN (SELECT id FROM entries WHERE section_id = :s)"
    )
    .bindparams(
        bindparam("d", type_=Uuid()),
        bindparam("s", type_=Uuid()),
        bindparam("current", type_=Integer()),
    )
    .columns(id=Uuid())
)
_ROWS = (
    text(
        "SELECT id, entry_id, version, key_version, title_sealed, body_sealed "
        "FROM entry_versions WHERE id IN :ids"
    )
    .bindparams(bindparam("ids", type_=Uuid(), expanding=True))
    .columns(
        id=Uuid(),
        entry_id=Uuid(),
        version=Integer(),
        key_version=Integer(),
        title_sealed=LargeBinary(),
        body_sealed=LargeBinary(),
    )
)
_RESEALED = text(
    "UPDATE entry_versions SET title_sealed = :title, body_sealed = :body, key_version = :current "
    "WHERE id = :id"
).bindparams(
    bindparam("id", type_=Uuid()),
    bindparam("title", type_=LargeBinary()),
    bindparam("body", type_=LargeBinary()),
)


def skeleton_reencrypt(
    connection: Connection,
    dossier_id: uuid.UUID,
    section_id: uuid.UUID,
    old_key: bytes,
    new_key: bytes,
    current: int,
    batch: int = BATCH,
) -> int:
    """Move every entry version of a section to key version `current`: one query for the ids
    of the rows still under an older version, then per batch one query for the rows, open title
    and body under their place, seal them under the new one, and one executemany. Returns the
    rows rewritten."""
    old, new = AESGCM(old_key), AESGCM(new_key)
    ids = (
        connection.execute(_STALE_IDS, {"d": dossier_id, "s": section_id, "current": current})
        .scalars()
        .all()
    )
    for offset in range(0, len(ids), batch):
        rows = connection.execute(_ROWS, {"ids": ids[offset : offset + batch]}).all()
        changes = []
        for row in rows:
            resealed: dict[str, object] = {"id": row.id, "current": current}
            for field, blob in (("title", row.title_sealed), ("body", row.body_sealed)):
                plain = open_content(
                    old,
                    blob,
                    content_aad(
                        field,
                        dossier_id,
                        section_id,
                        "entry",
                        row.entry_id,
                        row.version,
                        row.key_version,
                    ),
                )
                resealed[field] = seal_content(
                    new,
                    plain,
                    content_aad(
                        field,
                        dossier_id,
                        section_id,
                        "entry",
                        row.entry_id,
                        row.version,
                        current,
                    ),
                )
            changes.append(resealed)
        connection.execute(_RESEALED, changes)
    return len(ids)


def _skeleton_per_second(
    ctx: Context, engine: Engine, owner: Actor, dossier_id: uuid.UUID, section_id: uuid.UUID
) -> float:
    """The skeleton on the rows the real re-encryption just rewrote, one key version further."""
    with ctx.unit_of_work() as db:
        version, key = keychain(db, owner, dossier_id).current(section_id)
    start = time.perf_counter()
    with engine.begin() as connection:
        rewritten = skeleton_reencrypt(
            connection, dossier_id, section_id, key, os.urandom(32), version + 1
        )
    seconds = time.perf_counter() - start
    if rewritten != ENTRIES:
        raise RuntimeError(f"the skeleton rewrote {rewritten} rows, not {ENTRIES}")
    return ENTRIES / seconds


def run() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as folder:
        keys_dir = Path(folder) / "keys"
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        migrations.upgrade(engine)
        ctx = Context(
            make_session_factory(engine),
            Settings(
                env="test", database_url="sqlite://", keys_dir=keys_dir, kdf_cost=KdfCost(1, 8, 1)
            ),
        )
        accounts.register(
            ctx,
            accounts.NewAccount("y@bench.nl", PASSWORD, "Y", "youth", birth_date=date(2008, 1, 1)),
        )
        accounts.register(
            ctx,
            accounts.NewAccount(
                "p@bench.nl",
                PASSWORD,
                "P",
                "professional",
                organisation="JT",
                registration_number="123456",
            ),
        )
        accounts.create_staff(ctx, accounts.NewAccount("a@bench.nl", PASSWORD, "A", "admin"))
        accounts.verify_professional(
            ctx, _actor(ctx, "a@bench.nl"), _actor(ctx, "p@bench.nl").user_id
        )
        owner = _actor(ctx, "y@bench.nl")
        dossier = dossiers.create_dossier(ctx, owner, "Y", None, for_self=True)
        care = dossier.sections[1].id
        _fill(ctx, owner, dossier.id, care)
        shared = sharing.share(
            ctx,
            owner,
            dossier.id,
            grantee_email="p@bench.nl",
            section_ids=[care],
            permission="read",
        )
        start = time.perf_counter()
        sharing.revoke(ctx, owner, dossier.id, shared.grant_id)
        wait = time.perf_counter() - start
        total = wait
        while True:
            began = time.perf_counter()
            with ctx.unit_of_work() as db:
                progress = continue_rotation(db, keychain(db, owner, dossier.id))
            total += time.perf_counter() - began
            if progress.remaining == 0:
                break
        skeleton = _skeleton_per_second(ctx, engine, owner, dossier.id, care)
        engine.dispose()
    rate = ENTRIES / total
    baseline = _baseline_per_second()
    return [
        {
            "name": "reencrypt-rate",
            "value": rate,
            "unit": "entries/s",
            "ratio": rate / baseline,
            "baseline_name": "raw AES-GCM",
            "baseline": baseline,
            "entries": ENTRIES,
        },
        {
            "name": "reencrypt-rate-vs-skeleton",
            "value": rate,
            "unit": "entries/s",
            "ratio": rate / skeleton,
            "baseline_name": "a skeleton reading, re-sealing and writing the same rows in batches",
            "baseline": skeleton,
            "target": 0.3,
            "entries": ENTRIES,
        },
        {
            "name": "reencrypt-revoke-wait",
            "value": wait,
            "unit": "s",
            "ratio": wait / (ENTRIES / baseline),
            "baseline_name": "raw AES-GCM for all entries",
            "baseline": ENTRIES / baseline,
            "entries": ENTRIES,
        },
    ]
