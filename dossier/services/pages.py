"""Pages as use cases: each reads everything one page shows in one unit of work and writes the
one event that says what was read, so the log says what a person saw, once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dossier.actions import Action
from dossier.models import Entry
from dossier.services.audit_views import lookers_since_last_visit
from dossier.services.content import SignedText
from dossier.services.context import Actor, Context
from dossier.services.dossiers import DossierSummary, described
from dossier.services.entries.cards import Author, EntryDetail, Filters, Page, VersionInfo
from dossier.services.entries.reading import (
    authors_of,
    entry_detail,
    entry_list,
    list_reason,
    log_entry_read,
    log_history_read,
    versions_of,
)
from dossier.services.sharing import GrantInfo, grant_info, message_of_my_grant
from dossier.services.work import dossier_work


@dataclass(frozen=True)
class EntryPage:
    dossier: DossierSummary
    entry: EntryDetail


def entry_page(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID, for_edit: bool = False
) -> EntryPage:
    """An entry with its dossier's names around it: one read of the entry, one event."""
    with dossier_work(ctx, actor, dossier_id, Action.ENTRY_READ) as work:
        detail = entry_detail(work, entry_id, for_edit)
        page = EntryPage(described(work.db, work.keys, work.access), detail)
        log_entry_read(work, detail)
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
    with dossier_work(ctx, actor, dossier_id, Action.ENTRY_HISTORY) as work:
        detail = entry_detail(work, entry_id)
        entry = work.db.get(Entry, detail.card.id)
        assert entry is not None
        versions = versions_of(work, entry)
        page = HistoryPage(described(work.db, work.keys, work.access), detail, versions)
        log_history_read(work, entry.id)
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
    with dossier_work(ctx, actor, dossier_id, Action.GRANT_LIST) as work:
        work.require_owner(Action.GRANT_LIST)
        page = RevokePage(
            described(work.db, work.keys, work.access),
            grant_info(work.db, ctx, work.access, grant_id),
        )
        work.log(Action.GRANT_LIST, object_type="grant", object_id=str(grant_id))
        return page


@dataclass(frozen=True)
class DossierPage:
    dossier: DossierSummary
    page: Page
    authors: list[Author]
    new_lookers: list[str]
    message: SignedText | None


def dossier_page(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, filters: Filters
) -> DossierPage:
    """The dossier with a page of its entries, who wrote them, who looked since the owner's last
    visit, and a grantee's message: one visit, one `dossier.open` event."""
    with dossier_work(ctx, actor, dossier_id, Action.DOSSIER_OPEN) as work:
        access = work.access
        summary = described(work.db, work.keys, access)
        entries_page = entry_list(work, filters)
        work.log(
            Action.DOSSIER_OPEN,
            object_type="dossier",
            object_id=str(dossier_id),
            reason=list_reason(entries_page, filters),
        )
        return DossierPage(
            dossier=summary,
            page=entries_page,
            authors=authors_of(work),
            new_lookers=lookers_since_last_visit(work.db, actor.user_id, dossier_id)
            if access.is_owner
            else [],
            message=None if access.is_owner else message_of_my_grant(work.db, ctx, access),
        )
