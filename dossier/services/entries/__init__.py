"""Entries and the words around them: versions, views, attachments and correction requests.

Split by job (reading, writing, attachments, corrections) over shared shapes (`cards`), lookups
(`lookup`) and sealing (`sealing`); the use cases callers need are named here, so a page or the API
speaks to "entries" and not to its inner modules.
"""

from dossier.services.entries.attachments import MEDIA_TYPES, attach, download, sniff, stored_name
from dossier.services.entries.cards import (
    ATTACHMENT_MAX,
    BODY_MAX,
    FILENAME_MAX,
    KINDS,
    REASON_MAX,
    TITLE_MAX,
    UNTRUSTED_TEXT,
    VIEW_MAX,
    AttachmentInfo,
    Author,
    CorrectionInfo,
    Download,
    EntryCard,
    EntryDetail,
    Filters,
    Page,
    VersionInfo,
    ViewCard,
)
from dossier.services.entries.corrections import (
    ANSWERS,
    WaitingCorrection,
    answer_correction,
    request_correction,
    waiting_for_me,
)
from dossier.services.entries.reading import history, list_entries, read_entry
from dossier.services.entries.writing import (
    add_view,
    archive_entry,
    change_entry,
    edit_entry,
    mark_outdated,
    write_entry,
)

__all__ = [
    "ANSWERS",
    "ATTACHMENT_MAX",
    "BODY_MAX",
    "FILENAME_MAX",
    "KINDS",
    "MEDIA_TYPES",
    "REASON_MAX",
    "TITLE_MAX",
    "UNTRUSTED_TEXT",
    "VIEW_MAX",
    "AttachmentInfo",
    "Author",
    "CorrectionInfo",
    "Download",
    "EntryCard",
    "EntryDetail",
    "Filters",
    "Page",
    "VersionInfo",
    "ViewCard",
    "WaitingCorrection",
    "add_view",
    "answer_correction",
    "archive_entry",
    "attach",
    "change_entry",
    "download",
    "edit_entry",
    "history",
    "list_entries",
    "mark_outdated",
    "read_entry",
    "request_correction",
    "sniff",
    "stored_name",
    "waiting_for_me",
    "write_entry",
]
