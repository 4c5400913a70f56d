"""Writing entries: new entries, new versions, the outdated mark, withdrawing, and views.

Each write is signed by its author, sealed under the section's current key and logged in the same
transaction.
"""

from __future__ import annotations

import uuid

from dossier.actions import Action
from dossier.errors import N_, InvalidInput, NotFound
from dossier.models import (
    Entry,
    EntryPerspective,
    Section,
)
from dossier.services import validation
from dossier.services.content import (
    Untrusted,
    seal_text,
)
from dossier.services.content import sign as sign_content
from dossier.services.context import Actor, Context
from dossier.services.entries.cards import BODY_MAX, KINDS, UNTRUSTED_TEXT, VIEW_MAX
from dossier.services.entries.lookup import (
    current_version,
    entry_in,
    own_entry,
    validated_text,
    validated_title,
)
from dossier.services.entries.sealing import open_version, seal_version, view_place
from dossier.services.work import DossierWork, dossier_work


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
    clean_title = validated_title(errors, title)
    clean_body = validated_text(errors, body, "body", BODY_MAX, N_("Write something first."))
    if kind not in KINDS:
        errors.add("kind", N_("Choose one of the kinds in the list."))
    if section_id is None:
        errors.add("section_id", N_("Choose a section."))
    with dossier_work(ctx, actor, dossier_id, Action.ENTRY_CREATE) as work:
        db, access = work.db, work.access
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
        keys = work.keys
        version = seal_version(
            keys, keys.keyring, entry, 1, clean_title, clean_body, actor.user_id, now
        )
        db.add_all((entry, version))  # one flush: `EntryVersion.entry` orders their rows
        work.log(Action.ENTRY_CREATE, at=now, object_type="entry", object_id=str(entry.id))
        return entry.id, 1


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
    new_title = validated_title(errors, title) if title is not None else None
    new_body = (
        validated_text(errors, body, "body", BODY_MAX, N_("Write something first."))
        if body is not None
        else None
    )
    with dossier_work(
        ctx, actor, dossier_id, Action.ENTRY_EDIT if editing else Action.ENTRY_OUTDATED
    ) as work:
        access = work.access
        version = None
        if editing:
            entry = own_entry(work, entry_id, Action.ENTRY_EDIT)
            if entry.archived_at is not None or not access.can_write_entries(entry.section_id):
                raise access.refuse(
                    Action.ENTRY_EDIT,
                    "archived or no longer writable",
                    object_type="entry",
                    object_id=str(entry_id),
                )
            errors.raise_if_any()
            version = new_version(work, entry, new_title, new_body, note)
        if outdated is not None:
            _mark_outdated(work, entry_id, outdated)
        return version


def new_version(
    work: DossierWork, entry: Entry, title: str | None, body: str | None, note: str | None
) -> int:
    """The next version by the entry's author, signed and sealed under the current key; what is
    not given is carried over from the current version, which must then open and verify."""
    db, keys = work.db, work.keys
    try:
        old_title, old_body = open_version(db, keys, entry, current_version(db, entry))
    except Untrusted:
        if title is None or body is None:
            raise InvalidInput({"body": [UNTRUSTED_TEXT]}) from None
        old_title, old_body = "", ""
    now = work.ctx.now()
    entry.current_version += 1
    entry.updated_at = now
    db.add(
        seal_version(
            keys,
            keys.keyring,
            entry,
            entry.current_version,
            title if title is not None else old_title,
            body if body is not None else old_body,
            work.access.actor.user_id,
            now,
            note,
        )
    )
    work.log(
        Action.ENTRY_EDIT,
        at=now,
        object_type="entry",
        object_id=str(entry.id),
        reason=f"version {entry.current_version}",
    )
    return entry.current_version


def mark_outdated(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID, outdated: bool = True
) -> None:
    """Out of the default view for everyone; still under "older entries" and in the history."""
    with dossier_work(ctx, actor, dossier_id, Action.ENTRY_OUTDATED) as work:
        _mark_outdated(work, entry_id, outdated)


def _mark_outdated(work: DossierWork, entry_id: uuid.UUID, outdated: bool) -> None:
    access = work.access
    entry = entry_in(work, entry_id, Action.ENTRY_OUTDATED)
    if not (access.is_owner or entry.author_id == access.actor.user_id):
        raise access.refuse(
            Action.ENTRY_OUTDATED,
            "neither owner nor author",
            object_type="entry",
            object_id=str(entry_id),
        )
    entry.outdated_at = work.ctx.now() if outdated else None
    entry.outdated_by = access.actor.user_id if outdated else None
    work.log(
        Action.ENTRY_OUTDATED if outdated else Action.ENTRY_CURRENT,
        object_type="entry",
        object_id=str(entry.id),
    )


def archive_entry(ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID) -> None:
    """The author withdraws an entry; owners still find it under "older entries"."""
    with dossier_work(ctx, actor, dossier_id, Action.ENTRY_ARCHIVE) as work:
        entry = own_entry(work, entry_id, Action.ENTRY_ARCHIVE)
        entry.archived_at = entry.archived_at or ctx.now()
        work.log(Action.ENTRY_ARCHIVE, object_type="entry", object_id=str(entry.id))


def add_view(
    ctx: Context, actor: Actor, dossier_id: uuid.UUID, entry_id: uuid.UUID, body: str
) -> uuid.UUID:
    """My own words next to someone else's entry, signed by me."""
    with dossier_work(ctx, actor, dossier_id, Action.PERSPECTIVE_CREATE) as work:
        return view_in(work, entry_id, body)


def view_in(work: DossierWork, entry_id: uuid.UUID, body: str) -> uuid.UUID:
    """`add_view` inside the caller's unit of work: also how a helper's draft becomes her view."""
    errors = validation.Errors()
    text = validated_text(errors, body, "body", VIEW_MAX, N_("Write your view first."))
    db, access, actor, ctx = work.db, work.access, work.access.actor, work.ctx
    dossier_id = access.dossier.id
    entry = entry_in(work, entry_id, Action.PERSPECTIVE_CREATE)
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
    keys = work.keys
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
    work.log(Action.PERSPECTIVE_CREATE, object_type="perspective", object_id=str(view.id))
    return view.id
