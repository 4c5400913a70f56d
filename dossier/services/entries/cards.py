"""What callers of the entry use cases get back, and the limits on what they send.

No content is opened here: these are the shapes a page, the API and the export share.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dossier.errors import N_
from dossier.models import (
    EntryKind,
    User,
)
from dossier.services import paging

TITLE_MAX = 200
BODY_MAX = 50_000
VIEW_MAX = 20_000
REASON_MAX = 5_000
FILENAME_MAX = 200
ATTACHMENT_MAX = 20 * 1024 * 1024
KINDS = tuple(str(kind) for kind in EntryKind)
UNTRUSTED_TEXT = N_("This text cannot be trusted: it does not match what its author wrote.")


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
class PassageCard:
    """A passage as one reader's entry page shows it."""

    id: uuid.UUID
    author_name: str
    created_at: datetime
    kept_from_me: bool  # a placeholder: who kept something back, and how to object
    text: str | None  # None when kept from me, not handed over yet, or not to be trusted
    reason: str | None
    kept_from: list[str]  # the names, for those who may read it (so they do not pass it on)
    trusted: bool
    objected: bool  # I objected already
    answer: str | None = None  # the auditor's answer to my objection


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
    passages: list[PassageCard] = field(default_factory=list)


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
    limit: int = paging.PAGE_DEFAULT


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    content: bytes = field(repr=False)


_WRITERS = select(User.id, User.display_name, User.organisation, User.signing_public_key).where(
    User.id.in_(bindparam("ids", expanding=True))
)


def authors_in(
    db: Session, cache: dict[uuid.UUID, Author], writers: Iterable[tuple[uuid.UUID, str]]
) -> dict[uuid.UUID, bytes]:
    """Every writer of a page as `author_of` names them, in one statement; returns their signing
    keys, read in the same statement, for the page's signature checks."""
    roles: dict[uuid.UUID, str] = {}
    for user_id, role in writers:
        if user_id not in cache:
            roles.setdefault(user_id, role)
    if not roles:
        return {}
    signing: dict[uuid.UUID, bytes] = {}
    for user_id, name, organisation, public_key in db.execute(_WRITERS, {"ids": list(roles)}):
        cache[user_id] = Author(user_id, name, roles[user_id], organisation)
        signing[user_id] = public_key
    return signing


def author_of(db: Session, cache: dict[uuid.UUID, Author], user_id: uuid.UUID, role: str) -> Author:
    if user_id not in cache:
        user = db.execute(
            select(User.display_name, User.organisation).where(User.id == user_id)
        ).first()
        cache[user_id] = Author(
            user_id,
            user.display_name if user else "?",
            role,
            user.organisation if user else None,
        )
    return cache[user_id]
