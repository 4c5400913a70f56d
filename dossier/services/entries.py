"""Entries and the words around them: versions, views, attachments and correction requests.

Every read of content appends its audit event in the same transaction, so nothing is shown that
was not logged. Content that fails to open or to verify is returned as untrusted, and logged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.actions import Action
from dossier.audit import Outcome, append
from dossier.errors import N_, AccessDenied, InvalidInput, NotFound
from dossier.models import (
    CORRECTION_ANSWERS,
    Attachment,
    CorrectionRequest,
    CorrectionStatus,
    Entry,
    EntryKind,
    EntryPerspective,
    EntryVersion,
    Section,
    User,
)
from dossier.services import paging, validation
from dossier.services.access import Access, resolve
from dossier.services.content import (
    Place,
    SignedText,
    Untrusted,
    open_bytes,
    open_signed_text,
    open_text,
    seal_bytes,
    seal_signed_text,
    seal_text,
)
from dossier.services.content import sign as sign_content
from dossier.services.content import verify as verify_content
from dossier.services.context import Actor, Context
from dossier.services.keychain import KeyChain, keychain, signing_public_key

TITLE_MAX = 200
BODY_MAX = 50_000
VIEW_MAX = 20_000
REASON_MAX = 5_000
FILENAME_MAX = 200
ATTACHMENT_MAX = 20 * 1024 * 1024
PAGE_DEFAULT = 50
PAGE_MAX = 200
KINDS = tuple(str(kind) for kind in EntryKind)
UNTRUSTED_TEXT = N_("This text cannot be trusted: it does not match what its author wrote.")


# --- what callers get back -------------------------------------------------------------------


@dataclass(frozen=True)
class Author:
    id: uuid.UUID
    name: str
    role: str
    organisation: str | None


@dataclass(frozen=True)
class EntryCard:
    """An entry as a list shows it."""

    id: uuid.UUID
    section_id: uuid.UUID
    kind: str
    perspective: str
    author: Author
    created_at: datetime
    updated_at: datetime
    version: int
    title: str
    trusted: bool
    outdated: bool
    archived: bool
    view_count: int
    has_my_view: bool


@dataclass(frozen=True)
class ViewCard:
    id: uuid.UUID
    author: Author
    perspective: str
    created_at: datetime
    body: str
    trusted: bool
    mine: bool


@dataclass(frozen=True)
class AttachmentInfo:
    id: uuid.UUID
    filename: str
    media_type: str
    size: int
    created_at: datetime
    trusted: bool


@dataclass(frozen=True)
class CorrectionInfo:
    id: uuid.UUID
    entry_id: uuid.UUID
    requested_by: Author
    removal: bool
    created_at: datetime
    reason: str
    status: str
    answered_at: datetime | None
    answer: str | None
    resulting_version: int | None
    trusted: bool  # False: the reason or the answer failed to open or to verify
    signed: bool  # False: written before correction requests were signed


@dataclass(frozen=True)
class VersionInfo:
    version: int
    created_at: datetime
    author: Author
    title: str
    body: str
    trusted: bool
    note: str | None


@dataclass(frozen=True)
class EntryDetail:
    card: EntryCard
    body: str
    views: list[ViewCard]
    attachments: list[AttachmentInfo]
    corrections: list[CorrectionInfo]
    can_edit: bool
    can_add_view: bool
    can_request_correction: bool
    can_mark_outdated: bool
    can_answer_corrections: bool


@dataclass(frozen=True)
class Page:
    items: list[EntryCard]
    next_cursor: str | None


@dataclass(frozen=True)
class Filters:
    section_id: uuid.UUID | None = None
    kind: str | None = None
    author_id: uuid.UUID | None = None
    has_my_view: bool | None = None
    query: str | None = None
    older: bool = False  # outdated and archived entries instead of the current ones
    cursor: str | None = None
    limit: int = PAGE_DEFAULT


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    content: bytes = field(repr=False)


# --- helpers --------------------------------------------------------------------------------


def author_of(db: Session, cache: dict[uuid.UUID, Author], user_id: uuid.UUID, role: str) -> Author:
    if user_id not in cache:
        user = db.get(User, user_id)
        cache[user_id] = Author(
            user_id,
            user.display_name if user else "?",
            role,
            user.organisation if user else None,
        )
    return cache[user_id]


def version_place(entry: Entry, version: EntryVersion) -> Place:
    return Place(
        entry.dossier_id, entry.section_id, "entry", entry.id, version.version, version.key_version
    )


def view_place(entry: Entry, view: EntryPerspective) -> Place:
    return Place(entry.dossier_id, entry.section_id, "perspective", view.id, 1, view.key_version)


def attachment_place(entry: Entry, attachment: Attachment) -> Place:
    return Place(
        entry.dossier_id, entry.section_id, "attachment", attachment.id, 1, attachment.key_version
    )


def correction_place(entry: Entry, correction: CorrectionRequest, answer: bool = False) -> Place:
    return Place(
        entry.dossier_id,
        entry.section_id,
        "correction-answer" if answer else "correction",
        correction.id,
        1,
        (correction.answer_key_version or 0) if answer else correction.key_version,
    )


def _correction_binding(entry: Entry) -> dict[str, str]:
    """A request and its answer belong to one entry, which their place does not name."""
    return {"entry": str(entry.id)}


def open_version(
    db: Session, keys: KeyChain, entry: Entry, version: EntryVersion, kind: str | None = None
) -> tuple[str, str]:
    """Title and body, checked against the author's signature; raises Untrusted otherwise."""
    try:
        key = keys.key(entry.section_id, version.key_version)
    except (crypto.CryptoError, AccessDenied):
        raise Untrusted() from None
    place = version_place(entry, version)
    title = open_text(key, version.title_sealed, place, "title")
    body = open_text(key, version.body_sealed, place, "body")
    verify_content(
        signing_public_key(db, version.author_id),
        version.signature,
        place,
        version.author_id,
        {"title": title.encode(), "body": body.encode(), "kind": (kind or entry.kind).encode()},
    )
    return title, body


def _seal_version(
    keys: KeyChain,
    keyring: crypto.Keyring,
    entry: Entry,
    number: int,
    title: str,
    body: str,
    author_id: uuid.UUID,
    now: datetime,
    note: str | None = None,
) -> EntryVersion:
    key_version, key = keys.current(entry.section_id)
    version = EntryVersion(
        id=uuid.uuid4(),
        dossier_id=entry.dossier_id,
        entry_id=entry.id,
        version=number,
        author_id=author_id,
        created_at=now,
        key_version=key_version,
        title_sealed=b"",
        body_sealed=b"",
        body_size=len(body.encode()),
        signature=b"",
        note=note,
    )
    place = version_place(entry, version)
    version.title_sealed = seal_text(key, title, place, "title")
    version.body_sealed = seal_text(key, body, place, "body")
    version.signature = sign_content(
        keyring.signing,
        place,
        author_id,
        {"title": title.encode(), "body": body.encode(), "kind": entry.kind.encode()},
    )
    return version


def _validate_text(
    errors: validation.Errors, value: str | None, name: str, maximum: int, required: str
) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        errors.add(name, required)
    elif len(text) > maximum:
        errors.add(name, N_("This text is too long."))
    return text


def _validate_title(errors: validation.Errors, value: str | None) -> str:
    return validation.text(
        value or "", errors, "title", maximum=TITLE_MAX, required_message=N_("Fill in a title.")
    )


def _entry_in(db: Session, access: Access, entry_id: uuid.UUID, action: str) -> Entry:
    """The entry, if it is in this dossier and in a section the actor may read; else 404."""
    entry = db.get(Entry, entry_id)
    if (
        entry is None
        or entry.dossier_id != access.dossier.id
        or not access.can_read(entry.section_id)
    ):
        raise access.refuse(
            action,
            "no such entry or section not granted",
            NotFound(),
            object_type="entry",
            object_id=str(entry_id),
        )
    return entry


def log_untrusted(
    db: Session, ctx: Context, access: Access, object_type: str, object_id: uuid.UUID
) -> None:
    append(
        db,
        access.event(
            Action.CONTENT_UNTRUSTED,
            outcome=Outcome.ERROR,
            object_type=object_type,
            object_id=str(object_id),
            reason="failed to open or verify",
        ),
        ctx.origin,
        ctx.now(),
    )


def _current_version(db: Session, entry: Entry) -> EntryVersion:
    version = db.scalar(
        select(EntryVersion).where(
            EntryVersion.entry_id == entry.id, EntryVersion.version == entry.current_version
        )
    )
    assert version is not None
    return version


def card_for(
    db: Session,
    ctx: Context,
    access: Access,
    keys: KeyChain,
    entry: Entry,
    authors: dict[uuid.UUID, Author],
    version: EntryVersion | None = None,
    view_authors: list[uuid.UUID] | None = None,
) -> tuple[EntryCard, str]:
    """An entry as a list shows it. A list passes what it loaded for all its rows at once, as
    plain rows with the same columns as `Entry` and `EntryVersion`."""
    version = version or _current_version(db, entry)
    try:
        title, body = open_version(db, keys, entry, version)
        trusted = True
    except Untrusted:
        title, body, trusted = UNTRUSTED_TEXT, "", False
        log_untrusted(db, ctx, access, "entry", entry.id)
    views = view_authors
    if views is None:
        views = db.scalars(
            select(EntryPerspective.author_id).where(EntryPerspective.entry_id == entry.id)
        ).all()
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
        view_count=len(views),
        has_my_view=access.actor.user_id in views,
    )
    return card, body


# --- reading ------------------------------------------------------------------------------------


def list_entries(ctx: Context, actor: Actor, dossier_id: uuid.UUID, filters: Filters) -> Page:
    """Newest first, paged by cursor. A search opens the texts this actor may read, in memory."""
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.ENTRY_LIST)
        page = entry_list(db, ctx, access, keychain(db, actor, dossier_id), filters)
        append(
            db,
            access.event(
                Action.ENTRY_LIST,
                object_type="dossier",
                object_id=str(dossier_id),
                reason=list_reason(page, filters),
            ),
            ctx.origin,
            ctx.now(),
        )
        return page


def list_reason(page: Page, filters: Filters) -> str:
    return f"{len(page.items)} entries" + (", search" if (filters.query or "").strip() else "")


def entry_list(db: Session, ctx: Context, access: Access, keys: KeyChain, filters: Filters) -> Page:
    """A page of entries, read inside the caller's unit of work (which logs it)."""
    actor = access.actor
    dossier_id = access.dossier.id
    limit = max(1, min(filters.limit or PAGE_DEFAULT, PAGE_MAX))
    query_text = (filters.query or "").strip().casefold()
    if filters.kind is not None and filters.kind not in KINDS:
        raise InvalidInput({"kind": [N_("Choose one of the kinds in the list.")]})
    cursor = paging.decode(filters.cursor) if filters.cursor else None
    readable = [
        section_id
        for section_id in db.scalars(select(Section.id).where(Section.dossier_id == dossier_id))
        if access.can_read(section_id)
    ]
    # Plain rows rather than ORM objects for the page and its versions: card_for reads
    # only their columns, and building objects was a tenth of the page's time.
    statement = select(Entry.__table__).where(
        Entry.dossier_id == dossier_id, Entry.section_id.in_(readable)
    )
    hidden = (Entry.outdated_at.is_not(None)) | (Entry.archived_at.is_not(None))
    statement = statement.where(hidden if filters.older else ~hidden)
    if filters.section_id is not None:
        statement = statement.where(Entry.section_id == filters.section_id)
    if filters.kind is not None:
        statement = statement.where(Entry.kind == filters.kind)
    if filters.author_id is not None:
        statement = statement.where(Entry.author_id == filters.author_id)
    if filters.has_my_view is not None:
        mine = exists().where(
            and_(
                EntryPerspective.entry_id == Entry.id,
                EntryPerspective.author_id == actor.user_id,
            )
        )
        statement = statement.where(mine if filters.has_my_view else ~mine)
    if cursor is not None:
        at, entry_id = cursor
        statement = statement.where(
            (Entry.created_at < at) | ((Entry.created_at == at) & (Entry.id < entry_id))
        )
    statement = statement.order_by(Entry.created_at.desc(), Entry.id.desc())
    if not query_text:
        statement = statement.limit(limit + 1)
    authors: dict[uuid.UUID, Author] = {}
    items: list[EntryCard] = []
    rows: list[Any] = []
    found = list(db.execute(statement))
    ids = [entry.id for entry in found]
    versions = {
        v.entry_id: v
        for v in db.execute(
            select(EntryVersion.__table__)
            .join(
                Entry,
                (Entry.id == EntryVersion.entry_id)
                & (Entry.current_version == EntryVersion.version),
            )
            .where(Entry.id.in_(ids))
        )
    }
    views: dict[uuid.UUID, list[uuid.UUID]] = {entry_id: [] for entry_id in ids}
    for entry_id, author_id in db.execute(
        select(EntryPerspective.entry_id, EntryPerspective.author_id).where(
            EntryPerspective.entry_id.in_(ids)
        )
    ):
        views[entry_id].append(author_id)
    for entry in found:
        card, body = card_for(
            db, ctx, access, keys, entry, authors, versions.get(entry.id), views[entry.id]
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
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.ENTRY_READ)
        detail = entry_detail(db, ctx, access, keychain(db, actor, dossier_id), entry_id, for_edit)
        log_entry_read(db, ctx, access, detail)
        return detail


def entry_detail(
    db: Session,
    ctx: Context,
    access: Access,
    keys: KeyChain,
    entry_id: uuid.UUID,
    for_edit: bool = False,
) -> EntryDetail:
    """The entry as its page shows it, read inside the caller's unit of work (which logs it)."""
    actor = access.actor
    entry = _entry_in(db, access, entry_id, Action.ENTRY_READ)
    authors: dict[uuid.UUID, Author] = {}
    card, body = card_for(db, ctx, access, keys, entry, authors)
    detail = EntryDetail(
        card=card,
        body=body,
        views=views_of(db, ctx, access, keys, entry, authors),
        attachments=attachments_of(db, ctx, access, keys, entry),
        corrections=corrections_of(db, ctx, access, keys, entry, authors),
        can_edit=entry.author_id == actor.user_id
        and access.can_write_entries(entry.section_id)
        and entry.archived_at is None,
        can_add_view=entry.author_id != actor.user_id and access.can_add_views(entry.section_id),
        can_request_correction=access.is_owner
        and entry.author_id != actor.user_id
        and entry.archived_at is None,
        can_mark_outdated=access.is_owner or entry.author_id == actor.user_id,
        can_answer_corrections=entry.author_id == actor.user_id,
    )
    if for_edit and not detail.can_edit:
        raise access.refuse(
            Action.ENTRY_EDIT, "not the author", object_type="entry", object_id=str(entry.id)
        )
    return detail


def log_entry_read(db: Session, ctx: Context, access: Access, detail: EntryDetail) -> None:
    append(
        db,
        access.event(
            Action.ENTRY_READ,
            object_type="entry",
            object_id=str(detail.card.id),
            reason=f"version {detail.card.version}",
        ),
        ctx.origin,
        ctx.now(),
    )


def views_of(
    db: Session,
    ctx: Context,
    access: Access,
    keys: KeyChain,
    entry: Entry,
    authors: dict[uuid.UUID, Author],
) -> list[ViewCard]:
    result = []
    for view in db.scalars(
        select(EntryPerspective)
        .where(EntryPerspective.entry_id == entry.id)
        .order_by(EntryPerspective.created_at)
    ):
        place = view_place(entry, view)
        try:
            body = open_text(
                keys.key(entry.section_id, view.key_version), view.body_sealed, place, "body"
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
            log_untrusted(db, ctx, access, "perspective", view.id)
        result.append(
            ViewCard(
                view.id,
                author_of(db, authors, view.author_id, view.author_role),
                view.perspective,
                view.created_at,
                body,
                trusted,
                view.author_id == access.actor.user_id,
            )
        )
    return result


def attachments_of(
    db: Session, ctx: Context, access: Access, keys: KeyChain, entry: Entry
) -> list[AttachmentInfo]:
    result = []
    for attachment in db.scalars(
        select(Attachment).where(Attachment.entry_id == entry.id).order_by(Attachment.created_at)
    ):
        try:
            key = keys.key(entry.section_id, attachment.key_version)
            filename = open_text(
                key, attachment.filename_sealed, attachment_place(entry, attachment), "filename"
            )
            trusted = True
        except (Untrusted, crypto.CryptoError, AccessDenied):
            filename, trusted = "?", False
            log_untrusted(db, ctx, access, "attachment", attachment.id)
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
    db: Session,
    ctx: Context,
    access: Access,
    keys: KeyChain,
    entry: Entry,
    authors: dict[uuid.UUID, Author],
) -> list[CorrectionInfo]:
    result = []
    for correction in db.scalars(
        select(CorrectionRequest)
        .where(CorrectionRequest.entry_id == entry.id)
        .order_by(CorrectionRequest.created_at)
    ):
        result.append(_correction_info(db, ctx, access, keys, entry, correction, authors))
    return result


def _correction_info(
    db: Session,
    ctx: Context,
    access: Access,
    keys: KeyChain,
    entry: Entry,
    correction: CorrectionRequest,
    authors: dict[uuid.UUID, Author],
) -> CorrectionInfo:
    try:
        texts = [_correction_text(db, keys, entry, correction, answer=False)]
        if correction.answer_sealed is not None:
            texts.append(_correction_text(db, keys, entry, correction, answer=True))
        reason, answer = texts[0].text, texts[1].text if len(texts) > 1 else None
        trusted, signed = True, all(text.signed for text in texts)
    except (Untrusted, crypto.CryptoError, AccessDenied):
        reason, answer, trusted, signed = UNTRUSTED_TEXT, None, False, False
        log_untrusted(db, ctx, access, "correction", correction.id)
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


def _correction_text(
    db: Session, keys: KeyChain, entry: Entry, correction: CorrectionRequest, *, answer: bool
) -> SignedText:
    """The reason or the answer, signed by the person shown as writing it: the owner who asked,
    or the entry's author who answered."""
    writer = correction.author_id if answer else correction.requested_by
    signer = correction.answer_signed_by if answer else correction.reason_signed_by
    if signer is not None and signer != writer:
        raise Untrusted()
    return open_signed_text(
        keys.key(
            entry.section_id,
            (correction.answer_key_version or 0) if answer else correction.key_version,
        ),
        (correction.answer_sealed or b"") if answer else correction.reason_sealed,
        correction_place(entry, correction, answer),
        "answer" if answer else "reason",
        signer_id=signer,
        public_key=signing_public_key(db, signer),
        bound=_correction_binding(entry),
    )


def history(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID
) -> list[VersionInfo]:
    """Every version, oldest first; an untrusted one says so instead of its words."""
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.ENTRY_HISTORY)
        entry = _entry_in(db, access, entry_id, Action.ENTRY_HISTORY)
        result = versions_of(db, ctx, access, keychain(db, actor, dossier_id), entry)
        log_history_read(db, ctx, access, entry.id)
        return result


def versions_of(
    db: Session, ctx: Context, access: Access, keys: KeyChain, entry: Entry
) -> list[VersionInfo]:
    """Every version of an entry, read inside the caller's unit of work (which logs it)."""
    authors: dict[uuid.UUID, Author] = {}
    result = []
    for version in db.scalars(
        select(EntryVersion).where(EntryVersion.entry_id == entry.id).order_by(EntryVersion.version)
    ):
        try:
            title, body = open_version(db, keys, entry, version)
            trusted = True
        except Untrusted:
            title, body, trusted = UNTRUSTED_TEXT, "", False
            log_untrusted(db, ctx, access, "entry", entry.id)
        result.append(
            VersionInfo(
                version.version,
                version.created_at,
                author_of(db, authors, version.author_id, entry.author_role),
                title,
                body,
                trusted,
                version.note,
            )
        )
    return result


def log_history_read(db: Session, ctx: Context, access: Access, entry_id: uuid.UUID) -> None:
    append(
        db,
        access.event(Action.ENTRY_HISTORY, object_type="entry", object_id=str(entry_id)),
        ctx.origin,
        ctx.now(),
    )


# --- writing ------------------------------------------------------------------------------------


def writable_sections(ctx: Context, actor: Actor, dossier_id: uuid.UUID) -> list[uuid.UUID]:
    """The sections the actor may write a new entry in; refused when there are none."""
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.ENTRY_CREATE)
        sections = [
            section.id
            for section in db.scalars(
                select(Section)
                .where(Section.dossier_id == dossier_id, Section.archived_at.is_(None))
                .order_by(Section.position)
            )
            if access.can_write_entries(section.id)
        ]
        if not access.may_write_entries or not sections:
            raise access.refuse(Action.ENTRY_CREATE, "may not write entries")
        return sections


def write_entry(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    section_id: uuid.UUID | None,
    title: str,
    body: str,
    kind: str,
) -> tuple[uuid.UUID, int]:
    errors = validation.Errors()
    clean_title = _validate_title(errors, title)
    clean_body = _validate_text(errors, body, "body", BODY_MAX, N_("Write something first."))
    if kind not in KINDS:
        errors.add("kind", N_("Choose one of the kinds in the list."))
    if section_id is None:
        errors.add("section_id", N_("Choose a section."))
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.ENTRY_CREATE)
        if not access.may_write_entries:
            raise access.refuse(Action.ENTRY_CREATE, "may not write entries")
        errors.raise_if_any()
        assert section_id is not None
        section = db.get(Section, section_id)
        if section is None or section.dossier_id != dossier_id or not access.can_read(section_id):
            # A section this person cannot see is one they may not know exists: 404, logged.
            raise access.refuse(
                Action.ENTRY_CREATE,
                "section not readable",
                NotFound(),
                object_type="section",
                object_id=str(section_id),
            )
        if section.archived_at is not None:
            raise InvalidInput(
                {"section_id": [N_("This section is archived. Choose another one.")]}
            )
        if not access.can_write_entries(section_id):
            raise access.refuse(
                Action.ENTRY_CREATE,
                "may not write here",
                object_type="section",
                object_id=str(section_id),
            )
        now = ctx.now()
        entry = Entry(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            section_id=section_id,
            author_id=actor.user_id,
            author_role=actor.role,
            perspective=access.perspective,
            kind=kind,
            current_version=1,
            created_at=now,
            updated_at=now,
        )
        db.add(entry)
        db.flush()
        keys = keychain(db, actor, dossier_id)
        db.add(
            _seal_version(keys, keys.keyring, entry, 1, clean_title, clean_body, actor.user_id, now)
        )
        append(
            db,
            access.event(Action.ENTRY_CREATE, object_type="entry", object_id=str(entry.id)),
            ctx.origin,
            now,
        )
        return entry.id, 1


def _own_entry(db: Session, access: Access, entry_id: uuid.UUID, action: str) -> Entry:
    entry = _entry_in(db, access, entry_id, action)
    if entry.author_id != access.actor.user_id:
        raise access.refuse(action, "not the author", object_type="entry", object_id=str(entry_id))
    return entry


def edit_entry(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    entry_id: uuid.UUID,
    title: str | None = None,
    body: str | None = None,
    note: str | None = None,
) -> int:
    """A new version by its author; the old ones stay in the history."""
    version = change_entry(ctx, actor, dossier_id, entry_id, title=title, body=body, note=note)
    assert version is not None
    return version


def change_entry(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    entry_id: uuid.UUID,
    *,
    title: str | None = None,
    body: str | None = None,
    outdated: bool | None = None,
    note: str | None = None,
) -> int | None:
    """A new version (by its author) and the outdated mark, in one transaction: both happen or
    neither does. Returns the new version number when the text changed."""
    editing = title is not None or body is not None or outdated is None
    errors = validation.Errors()
    new_title = _validate_title(errors, title) if title is not None else None
    new_body = (
        _validate_text(errors, body, "body", BODY_MAX, N_("Write something first."))
        if body is not None
        else None
    )
    with ctx.unit_of_work() as db:
        access = resolve(
            db, ctx, actor, dossier_id, Action.ENTRY_EDIT if editing else Action.ENTRY_OUTDATED
        )
        version = None
        if editing:
            entry = _own_entry(db, access, entry_id, Action.ENTRY_EDIT)
            if entry.archived_at is not None or not access.can_write_entries(entry.section_id):
                raise access.refuse(
                    Action.ENTRY_EDIT,
                    "archived or no longer writable",
                    object_type="entry",
                    object_id=str(entry_id),
                )
            errors.raise_if_any()
            version = _new_version(db, ctx, access, entry, new_title, new_body, note)
        if outdated is not None:
            _mark_outdated(db, ctx, access, entry_id, outdated)
        return version


def _new_version(
    db: Session,
    ctx: Context,
    access: Access,
    entry: Entry,
    title: str | None,
    body: str | None,
    note: str | None,
) -> int:
    keys = keychain(db, access.actor, entry.dossier_id)
    try:
        old_title, old_body = open_version(db, keys, entry, _current_version(db, entry))
    except Untrusted:
        if title is None or body is None:
            raise InvalidInput({"body": [UNTRUSTED_TEXT]}) from None
        old_title, old_body = "", ""
    now = ctx.now()
    entry.current_version += 1
    entry.updated_at = now
    db.add(
        _seal_version(
            keys,
            keys.keyring,
            entry,
            entry.current_version,
            title if title is not None else old_title,
            body if body is not None else old_body,
            access.actor.user_id,
            now,
            note,
        )
    )
    append(
        db,
        access.event(
            Action.ENTRY_EDIT,
            object_type="entry",
            object_id=str(entry.id),
            reason=f"version {entry.current_version}",
        ),
        ctx.origin,
        now,
    )
    return entry.current_version


def mark_outdated(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID, outdated: bool = True
) -> None:
    """Out of the default view for everyone; still under "older entries" and in the history."""
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.ENTRY_OUTDATED)
        _mark_outdated(db, ctx, access, entry_id, outdated)


def _mark_outdated(
    db: Session, ctx: Context, access: Access, entry_id: uuid.UUID, outdated: bool
) -> None:
    entry = _entry_in(db, access, entry_id, Action.ENTRY_OUTDATED)
    if not (access.is_owner or entry.author_id == access.actor.user_id):
        raise access.refuse(
            Action.ENTRY_OUTDATED,
            "neither owner nor author",
            object_type="entry",
            object_id=str(entry_id),
        )
    entry.outdated_at = ctx.now() if outdated else None
    entry.outdated_by = access.actor.user_id if outdated else None
    append(
        db,
        access.event(
            Action.ENTRY_OUTDATED if outdated else Action.ENTRY_CURRENT,
            object_type="entry",
            object_id=str(entry.id),
        ),
        ctx.origin,
        ctx.now(),
    )


def archive_entry(ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID) -> None:
    """The author withdraws an entry; owners still find it under "older entries"."""
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.ENTRY_ARCHIVE)
        entry = _own_entry(db, access, entry_id, Action.ENTRY_ARCHIVE)
        entry.archived_at = entry.archived_at or ctx.now()
        append(
            db,
            access.event(Action.ENTRY_ARCHIVE, object_type="entry", object_id=str(entry.id)),
            ctx.origin,
            ctx.now(),
        )


def add_view(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID, body: str
) -> uuid.UUID:
    """My own words next to someone else's entry, signed by me."""
    errors = validation.Errors()
    text = _validate_text(errors, body, "body", VIEW_MAX, N_("Write your view first."))
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.PERSPECTIVE_CREATE)
        entry = _entry_in(db, access, entry_id, Action.PERSPECTIVE_CREATE)
        if entry.author_id == actor.user_id:
            raise InvalidInput({"body": [N_("This is your own entry. Edit it instead.")]})
        if not access.can_add_views(entry.section_id):
            raise access.refuse(
                Action.PERSPECTIVE_CREATE,
                "may not add views",
                object_type="entry",
                object_id=str(entry_id),
            )
        errors.raise_if_any()
        keys = keychain(db, actor, dossier_id)
        key_version, key = keys.current(entry.section_id)
        view = EntryPerspective(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            entry_id=entry.id,
            author_id=actor.user_id,
            author_role=actor.role,
            perspective=access.perspective,
            created_at=ctx.now(),
            key_version=key_version,
            body_sealed=b"",
            body_size=len(text.encode()),
            signature=b"",
        )
        place = view_place(entry, view)
        view.body_sealed = seal_text(key, text, place, "body")
        view.signature = sign_content(
            keys.keyring.signing, place, actor.user_id, {"body": text.encode()}
        )
        db.add(view)
        append(
            db,
            access.event(
                Action.PERSPECTIVE_CREATE, object_type="perspective", object_id=str(view.id)
            ),
            ctx.origin,
            ctx.now(),
        )
        return view.id


# --- attachments --------------------------------------------------------------------------------

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
MEDIA_TYPES = (*(media_type for _, media_type in _SIGNATURES), "text/plain")


def sniff(content: bytes) -> str | None:
    """The type from the bytes themselves; a name or a browser's claim proves nothing."""
    for magic, media_type in _SIGNATURES:
        if content.startswith(magic):
            return media_type
    if b"\x00" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


# The names a file of each accepted type may carry, the first being the one added when needed.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt",),
}
UNKNOWN_EXTENSION = ".bin"


def stored_name(name: str, content: bytes) -> str:
    """The name a file is written under, decided by what its bytes are (sniffed), never by the
    name or type it came with: plain text called "page.html" or "logo.svg" would run as a page
    or script once opened from a folder, so it becomes "page.html.txt". A fitting name is kept."""
    extensions = EXTENSIONS.get(sniff(content) or "", (UNKNOWN_EXTENSION,))
    if name.lower().endswith(extensions):
        return name
    return name + extensions[0]


def _clean_filename(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>:|?*').strip(" .")
    return cleaned[:FILENAME_MAX] or "file"


def _checked_media_type(content: bytes) -> str:
    if len(content) > ATTACHMENT_MAX:
        raise InvalidInput({"file": [N_("This file is larger than 20 MB.")]})
    if not content:
        raise InvalidInput({"file": [N_("This file is empty.")]})
    media_type = sniff(content)
    if media_type is None:
        raise InvalidInput({"file": [N_("Only PDF, PNG, JPEG and plain text files can be added.")]})
    return media_type


def attach(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    entry_id: uuid.UUID,
    filename: str,
    content: bytes,
) -> AttachmentInfo:
    name = _clean_filename(filename)
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.ATTACHMENT_CREATE)
        media_type = _checked_media_type(content)
        entry = _own_entry(db, access, entry_id, Action.ATTACHMENT_CREATE)
        if not access.can_write_entries(entry.section_id):
            raise access.refuse(
                Action.ATTACHMENT_CREATE,
                "may not write here",
                object_type="entry",
                object_id=str(entry_id),
            )
        keys = keychain(db, actor, dossier_id)
        key_version, key = keys.current(entry.section_id)
        attachment = Attachment(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            entry_id=entry.id,
            uploaded_by=actor.user_id,
            created_at=ctx.now(),
            media_type=media_type,
            size=len(content),
            key_version=key_version,
            filename_sealed=b"",
            content_sealed=b"",
            signature=b"",
        )
        place = attachment_place(entry, attachment)
        attachment.filename_sealed = seal_text(key, name, place, "filename")
        attachment.content_sealed = seal_bytes(key, content, place, "content")
        attachment.signature = sign_content(
            keys.keyring.signing,
            place,
            actor.user_id,
            {"filename": name.encode(), "content": content},
        )
        db.add(attachment)
        append(
            db,
            access.event(
                Action.ATTACHMENT_CREATE, object_type="attachment", object_id=str(attachment.id)
            ),
            ctx.origin,
            ctx.now(),
        )
        return AttachmentInfo(
            attachment.id, name, media_type, len(content), attachment.created_at, True
        )


def open_attachment(
    db: Session, keys: KeyChain, entry: Entry, attachment: Attachment
) -> tuple[str, bytes]:
    """Name and content, checked against the uploader's signature; raises Untrusted otherwise."""
    place = attachment_place(entry, attachment)
    try:
        key = keys.key(entry.section_id, attachment.key_version)
    except (crypto.CryptoError, AccessDenied):
        raise Untrusted() from None
    name = open_text(key, attachment.filename_sealed, place, "filename")
    content = open_bytes(key, attachment.content_sealed, place, "content")
    verify_content(
        signing_public_key(db, attachment.uploaded_by),
        attachment.signature,
        place,
        attachment.uploaded_by,
        {"filename": name.encode(), "content": content},
    )
    return name, content


Answer = TypeVar("Answer")


def _as_is(file: Download) -> Any:
    return file


def download(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    entry_id: uuid.UUID,
    attachment_id: uuid.UUID,
    respond: Callable[[Download], Answer] = _as_is,
) -> Answer:
    """A file, handed to `respond` (which builds the answer the reader gets) inside the unit of
    work: the read is logged only once that answer exists, and not at all if building it fails."""
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.ATTACHMENT_READ)
        entry = _entry_in(db, access, entry_id, Action.ATTACHMENT_READ)
        attachment = db.get(Attachment, attachment_id)
        if attachment is None or attachment.entry_id != entry.id:
            raise access.refuse(
                Action.ATTACHMENT_READ,
                "no such attachment",
                NotFound(),
                object_type="attachment",
                object_id=str(attachment_id),
            )
        keys = keychain(db, actor, dossier_id)
        try:
            name, content = open_attachment(db, keys, entry, attachment)
        except Untrusted:
            log_untrusted(db, ctx, access, "attachment", attachment.id)
            raise InvalidInput({"file": [UNTRUSTED_TEXT]}) from None
        answer = respond(Download(name, attachment.media_type, content))
        append(
            db,
            access.event(
                Action.ATTACHMENT_READ, object_type="attachment", object_id=str(attachment.id)
            ),
            ctx.origin,
            ctx.now(),
        )
        return answer


# --- correction requests ------------------------------------------------------------------------


def request_correction(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    entry_id: uuid.UUID,
    reason: str,
    removal: bool = False,
) -> CorrectionInfo:
    """An owner asks the author to correct or remove what they wrote, and says why."""
    errors = validation.Errors()
    text = _validate_text(
        errors, reason, "reason", REASON_MAX, N_("Say what is wrong, so the author can fix it.")
    )
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.CORRECTION_CREATE)
        entry = _entry_in(db, access, entry_id, Action.CORRECTION_CREATE)
        if not access.is_owner:
            raise access.refuse(
                Action.CORRECTION_CREATE,
                "not an owner",
                object_type="entry",
                object_id=str(entry_id),
            )
        if entry.author_id == actor.user_id:
            raise InvalidInput({"reason": [N_("This is your own entry. Edit it instead.")]})
        errors.raise_if_any()
        keys = keychain(db, actor, dossier_id)
        key_version, key = keys.current(entry.section_id)
        correction = CorrectionRequest(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            entry_id=entry.id,
            requested_by=actor.user_id,
            author_id=entry.author_id,
            removal=removal,
            created_at=ctx.now(),
            key_version=key_version,
            reason_sealed=b"",
            status=CorrectionStatus.OPEN,
        )
        correction.reason_signed_by = actor.user_id
        correction.reason_sealed = seal_signed_text(
            key,
            text,
            correction_place(entry, correction),
            "reason",
            signing_key=keys.keyring.signing,
            signer_id=actor.user_id,
            bound=_correction_binding(entry),
        )
        db.add(correction)
        append(
            db,
            access.event(
                Action.CORRECTION_CREATE,
                object_type="correction",
                object_id=str(correction.id),
                reason="removal" if removal else "correction",
            ),
            ctx.origin,
            ctx.now(),
        )
        db.flush()
        return _correction_info(db, ctx, access, keys, entry, correction, {})


ANSWERS = CORRECTION_ANSWERS


def answer_correction(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    entry_id: uuid.UUID,
    correction_id: uuid.UUID,
    outcome: str,
    message: str,
    title: str | None = None,
    body: str | None = None,
) -> CorrectionInfo:
    """The author answers: a corrected version, the entry withdrawn, or a reasoned no."""
    errors = validation.Errors()
    if outcome not in ANSWERS:
        errors.add("outcome", N_("Choose how you answer."))
    text = _validate_text(
        errors, message, "message", REASON_MAX, N_("Explain your answer to the owner.")
    )
    new_title = (
        _validate_title(errors, title)
        if outcome == CorrectionStatus.CORRECTED and title is not None
        else None
    )
    new_body = (
        _validate_text(errors, body, "body", BODY_MAX, N_("Write something first."))
        if outcome == CorrectionStatus.CORRECTED and body is not None
        else None
    )
    if outcome == CorrectionStatus.CORRECTED and new_title is None and new_body is None:
        errors.add("body", N_("Write the corrected text."))
    with ctx.unit_of_work() as db:
        access = resolve(db, ctx, actor, dossier_id, Action.CORRECTION_ANSWER)
        entry = _own_entry(db, access, entry_id, Action.CORRECTION_ANSWER)
        errors.raise_if_any()
        correction = db.get(CorrectionRequest, correction_id)
        if correction is None or correction.entry_id != entry.id:
            raise access.refuse(
                Action.CORRECTION_ANSWER,
                "no such request",
                NotFound(),
                object_type="correction",
                object_id=str(correction_id),
            )
        if correction.status != CorrectionStatus.OPEN:
            raise InvalidInput({"outcome": [N_("This request has been answered already.")]})
        keys = keychain(db, actor, dossier_id)
        if outcome == CorrectionStatus.CORRECTED:
            correction.resulting_version = _new_version(
                db, ctx, access, entry, new_title, new_body, note="correction"
            )
            correction.status = CorrectionStatus.CORRECTED
        elif outcome == CorrectionStatus.REMOVED:
            entry.archived_at = entry.archived_at or ctx.now()
            correction.status = CorrectionStatus.REMOVED
        else:
            correction.status = CorrectionStatus.DECLINED
        key_version, key = keys.current(entry.section_id)
        correction.answer_key_version = key_version
        correction.answered_at = ctx.now()
        correction.answer_signed_by = actor.user_id
        correction.answer_sealed = seal_signed_text(
            key,
            text,
            correction_place(entry, correction, True),
            "answer",
            signing_key=keys.keyring.signing,
            signer_id=actor.user_id,
            bound=_correction_binding(entry),
        )
        append(
            db,
            access.event(
                Action.CORRECTION_ANSWER,
                object_type="correction",
                object_id=str(correction.id),
                reason=correction.status,
            ),
            ctx.origin,
            ctx.now(),
        )
        db.flush()
        return _correction_info(db, ctx, access, keys, entry, correction, {})


@dataclass(frozen=True)
class WaitingCorrection:
    dossier_id: uuid.UUID
    entry_id: uuid.UUID
    correction_id: uuid.UUID
    created_at: datetime
    removal: bool


def waiting_for_me(ctx: Context, actor: Actor) -> list[WaitingCorrection]:
    """Open requests on entries I wrote, in dossiers I can still reach (no content, so no log)."""
    with ctx.unit_of_work() as db:
        rows = db.scalars(
            select(CorrectionRequest)
            .where(
                CorrectionRequest.author_id == actor.user_id,
                CorrectionRequest.status == CorrectionStatus.OPEN,
            )
            .order_by(CorrectionRequest.created_at)
        ).all()
        return [
            WaitingCorrection(r.dossier_id, r.entry_id, r.id, r.created_at, r.removal) for r in rows
        ]


def authors_of(db: Session, access: Access) -> list[Author]:
    cache: dict[uuid.UUID, Author] = {}
    seen: dict[uuid.UUID, Author] = {}
    for author_id, role, section_id in db.execute(
        select(Entry.author_id, Entry.author_role, Entry.section_id).where(
            Entry.dossier_id == access.dossier.id
        )
    ):
        if access.can_read(section_id) and author_id not in seen:
            seen[author_id] = author_of(db, cache, author_id, role)
    return sorted(seen.values(), key=lambda a: a.name.casefold())
