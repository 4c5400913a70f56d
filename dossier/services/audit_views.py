"""Reading the access log: the owner's timeline in plain words, and the auditor's console.

Auditors see who did what, when and on what basis, never content or titles. Owners see titles of
what was read in their own dossier, opened with their own keys.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict, Unpack

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from dossier import audit
from dossier.actions import READS, Action
from dossier.audit import Event, Outcome, append
from dossier.errors import N_, InvalidInput
from dossier.models import (
    AuditCheckpoint,
    AuditEvent,
    DossierOwner,
    Entry,
    EntryVersion,
    Grant,
    GrantBasis,
    User,
)
from dossier.services import paging
from dossier.services.access import Access
from dossier.services.content import Untrusted
from dossier.services.context import Actor, Context, require_auditor
from dossier.services.entries.sealing import open_version
from dossier.services.keychain import KeyChain
from dossier.services.visits import TimelineItem
from dossier.services.work import DossierWork, dossier_work

OUTCOMES = tuple(str(outcome) for outcome in Outcome)
EXPORT_FIELDS = (
    "at",
    "chain",
    "seq",
    "actor_id",
    "actor_name",
    "actor_role",
    "on_behalf_of",
    "action",
    "what",  # the action in plain words, beside its code
    "dossier_id",
    "object_type",
    "object_id",
    "outcome",
    "reason",
    "basis",
    "client_address",
    "request_id",
    "hash",
)


@dataclass(frozen=True)
class EventRow:
    """One line of the log as an auditor sees it: no content, no titles."""

    id: uuid.UUID
    at: datetime
    chain: str
    seq: int
    actor_id: uuid.UUID | None
    actor_name: str | None
    actor_role: str | None
    on_behalf_of: uuid.UUID | None
    action: str
    dossier_id: uuid.UUID | None
    object_type: str | None
    object_id: str | None
    outcome: str
    reason: str | None
    basis: str | None
    client_address: str | None
    request_id: str | None
    hash: str


@dataclass(frozen=True)
class EventPage:
    items: list[EventRow]
    next_cursor: str | None


@dataclass(frozen=True)
class EventFilters:
    dossier_id: uuid.UUID | None = None
    actor: str | None = None  # an id, or part of a name or e-mail address
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    cursor: str | None = None
    limit: int = paging.PAGE_DEFAULT


@dataclass(frozen=True)
class Timeline:
    items: list[TimelineItem]
    next_cursor: str | None
    people: list[tuple[uuid.UUID, str]]


@dataclass(frozen=True)
class CheckpointInfo:
    number: int
    created_at: datetime
    merkle_root: str
    hash: str
    public_key: str
    signature: str
    body: str


# --- paging -------------------------------------------------------------------------------------


def _cursor(row: AuditEvent) -> str:
    return paging.encode(row.at, row.id)


def _after(statement: Select[AuditEvent], cursor: str | None) -> Select[AuditEvent]:
    if not cursor:
        return statement
    at, event_id = paging.decode(cursor)
    # Keyset paging on (at, id): the index serves every page at the same cost, however deep.
    return statement.where(
        (AuditEvent.at < at) | ((AuditEvent.at == at) & (AuditEvent.id < event_id))
    )


def _names(db: Session, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, User]:
    wanted = [i for i in ids if i is not None]
    return (
        {user.id: user for user in db.scalars(select(User).where(User.id.in_(wanted)))}
        if wanted
        else {}
    )


# --- the auditor's console ----------------------------------------------------------------------


def _filtered(db: Session, filters: EventFilters) -> Select[AuditEvent]:
    statement = select(AuditEvent)
    if filters.dossier_id is not None:
        statement = statement.where(AuditEvent.dossier_id == filters.dossier_id)
    if filters.actor:
        try:
            statement = statement.where(AuditEvent.actor_id == uuid.UUID(filters.actor))
        except ValueError:
            pattern = f"%{filters.actor.strip().lower()}%"
            matching = select(User.id).where(
                User.email.ilike(pattern) | User.display_name.ilike(pattern)
            )
            statement = statement.where(AuditEvent.actor_id.in_(matching))
    if filters.action:
        if Action.of(filters.action) is None:
            raise InvalidInput({"action": [N_("Choose an action from the list.")]})
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.outcome:
        if filters.outcome not in tuple(Outcome):
            raise InvalidInput({"outcome": [N_("Choose success, denied or error.")]})
        statement = statement.where(AuditEvent.outcome == filters.outcome)
    if filters.since is not None:
        statement = statement.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        statement = statement.where(AuditEvent.at < filters.until)
    return statement


def _row(event: AuditEvent, people: dict[uuid.UUID, User]) -> EventRow:
    person = people.get(event.actor_id) if event.actor_id else None
    return EventRow(
        id=event.id,
        at=event.at,
        chain=event.chain,
        seq=event.seq,
        actor_id=event.actor_id,
        actor_name=person.display_name if person else None,
        actor_role=event.actor_role,
        on_behalf_of=event.on_behalf_of,
        action=event.action,
        dossier_id=event.dossier_id,
        object_type=event.object_type,
        object_id=event.object_id,
        outcome=event.outcome,
        reason=event.reason,
        basis=event.basis,
        client_address=event.client_address,
        request_id=event.request_id,
        hash=event.hash,
    )


def search(ctx: Context, actor: Actor, filters: EventFilters) -> EventPage:
    """Newest first, keyset-paged, across every dossier."""
    with ctx.unit_of_work() as db:
        return _search(db, ctx, actor, filters)


def _search(db: Session, ctx: Context, actor: Actor, filters: EventFilters) -> EventPage:
    require_auditor(actor, Action.AUDIT_SEARCH)
    limit = paging.checked_limit(filters.limit)
    statement = _after(_filtered(db, filters), filters.cursor)
    rows = list(
        db.scalars(statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit + 1))
    )
    people = _names(db, {row.actor_id for row in rows})
    append(
        db,
        Event(
            action=Action.AUDIT_SEARCH,
            actor_id=actor.user_id,
            actor_role=actor.role,
            basis="auditor role",
            reason=f"{min(len(rows), limit)} events",
        ),
        ctx.origin,
        ctx.now(),
    )
    next_cursor = _cursor(rows[limit - 1]) if len(rows) > limit else None
    return EventPage([_row(row, people) for row in rows[:limit]], next_cursor)


@dataclass(frozen=True)
class Console:
    page: EventPage
    checkpoints: list[CheckpointInfo]  # the latest few, newest last


def console(ctx: Context, actor: Actor, filters: EventFilters, checkpoints: int = 3) -> Console:
    """The auditor's page: a search and the latest checkpoints, one read and one event."""
    with ctx.unit_of_work() as db:
        page = _search(db, ctx, actor, filters)
        return Console(page, _checkpoint_infos(db)[-checkpoints:])


def export(
    ctx: Context,
    actor: Actor | None,
    filters: EventFilters,
    fmt: str,
    say: Callable[[str], str] = str,
) -> bytes:
    """Every matching event, oldest first, as CSV or JSON. `actor` None: the operator's CLI.
    `say` translates the English words of each action for the reader (the pages' language)."""
    if fmt not in ("csv", "json"):
        raise InvalidInput({"format": [N_("Choose csv or json.")]})
    with ctx.unit_of_work() as db:
        if actor is not None:
            require_auditor(actor, Action.AUDIT_EXPORT)
        rows = list(db.scalars(_filtered(db, filters).order_by(AuditEvent.at, AuditEvent.id)))
        people = _names(db, {row.actor_id for row in rows})
        records = [_row(row, people) for row in rows]
        append(
            db,
            Event(
                action=Action.AUDIT_EXPORT,
                actor_id=actor.user_id if actor else None,
                actor_role=actor.role if actor else "operator",
                basis="auditor role" if actor else "command line",
                reason=f"{len(records)} events, {fmt}",
            ),
            ctx.origin,
            ctx.now(),
        )
    return render_export(records, fmt, say)


# OWASP, CSV injection: a spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str | None) -> str | None:
    """A cell a spreadsheet shows as text, never runs. Names and reasons come from people, and
    an auditor opens the CSV in Excel; the JSON export keeps every value exactly."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _words(code: str, say: Callable[[str], str]) -> str:
    action = Action.of(code)
    return say(action.label) if action else code


def render_export(records: list[EventRow], fmt: str, say: Callable[[str], str] = str) -> bytes:
    plain = [
        {
            name: (None if getattr(r, name, None) is None else str(getattr(r, name)))
            for name in EXPORT_FIELDS
        }
        for r in records
    ]
    for item, record in zip(plain, records, strict=True):
        item["at"] = record.at.isoformat()
        item["what"] = _words(record.action, say)
    if fmt == "json":
        return json.dumps(plain, ensure_ascii=False, indent=1).encode()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    writer.writerows(
        {name: spreadsheet_safe(value) for name, value in row.items()} for row in plain
    )
    return buffer.getvalue().encode()


@dataclass(frozen=True)
class VerificationState:
    report: audit.Report
    last_checkpoint_at: datetime | None


def verify_now(ctx: Context, actor: Actor | None) -> VerificationState:
    """Recompute every chain and checkpoint. `actor` None: the operator, from the command line."""
    with ctx.unit_of_work() as db:
        if actor is not None:
            require_auditor(actor, Action.AUDIT_VERIFY)
        public = ctx.audit_key.public_key().public_bytes_raw() if ctx.audit_key else None
        report = audit.verify(db, public)
        last = db.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.number.desc()).limit(1))
        append(
            db,
            Event(
                action=Action.AUDIT_VERIFY,
                actor_id=actor.user_id if actor else None,
                actor_role=actor.role if actor else "operator",
                outcome=Outcome.SUCCESS if report.ok else Outcome.ERROR,
                basis="auditor role" if actor else "command line",
                reason=(
                    "intact"
                    if report.first_broken is None
                    else f"broken at {report.first_broken.chain}"
                ),
            ),
            ctx.origin,
            ctx.now(),
        )
        return VerificationState(report, last.created_at if last else None)


def checkpoint(ctx: Context) -> CheckpointInfo:
    """A signed checkpoint now. Needs the server's audit key."""
    if ctx.audit_key is None:
        raise RuntimeError("the audit signing key is not loaded")
    with ctx.unit_of_work() as db:
        row = audit.make_checkpoint(db, ctx.audit_key, ctx.now())
        return CheckpointInfo(
            row.number,
            row.created_at,
            row.merkle_root,
            row.hash,
            row.public_key,
            row.signature,
            row.body,
        )


def checkpoint_if_due(ctx: Context) -> CheckpointInfo | None:
    """Every N events or M minutes, whichever comes first."""
    with ctx.unit_of_work() as db:
        last = db.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.number.desc()).limit(1))
        pending = audit.events_since_checkpoint(db)
        stale = last is None or ctx.now() - last.created_at >= timedelta(
            minutes=ctx.settings.checkpoint_every_minutes
        )
    if pending and (pending >= ctx.settings.checkpoint_every_events or stale):
        return checkpoint(ctx)
    return None


def auditor_checkpoints(ctx: Context, actor: Actor) -> list[CheckpointInfo]:
    """Every checkpoint, for an auditor to keep copies outside the database. No event of its
    own: a checkpoint is a signed public statement, and holds nothing of any dossier."""
    with ctx.unit_of_work() as db:
        require_auditor(actor, Action.AUDIT_CHECKPOINTS)
        return _checkpoint_infos(db)


def checkpoints(ctx: Context) -> list[CheckpointInfo]:
    """Every checkpoint, to keep copies outside the database."""
    with ctx.unit_of_work() as db:
        return _checkpoint_infos(db)


def _checkpoint_infos(db: Session) -> list[CheckpointInfo]:
    return [
        CheckpointInfo(
            r.number, r.created_at, r.merkle_root, r.hash, r.public_key, r.signature, r.body
        )
        for r in db.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.number))
    ]


# --- the owner's timeline -----------------------------------------------------------------------


@dataclass(frozen=True)
class _EntryName:
    title: str | None
    section_id: uuid.UUID | None


def _entry_name(
    db: Session, keys: KeyChain, entry_id: str | None, cache: dict[str, _EntryName]
) -> _EntryName:
    """The entry's title as it reads now, and its section; nothing for an entry that is gone."""
    if entry_id is None:
        return _EntryName(None, None)
    if entry_id not in cache:
        title = None
        try:
            entry = db.get(Entry, uuid.UUID(entry_id))
        except ValueError:
            entry = None
        if entry is not None:
            version = db.scalar(
                select(EntryVersion).where(
                    EntryVersion.entry_id == entry.id, EntryVersion.version == entry.current_version
                )
            )
            try:
                title = open_version(db, keys, entry, version)[0] if version else None
            except Untrusted:
                title = None
        cache[entry_id] = _EntryName(title, entry.section_id if entry is not None else None)
    return cache[entry_id]


class TimelineFilters(TypedDict, total=False):
    """What an owner narrows "Who looked?" to; the same for the page and the API."""

    person: uuid.UUID | None
    since: datetime | None
    until: datetime | None
    cursor: str | None
    limit: int
    reads_only: bool
    others_only: bool  # leave out what the owner reading the log did herself


def timeline(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, **filters: Unpack[TimelineFilters]
) -> Timeline:
    """Who looked at my dossier, newest first, in words a person can read. Owners only."""
    with dossier_work(ctx, actor, dossier_id, Action.AUDIT_TIMELINE) as work:
        return read_timeline(work, **filters)


def read_timeline(work: DossierWork, **filters: Unpack[TimelineFilters]) -> Timeline:
    """The dossier's log as its owner reads it, inside the caller's unit of work, with the one
    `audit.timeline` event that says it was read."""
    work.require_owner(Action.AUDIT_TIMELINE)
    log = timeline_of(work.db, work.keys, work.access, **filters)
    work.log(Action.AUDIT_TIMELINE, object_type="dossier", object_id=str(work.access.dossier.id))
    return log


MARKED_BASES = (GrantBasis.EMERGENCY, GrantBasis.LEGAL)


def _marked_grants(db: Session, grant_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Which of these grants owners did not give (an emergency, the law), with that basis:
    reads under them say so in "Who looked?"."""
    if not grant_ids:
        return {}
    return {
        grant_id: str(basis)
        for grant_id, basis in db.execute(
            select(Grant.id, Grant.basis).where(
                Grant.id.in_(grant_ids), Grant.basis.in_(MARKED_BASES)
            )
        )
    }


def _grant_of(basis: str | None) -> uuid.UUID | None:
    """The grant a read was done under: the log's basis says `grant:<id>`."""
    if not basis or not basis.startswith("grant:"):
        return None
    try:
        return uuid.UUID(basis.removeprefix("grant:"))
    except ValueError:
        return None


def timeline_of(
    db: Session,
    keys: KeyChain,
    access: Access,
    *,
    person: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = paging.PAGE_DEFAULT,
    reads_only: bool = False,
    others_only: bool = False,
) -> Timeline:
    """`timeline`, read inside the caller's unit of work (which logs it). A person asked for
    by name is shown even when it is the reader herself."""
    dossier_id = access.dossier.id
    limit = paging.checked_limit(limit)
    statement = select(AuditEvent).where(
        AuditEvent.dossier_id == dossier_id, AuditEvent.actor_id.is_not(None)
    )
    if person is not None:
        statement = statement.where(AuditEvent.actor_id == person)
    elif others_only:
        statement = statement.where(AuditEvent.actor_id != access.actor.user_id)
    if since is not None:
        statement = statement.where(AuditEvent.at >= since)
    if until is not None:
        statement = statement.where(AuditEvent.at < until)
    if reads_only:
        statement = statement.where(
            AuditEvent.action.in_(READS), AuditEvent.outcome == Outcome.SUCCESS
        )
    rows = list(
        db.scalars(
            _after(statement, cursor)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit + 1)
        )
    )
    everyone = set(
        db.scalars(
            select(AuditEvent.actor_id).where(AuditEvent.dossier_id == dossier_id).distinct()
        )
    )
    people = _names(db, {row.actor_id for row in rows} | everyone)
    names: dict[str, _EntryName] = {}
    by_grant = {row.id: _grant_of(row.basis) for row in rows[:limit]}
    marked = _marked_grants(db, {g for g in by_grant.values() if g is not None})
    items = []
    for row in rows[:limit]:
        grant_id = by_grant[row.id]
        user = people.get(row.actor_id) if row.actor_id else None
        entry = (
            _entry_name(db, keys, row.object_id, names)
            if row.object_type == "entry"
            else _EntryName(None, None)
        )
        items.append(
            TimelineItem(
                row.at,
                row.actor_id,
                user.display_name if user else "?",
                row.actor_role,
                user.organisation if user else None,
                row.action,
                row.object_type,
                row.object_id,
                entry.title,
                row.outcome,
                entry.section_id,
                marked.get(grant_id) if grant_id else None,
            )
        )
    listed = sorted(
        ((uid, user.display_name) for uid, user in people.items() if uid in everyone),
        key=lambda pair: pair[1].casefold(),
    )
    return Timeline(items, _cursor(rows[limit - 1]) if len(rows) > limit else None, listed)


def new_lookers(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> list[str]:
    """Everyone but this owner who read something since her previous visit: a co-owner (her
    mother) looking is looking too."""
    with ctx.unit_of_work() as db:
        return lookers_since_last_visit(db, actor.user_id, dossier_id)


# The owner's visit before this one: the newest `dossier.open` is the one just logged. Its own
# alias of the log, asked once for the whole statement.
_VISIT = aliased(AuditEvent)
_PREVIOUS_VISIT = (
    select(_VISIT.at)
    .where(
        _VISIT.dossier_id == bindparam("dossier_id"),
        _VISIT.actor_id == bindparam("user_id"),
        _VISIT.action == Action.DOSSIER_OPEN,
        _VISIT.outcome == Outcome.SUCCESS,
    )
    .order_by(_VISIT.at.desc())
    .limit(1)
    .offset(1)
    .correlate(None)
    .scalar_subquery()
)
_LOOKERS_SINCE_PREVIOUS_VISIT = (
    select(User.id, User.display_name)
    .join(AuditEvent, AuditEvent.actor_id == User.id)
    .where(
        AuditEvent.dossier_id == bindparam("dossier_id"),
        AuditEvent.at > _PREVIOUS_VISIT,
        AuditEvent.action.in_(READS),
        AuditEvent.outcome == Outcome.SUCCESS,
        AuditEvent.actor_id != bindparam("user_id"),
    )
    .distinct()
)


def lookers_since_last_visit(db: Session, user_id: uuid.UUID, dossier_id: uuid.UUID) -> list[str]:
    """Inside the caller's unit of work, after it logged this visit's `dossier.open`; nobody
    on a first visit."""
    rows = db.execute(_LOOKERS_SINCE_PREVIOUS_VISIT, {"dossier_id": dossier_id, "user_id": user_id})
    return sorted(name for _, name in rows)


@dataclass(frozen=True)
class RecentLook:
    dossier_id: uuid.UUID
    name: str
    at: datetime


def recent_looks(ctx: Context, actor: Actor, limit: int = 5) -> list[RecentLook]:
    """For the start page: the latest reads by anyone but this person (her co-owners too) in
    the dossiers she owns."""
    with ctx.unit_of_work() as db:
        return recent_looks_in(db, actor, limit)


def recent_looks_in(db: Session, actor: Actor, limit: int = 5) -> list[RecentLook]:
    """`recent_looks`, inside the caller's unit of work (the start page's). Only who and when,
    from the log: nothing of a dossier is opened, so nothing is logged."""
    owned = select(DossierOwner.dossier_id).where(DossierOwner.user_id == actor.user_id)
    rows = db.execute(
        select(AuditEvent.dossier_id, AuditEvent.actor_id, func.max(AuditEvent.at))
        .where(
            AuditEvent.dossier_id.in_(owned),
            AuditEvent.action.in_(READS),
            AuditEvent.outcome == Outcome.SUCCESS,
            AuditEvent.actor_id != actor.user_id,
        )
        .group_by(AuditEvent.dossier_id, AuditEvent.actor_id)
        .order_by(func.max(AuditEvent.at).desc())
        .limit(limit)
    ).all()
    people = _names(db, {actor_id for _d, actor_id, _at in rows})
    return [
        RecentLook(dossier_id, people[actor_id].display_name if actor_id in people else "?", at)
        for dossier_id, actor_id, at in rows
        if dossier_id is not None  # always so (owned dossiers only); the column is nullable
    ]
