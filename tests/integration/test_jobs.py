"""The queue (Redis + RQ): a revocation too large for the owner's request is finished by the
worker with keys that wait on the queue sealed, and nothing of the job stays behind."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import select

from dossier.keys import load_keys
from dossier.models import KeyVersion, RotationDue
from dossier.services import entries, jobs, queue, rotation, sharing
from dossier.services.context import Context
from dossier.services.dossiers import create_dossier
from dossier.services.keychain import keychain
from tests.integration.test_sharing import readable, section
from tests.support import person, years_ago

REDIS_URL = os.environ.get("DOSSIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture
def queued(ctx: Context, keys_dir: Path) -> Iterator[Context]:
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    yield replace(
        ctx,
        settings=ctx.settings.with_overrides(redis_url=REDIS_URL),
        job_key=load_keys(keys_dir).job_key,
    )
    redis.flushdb()
    redis.close()


def test_the_worker_finishes_a_revocation_with_sealed_keys_and_leaves_nothing(
    queued: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    youth = person(queued, "sanne@example.nl", "youth", birth_date=years_ago(queued, 17))
    grandma = person(queued, "oma@example.nl", "parent")
    dossier = create_dossier(queued, youth, "Sanne", None, for_self=True)
    care = section(dossier, "care")
    for number in range(12):
        entries.write_entry(queued, youth, dossier.id, care, f"Bericht {number}", "Tekst", "note")
    shared = sharing.share(
        queued,
        youth,
        dossier.id,
        grantee_email="oma@example.nl",
        section_ids=[care],
        permission="read",
    )
    assert shared.status == "active"

    monkeypatch.setattr(rotation, "DEFAULT_BUDGET_SECONDS", 0.0)  # nothing fits in the request
    assert sharing.revoke(queued, youth, dossier.id, shared.grant_id).remaining > 0
    redis = queue.connection(REDIS_URL)
    waiting = queue.queue(REDIS_URL).jobs
    [job] = [job for job in waiting if job.func_name == queue.CONTINUE_ROTATION]
    stored = b"".join(redis.hgetall(job.key).values())
    with queued.unit_of_work() as db:
        keys = keychain(db, youth, dossier.id)
        plain_keys = [keys.key(care, 1), keys.key(care, 2)]
    for key in plain_keys:
        assert key not in stored and key.hex().encode() not in stored
    # the owner looking at who may look meanwhile neither re-encrypts nor queues more work
    assert sharing.overview(queued, youth, dossier.id).rotation_remaining > 0
    waiting = queue.queue(REDIS_URL).jobs
    assert [j.id for j in waiting if j.func_name == queue.CONTINUE_ROTATION] == [job.id]

    monkeypatch.setattr(jobs, "worker_context", lambda: queued)
    SimpleWorker([queue.QUEUE_NAME], connection=redis).work(burst=True)

    with queued.unit_of_work() as db:
        assert (
            list(db.scalars(select(RotationDue).where(RotationDue.dossier_id == dossier.id))) == []
        )
        left = db.scalars(
            select(KeyVersion.version).where(
                KeyVersion.dossier_id == dossier.id, KeyVersion.scope == str(care)
            )
        )
        assert list(left) == [2]  # every entry moved to the new key; the old one is gone
    page = entries.list_entries(queued, youth, dossier.id, entries.Filters(section_id=care))
    assert len(page.items) == 12 and all(card.trusted for card in page.items)
    assert redis.keys("rq:job:*") == []
    assert not readable(queued, grandma, dossier.id)


def test_the_tick_ends_a_grant_on_its_date_though_nobody_opens_the_dossier(
    ctx: Context, clock, keys_dir: Path
) -> None:
    from sqlalchemy import func

    from dossier.models import AuditCheckpoint, Grant, SealedKey

    youth = person(ctx, "daan@example.nl", "youth", birth_date=years_ago(ctx, 17))
    person(ctx, "oom@example.nl", "parent")
    dossier = create_dossier(ctx, youth, "Daan", None, for_self=True)
    shared = sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email="oom@example.nl",
        section_ids=[section(dossier, "school")],
        permission="read",
        expires_at=ctx.now() + timedelta(days=7),
    )
    ctx = replace(ctx, audit_key=load_keys(keys_dir).audit_signing_key)
    # the first checkpoint is due at once; the week before the end is told to both, once
    assert jobs.tick(ctx) == {
        "checkpoint": 1,
        "dossiers_swept": 0,
        "notices": 2,
        "emergencies_ended": 0,
        "secrets_shredded": 0,
    }
    clock.advance(days=7, seconds=1)
    # nothing new to sign yet
    assert jobs.tick(ctx) == {
        "checkpoint": 0,
        "dossiers_swept": 1,
        "notices": 0,
        "emergencies_ended": 0,
        "secrets_shredded": 0,
    }
    with ctx.unit_of_work() as db:
        grant = db.get(Grant, shared.grant_id)
        assert grant is not None and grant.status == "expired"
        held = db.scalar(
            select(func.count())
            .select_from(SealedKey)
            .where(SealedKey.holder_id == grant.grantee_id)
        )
        assert held == 0
    clock.advance(hours=1)
    # the expiry, signed
    assert jobs.tick(ctx) == {
        "checkpoint": 2,
        "dossiers_swept": 0,
        "notices": 0,
        "emergencies_ended": 0,
        "secrets_shredded": 0,
    }
    with ctx.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(AuditCheckpoint)) == 2


def test_the_tick_keeps_itself_scheduled_one_interval_ahead(
    queued: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rq.registry import ScheduledJobRegistry
    from rq.scheduler import RQScheduler

    redis = queue.connection(REDIS_URL)
    registry = ScheduledJobRegistry(queue.QUEUE_NAME, connection=redis)
    queued = replace(queued, settings=queued.settings.with_overrides(worker_interval_seconds=1))
    monkeypatch.setattr(jobs, "worker_context", lambda: queued)
    # Two workers starting at the same moment: one instant for both, so a tick that takes
    # longer than the machine's spare time cannot carry the second into the next slot.
    moment = time.time()
    monkeypatch.setattr(jobs, "time", SimpleNamespace(time=lambda: moment))
    jobs.tick(queued)
    jobs.tick(queued)  # the second adds nothing
    monkeypatch.undo()
    monkeypatch.setattr(jobs, "worker_context", lambda: queued)
    [first] = registry.get_job_ids()
    assert first.startswith("dossier-tick-")
    time.sleep(1.2)
    scheduler = RQScheduler([queue.QUEUE_NAME], connection=redis)
    assert scheduler.acquire_locks()
    scheduler.enqueue_scheduled_jobs()
    scheduler.release_locks()
    assert registry.get_job_ids() == []
    SimpleWorker([queue.QUEUE_NAME], connection=redis).work(burst=True)
    [following] = registry.get_job_ids()
    assert following != first and redis.exists(f"rq:job:{following}")


def test_a_queue_that_is_down_loses_a_notice_but_never_the_sharing(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    down = replace(ctx, settings=ctx.settings.with_overrides(redis_url="redis://127.0.0.1:1/0"))
    youth = person(down, "sanne@example.nl", "youth", birth_date=years_ago(down, 17))
    person(down, "oma@example.nl", "parent")
    dossier = create_dossier(down, youth, "Sanne", None, for_self=True)
    with caplog.at_level("ERROR"):
        shared = sharing.share(
            down,
            youth,
            dossier.id,
            grantee_email="oma@example.nl",
            section_ids=[section(dossier, "family")],
            permission="read",
        )
    assert shared.status == "active"
    assert [o.status for o in sharing.overview(down, youth, dossier.id).grants] == ["active"]
    assert "mail not delivered" in caplog.text
