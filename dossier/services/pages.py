"""Pages as use cases: each reads everything one page shows in one unit of work and writes the
one event that says what was read, so the log says what a person saw, once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dossier.services.context import Actor, Context
from dossier.services.dossiers import DossierSummary, described
from dossier.services.entries import EntryDetail, entry_detail, log_entry_read
from dossier.services.work import dossier_work


@dataclass(frozen=True)
class EntryPage:
    dossier: DossierSummary
    entry: EntryDetail


def entry_page(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID, for_edit: bool = False
) -> EntryPage:
    """An entry with its dossier's names around it: one read of the entry, one event."""
    with dossier_work(ctx, actor, dossier_id, "entry.read") as work:
        detail = entry_detail(work.db, ctx, work.access, work.keys, entry_id, for_edit)
        page = EntryPage(described(work.db, work.keys, work.access), detail)
        log_entry_read(work.db, ctx, work.access, detail)
        return page
