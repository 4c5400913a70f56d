"""Entries, views, attachments and correction requests in the API."""

from __future__ import annotations

import uuid

from flask import Response, request

from dossier.api.blueprint import (
    Operation,
    Query,
    bp,
    documented,
    dump,
    flag,
    load,
    no_content,
    paged,
    text,
    uuid_query,
)
from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.downloads import attachment_response
from dossier.edge.params import flag_arg, limit_arg, uuid_arg
from dossier.errors import N_, InvalidInput
from dossier.schemas import (
    AttachmentOut,
    CorrectionAnswer,
    CorrectionCreate,
    CorrectionOut,
    Created,
    EntryChange,
    EntryChanged,
    EntryCreate,
    EntryCreated,
    EntryOut,
    EntryPageOut,
    PerspectiveCreate,
    VersionList,
)
from dossier.services import entries
from dossier.services.paging import PAGE_DEFAULT

ENTRIES = "/dossiers/{id}/entries"
ENTRY = ENTRIES + "/{entry_id}"


@bp.get("/dossiers/<uuid:dossier_id>/entries")
@login_required
@documented(
    Operation(
        ENTRIES,
        "get",
        "Entries I may read, newest first",
        "entries",
        responses={200: EntryPageOut},
        errors=(401, 404, 422),
        query=(
            uuid_query("section", "Only this section."),
            Query("kind", {"type": "string", "enum": list(entries.KINDS)}, "Only this kind."),
            uuid_query("author", "Only by this person."),
            flag("has_my_view", "Only entries with (true) or without (false) my view."),
            Query("q", text(), "Words in the title or text."),
            flag("older", "Outdated and withdrawn entries instead of the current ones."),
            *paged(PAGE_DEFAULT),
        ),
    )
)
def list_entries(dossier_id: uuid.UUID) -> Response:
    filters = entries.Filters(
        section_id=uuid_arg("section"),
        kind=request.args.get("kind") or None,
        author_id=uuid_arg("author"),
        has_my_view=flag_arg("has_my_view"),
        query=request.args.get("q") or None,
        older=flag_arg("older") or False,
        cursor=request.args.get("cursor") or None,
        limit=limit_arg(PAGE_DEFAULT),
    )
    return dump(EntryPageOut, entries.list_entries(service_context(), actor(), dossier_id, filters))


@bp.post("/dossiers/<uuid:dossier_id>/entries")
@login_required
@documented(
    Operation(
        ENTRIES,
        "post",
        "Write an entry",
        "entries",
        body=EntryCreate,
        responses={201: EntryCreated},
        errors=(400, 401, 403, 404, 422),
    )
)
def write_entry(dossier_id: uuid.UUID) -> Response:
    data = load(EntryCreate)
    entry_id, version = entries.write_entry(
        service_context(),
        actor(),
        dossier_id,
        data["section_id"],
        data["title"],
        data["body"],
        data["kind"],
    )
    return dump(EntryCreated, {"id": entry_id, "version": version}, 201)


@bp.get("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>")
@login_required
@documented(
    Operation(
        ENTRY,
        "get",
        "Read an entry with its views, files and correction requests",
        "entries",
        responses={200: EntryOut},
        errors=(401, 404),
    )
)
def read_entry(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Response:
    return dump(EntryOut, entries.read_entry(service_context(), actor(), dossier_id, entry_id))


@bp.patch("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>")
@login_required
@documented(
    Operation(
        ENTRY,
        "patch",
        "Edit (a new version, by its author) or mark outdated",
        "entries",
        body=EntryChange,
        responses={200: EntryChanged},
        errors=(400, 401, 403, 404, 422),
    )
)
def change_entry(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Response:
    data = load(EntryChange)
    if not data:
        raise InvalidInput({"_": [N_("Send title, body or outdated.")]})
    version = entries.change_entry(
        service_context(),
        actor(),
        dossier_id,
        entry_id,
        title=data.get("title"),
        body=data.get("body"),
        outdated=data.get("outdated"),
    )
    return dump(EntryChanged, {"id": entry_id, "version": version})


@bp.delete("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>")
@login_required
@documented(
    Operation(
        ENTRY,
        "delete",
        "Withdraw (archive) my own entry",
        "entries",
        responses={204: None},
        errors=(401, 403, 404),
    )
)
def archive_entry(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Response:
    entries.archive_entry(service_context(), actor(), dossier_id, entry_id)
    return no_content()


@bp.get("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/history")
@login_required
@documented(
    Operation(
        ENTRY + "/history",
        "get",
        "Every version of an entry",
        "entries",
        responses={200: VersionList},
        errors=(401, 404),
    )
)
def entry_history(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Response:
    return dump(
        VersionList, {"items": entries.history(service_context(), actor(), dossier_id, entry_id)}
    )


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/perspectives")
@login_required
@documented(
    Operation(
        ENTRY + "/perspectives",
        "post",
        "My view next to this entry",
        "entries",
        body=PerspectiveCreate,
        responses={201: Created},
        errors=(400, 401, 403, 404, 422),
    )
)
def add_perspective(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Response:
    data = load(PerspectiveCreate)
    view_id = entries.add_view(service_context(), actor(), dossier_id, entry_id, data["body"])
    return dump(Created, {"id": view_id}, 201)


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/attachments")
@login_required
@documented(
    Operation(
        ENTRY + "/attachments",
        "post",
        "Attach a file (multipart field `file`; PDF, PNG, JPEG, text; 20 MiB)",
        "entries",
        responses={201: AttachmentOut},
        errors=(400, 401, 403, 404, 413, 422),
        files=("file",),
    )
)
def add_attachment(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Response:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput({"file": [N_("Choose a file first.")]})
    info = entries.attach(
        service_context(), actor(), dossier_id, entry_id, upload.filename, upload.read()
    )
    return dump(AttachmentOut, info, 201)


@bp.get("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/attachments/<uuid:attachment_id>")
@login_required
@documented(
    Operation(
        ENTRY + "/attachments/{attachment_id}",
        "get",
        "Download a file",
        "entries",
        responses={200: None},
        errors=(401, 404, 422),
        download=entries.MEDIA_TYPES,
    )
)
def download_attachment(
    dossier_id: uuid.UUID, entry_id: uuid.UUID, attachment_id: uuid.UUID
) -> Response:
    return entries.download(
        service_context(), actor(), dossier_id, entry_id, attachment_id, attachment_response
    )


@bp.post("/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/correction-requests")
@login_required
@documented(
    Operation(
        ENTRY + "/correction-requests",
        "post",
        "Ask the author to correct or remove",
        "entries",
        body=CorrectionCreate,
        responses={201: CorrectionOut},
        errors=(400, 401, 403, 404, 422),
    )
)
def request_correction(dossier_id: uuid.UUID, entry_id: uuid.UUID) -> Response:
    data = load(CorrectionCreate)
    info = entries.request_correction(
        service_context(), actor(), dossier_id, entry_id, data["reason"], data["removal"]
    )
    return dump(CorrectionOut, info, 201)


@bp.post(
    "/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/correction-requests/<uuid:correction_id>/answer"
)
@login_required
@documented(
    Operation(
        ENTRY + "/correction-requests/{correction_id}/answer",
        "post",
        "The author answers: corrected, removed or declined",
        "entries",
        body=CorrectionAnswer,
        responses={200: CorrectionOut},
        errors=(400, 401, 403, 404, 422),
    )
)
def answer_correction(
    dossier_id: uuid.UUID, entry_id: uuid.UUID, correction_id: uuid.UUID
) -> Response:
    data = load(CorrectionAnswer)
    info = entries.answer_correction(
        service_context(),
        actor(),
        dossier_id,
        entry_id,
        correction_id,
        data["outcome"],
        data["message"],
        title=data["title"],
        body=data["body"],
    )
    return dump(CorrectionOut, info)
