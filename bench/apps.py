"""The baselines the HTTP benchmarks run beside the real app, under the same gunicorn settings.

- `bare`: returns the same number of bytes from memory.
- `minimal`: the irreducible work of a page of entries (one query for 50 rows, 50 AES-256-GCM
  decryptions, one audit insert, one commit), or of writing one (one encryption, one insert, one
  audit insert, one commit), on the same database.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, Response
from sqlalchemy import text

from dossier.db import make_engine


def bare() -> Flask:
    app = Flask("bare")
    payload = b"x" * int(os.environ.get("BENCH_BYTES", "10000"))

    @app.get("/page")
    def page() -> Response:
        return Response(payload, mimetype="application/json")

    return app


def minimal() -> Flask:
    app = Flask("minimal")
    engine = make_engine(os.environ["DOSSIER_DATABASE_URL"])
    key = AESGCM(bytes.fromhex(os.environ["BENCH_SECTION_KEY"]))
    dossier_id = os.environ["BENCH_DOSSIER_ID"]

    def audit(connection) -> None:  # type: ignore[no-untyped-def]
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

    @app.get("/page")
    def page() -> Response:
        with engine.begin() as connection:
            rows = connection.execute(
                text(
                    "SELECT v.title_sealed FROM entry_versions v "
                    "JOIN entries e ON e.id = v.entry_id "
                    "WHERE e.dossier_id = :d ORDER BY e.created_at DESC LIMIT 50"
                ),
                {"d": uuid.UUID(dossier_id).hex},
            ).all()
            titles = []
            for (blob,) in rows:
                try:
                    titles.append(key.decrypt(blob[4:16], blob[16:], None))
                except Exception:
                    titles.append(b"")
            audit(connection)
        return Response(
            b"[" + b",".join(b'"%d"' % len(t) for t in titles) + b"]", mimetype="application/json"
        )

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
                    "d": uuid.UUID(dossier_id).hex,
                    "at": datetime.now(UTC).replace(tzinfo=None),
                },
            )
            audit(connection)
        return Response(b"{}", status=201, mimetype="application/json")

    return app
