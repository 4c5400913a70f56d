"""Files on an entry: what may be added (decided by the bytes, never by the name), and
handing one out only once its answer exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from dossier.actions import Action
from dossier.errors import N_, InvalidInput, NotFound
from dossier.models import (
    Attachment,
)
from dossier.services.content import (
    Untrusted,
    seal_bytes,
    seal_text,
)
from dossier.services.content import sign as sign_content
from dossier.services.context import Actor, Context
from dossier.services.entries.cards import (
    ATTACHMENT_MAX,
    FILENAME_MAX,
    UNTRUSTED_TEXT,
    AttachmentInfo,
    Download,
)
from dossier.services.entries.lookup import entry_in, log_untrusted, own_entry
from dossier.services.entries.sealing import attachment_place, open_attachment
from dossier.services.work import dossier_work

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
    with dossier_work(ctx, actor, dossier_id, Action.ATTACHMENT_CREATE) as work:
        db, access = work.db, work.access
        media_type = _checked_media_type(content)
        entry = own_entry(work, entry_id, Action.ATTACHMENT_CREATE)
        if not access.can_write_entries(entry.section_id):
            raise access.refuse(
                Action.ATTACHMENT_CREATE,
                "may not write here",
                object_type="entry",
                object_id=str(entry_id),
            )
        keys = work.keys
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
        work.log(Action.ATTACHMENT_CREATE, object_type="attachment", object_id=str(attachment.id))
        return AttachmentInfo(
            attachment.id, name, media_type, len(content), attachment.created_at, True
        )


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
    with dossier_work(ctx, actor, dossier_id, Action.ATTACHMENT_READ) as work:
        db, access = work.db, work.access
        entry = entry_in(work, entry_id, Action.ATTACHMENT_READ)
        attachment = db.get(Attachment, attachment_id)
        if attachment is None or attachment.entry_id != entry.id:
            raise access.refuse(
                Action.ATTACHMENT_READ,
                "no such attachment",
                NotFound(),
                object_type="attachment",
                object_id=str(attachment_id),
            )
        keys = work.keys
        try:
            name, content = open_attachment(db, keys, entry, attachment)
        except Untrusted:
            log_untrusted(work, "attachment", attachment.id)
            raise InvalidInput({"file": [UNTRUSTED_TEXT]}) from None
        answer = respond(Download(name, attachment.media_type, content))
        work.log(Action.ATTACHMENT_READ, object_type="attachment", object_id=str(attachment.id))
        return answer
