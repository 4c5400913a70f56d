"""The client council's page over a year of 10,000 dossiers and a million audit events, beside a
baseline that counts the same rows in SQL (one COUNT per source, no grouping), on SQLite and
PostgreSQL."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, func, insert, select

from bench.databases import temporary_postgres
from dossier import migrations
from dossier.actions import Action
from dossier.audit import (
    ACCOUNT_CHAIN,
    GENESIS_HASH,
    Event,
    Origin,
    Outcome,
    chain_for,
    linked_values,
)
from dossier.config import Settings
from dossier.db import make_engine, make_session_factory, unit_of_work
from dossier.models import AuditChainHead, AuditEvent, CheckIn, PlanMark, Role, User
from dossier.services import council
from dossier.services.context import Actor, Context
from dossier.services.council.counting import FROM_THE_LOG, OWN_WORDS

EVENTS = int(os.environ.get("BENCH_COUNCIL_EVENTS", "1000000"))
DOSSIERS = 10_000
POSTGRES = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get(
    "DOSSIER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
YEAR_START = datetime(2025, 10, 1, tzinfo=UTC)
NOW = datetime(2026, 10, 1, 12, tzinfo=UTC)
# Most of the log is looking; a tenth is what the council counts.
MIX = [
    (Action.ENTRY_READ, Role.PROFESSIONAL),
    (Action.DOSSIER_OPEN, Role.PROFESSIONAL),
    (Action.ENTRY_LIST, Role.YOUTH),
    (Action.ENTRY_READ, Role.YOUTH),
    (Action.DOSSIER_OPEN, Role.PARENT),
    (Action.ENTRY_READ, Role.PARENT),
    (Action.ENTRY_LIST, Role.PROFESSIONAL),
    (Action.ENTRY_READ, Role.PROFESSIONAL),
    (Action.DOSSIER_LIST, Role.YOUTH),
    None,  # one of the counted actions, in turn
]
COUNTED = [
    (Action.ENTRY_CREATE, Role.PROFESSIONAL),
    (Action.PERSPECTIVE_CREATE, Role.YOUTH),
    (Action.ENTRY_CREATE, Role.YOUTH),
    (Action.CORRECTION_CREATE, Role.YOUTH),
    (Action.CORRECTION_ANSWER, Role.PROFESSIONAL),
    (Action.GRANT_CREATE, Role.YOUTH),
    (Action.GRANT_REVOKE, Role.PARENT),
    (Action.DOSSIER_EXPORT, Role.YOUTH),
    (Action.PASSAGE_WITHHOLD, Role.PROFESSIONAL),
]


def _user(number: int, organisation: str) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "email": f"pro{number}@bench.example",
        "display_name": f"Pro {number}",
        "role": Role.PROFESSIONAL,
        "organisation": organisation,
        "verified_at": YEAR_START,
        "created_at": YEAR_START,
        "kdf_salt": bytes(16),
        "kdf_time_cost": 1,
        "kdf_memory_kib": 8,
        "kdf_lanes": 1,
        "auth_verifier": bytes(32),
        "exchange_public_key": bytes(32),
        "signing_public_key": bytes(32),
        "keyring_by_password": b"",
        "keyring_by_recovery": b"",
        "password_changed_at": YEAR_START,
    }


def _fill(engine: Engine) -> None:
    """EVENTS hash-chained events over a year, as `append` writes them, in bulk."""
    professionals = [_user(n, f"Organisatie {n % 8}") for n in range(200)]
    dossiers = [uuid.uuid4() for _ in range(DOSSIERS)]
    heads = {dossier_id: (0, GENESIS_HASH) for dossier_id in dossiers}
    origin = Origin("127.0.0.1", "bench")
    step = (NOW - YEAR_START) / EVENTS
    counted = 0
    with engine.begin() as connection:
        connection.execute(insert(User), professionals)
        for offset in range(0, EVENTS, 20_000):
            rows = []
            for number in range(offset, min(offset + 20_000, EVENTS)):
                action, role = MIX[number % len(MIX)] or COUNTED[counted % len(COUNTED)]
                counted += MIX[number % len(MIX)] is None
                dossier_id = dossiers[(number * 7919) % DOSSIERS]
                actor = professionals[number % 200]["id"] if role == Role.PROFESSIONAL else None
                seq, prev = heads[dossier_id]
                is_correction = action in (Action.CORRECTION_CREATE, Action.CORRECTION_ANSWER)
                row = linked_values(
                    Event(
                        action=action,
                        actor_id=actor or uuid.uuid4(),
                        actor_role=role,
                        dossier_id=dossier_id,
                        object_type="correction" if is_correction else "entry",
                        object_id=f"c{counted // len(COUNTED)}" if is_correction else str(number),
                        reason="corrected" if action == Action.CORRECTION_ANSWER else None,
                        outcome=Outcome.SUCCESS if number % 50 else Outcome.DENIED,
                    ),
                    origin,
                    YEAR_START + step * number,
                    chain_for(dossier_id),
                    seq + 1,
                    prev,
                )
                heads[dossier_id] = (seq + 1, row["hash"])
                rows.append(row)
            connection.execute(insert(AuditEvent), rows)
        connection.execute(
            insert(AuditChainHead),
            [
                {"chain": chain_for(d), "dossier_id": d, "seq": seq, "hash": digest}
                for d, (seq, digest) in heads.items()
            ],
        )
        connection.execute(
            insert(CheckIn),
            [
                {
                    "id": uuid.uuid4(),
                    "month": date(2025 + (9 + n % 12) // 12, (9 + n % 12) % 12 + 1, 1),
                    "role": Role.YOUTH,
                    "moment": "plan",
                    "score": 1 + n % 5,
                    "comment": None,
                }
                for n in range(5_000)
            ],
        )
        if not connection.scalar(select(func.count()).where(AuditChainHead.chain == ACCOUNT_CHAIN)):
            connection.execute(
                insert(AuditChainHead).values(
                    chain=ACCOUNT_CHAIN, dossier_id=None, seq=0, hash=GENESIS_HASH
                )
            )
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE")


def _baseline(engine: Engine) -> None:
    """The same rows counted, without grouping them by month, role or organisation."""
    actions = {action for action, _ in FROM_THE_LOG.values()} | set(OWN_WORDS)
    with unit_of_work(make_session_factory(engine)) as db:
        db.scalar(
            select(func.count()).where(
                AuditEvent.at >= YEAR_START,
                AuditEvent.at < NOW,
                AuditEvent.action.in_(actions),
                AuditEvent.outcome == Outcome.SUCCESS,
            )
        )
        db.scalar(select(func.count()).select_from(CheckIn))
        db.scalar(select(func.count()).select_from(PlanMark))


def _figures(engine: Engine, database_url: str, keys: Path) -> list[dict[str, object]]:
    migrations.upgrade(engine)
    _fill(engine)
    settings = Settings(env="test", database_url=database_url, keys_dir=keys)
    ctx = Context(sessions=make_session_factory(engine), settings=settings, clock=lambda: NOW)
    member = Actor(
        user_id=uuid.uuid4(),
        role=Role.COUNCIL,
        display_name="Raad",
        email="raad@bench.example",
        verified=True,
        session_id=uuid.uuid4(),
        session_kind="web",
        session_secret=b"",
    )
    pages, counts = [], []
    for _ in range(3):  # alternate, so neither gets the warmer cache alone
        started = time.perf_counter()
        page = council.figures_page(ctx, member, "2026-Q3")
        pages.append(time.perf_counter() - started)
        started = time.perf_counter()
        _baseline(engine)
        counts.append(time.perf_counter() - started)
    assert page.topics[0].figures[0].count is not None
    page_s, count_s = statistics.median(pages), statistics.median(counts)
    return [
        {
            "name": f"council-figures-page-{engine.dialect.name}",
            "value": page_s * 1000,
            "unit": "ms",
            "ratio": page_s / count_s,
            "baseline_name": "counting the same rows in SQL, ungrouped",
            "baseline": count_s * 1000,
            "events": EVENTS,
            "dossiers": DOSSIERS,
        }
    ]


def run() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'council.sqlite3'}"
        engine = make_engine(url)
        figures = _figures(engine, url, Path(folder))
        engine.dispose()
        with temporary_postgres(POSTGRES, "council") as pg_url:
            engine = make_engine(pg_url)
            try:
                figures += _figures(engine, pg_url, Path(folder))
            finally:
                engine.dispose()
    return figures
