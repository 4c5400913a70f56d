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
from dossier.models import Attachment, Entry
from dossier.services.content import Untrusted
from dossier.services.context import Actor, Context
from dossier.services.dossiers import DossierSummary, summary
from dossier.services.entries.attachments import stored_name
from dossier.services.entries.cards import (
    AttachmentInfo,
    Author,
    CorrectionInfo,
    EntryCard,
    PassageCard,
    VersionInfo,
    ViewCard,
)
from dossier.services.entries.lookup import log_untrusted
from dossier.services.entries.reading import card_for, corrections_of, versions_of, views_of
from dossier.services.entries.sealing import open_attachment
from dossier.services.entries.withholding import passages_of
from dossier.services.plans.people import Person, may_read
from dossier.services.plans.reading import VersionView, plan_page
from dossier.services.plans.sealing import plan_section
from dossier.services.work import DossierWork, owner_work


@dataclass(frozen=True)
class ExportedEntry:
    card: EntryCard
    body: str
    versions: list[VersionInfo]
    views: list[ViewCard]
    attachments: list[AttachmentInfo]
    corrections: list[CorrectionInfo]
    files: dict[str, str] = field(default_factory=dict)  # attachment id -> path in the ZIP
    # Parts kept back to protect someone else: in the copy of those who may read them; for
    # those they are kept from, a line that says a part is left out, and by whom.
    passages: list[PassageCard] = field(default_factory=list)


@dataclass(frozen=True)
class ExportedPlan:
    """The family's plan: every version, with who stands behind it, what was done and reached."""

    current: VersionView | None
    proposals: list[VersionView]
    history: list[VersionView]  # replaced and set-aside versions, newest first
    people: list[Person]


@dataclass(frozen=True)
class ExportData:
    dossier: DossierSummary
    entries: list[ExportedEntry]
    exported_at: datetime
    plan: ExportedPlan | None = None  # none yet, or not the reader's to read


Renderer = Callable[[ExportData], str]


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)


def export_zip(ctx: Context, actor: Actor, dossier_id: uuid.UUID, render_html: Renderer) -> bytes:
    """Owners only: the whole dossier leaves with them. Logged like any read of content."""
    with owner_work(ctx, actor, dossier_id, Action.DOSSIER_EXPORT) as work:
        db, keys = work.db, work.keys
        authors: dict[uuid.UUID, Author] = {}
        buffer = io.BytesIO()
        entries: list[ExportedEntry] = []
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for entry in db.scalars(
                select(Entry)
                .where(Entry.dossier_id == dossier_id)
                .order_by(Entry.created_at.desc(), Entry.id)
            ):
                card, body = card_for(work, entry, authors)
                versions = versions_of(work, entry)
                files: dict[str, str] = {}
                infos = []
                for attachment in db.scalars(
                    select(Attachment).where(Attachment.entry_id == entry.id)
                ):
                    try:
                        name, content = open_attachment(db, keys, entry, attachment)
                    except Untrusted:
                        # Named in the copy as untrusted, like an entry; its bytes stay out.
                        log_untrusted(work, "attachment", attachment.id)
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
                        views=views_of(work, entry, authors),
                        attachments=infos,
                        corrections=corrections_of(work, entry, authors),
                        files=files,
                        passages=passages_of(work, entry),
                    )
                )
            dossier = summary(
                db, ctx, keys, work.access, Action.DOSSIER_EXPORT, reason=f"{len(entries)} entries"
            )
            data = ExportData(dossier, entries, ctx.now(), exported_plan(work))
            archive.writestr("index.html", render_html(data))
            archive.writestr(
                "dossier.json",
                json.dumps(asdict(data), default=_json_default, ensure_ascii=False, indent=2),
            )
        return buffer.getvalue()


def exported_plan(work: DossierWork) -> ExportedPlan | None:
    """The plan, read in the export's own unit of work, whose one event covers it."""
    section = plan_section(work.db, work.access.dossier.id)
    if section is None or not may_read(work.access, section):
        return None
    page = plan_page(work, every=True)
    if page.current is None and not page.proposals and not page.settled:
        return None
    return ExportedPlan(page.current, page.proposals, page.settled, page.people)
