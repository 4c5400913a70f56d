"""Reading entries: the list, one entry with everything around it, and its history.

Every read of content appends its audit event in the same transaction, so nothing is shown that
was not logged. Content that fails to open or to verify is returned as untrusted, and logged.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Integer, Select, bindparam, exists, func, select

from dossier import crypto
from dossier.actions import Action
from dossier.errors import N_, AccessDenied, InvalidInput
from dossier.models import (
    Attachment,
    CorrectionRequest,
    CorrectionStatus,
    Entry,
    EntryPerspective,
    EntryVersion,
    User,
)
from dossier.services import paging
from dossier.services.content import (
    Untrusted,
    open_text,
)
from dossier.services.content import verify as verify_content
from dossier.services.context import Actor, Context
from dossier.services.entries.cards import (
    KINDS,
    UNTRUSTED_TEXT,
    AttachmentInfo,
    Author,
    CorrectionInfo,
    EntryCard,
    EntryDetail,
    Filters,
    Page,
    VersionInfo,
    ViewCard,
    author_of,
    authors_in,
)
from dossier.services.entries.lookup import (
    correction_refusal,
    current_version,
    entry_in,
    log_untrusted,
)
from dossier.services.entries.sealing import (
    attachment_place,
    correction_text,
    open_title,
    open_version,
    view_place,
)
from dossier.services.entries.withholding import passages_of
from dossier.services.keychain import note_signing_keys, signing_public_key
from dossier.services.work import DossierWork, dossier_work

_CARD_COLUMNS = (  # the dossier's id is known: the statement asks for it
    "id",
    "section_id",
    "author_id",
    "author_role",
    "perspective",
    "kind",
    "current_version",
    "created_at",
    "updated_at",
    "outdated_at",
    "archived_at",
)


class _CurrentVersion(NamedTuple):
    """The columns of an entry's current version that opening and checking it read. A version
    that is missing, or that anyone but the entry's author wrote, has no author here, so it is
    shown as one that cannot be checked."""

    dossier_id: uuid.UUID
    entry_id: uuid.UUID
    version: int
    author_id: uuid.UUID | None
    key_version: int
    title_sealed: bytes
    body_sealed: bytes
    signature: bytes

    @classmethod
    def of(cls, row: Any, dossier_id: uuid.UUID) -> _CurrentVersion:
        return cls(
            dossier_id,
            row.id,
            row.current_version,
            row.author_id if row.by_its_author else None,
            row.key_version,
            row.title_sealed,
            row.body_sealed,
            row.signature,
        )


class ViewCount(NamedTuple):
    """How many views stand beside an entry, and whether the reader wrote one of them."""

    total: int
    mine: bool


def card_for(
    work: DossierWork,
    entry: Entry,
    authors: dict[uuid.UUID, Author],
    version: EntryVersion | None = None,
    views: ViewCount | None = None,
    with_body: bool = True,
) -> tuple[EntryCard, str]:
    """An entry as a list shows it. A list passes what it loaded for all its rows at once, as
    plain rows with the same columns as `Entry` and `EntryVersion`; it asks for the body only
    when it searches, and gets "" otherwise."""
    db = work.db
    version = version or current_version(db, entry)
    try:
        if with_body:
            title, body = open_version(db, work.keys, entry, version)
        else:
            title, body = open_title(db, work.keys, entry, version), ""
        trusted = True
    except Untrusted:
        title, body, trusted = UNTRUSTED_TEXT, "", False
        log_untrusted(work, "entry", entry.id)
    if views is None:
        authors_of_views = list(
            db.scalars(
                select(EntryPerspective.author_id).where(EntryPerspective.entry_id == entry.id)
            )
        )
        views = ViewCount(len(authors_of_views), work.access.actor.user_id in authors_of_views)
    card = EntryCard(
        id=entry.id,
        section_id=entry.section_id,
        kind=entry.kind,
        perspective=entry.perspective,
        author=author_of(db, authors, entry.author_id, entry.author_role),
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        version=entry.current_version,
        title=title,
        trusted=trusted,
        outdated=entry.outdated_at is not None,
        archived=entry.archived_at is not None,
        view_count=views.total,
        has_my_view=views.mine,
    )
    return card, body


def list_entries(ctx: Context, actor: Actor, dossier_id: uuid.UUID, filters: Filters) -> Page:
    """Newest first, paged by cursor. A search opens the texts this actor may read, in memory."""
    with dossier_work(ctx, actor, dossier_id, Action.ENTRY_LIST) as work:
        page = entry_list(work, filters)
        work.log(
            Action.ENTRY_LIST,
            object_type="dossier",
            object_id=str(dossier_id),
            reason=list_reason(page, filters),
        )
        return page


def list_reason(page: Page, filters: Filters) -> str:
    return f"{len(page.items)} entries" + (", search" if (filters.query or "").strip() else "")


class _PageShape(NamedTuple):
    """Which filters a page of entries applies: each shape's statement is built once."""

    granted: bool  # only the sections of a grant
    older: bool
    section: bool
    kind: bool
    author: bool
    has_my_view: bool | None
    cursor: bool
    limited: bool  # a search reads on until it has a page, so it has no limit


@cache
def _page_statement(shape: _PageShape) -> Select[Any]:
    """Each entry with its current version and its views, only the columns a card reads, in one
    statement (building ORM objects, converting columns nobody reads, and building the statement
    itself anew for every request were much of a page's cost)."""
    version = EntryVersion.__table__.c
    mine = exists().where(
        EntryPerspective.entry_id == Entry.id,
        EntryPerspective.author_id == bindparam("actor_id"),
    )
    statement = (
        select(
            *(Entry.__table__.c[name] for name in _CARD_COLUMNS),
            (version.author_id == Entry.author_id).label("by_its_author"),
            version.key_version,
            version.title_sealed,
            version.body_sealed,
            version.signature,
            select(func.count())
            .where(EntryPerspective.entry_id == Entry.id)
            .scalar_subquery()
            .label("view_count"),
            mine.label("has_my_view"),
        )
        .outerjoin(
            EntryVersion,
            (EntryVersion.entry_id == Entry.id) & (EntryVersion.version == Entry.current_version),
        )
        .where(Entry.dossier_id == bindparam("dossier_id"))
    )
    if shape.granted:
        statement = statement.where(Entry.section_id.in_(bindparam("sections", expanding=True)))
    hidden = (Entry.outdated_at.is_not(None)) | (Entry.archived_at.is_not(None))
    statement = statement.where(hidden if shape.older else ~hidden)
    if shape.section:
        statement = statement.where(Entry.section_id == bindparam("section_id"))
    if shape.kind:
        statement = statement.where(Entry.kind == bindparam("kind"))
    if shape.author:
        statement = statement.where(Entry.author_id == bindparam("author_id"))
    if shape.has_my_view is not None:
        statement = statement.where(mine if shape.has_my_view else ~mine)
    if shape.cursor:
        at = bindparam("at", type_=Entry.created_at.type)
        after = bindparam("after", type_=Entry.id.type)
        statement = statement.where(
            (Entry.created_at < at) | ((Entry.created_at == at) & (Entry.id < after))
        )
    statement = statement.order_by(Entry.created_at.desc(), Entry.id.desc())
    if shape.limited:
        statement = statement.limit(bindparam("limit", type_=Integer()))
    return statement


def entry_list(
    work: DossierWork, filters: Filters, authors: dict[uuid.UUID, Author] | None = None
) -> Page:
    """A page of entries, read inside the caller's unit of work (which logs it). `authors`:
    writers the use case already knows by name."""
    db, access = work.db, work.access
    actor = access.actor
    dossier_id = access.dossier.id
    limit = paging.page_size(filters.limit)
    query_text = (filters.query or "").strip().casefold()
    if filters.kind is not None and filters.kind not in KINDS:
        raise InvalidInput({"kind": [N_("Choose one of the kinds in the list.")]})
    cursor = paging.decode(filters.cursor) if filters.cursor else None
    shape = _PageShape(
        granted=access.sections is not None,
        older=bool(filters.older),
        section=filters.section_id is not None,
        kind=filters.kind is not None,
        author=filters.author_id is not None,
        has_my_view=filters.has_my_view,
        cursor=cursor is not None,
        limited=not query_text,
    )
    at, after = cursor if cursor is not None else (None, None)
    parameters = {
        "dossier_id": dossier_id,
        "actor_id": actor.user_id,
        "sections": list(access.sections or ()),
        "section_id": filters.section_id,
        "kind": filters.kind,
        "author_id": filters.author_id,
        "at": at,
        "after": after,
        "limit": limit + 1,
    }
    authors = {} if authors is None else authors
    items: list[EntryCard] = []
    rows: list[Any] = []
    found = list(db.execute(_page_statement(shape), parameters))
    note_signing_keys(db, authors_in(db, authors, ((e.author_id, e.author_role) for e in found)))
    for entry in found:
        # Plain rows with the columns of Entry and EntryVersion: all that card_for reads.
        card, body = card_for(
            work,
            cast(Entry, entry),
            authors,
            cast(EntryVersion, _CurrentVersion.of(entry, dossier_id)),
            ViewCount(entry.view_count, bool(entry.has_my_view)),
            with_body=bool(query_text),
        )
        if (
            query_text
            and query_text not in card.title.casefold()
            and query_text not in body.casefold()
        ):
            continue
        items.append(card)
        rows.append(entry)
        if len(items) > limit:
            break
    last = rows[limit - 1] if len(items) > limit else None
    next_cursor = paging.encode(last.created_at, last.id) if last is not None else None
    items = items[:limit]
    return Page(items, next_cursor)


def read_entry(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID, for_edit: bool = False
) -> EntryDetail:
    """One entry with everything around it. `for_edit`: refused unless the actor may change it."""
    with dossier_work(ctx, actor, dossier_id, Action.ENTRY_READ) as work:
        detail = entry_detail(work, entry_id, for_edit)
        log_entry_read(work, detail)
        return detail


def entry_detail(work: DossierWork, entry_id: uuid.UUID, for_edit: bool = False) -> EntryDetail:
    """The entry as its page shows it, read inside the caller's unit of work (which logs it)."""
    access = work.access
    actor = access.actor
    entry = entry_in(work, entry_id, Action.ENTRY_READ)
    authors: dict[uuid.UUID, Author] = {}
    views = _view_rows(work, entry)
    writers = [(entry.author_id, entry.author_role), *((v.author_id, v.author_role) for v in views)]
    note_signing_keys(work.db, authors_in(work.db, authors, writers))
    mine = any(view.author_id == actor.user_id for view in views)
    card, body = card_for(work, entry, authors, views=ViewCount(len(views), mine))
    corrections = corrections_of(work, entry, authors)
    waiting = any(c.status == CorrectionStatus.OPEN for c in corrections)
    detail = EntryDetail(
        card=card,
        body=body,
        views=views_of(work, entry, authors, views),
        attachments=attachments_of(work, entry),
        corrections=corrections,
        can_edit=entry.author_id == actor.user_id
        and access.can_write_entries(entry.section_id)
        and entry.archived_at is None,
        can_add_view=entry.author_id != actor.user_id and access.can_add_views(entry.section_id),
        can_request_correction=correction_refusal(access, entry, waiting) is None,
        can_mark_outdated=access.is_owner or entry.author_id == actor.user_id,
        can_answer_corrections=entry.author_id == actor.user_id,
        passages=passages_of(work, entry),
    )
    if for_edit and not detail.can_edit:
        raise work.refuse(
            Action.ENTRY_EDIT, "not the author", object_type="entry", object_id=str(entry.id)
        )
    return detail


def log_entry_read(work: DossierWork, detail: EntryDetail) -> None:
    work.log(
        Action.ENTRY_READ,
        object_type="entry",
        object_id=str(detail.card.id),
        reason=f"version {detail.card.version}",
    )


def _view_rows(work: DossierWork, entry: Entry) -> list[EntryPerspective]:
    return list(
        work.db.scalars(
            select(EntryPerspective)
            .where(EntryPerspective.entry_id == entry.id)
            .order_by(EntryPerspective.created_at)
        )
    )


def views_of(
    work: DossierWork,
    entry: Entry,
    authors: dict[uuid.UUID, Author],
    rows: list[EntryPerspective] | None = None,
) -> list[ViewCard]:
    """The views beside an entry, opened and checked; `rows` when the caller loaded them."""
    db = work.db
    result = []
    for view in _view_rows(work, entry) if rows is None else rows:
        place = view_place(entry, view)
        try:
            body = open_text(
                work.keys.key(entry.section_id, view.key_version), view.body_sealed, place, "body"
            )
            verify_content(
                signing_public_key(db, view.author_id),
                view.signature,
                place,
                view.author_id,
                {"body": body.encode()},
            )
            trusted = True
        except (Untrusted, crypto.CryptoError, AccessDenied):
            body, trusted = UNTRUSTED_TEXT, False
            log_untrusted(work, "perspective", view.id)
        result.append(
            ViewCard(
                view.id,
                author_of(db, authors, view.author_id, view.author_role),
                view.perspective,
                view.created_at,
                body,
                trusted,
                view.author_id == work.access.actor.user_id,
            )
        )
    return result


def attachments_of(work: DossierWork, entry: Entry) -> list[AttachmentInfo]:
    result = []
    for attachment in work.db.scalars(
        select(Attachment).where(Attachment.entry_id == entry.id).order_by(Attachment.created_at)
    ):
        try:
            key = work.keys.key(entry.section_id, attachment.key_version)
            filename = open_text(
                key, attachment.filename_sealed, attachment_place(entry, attachment), "filename"
            )
            trusted = True
        except (Untrusted, crypto.CryptoError, AccessDenied):
            filename, trusted = "?", False
            log_untrusted(work, "attachment", attachment.id)
        result.append(
            AttachmentInfo(
                attachment.id,
                filename,
                attachment.media_type,
                attachment.size,
                attachment.created_at,
                trusted,
            )
        )
    return result


def corrections_of(
    work: DossierWork, entry: Entry, authors: dict[uuid.UUID, Author]
) -> list[CorrectionInfo]:
    return [
        correction_info(work, entry, correction, authors)
        for correction in work.db.scalars(
            select(CorrectionRequest)
            .where(CorrectionRequest.entry_id == entry.id)
            .order_by(CorrectionRequest.created_at)
        )
    ]


def correction_info(
    work: DossierWork,
    entry: Entry,
    correction: CorrectionRequest,
    authors: dict[uuid.UUID, Author],
) -> CorrectionInfo:
    db = work.db
    try:
        texts = [correction_text(db, work.keys, entry, correction, answer=False)]
        if correction.answer_sealed is not None:
            texts.append(correction_text(db, work.keys, entry, correction, answer=True))
        reason, answer = texts[0].text, texts[1].text if len(texts) > 1 else None
        trusted, signed = True, all(text.signed for text in texts)
    except (Untrusted, crypto.CryptoError, AccessDenied):
        reason, answer, trusted, signed = UNTRUSTED_TEXT, None, False, False
        log_untrusted(work, "correction", correction.id)
    requester = db.get(User, correction.requested_by)
    return CorrectionInfo(
        id=correction.id,
        entry_id=entry.id,
        requested_by=author_of(
            db, authors, correction.requested_by, requester.role if requester else "?"
        ),
        removal=correction.removal,
        created_at=correction.created_at,
        reason=reason,
        status=correction.status,
        answered_at=correction.answered_at,
        answer=answer,
        resulting_version=correction.resulting_version,
        trusted=trusted,
        signed=signed,
    )


def history(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID
) -> list[VersionInfo]:
    """Every version, oldest first; an untrusted one says so instead of its words."""
    with dossier_work(ctx, actor, dossier_id, Action.ENTRY_HISTORY) as work:
        entry = entry_in(work, entry_id, Action.ENTRY_HISTORY)
        result = versions_of(work, entry)
        log_history_read(work, entry.id)
        return result


def versions_of(work: DossierWork, entry: Entry) -> list[VersionInfo]:
    """Every version of an entry, read inside the caller's unit of work (which logs it)."""
    authors: dict[uuid.UUID, Author] = {}
    result = []
    for version in work.db.scalars(
        select(EntryVersion).where(EntryVersion.entry_id == entry.id).order_by(EntryVersion.version)
    ):
        try:
            title, body = open_version(work.db, work.keys, entry, version)
            trusted = True
        except Untrusted:
            title, body, trusted = UNTRUSTED_TEXT, "", False
            log_untrusted(work, "entry", entry.id)
        result.append(
            VersionInfo(
                version.version,
                version.created_at,
                author_of(work.db, authors, version.author_id, entry.author_role),
                title,
                body,
                trusted,
                version.note,
            )
        )
    return result


def log_history_read(work: DossierWork, entry_id: uuid.UUID) -> None:
    work.log(Action.ENTRY_HISTORY, object_type="entry", object_id=str(entry_id))


_WRITERS_IN_DOSSIER = (
    select(Entry.author_id, Entry.author_role, Entry.section_id)
    .where(Entry.dossier_id == bindparam("dossier_id"))
    .distinct()
    .subquery()
)
_WRITERS_WITH_NAMES = select(
    _WRITERS_IN_DOSSIER,
    User.display_name,
    User.organisation,
    User.signing_public_key,
).join(User, User.id == _WRITERS_IN_DOSSIER.c.author_id, isouter=True)


def authors_of(work: DossierWork, cache: dict[uuid.UUID, Author]) -> list[Author]:
    """Everyone who wrote in a section this actor may read, by name: one statement, with one
    row per author and section however many entries the dossier holds. They land in `cache`,
    and their signing keys in the unit of work's, so a page that lists their entries next
    looks none of them up."""
    signing: dict[uuid.UUID, bytes] = {}
    seen: dict[uuid.UUID, Author] = {}
    for author_id, role, section_id, name, organisation, public_key in work.db.execute(
        _WRITERS_WITH_NAMES, {"dossier_id": work.access.dossier.id}
    ):
        if not work.access.can_read(section_id):
            continue
        author = cache.setdefault(
            author_id, Author(author_id, name if name is not None else "?", role, organisation)
        )
        seen.setdefault(author_id, author)
        signing[author_id] = public_key
    note_signing_keys(work.db, signing)
    return sorted(seen.values(), key=lambda a: a.name.casefold())


def entries_and_writers(work: DossierWork, filters: Filters) -> tuple[Page, list[Author]]:
    """The dossier page's entries and everyone who wrote there (to filter by), each writer's
    name and signing key read once for both."""
    cache: dict[uuid.UUID, Author] = {}
    writers = authors_of(work, cache)
    return entry_list(work, filters, cache), writers
