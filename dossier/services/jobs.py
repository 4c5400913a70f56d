"""What `dossier worker` does: jobs from the Redis queue, and the periodic tick.

The tick signs a checkpoint when one is due, ends grants whose date has passed for dossiers
nobody opened, and ends emergency requests that waited too long for officers (deleting the shares
they held). Jobs build their own context from the same settings and keys as the web process.
"""

from __future__ import annotations

import logging
import time
import uuid
from functools import lru_cache

from dossier.audit import Origin
from dossier.config import Settings
from dossier.db import make_engine, make_session_factory
from dossier.errors import AccessDenied
from dossier.keys import load_keys
from dossier.services import (
    audit_views,
    emergency,
    legal_basis,
    lifecycle,
    queue,
    reminders,
    rotation,
    shredding,
)
from dossier.services.context import Context
from dossier.services.mail import Mail, send

log = logging.getLogger(__name__)
ROTATION_BUDGET_SECONDS = 20.0


@lru_cache(maxsize=1)
def worker_context() -> Context:
    """One engine per worker process, shared by the jobs it runs."""
    settings = Settings.from_env()
    server_keys = load_keys(settings.keys_dir)
    return Context(
        sessions=make_session_factory(
            make_engine(settings.database_url, settings.database_timeout_seconds)
        ),
        settings=settings,
        origin=Origin(client_address="worker", request_id=None),
        audit_key=server_keys.audit_signing_key,
        job_key=server_keys.job_key,
    )


def tick(ctx: Context | None = None) -> dict[str, int]:
    """Due checkpoints, ended grants, what time, first looks and the plan's dates tell people
    (`reminders`), and secrets a destruction left behind (`shredding`); with a queue, the next
    tick is put on it too."""
    ctx = ctx or worker_context()
    made = audit_views.checkpoint_if_due(ctx)
    ended = lifecycle.sweep_everywhere(ctx)
    waited = emergency.expire_overdue(ctx) + legal_basis.expire_overdue(ctx)
    told = reminders.remind_everywhere(ctx)
    shredded = shredding.shred_left_behind(ctx)
    if ctx.settings.redis_url:
        schedule_next_tick(ctx.settings.redis_url, ctx.settings.worker_interval_seconds)
    log.info(
        "tick",
        extra={
            "fields": {
                "checkpoint": made.number if made else None,
                "dossiers_swept": ended,
                "notices": told.total,
                "emergencies_ended": waited,
                "secrets_shredded": shredded,
            }
        },
    )
    return {
        "checkpoint": made.number if made else 0,
        "dossiers_swept": ended,
        "notices": told.total,
        "emergencies_ended": waited,
        "secrets_shredded": shredded,
    }


def schedule_next_tick(redis_url: str, interval: int) -> str:
    """The next tick, at the start of the next interval. Named after that moment, so that every
    worker starting at once schedules the same one, and a running tick never replaces itself."""
    now = time.time()
    slot = int(now // interval) + 1
    job_id = f"dossier-tick-{slot}"
    queue.enqueue(redis_url, queue.TICK, delay_seconds=slot * interval - now, job_id=job_id)
    return job_id


def send_mail(mail: Mail) -> None:
    send(worker_context().settings.smtp_url, mail)


def continue_rotation(dossier_id: str, sealed_keys: bytes) -> int:
    """A batch of re-encryption with the keys the owner's request sealed for this job; the job
    puts itself back on the queue until nothing is left. Returns what remains."""
    ctx = worker_context()
    assert ctx.job_key is not None
    keys = rotation.carried_keys(uuid.UUID(dossier_id), sealed_keys, ctx.job_key)
    try:
        with ctx.unit_of_work() as db:
            # rotation.OpensKeys declares dossier_id a settable attribute and CarriedKeys is
            # frozen; continue_rotation only reads it. Goes once OpensKeys declares it read-only.
            progress = rotation.continue_rotation(db, keys, ROTATION_BUDGET_SECONDS)
    except AccessDenied:
        # Rotated again since: a newer job, or the owner's next action, carries on.
        log.info("rotation superseded")
        return 0
    if progress.remaining and ctx.settings.redis_url:
        queue.enqueue(ctx.settings.redis_url, queue.CONTINUE_ROTATION, dossier_id, sealed_keys)
    log.info(
        "rotation",
        extra={"fields": {"rewritten": progress.rewritten, "remaining": progress.remaining}},
    )
    return progress.remaining
