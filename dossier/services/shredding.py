"""A destroyed dossier's secret that was not deleted when the destruction committed (its store
was out of reach for a moment, which a database can be where a file hardly ever is) is deleted
by the worker's next ticks.

Which dossiers were destroyed is read from the destruction's own event in the access log, which
stays, and never from a dossier row that is missing: a main database restored from an old
backup, or named by mistake, must not shred the secrets of dossiers that exist.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from dossier.actions import Action
from dossier.audit import Outcome
from dossier.models import AuditEvent
from dossier.secret_store import open_store
from dossier.services.context import Context

log = logging.getLogger(__name__)
# Back as far as a store or the worker may have been out of reach; the search runs on the log's
# index by action and time, and destructions are rare.
LOOK_BACK = timedelta(days=30)


def shred_left_behind(ctx: Context, look_back: timedelta = LOOK_BACK) -> int:
    """Delete what is left of the secrets of dossiers destroyed in the last `look_back`; how
    many there were (normally none)."""
    with ctx.reading() as db:
        destroyed = db.scalars(
            select(AuditEvent.dossier_id)
            .where(
                AuditEvent.at >= ctx.now() - look_back,
                AuditEvent.action == Action.DOSSIER_DESTROY.value,
                AuditEvent.outcome == Outcome.SUCCESS.value,
                AuditEvent.dossier_id.is_not(None),
            )
            .distinct()
        ).all()
    store = open_store(ctx.settings)
    shredded = 0
    for dossier_id in destroyed:
        try:
            if dossier_id is not None and store.read(dossier_id) is not None:
                store.destroy(dossier_id)
                shredded += 1
        except Exception:  # out of reach: the others are tried, this one again next tick
            log.warning("dossier secrets' store out of reach; shredding waits for the next tick")
    if shredded:
        log.warning(
            "shredded destroyed dossiers' secrets late", extra={"fields": {"count": shredded}}
        )
    return shredded
