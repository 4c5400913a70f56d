"""The right to a copy: everything an owner may read, as a readable page, as JSON, and the files."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from dossier.actions import Action
from dossier.models import Attachment, Entry, EntryVersion
from dossier.services.access import resolve_owner
from dossier.services.content import Untrusted
from dossier.services.context import Actor, Context
from dossier.services.dossiers import DossierSummary, summary
from dossier.services.entries import (
    AttachmentInfo,
    CorrectionInfo,
    EntryCard,
    VersionInfo,
    ViewCard,
    author_of,
    card_for,
    corrections_of,
    log_untrusted,
    open_attachment,
    open_version,
    stored_name,
    views_of,
)
from dossier.services.keychain import keychain


@dataclass(frozen=True)
class ExportedEntry:
    card: EntryCard
    body: str
    versions: list[VersionInfo]
    views: list[ViewCard]
    attachments: list[AttachmentInfo]
    corrections: list[CorrectionInfo]
    files: dict[str, str] = field(default_factory=dict)  # attachment id -> path in the ZIP


@dataclass(frozen=True)
class ExportData:
    dossier: DossierSummary
    entries: list[ExportedEntry]
    exported_at: datetime


Renderer = Callable[[ExportData], str]


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)


def export_zip(ctx: Context, actor: Actor, dossier_id: uuid.UUID, render_html: Renderer) -> bytes:
    """Owners only: the whole dossier leaves with them. Logged like any read of content."""
    with ctx.unit_of_work() as db:
        access = resolve_owner(db, ctx, actor, dossier_id, Action.DOSSIER_EXPORT)
        keys = keychain(db, actor, dossier_id)
        authors: dict = {}
        buffer = io.BytesIO()
        entries: list[ExportedEntry] = []
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for entry in db.scalars(
                select(Entry)
                .where(Entry.dossier_id == dossier_id)
                .order_by(Entry.created_at.desc(), Entry.id)
            ):
                card, body = card_for(db, ctx, access, keys, entry, authors)
                versions = []
                for version in db.scalars(
                    select(EntryVersion)
                    .where(EntryVersion.entry_id == entry.id)
                    .order_by(EntryVersion.version)
                ):
                    try:
                        title, text = open_version(db, keys, entry, version)
                        trusted = True
                    except Untrusted:
                        title, text, trusted = "", "", False
                    versions.append(
                        VersionInfo(
                            version.version,
                            version.created_at,
                            author_of(db, authors, version.author_id, entry.author_role),
                            title,
                            text,
                            trusted,
                            version.note,
                        )
                    )
                files: dict[str, str] = {}
                infos = []
                for attachment in db.scalars(
                    select(Attachment).where(Attachment.entry_id == entry.id)
                ):
                    try:
                        name, content = open_attachment(db, keys, entry, attachment)
                    except Untrusted:
                        # Named in the copy as untrusted, like an entry; its bytes stay out.
                        log_untrusted(db, ctx, access, "attachment", attachment.id)
                        infos.append(
                            AttachmentInfo(
                                attachment.id,
                                "?",
                                attachment.media_type,
                                attachment.size,
                                attachment.created_at,
                                False,
                            )
                        )
                        continue
                    path = f"attachments/{attachment.id}-{stored_name(name, content)}"
                    archive.writestr(path, content)
                    files[str(attachment.id)] = path
                    infos.append(
                        AttachmentInfo(
                            attachment.id,
                            name,
                            attachment.media_type,
                            attachment.size,
                            attachment.created_at,
                            True,
                        )
                    )
                entries.append(
                    ExportedEntry(
                        card=card,
                        body=body,
                        versions=versions,
                        views=views_of(db, ctx, access, keys, entry, authors),
                        attachments=infos,
                        corrections=corrections_of(db, ctx, access, keys, entry, authors),
                        files=files,
                    )
                )
            dossier = summary(
                db, ctx, keys, access, Action.DOSSIER_EXPORT, reason=f"{len(entries)} entries"
            )
            data = ExportData(dossier, entries, ctx.now())
            archive.writestr("index.html", render_html(data))
            archive.writestr(
                "dossier.json",
                json.dumps(asdict(data), default=_json_default, ensure_ascii=False, indent=2),
            )
        return buffer.getvalue()
