"""Finding an entry the actor may reach, and the checks every write of text shares.

An entry outside the actor's sections answers 404, logged, so nobody learns it exists.
"""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from dossier.actions import Action
from dossier.audit import Outcome
from dossier.errors import N_, NotFound
from dossier.models import (
    CorrectionRequest,
    CorrectionStatus,
    Entry,
    EntryVersion,
)
from dossier.services import validation
from dossier.services.access import Access
from dossier.services.entries.cards import TITLE_MAX
from dossier.services.work import DossierWork


def validated_text(
    errors: validation.Errors, value: str | None, name: str, maximum: int, required: str
) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        errors.add(name, required)
    elif len(text) > maximum:
        errors.add(name, N_("This text is too long."))
    return text


def validated_title(errors: validation.Errors, value: str | None) -> str:
    return validation.text(
        value or "", errors, "title", maximum=TITLE_MAX, required_message=N_("Fill in a title.")
    )


def entry_in(work: DossierWork, entry_id: uuid.UUID, action: Action) -> Entry:
    """The entry, if it is in this dossier and in a section the actor may read; else 404."""
    entry = work.db.get(Entry, entry_id)
    if (
        entry is None
        or entry.dossier_id != work.access.dossier.id
        or not work.access.can_read(entry.section_id)
    ):
        raise work.refuse(
            action,
            "no such entry or section not granted",
            NotFound(),
            object_type="entry",
            object_id=str(entry_id),
        )
    return entry


NOT_AN_OWNER = "not an owner"  # refused and logged; the others are answers to the owner


def correction_refusal(access: Access, entry: Entry, waiting: bool) -> str | None:
    """Why this actor may not ask for a correction of this entry, or None when they may: the one
    rule both the entry page (whether to offer it) and the request itself follow. `waiting`: a
    request for this entry still waits for its answer; the author answers one at a time."""
    if not access.is_owner:
        return NOT_AN_OWNER
    if entry.author_id == access.actor.user_id:
        return N_("This is your own entry. Edit it instead.")
    if entry.archived_at is not None:
        return N_("This entry has been withdrawn. There is nothing left to correct.")
    if waiting:
        return N_(
            "A request to correct this entry is waiting for an answer. "
            "Once it has one, you can ask again."
        )
    return None


def correction_waiting(db: Session, entry: Entry) -> bool:
    """Whether a request to correct this entry still waits for its author's answer."""
    return bool(
        db.scalar(
            select(
                exists().where(
                    CorrectionRequest.entry_id == entry.id,
                    CorrectionRequest.status == CorrectionStatus.OPEN,
                )
            )
        )
    )


def log_untrusted(work: DossierWork, object_type: str, object_id: uuid.UUID) -> None:
    work.log(
        Action.CONTENT_UNTRUSTED,
        outcome=Outcome.ERROR,
        object_type=object_type,
        object_id=str(object_id),
        reason="failed to open or verify",
    )


def current_version(db: Session, entry: Entry) -> EntryVersion:
    version = db.scalar(
        select(EntryVersion).where(
            EntryVersion.entry_id == entry.id, EntryVersion.version == entry.current_version
        )
    )
    assert version is not None
    return version


def own_entry(work: DossierWork, entry_id: uuid.UUID, action: Action) -> Entry:
    entry = entry_in(work, entry_id, action)
    if entry.author_id != work.access.actor.user_id:
        raise work.refuse(action, "not the author", object_type="entry", object_id=str(entry_id))
    return entry
