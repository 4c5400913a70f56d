"""Pages as use cases: each reads everything one page shows in one unit of work and writes the
one event that says what was read, so the log says what a person saw, once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dossier.models import Entry
from dossier.services.context import Actor, Context
from dossier.services.dossiers import DossierSummary, described
from dossier.services.entries import (
    EntryDetail,
    VersionInfo,
    entry_detail,
    log_entry_read,
    log_history_read,
    versions_of,
)
from dossier.services.sharing import GrantInfo, grant_info
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


@dataclass(frozen=True)
class HistoryPage:
    dossier: DossierSummary
    entry: EntryDetail
    versions: list[VersionInfo]


def history_page(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID
) -> HistoryPage:
    """Every version of an entry with the entry around it: one read of its history, one event."""
    with dossier_work(ctx, actor, dossier_id, "entry.history") as work:
        detail = entry_detail(work.db, ctx, work.access, work.keys, entry_id)
        entry = work.db.get(Entry, detail.card.id)
        assert entry is not None
        versions = versions_of(work.db, ctx, work.access, work.keys, entry)
        page = HistoryPage(described(work.db, work.keys, work.access), detail, versions)
        log_history_read(work.db, ctx, work.access, entry.id)
        return page


@dataclass(frozen=True)
class RevokePage:
    dossier: DossierSummary
    grant: GrantInfo


def revoke_page(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, grant_id: uuid.UUID
) -> RevokePage:
    """The question before a sharing stops: who, which sections. One read, one event, and no
    re-encryption while someone only looks."""
    with dossier_work(ctx, actor, dossier_id, "grant.list") as work:
        work.require_owner("grant.list")
        page = RevokePage(
            described(work.db, work.keys, work.access),
            grant_info(work.db, ctx, work.access, grant_id),
        )
        work.log("grant.list", object_type="grant", object_id=str(grant_id))
        return page
