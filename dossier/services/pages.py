"""Pages as use cases: each reads everything one page shows in one unit of work and writes the
one event that says what was read, so the log says what a person saw, once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dossier.models import Entry
from dossier.services.audit_views import lookers_since_last_visit
from dossier.services.content import SignedText
from dossier.services.context import Actor, Context
from dossier.services.dossiers import DossierSummary, described
from dossier.services.entries import (
    Author,
    EntryDetail,
    Filters,
    Page,
    VersionInfo,
    authors_of,
    entry_detail,
    entry_list,
    list_reason,
    log_entry_read,
    log_history_read,
    versions_of,
)
from dossier.services.sharing import (
    AccessOverview,
    GrantInfo,
    access_overview,
    grant_info,
    message_of_my_grant,
)
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
    with dossier_work(ctx, actor, dossier_id, "dossier.open") as work:
        access = work.access
        summary = described(work.db, work.keys, access)
        entries_page = entry_list(work.db, ctx, access, work.keys, filters)
        work.log(
            "dossier.open",
            object_type="dossier",
            object_id=str(dossier_id),
            reason=list_reason(entries_page, filters),
        )
        return DossierPage(
            dossier=summary,
            page=entries_page,
            authors=authors_of(work.db, access),
            new_lookers=lookers_since_last_visit(work.db, actor.user_id, dossier_id)
            if access.is_owner
            else [],
            message=None if access.is_owner else message_of_my_grant(work.db, ctx, access),
        )


@dataclass(frozen=True)
class AccessPage:
    dossier: DossierSummary
    overview: AccessOverview


def access_page(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> AccessPage:
    """The page "Who may look?": owners, grants and changes that wait. One read, one `grant.list`
    event, and nothing settled while someone only looks: re-encryption still due is counted."""
    with dossier_work(ctx, actor, dossier_id, "grant.list") as work:
        work.require_owner("grant.list")
        page = AccessPage(
            described(work.db, work.keys, work.access),
            access_overview(work.db, ctx, work.access),
        )
        work.log("grant.list", object_type="dossier", object_id=str(dossier_id))
        return page
