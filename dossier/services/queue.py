"""Putting work on the Redis queue (RQ) that `dossier worker` empties. Jobs are named by import
path, so enqueuing needs none of the job code; a job's arguments hold no plaintext content or
key: what must be secret is sealed first (see `rotation.carry_keys`)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

QUEUE_NAME = "dossier"
SEND_MAIL = "dossier.services.jobs.send_mail"
CONTINUE_ROTATION = "dossier.services.jobs.continue_rotation"
TICK = "dossier.services.jobs.tick"
JOB_TIMEOUT_SECONDS = 300
FAILED_KEPT_SECONDS = 24 * 3600


@lru_cache(maxsize=4)
def connection(redis_url: str) -> Any:
    from redis import Redis

    return Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)


def queue(redis_url: str) -> Any:
    from rq import Queue

    return Queue(QUEUE_NAME, connection=connection(redis_url))


def enqueue(
    redis_url: str,
    job: str,
    *args: object,
    delay_seconds: float = 0,
    job_id: str | None = None,
) -> None:
    options: dict[str, Any] = {
        "job_timeout": JOB_TIMEOUT_SECONDS,
        "result_ttl": 0,  # nothing of a finished job stays in Redis
        "failure_ttl": FAILED_KEPT_SECONDS,
        "job_id": job_id,
        "description": job,  # RQ logs the description; by default it shows the arguments
    }
    if delay_seconds:
        queue(redis_url).enqueue_in(timedelta(seconds=delay_seconds), job, *args, **options)
    else:
        queue(redis_url).enqueue(job, *args, **options)
