"""The baselines the HTTP and in-process benchmarks run beside the real app, on the same database.

- `bare`: returns the same number of bytes from memory.
- `minimal`: the irreducible work of each measured request, in plain SQL and AES-256-GCM:
  - a page of entries (`GET /page?limit=N`): one query for N rows, N decryptions of their titles,
    one audit insert, one commit;
  - one entry with its views (`GET /entry/<id>`): one query for the entry and its views, the
    decryption of its title, its body and each view, one audit insert, one commit;
  - writing an entry (`POST /write`): one encryption, one insert, one audit insert, one commit.
  - the family's plan (`GET /plan`): one query each for the agreed version, its marks and the
    progress of its actions; the decryption of the plan, each mark's reason and each note; one
    audit insert, one commit.

Every decryption is a real one: the ciphertext opens under the associated data of its place, as
the app's own format binds it (`dossier.crypto.seal`), so a baseline that fails to open anything
cannot pass for a fast one (tests/integration/test_bench_baselines.py).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, Response, request
from sqlalchemy import Connection, Integer, LargeBinary, Uuid, bindparam, text

from dossier import crypto
from dossier.db import make_engine

PAGE_DEFAULT = 50
CONTENT_HEADER = crypto.MAGIC + bytes([crypto.FORMAT_VERSION, int(crypto.Kind.CONTENT)])
_NONCE_AT = len(CONTENT_HEADER)
_BODY_AT = _NONCE_AT + crypto.NONCE_BYTES

_PAGE = (
    text(
        "SELECT e.id, e.section_id, v.version, v.key_version, v.title_sealed "
        "FROM entries e JOIN entry_versions v "
        "ON v.entry_id = e.id AND v.version = e.current_version "
        "WHERE e.dossier_id = :d AND e.outdated_at IS NULL AND e.archived_at IS NULL "
        "ORDER BY e.created_at DESC, e.id DESC LIMIT :n"
    )
    .bindparams(bindparam("d", type_=Uuid()), bindparam("n", type_=Integer()))
    .columns(
        id=Uuid(),
        section_id=Uuid(),
        version=Integer(),
        key_version=Integer(),
        title_sealed=LargeBinary(),
    )
)
_ENTRY = (
    text(
        "SELECT e.id, e.section_id, v.version, v.key_version, v.title_sealed, v.body_sealed, "
        "p.id AS view_id, p.key_version AS view_key_version, p.body_sealed AS view_sealed "
        "FROM entries e JOIN entry_versions v "
        "ON v.entry_id = e.id AND v.version = e.current_version "
        "LEFT JOIN entry_perspectives p ON p.entry_id = e.id "
        "WHERE e.id = :e AND e.dossier_id = :d ORDER BY p.created_at"
    )
    .bindparams(bindparam("d", type_=Uuid()), bindparam("e", type_=Uuid()))
    .columns(
        id=Uuid(),
        section_id=Uuid(),
        version=Integer(),
        key_version=Integer(),
        title_sealed=LargeBinary(),
        body_sealed=LargeBinary(),
        view_id=Uuid(),
        view_key_version=Integer(),
        view_sealed=LargeBinary(),
    )
)


_PLAN = (
    text(
        "SELECT id, section_id, key_version, content_sealed FROM plan_versions "
        "WHERE dossier_id = :d AND status = 'current'"
    )
    .bindparams(bindparam("d", type_=Uuid()))
    .columns(id=Uuid(), section_id=Uuid(), key_version=Integer(), content_sealed=LargeBinary())
)
_PLAN_MARKS = (
    text(
        "SELECT id, section_id, key_version, reason_sealed FROM plan_marks "
        "WHERE plan_version_id = :p"
    )
    .bindparams(bindparam("p", type_=Uuid()))
    .columns(id=Uuid(), section_id=Uuid(), key_version=Integer(), reason_sealed=LargeBinary())
)
_PLAN_PROGRESS = (
    text("SELECT id, section_id, key_version, note_sealed FROM plan_progress WHERE dossier_id = :d")
    .bindparams(bindparam("d", type_=Uuid()))
    .columns(id=Uuid(), section_id=Uuid(), key_version=Integer(), note_sealed=LargeBinary())
)


@cache
def _purpose(field: str) -> bytes:
    return CONTENT_HEADER + crypto.label(f"content/{field}") + b"\x00"


def content_aad(
    field: str,
    dossier_id: uuid.UUID,
    section_id: uuid.UUID | None,
    object_type: str,
    object_id: uuid.UUID,
    version: int,
    key_version: int,
) -> bytes:
    """The associated data a piece of content is sealed under: header, purpose and its place, as
    the canonical JSON `crypto.canonical` makes of it (sorted keys, no spaces), written out."""
    section = str(section_id) if section_id else "dossier"
    place = (
        f'{{"dossier":"{dossier_id}","key_version":{key_version},'
        f'"object":"{object_type}:{object_id}","section":"{section}","version":{version}}}'
    )
    return _purpose(field) + place.encode("ascii")


def open_content(aead: AESGCM, blob: bytes, aad: bytes) -> bytes:
    return aead.decrypt(blob[_NONCE_AT:_BODY_AT], blob[_BODY_AT:], aad)


def seal_content(aead: AESGCM, plain: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(crypto.NONCE_BYTES)
    return CONTENT_HEADER + nonce + aead.encrypt(nonce, plain, aad)


def page_titles(
    connection: Connection, aead: AESGCM, dossier_id: uuid.UUID, limit: int = PAGE_DEFAULT
) -> list[str]:
    """The newest `limit` entries' titles, as the entry list shows them, in one query."""
    titles = []
    for row in connection.execute(_PAGE, {"d": dossier_id, "n": limit}):
        aad = content_aad(
            "title", dossier_id, row.section_id, "entry", row.id, row.version, row.key_version
        )
        titles.append(open_content(aead, row.title_sealed, aad).decode())
    return titles


def entry_with_views(
    connection: Connection, aead: AESGCM, dossier_id: uuid.UUID, entry_id: uuid.UUID
) -> tuple[str, str, list[str]]:
    """Title, body and the views beside one entry, in one query."""
    rows = connection.execute(_ENTRY, {"d": dossier_id, "e": entry_id}).all()
    if not rows:
        raise LookupError(entry_id)
    first = rows[0]

    def aad(field: str) -> bytes:
        return content_aad(
            field,
            dossier_id,
            first.section_id,
            "entry",
            first.id,
            first.version,
            first.key_version,
        )

    title = open_content(aead, first.title_sealed, aad("title")).decode()
    body = open_content(aead, first.body_sealed, aad("body")).decode()
    views = [
        open_content(
            aead,
            row.view_sealed,
            content_aad(
                "body",
                dossier_id,
                first.section_id,
                "perspective",
                row.view_id,
                1,
                row.view_key_version,
            ),
        ).decode()
        for row in rows
        if row.view_id is not None
    ]
    return title, body, views


def plan_page(connection: Connection, aead: AESGCM, dossier_id: uuid.UUID) -> dict[str, object]:
    """The agreed plan, its marks' reasons and its actions' notes, in three queries."""
    plan = connection.execute(_PLAN, {"d": dossier_id}).one()

    def opened(kind: str, field: str, row: object, blob: bytes) -> str:
        aad = content_aad(
            field,
            dossier_id,
            row.section_id,
            kind,
            row.id,
            1,
            row.key_version,
        )
        return open_content(aead, blob, aad).decode()

    document = json.loads(opened("plan", "content", plan, plan.content_sealed))
    reasons = [
        opened("plan-mark", "reason", row, row.reason_sealed)
        for row in connection.execute(_PLAN_MARKS, {"p": plan.id})
    ]
    notes = [
        opened("plan-progress", "note", row, row.note_sealed)
        for row in connection.execute(_PLAN_PROGRESS, {"d": dossier_id})
    ]
    return {"plan": document, "reasons": reasons, "notes": notes}


def audit(connection: Connection) -> None:
    """One row in the access log: the insert every read and write pays, without the chain."""
    connection.execute(
        text(
            "INSERT INTO audit_events (id, chain, seq, at, action, outcome, prev_hash, hash, "
            "body) VALUES (:id, 'bench', :seq, :at, 'bench', 'success', '', '', '{}')"
        ),
        {
            "id": uuid.uuid4().hex,
            "seq": uuid.uuid4().int >> 65,
            "at": datetime.now(UTC).replace(tzinfo=None),
        },
    )


def bare() -> Flask:
    app = Flask("bare")
    payload = b"x" * int(os.environ.get("BENCH_BYTES", "10000"))

    @app.get("/page")
    def page() -> Response:
        return Response(payload, mimetype="application/json")

    return app


def minimal(
    database_url: str | None = None,
    section_key: bytes | None = None,
    dossier_id: uuid.UUID | None = None,
) -> Flask:
    """Under gunicorn from `BENCH_*` and `DOSSIER_DATABASE_URL`; in-process from the arguments."""
    app = Flask("minimal")
    engine = make_engine(database_url or os.environ["DOSSIER_DATABASE_URL"])
    key = AESGCM(section_key or bytes.fromhex(os.environ["BENCH_SECTION_KEY"]))
    dossier = dossier_id or uuid.UUID(os.environ["BENCH_DOSSIER_ID"])
    app.extensions["bench"] = {"engine": engine}

    @app.get("/page")
    def page() -> Response:
        limit = request.args.get("limit", PAGE_DEFAULT, type=int)
        with engine.begin() as connection:
            titles = page_titles(connection, key, dossier, limit)
            audit(connection)
        return Response(json.dumps({"items": titles}), mimetype="application/json")

    @app.get("/entry/<uuid:entry_id>")
    def entry(entry_id: uuid.UUID) -> Response:
        with engine.begin() as connection:
            title, body, views = entry_with_views(connection, key, dossier, entry_id)
            audit(connection)
        return Response(
            json.dumps({"title": title, "body": body, "views": views}),
            mimetype="application/json",
        )

    @app.get("/plan")
    def plan() -> Response:
        with engine.begin() as connection:
            page = plan_page(connection, key, dossier)
            audit(connection)
        return Response(json.dumps(page), mimetype="application/json")

    @app.post("/write")
    def write() -> Response:
        blob = key.encrypt(os.urandom(12), b"A title and a body of some length " * 10, b"bench")
        with engine.begin() as connection:
            # One row holding one ciphertext stands in for the entry version.
            connection.execute(
                text(
                    "INSERT INTO notices (id, user_id, kind, data, created_at) "
                    "SELECT :id, user_id, 'bench', :data, :at FROM dossier_owners "
                    "WHERE dossier_id = :d LIMIT 1"
                ),
                {
                    "id": uuid.uuid4().hex,
                    "data": blob.hex(),
                    "d": dossier.hex,
                    "at": datetime.now(UTC).replace(tzinfo=None),
                },
            )
            audit(connection)
        return Response(b"{}", status=201, mimetype="application/json")

    return app
