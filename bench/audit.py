"""The access log: verifying a million real hash-chained events beside two baselines (a skeleton
verifier that reads the same rows from the same database and recomputes the chains, and raw
SHA-256 over the same bytes in memory), and the auditor's filtered page over them (keyset paging;
p50 latency), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, text

from bench.databases import temporary_postgres
from dossier import migrations
from dossier.actions import Action
from dossier.audit import GENESIS_HASH, Event, Origin, Outcome, chain_for, linked_values, verify
from dossier.db import make_engine, make_session_factory, unit_of_work
from dossier.models import AuditChainHead, AuditEvent

EVENTS = int(os.environ.get("BENCH_AUDIT_EVENTS", "1000000"))
POSTGRES = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get(
    "DOSSIER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ACTIONS = (
    Action.ENTRY_READ,
    Action.ENTRY_LIST,
    Action.DOSSIER_OPEN,
    Action.ENTRY_CREATE,
    Action.ATTACHMENT_READ,
    Action.GRANT_CREATE,
)


def _fill(engine) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """EVENTS real, hash-chained events over 5,000 dossier chains, in bulk: the bytes `append`
    writes, without a transaction per event."""
    actors = [uuid.uuid4() for _ in range(500)]
    dossiers = [uuid.uuid4() for _ in range(5000)]
    heads = {dossier_id: (0, GENESIS_HASH) for dossier_id in dossiers}
    origin = Origin("127.0.0.1", "bench")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    batch = 20000
    with engine.begin() as connection:
        for offset in range(0, EVENTS, batch):
            rows = []
            for number in range(offset, min(offset + batch, EVENTS)):
                dossier_id = dossiers[number % 5000]
                seq, prev = heads[dossier_id]
                row = linked_values(
                    Event(
                        action=ACTIONS[number % len(ACTIONS)],
                        actor_id=actors[number % 500],
                        actor_role="professional",
                        dossier_id=dossier_id,
                        object_type="entry",
                        object_id=str(number),
                        basis="grant:bench",
                        outcome=Outcome.SUCCESS if number % 50 else Outcome.DENIED,
                    ),
                    origin,
                    start + timedelta(seconds=number * 30),
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
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE audit_events"))
    return actors, dossiers


@dataclass(frozen=True)
class Skeleton:
    events: int
    ok: bool
    ends: dict[str, str]  # each chain's recomputed last hash


def skeleton_verify(connection: Connection) -> Skeleton:
    """What any verifier of these chains must do, and nothing more: read every event's stored
    bytes in chain order, recompute SHA-256(previous hash || bytes), compare it with the stored
    hash, and compare each chain's end with its head."""
    rows = connection.exec_driver_sql(
        "SELECT chain, body, hash FROM audit_events ORDER BY chain, seq",
        execution_options={"yield_per": 5000},
    )
    sha256 = hashlib.sha256
    ends: dict[str, str] = {}
    events, ok = 0, True
    chain, previous = None, bytes.fromhex(GENESIS_HASH)
    with rows:
        for name, body, stored in rows:
            if name != chain:
                if chain is not None:
                    ends[chain] = previous.hex()
                chain, previous = name, bytes.fromhex(GENESIS_HASH)
            previous = sha256(previous + body.encode("ascii")).digest()
            if previous.hex() != stored:
                ok = False
            events += 1
    if chain is not None:
        ends[chain] = previous.hex()
    heads = connection.exec_driver_sql("SELECT chain, hash FROM audit_chain_heads WHERE seq > 0")
    ok = {name: digest for name, digest in heads} == ends and ok
    return Skeleton(events, ok, ends)


def _skeleton_seconds(engine: Engine) -> tuple[float, Skeleton]:
    with engine.connect() as connection:
        start = time.perf_counter()
        result = skeleton_verify(connection)
        return time.perf_counter() - start, result


def _verify_figures(engine) -> list[dict[str, object]]:
    factory = make_session_factory(engine)
    before, skeleton = _skeleton_seconds(engine)  # the skeleton runs before and after the real
    with unit_of_work(factory) as db:  # verifier, so neither gets the warmer cache alone
        start = time.perf_counter()
        report = verify(db)
        seconds = time.perf_counter() - start
        bodies = [body.encode() for body in db.scalars(select(AuditEvent.body))]
    after, _ = _skeleton_seconds(engine)
    assert report.ok, report
    assert skeleton.ok and skeleton.events == report.events, skeleton.events
    start = time.perf_counter()
    previous = bytes(32)
    for body in bodies:
        previous = hashlib.sha256(previous + body).digest()
    raw = time.perf_counter() - start
    rate, baseline = report.events / seconds, len(bodies) / raw
    skeleton_rate = skeleton.events / ((before + after) / 2)
    return [
        {
            "name": f"audit-verify-{engine.dialect.name}",
            "value": rate,
            "unit": "events/s",
            "ratio": rate / baseline,
            "baseline_name": "hashlib SHA-256 over the same bytes",
            "baseline": baseline,
            "events": report.events,
        },
        {
            "name": f"audit-verify-vs-skeleton-{engine.dialect.name}",
            "value": rate,
            "unit": "events/s",
            "ratio": rate / skeleton_rate,
            "baseline_name": "a skeleton verifier reading the same rows and hashing them",
            "baseline": skeleton_rate,
            "target": 0.3,
            "events": report.events,
        },
    ]


def _search_figures(engine, actors, dossiers) -> list[dict[str, object]]:
    from dossier.services.audit_views import EventFilters, _after, _cursor, _filtered

    factory = make_session_factory(engine)
    timings: list[float] = []
    baseline_timings: list[float] = []
    with unit_of_work(factory) as db:
        queries = [EventFilters(actor=str(actors[i])) for i in range(0, 500, 50)]
        queries += [EventFilters(dossier_id=dossiers[i]) for i in range(0, 5000, 500)]
        queries += [EventFilters(action=Action.ENTRY_READ, outcome="denied")] * 5
        for filters in queries:
            cursor = None
            for _page in range(5):  # five pages deep, each by keyset
                started = time.perf_counter()
                statement = (
                    _after(_filtered(db, filters), cursor)
                    .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                    .limit(51)
                )
                rows = list(db.scalars(statement))
                timings.append(time.perf_counter() - started)
                if len(rows) < 51:
                    break
                cursor = _cursor(rows[49])
        for _ in range(len(timings)):  # the floor: the newest page with no filter at all
            started = time.perf_counter()
            list(
                db.scalars(
                    select(AuditEvent)
                    .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                    .limit(51)
                )
            )
            baseline_timings.append(time.perf_counter() - started)
    p50 = statistics.median(timings) * 1000
    floor = statistics.median(baseline_timings) * 1000
    return [
        {
            "name": f"audit-search-p50-{engine.dialect.name}",
            "value": p50,
            "unit": "ms",
            "ratio": p50 / floor,
            "baseline_name": "unfiltered newest page",
            "baseline": floor,
            "events": EVENTS,
            "target_ms": 50,
        }
    ]


def _figures(engine) -> list[dict[str, object]]:
    migrations.upgrade(engine)
    actors, dossiers = _fill(engine)
    return _verify_figures(engine) + _search_figures(engine, actors, dossiers)


def run() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'audit.sqlite3'}")
        figures = _figures(engine)
        engine.dispose()
    with temporary_postgres(POSTGRES, "audit") as url:
        engine = make_engine(url)
        try:
            figures += _figures(engine)
        finally:
            engine.dispose()
    return figures
