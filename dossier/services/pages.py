"""Pages as use cases: each reads everything one page shows in one unit of work and writes the
one event that says what was read, so the log says what a person saw, once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Unpack

from dossier.actions import Action
from dossier.models import OWN_STORY, CorrectionStatus, Entry, Relation, Role
from dossier.services import check_ins, emergency, legal_basis
from dossier.services.access_requests import RequestView, request_code, waiting_for
from dossier.services.accounts import Profile, professional_profiles
from dossier.services.approvals import (
    ApproverInfo,
    WhoAgrees,
    approvers_in,
    waiting_count,
    who_must_agree,
)
from dossier.services.audit_views import (
    RecentLook,
    Timeline,
    TimelineFilters,
    lookers_since_last_visit,
    read_timeline,
    recent_looks_in,
)
from dossier.services.content import SignedText
from dossier.services.context import Actor, Context
from dossier.services.dossiers import DossierSummary, described, dossiers_of
from dossier.services.entries.cards import (
    Author,
    CorrectionInfo,
    EntryDetail,
    Filters,
    Page,
    VersionInfo,
)
from dossier.services.entries.corrections import WaitingCorrection, corrections_waiting
from dossier.services.entries.drafts import DraftCard, drafts_of
from dossier.services.entries.reading import (
    entries_and_writers,
    entry_detail,
    list_reason,
    log_entry_read,
    log_history_read,
    versions_of,
)
from dossier.services.notices import NoticeInfo, news_of
from dossier.services.ownership import destruction_counts, who_confirms_destruction
from dossier.services.sharing import (
    AccessOverview,
    GrantInfo,
    OwnerAccess,
    Waiting,
    access_overview,
    grant_info,
    message_of_my_grant,
    owners_of,
    waiting_in,
)
from dossier.services.visits import Visit, visits
from dossier.services.work import dossier_work


@dataclass(frozen=True)
class EntryPage:
    dossier: DossierSummary
    entry: EntryDetail
    drafts: list[DraftCard] = field(default_factory=list)  # a helper's, for owners and him
    may_draft: bool = False  # a trusted helper here: he writes suggestions, not views

    @property
    def open_correction(self) -> CorrectionInfo | None:
        """The request that waits for the author: while it does, nobody is offered a second."""
        return next((c for c in self.entry.corrections if c.status == CorrectionStatus.OPEN), None)

    @property
    def latest_correction(self) -> CorrectionInfo | None:
        """What the top of the page says about corrections: the newest request and its state."""
        return self.entry.corrections[-1] if self.entry.corrections else None

    @property
    def may_ask_correction(self) -> bool:
        return self.entry.can_request_correction and self.open_correction is None


def entry_page(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID, for_edit: bool = False
) -> EntryPage:
    """An entry with its dossier's names around it: one read of the entry, one event."""
    with dossier_work(ctx, actor, dossier_id, Action.ENTRY_READ) as work:
        detail = entry_detail(work, entry_id, for_edit)
        entry = work.db.get(Entry, detail.card.id)
        assert entry is not None
        page = EntryPage(
            described(work.db, work.keys, work.access),
            detail,
            drafts_of(work, entry),
            work.access.can_draft(entry.section_id) and entry.archived_at is None,
        )
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
        # Writers first: their signing keys then serve the names and every card.
        entries_page, writers = entries_and_writers(work, filters)
        summary = described(work.db, work.keys, access)
        work.log(
            Action.DOSSIER_OPEN,
            object_type="dossier",
            object_id=str(dossier_id),
            reason=list_reason(entries_page, filters),
        )
        return DossierPage(
            dossier=summary,
            page=entries_page,
            authors=writers,
            new_lookers=lookers_since_last_visit(work.db, actor.user_id, dossier_id)
            if access.is_owner
            else [],
            message=None if access.is_owner else message_of_my_grant(work.db, ctx, access),
        )


@dataclass(frozen=True)
class StartPage:
    dossiers: list[DossierSummary]
    waiting_professionals: list[Profile]
    corrections: list[WaitingCorrection]
    approvals: list[Waiting]
    recent_looks: list[RecentLook]
    notices: list[NoticeInfo]  # newest first; `read` says whether it was seen before this visit
    requests: int  # sharings that wait for this person as approver
    # emergency requests that wait for this officer's yes; None for someone who is no officer
    emergencies: int | None = None
    # "Do you feel heard?", after a moment that mattered; None when there is nothing to ask
    check_in: check_ins.Question | None = None


LISTS_DOSSIERS = (Role.YOUTH, Role.PARENT, Role.PROFESSIONAL)
SEES_WHO_LOOKED = (Role.YOUTH, Role.PARENT)


def start_page(ctx: Context, actor: Actor) -> StartPage:
    """Everything on the start page in one unit of work. Each listed dossier's name is opened,
    so each writes one `dossier.list` event in its own chain: the owner of every dossier in the
    list sees in "Who looked?" that this person saw it there. Nothing else here opens a dossier:
    the news names dossiers and sections from that list. The news shown counts as seen."""
    with ctx.unit_of_work() as db:
        return StartPage(
            dossiers=dossiers_of(db, ctx, actor) if actor.role in LISTS_DOSSIERS else [],
            waiting_professionals=[p for p in professional_profiles(db) if not p.verified]
            if actor.role == Role.ADMIN
            else [],
            corrections=corrections_waiting(db, actor),
            approvals=waiting_in(db, ctx, actor),
            recent_looks=recent_looks_in(db, actor) if actor.role in SEES_WHO_LOOKED else [],
            notices=news_of(db, actor, ctx.now()),
            requests=waiting_count(db, ctx, actor),
            emergencies=emergency.officer_waiting(db, actor, ctx.now()),
            check_in=check_ins.due(db, ctx, actor),
        )


@dataclass(frozen=True)
class AccessPage:
    dossier: DossierSummary
    overview: AccessOverview
    approvers: list[ApproverInfo]
    who_agrees: WhoAgrees
    requests: list[RequestView]  # requests to look, waiting for an answer
    request_code: str | None  # the code to give someone who should ask; None until made
    # access that emergency officers opened without the owners, newest first
    emergencies: list[emergency.RequestView] = field(default_factory=list)
    # access the law gives, recorded by officers: told to the owners, not asked
    legal: list[legal_basis.LegalView] = field(default_factory=list)


def access_page(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> AccessPage:
    """The page "Who may look?": owners, grants and changes that wait. One read, one `grant.list`
    event, and nothing settled while someone only looks: re-encryption still due is counted."""
    with dossier_work(ctx, actor, dossier_id, Action.GRANT_LIST) as work:
        work.require_owner(Action.GRANT_LIST)
        access = work.access
        page = AccessPage(
            described(work.db, work.keys, access),
            access_overview(work.db, ctx, access),
            approvers_in(work.db, ctx, access),
            who_must_agree(ctx, access.dossier.subject_birth_date, access.relation),
            waiting_for(work.db, ctx, access),
            request_code(work.db, dossier_id),
            emergency.on_dossier(work.db, dossier_id, ctx.now()),
            legal_basis.on_dossier(work.db, dossier_id, ctx.now()),
        )
        work.log(Action.GRANT_LIST, object_type="dossier", object_id=str(dossier_id))
        return page


@dataclass(frozen=True)
class RemoveOwnerPage:
    dossier: DossierSummary
    owner: OwnerAccess | None  # None: not someone this actor can take away as owner
    myself: bool


def remove_owner_page(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, user_id: uuid.UUID
) -> RemoveOwnerPage:
    """The question before an owner is taken away (or steps down): one read of who owns the
    dossier, logged as one `grant.list` event about that person."""
    with dossier_work(ctx, actor, dossier_id, Action.GRANT_LIST) as work:
        work.require_owner(Action.GRANT_LIST)
        owner = next(
            (
                o
                for o in owners_of(work.db, ctx, work.access)
                if o.person.id == user_id and o.can_remove
            ),
            None,
        )
        page = RemoveOwnerPage(
            described(work.db, work.keys, work.access), owner, user_id == actor.user_id
        )
        work.log(Action.GRANT_LIST, object_type="user", object_id=str(user_id))
        return page


@dataclass(frozen=True)
class DestroyPage:
    dossier: DossierSummary
    preview: dict[str, int]
    confirmers: str


def destroy_page(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> DestroyPage:
    """The confirmation before destruction: what would go and who must confirm. The dossier's
    names are read, so one `dossier.open` event, as on the other pages that manage it."""
    with dossier_work(ctx, actor, dossier_id, Action.DOSSIER_OPEN) as work:
        work.require_owner(Action.DOSSIER_MANAGE)
        summary = described(work.db, work.keys, work.access)
        page = DestroyPage(
            summary,
            destruction_counts(work.db, dossier_id),
            who_confirms_destruction(ctx, summary.subject_birth_date),
        )
        work.log(Action.DOSSIER_OPEN, object_type="dossier", object_id=str(dossier_id))
        return page


@dataclass(frozen=True)
class ManagePage:
    dossier: DossierSummary


def manage_page(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> ManagePage:
    """ "Dossier beheren": what an owner does now and then (sections, inviting an owner,
    downloading, destroying) kept off the page she opens every day. The names are read, so one
    `dossier.open` event, as on the other pages that manage the dossier."""
    with dossier_work(ctx, actor, dossier_id, Action.DOSSIER_OPEN) as work:
        work.require_owner(Action.DOSSIER_MANAGE)
        summary = described(work.db, work.keys, work.access)
        work.log(Action.DOSSIER_OPEN, object_type="dossier", object_id=str(dossier_id))
        return ManagePage(summary)


@dataclass(frozen=True)
class WritePage:
    dossier: DossierSummary
    writable: list[uuid.UUID]  # sections a new entry may go in, in their order
    # Where the form starts: the young person's own story only for herself; anyone else starts
    # in a section shared with them, or chooses (None) when her story is all they may write in.
    default_section: uuid.UUID | None

    def starts_in(self, requested: uuid.UUID | None) -> uuid.UUID | None:
        """The section the form shows first: the one asked for (the tab she came from) when it
        may be a default, else the page's own default."""
        if requested in _defaults(self.dossier, self.writable):
            return requested
        return self.default_section


def write_page(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> WritePage:
    """The form for a new entry: the sections this person may write in, and where it starts.
    Refused when there are none; otherwise one `dossier.open` event for the names it shows."""
    with dossier_work(ctx, actor, dossier_id, Action.ENTRY_CREATE) as work:
        summary = described(work.db, work.keys, work.access)
        writable = [
            section.id
            for section in summary.sections
            if not section.archived and work.access.can_write_entries(section.id)
        ]
        if not work.access.may_write_entries or not writable:
            raise work.refuse(Action.ENTRY_CREATE, "may not write entries")
        work.log(Action.DOSSIER_OPEN, object_type="dossier", object_id=str(dossier_id))
        return WritePage(summary, writable, _first_section(summary, writable))


def _defaults(summary: DossierSummary, writable: list[uuid.UUID]) -> list[uuid.UUID]:
    """The sections a new entry may start in: any for the young person herself, and for
    everyone else any but her own story."""
    if summary.my_relation == Relation.SUBJECT:
        return writable
    own_story = {s.id for s in summary.sections if s.default_name == OWN_STORY}
    return [s for s in writable if s not in own_story]


def _first_section(summary: DossierSummary, writable: list[uuid.UUID]) -> uuid.UUID | None:
    return next(iter(_defaults(summary, writable)), None)


@dataclass(frozen=True)
class LogPage:
    dossier: DossierSummary
    log: Timeline
    visits: list[Visit]  # the log's events told as one line per visit, newest first


def log_page(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, **filters: Unpack[TimelineFilters]
) -> LogPage:
    """The owner's page "Who looked?": one read of the dossier's log, one `audit.timeline`
    event."""
    with dossier_work(ctx, actor, dossier_id, Action.AUDIT_TIMELINE) as work:
        log = read_timeline(work, **filters)
        return LogPage(
            described(work.db, work.keys, work.access),
            log,
            visits(log.items, me=actor.user_id),
        )
