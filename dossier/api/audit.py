"""The access log in the API: owners' timelines, the auditor's search, export and verification."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Response, request

from dossier.actions import ACTION_CODES
from dossier.api.blueprint import (
    Operation,
    Query,
    bp,
    documented,
    dump,
    flag,
    paged,
    text,
    uuid_query,
)
from dossier.edge.auth import actor, login_required
from dossier.edge.context import service_context
from dossier.edge.params import flag_arg, limit_arg, uuid_arg
from dossier.errors import N_, InvalidInput
from dossier.schemas import AccessLogPage, AuditEventPage, CheckpointList, VerificationOut
from dossier.services import audit_views
from dossier.services.paging import PAGE_DEFAULT


def _time(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput({name: [N_("Use a time like 2026-03-14T12:00:00+01:00.")]}) from None
    if value.tzinfo is None:
        raise InvalidInput({name: [N_("Give the time zone, for example +01:00.")]})
    return value


_SINCE = Query("since", {"type": "string", "format": "date-time"}, "From this time on, with zone.")
_UNTIL = Query("until", {"type": "string", "format": "date-time"}, "Before this time, with zone.")
_SEARCH = (
    uuid_query("dossier", "Only this dossier."),
    Query("actor", text(), "An account id, or part of a name or e-mail address."),
    Query("action", {"type": "string", "enum": list(ACTION_CODES)}, "Only this action."),
    Query("outcome", {"type": "string", "enum": list(audit_views.OUTCOMES)}, "Only this outcome."),
    _SINCE,
    _UNTIL,
)


def _filters() -> audit_views.EventFilters:
    return audit_views.EventFilters(
        dossier_id=uuid_arg("dossier"),
        actor=request.args.get("actor") or None,
        action=request.args.get("action") or None,
        outcome=request.args.get("outcome") or None,
        since=_time("since"),
        until=_time("until"),
        cursor=request.args.get("cursor") or None,
        limit=limit_arg(PAGE_DEFAULT),
    )


@bp.get("/dossiers/<uuid:dossier_id>/access-log")
@login_required
@documented(
    Operation(
        "/dossiers/{id}/access-log",
        "get",
        "Who looked at this dossier (owners)",
        "audit",
        responses={200: AccessLogPage},
        errors=(401, 403, 404, 422),
        query=(
            uuid_query("person", "Only what this person did."),
            _SINCE,
            _UNTIL,
            flag("all", "Every event, not only reads."),
            *paged(PAGE_DEFAULT),
        ),
    )
)
def access_log(dossier_id: uuid.UUID) -> Response:
    log = audit_views.timeline(
        service_context(),
        actor(),
        dossier_id,
        person=uuid_arg("person"),
        since=_time("since"),
        until=_time("until"),
        cursor=request.args.get("cursor") or None,
        limit=limit_arg(PAGE_DEFAULT),
        reads_only=not flag_arg("all"),
    )
    return dump(AccessLogPage, log)


@bp.get("/audit/events")
@login_required
@documented(
    Operation(
        "/audit/events",
        "get",
        "Auditors: search the log",
        "audit",
        responses={200: AuditEventPage},
        errors=(401, 403, 422),
        query=(*_SEARCH, *paged(PAGE_DEFAULT)),
    )
)
def audit_events() -> Response:
    return dump(AuditEventPage, audit_views.search(service_context(), actor(), _filters()))


@bp.get("/audit/export")
@login_required
@documented(
    Operation(
        "/audit/export",
        "get",
        "Auditors: export matching events",
        "audit",
        responses={200: None},
        errors=(401, 403, 422),
        query=(
            Query(
                "format",
                {"type": "string", "enum": ["json", "csv"], "default": "json"},
                empty_is_absent=False,
            ),
            *_SEARCH,
        ),
        download=("application/json", "text/csv"),
    )
)
def audit_export() -> Response:
    fmt = request.args.get("format", "json")
    data = audit_views.export(service_context(), actor(), _filters(), fmt)
    return Response(data, mimetype="text/csv" if fmt == "csv" else "application/json")


@bp.post("/audit/verification")
@login_required
@documented(
    Operation(
        "/audit/verification",
        "post",
        "Auditors: verify every chain now",
        "audit",
        responses={200: VerificationOut},
        errors=(401, 403),
    )
)
def audit_verification() -> Response:
    report = audit_views.verify_now(service_context(), actor()).report
    return dump(VerificationOut, report)


@bp.get("/audit/checkpoints")
@login_required
@documented(
    Operation(
        "/audit/checkpoints",
        "get",
        "Auditors: every signed checkpoint, to keep elsewhere",
        "audit",
        responses={200: CheckpointList},
        errors=(401, 403),
    )
)
def audit_checkpoints() -> Response:
    return dump(
        CheckpointList, {"items": audit_views.auditor_checkpoints(service_context(), actor())}
    )
