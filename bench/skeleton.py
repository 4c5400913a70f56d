"""The skeleton: every step DESIGN.md makes part of a request, done the plainest way, as the
baseline the request figures are held to.

The minimal app (`bench/apps.py`) opens the same ciphertexts, but is handed the section key and
writes one unchained log row; the design asks more of every request, and so does the skeleton:

- who asks: the bearer ticket's session row, its secret compared with the stored hash;
- her keys: her keyring opened with the session's key, the section key opened from its sealed copy
  (HPKE, X25519) and unmasked with the dossier's secret from its store;
- may she: one statement for ownership or a live grant;
- the log: one event chained onto the dossier's head (the head locked on PostgreSQL, SHA-256 over
  the canonical event), in the same transaction as the read or write;
- a page: one statement for the rows, one AES-GCM per title; the dossier page renders its cards
  with an autoescaping Jinja template;
- an entry: its title, body and views opened and their authors' signatures checked;
- a write: title and body sealed under the current key, signed by the author (Ed25519), the entry
  and its version inserted, and each other reader of the section told: a notice, and a mail
  unless they muted the topic (one statement finds them with their mail settings).

Statements are written out and bound once; there is no ORM, no session machinery, no schema and
no error page. The events it writes are real ones: `dossier audit verify` accepts the chain, and
the app reads what it wrote (tests/integration/test_bench_baselines.py).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, Response, abort, request
from jinja2 import Environment
from sqlalchemy import Connection, Engine, LargeBinary, String, Uuid, bindparam, insert, text

from bench.apps import content_aad, open_content
from dossier import crypto
from dossier.actions import Action
from dossier.audit import Event, Origin, chain_for, linked_values
from dossier.config import Settings
from dossier.consent import GUARDIAN
from dossier.db import make_engine
from dossier.models import (
    DEFAULT_SECTION_NAMES,
    LIVE_GRANT_STATUSES,
    AuditEvent,
    Entry,
    EntryVersion,
    GrantStatus,
    Notice,
    Perspective,
    SessionKind,
    UTCDateTime,
)
from dossier.secret_store import SecretStore, open_store
from dossier.services.content import Place, seal_text, sign, verify
from dossier.services.keychain import scope_of, seal_info
from dossier.services.mail import Mail, send
from dossier.services.notices import TOPICS, NoticeKind, notice_mail
from dossier.services.sessions import parse_ticket

_SESSION = (
    text(
        "SELECT s.user_id, s.lookup_hash, s.keyring_sealed, s.expires_at, u.role, "
        "u.display_name "
        "FROM user_sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.id = :s AND s.kind = :kind"
    )
    .bindparams(bindparam("s", type_=Uuid()), kind=str(SessionKind.API))
    .columns(
        user_id=Uuid(),
        lookup_hash=LargeBinary(),
        keyring_sealed=LargeBinary(),
        expires_at=UTCDateTime(),
    )
)
_STANDING = (
    text(
        "SELECT d.subject_user_id, "
        "(SELECT relation FROM dossier_owners WHERE dossier_id = :d AND user_id = :u) "
        "AS relation, "
        "(SELECT id FROM grants WHERE dossier_id = :d AND grantee_id = :u "
        "AND status = :active AND revoked_at IS NULL "
        "AND (expires_at IS NULL OR expires_at > :now) LIMIT 1) AS grant_id, "
        # What the app's sweep would find: a grant whose end has come, or a guardian owner.
        "EXISTS (SELECT 1 FROM grants WHERE dossier_id = :d AND status IN :live "
        "AND expires_at IS NOT NULL AND expires_at <= :now) "
        "OR EXISTS (SELECT 1 FROM dossier_owners WHERE dossier_id = :d "
        "AND relation = :guardian) AS sweep_due "
        "FROM dossiers d WHERE d.id = :d"
    )
    .bindparams(
        bindparam("d", type_=Uuid()),
        bindparam("u", type_=Uuid()),
        bindparam("now", type_=UTCDateTime()),
        bindparam("live", [str(status) for status in LIVE_GRANT_STATUSES], expanding=True),
        active=str(GrantStatus.ACTIVE),
        guardian=GUARDIAN,
    )
    .columns(subject_user_id=Uuid(), relation=String(), grant_id=Uuid())
)
_KEY_COLUMNS = "SELECT kv.version, sk.sealed, kv.masked FROM sealed_keys sk "
_KEY_WHERE = (
    "JOIN key_versions kv ON kv.id = sk.key_version_id "
    "WHERE kv.dossier_id = :d AND kv.scope = :scope AND sk.holder_id = :u "
)
_KEY_PARAMS = (
    bindparam("d", type_=Uuid()),
    bindparam("u", type_=Uuid()),
    bindparam("scope", type_=String()),
)
_KEY = text(_KEY_COLUMNS + _KEY_WHERE + "AND kv.version = :v").bindparams(*_KEY_PARAMS)
_NEWEST_KEY = text(_KEY_COLUMNS + _KEY_WHERE + "ORDER BY kv.version DESC LIMIT 1").bindparams(
    *_KEY_PARAMS
)
_PAGE = (
    text(
        "SELECT e.id, e.section_id, e.kind, e.created_at, v.version, v.key_version, v.title_sealed "
        "FROM entries e JOIN entry_versions v "
        "ON v.entry_id = e.id AND v.version = e.current_version "
        "WHERE e.dossier_id = :d AND e.outdated_at IS NULL AND e.archived_at IS NULL "
        "ORDER BY e.created_at DESC, e.id DESC LIMIT :n"
    )
    .bindparams(bindparam("d", type_=Uuid()))
    .columns(id=Uuid(), section_id=Uuid(), created_at=UTCDateTime(), title_sealed=LargeBinary())
)
_ENTRY = (
    text(
        "SELECT e.id, e.section_id, e.kind, e.author_id, v.version, v.key_version, v.title_sealed, "
        "v.body_sealed, v.signature, p.id AS view_id, p.author_id AS view_author, "
        "p.key_version AS view_key_version, p.body_sealed AS view_sealed, "
        "p.signature AS view_signature "
        "FROM entries e JOIN entry_versions v "
        "ON v.entry_id = e.id AND v.version = e.current_version AND v.author_id = e.author_id "
        "LEFT JOIN entry_perspectives p ON p.entry_id = e.id "
        "WHERE e.id = :e AND e.dossier_id = :d ORDER BY p.created_at"
    )
    .bindparams(bindparam("d", type_=Uuid()), bindparam("e", type_=Uuid()))
    .columns(
        id=Uuid(),
        section_id=Uuid(),
        author_id=Uuid(),
        title_sealed=LargeBinary(),
        body_sealed=LargeBinary(),
        signature=LargeBinary(),
        view_id=Uuid(),
        view_author=Uuid(),
        view_sealed=LargeBinary(),
        view_signature=LargeBinary(),
    )
)
_SIGNING_KEYS = (
    text("SELECT id, signing_public_key FROM users WHERE id IN :ids")
    .bindparams(bindparam("ids", type_=Uuid(), expanding=True))
    .columns(id=Uuid(), signing_public_key=LargeBinary())
)
_READERS = (
    text(
        "SELECT u.id, u.email, m.muted, "
        "(SELECT default_name FROM sections WHERE id = :s) AS section_name FROM users u "
        "LEFT JOIN notice_mail m ON m.user_id = u.id "
        "WHERE u.id <> :u AND (u.id IN (SELECT user_id FROM dossier_owners WHERE dossier_id = :d) "
        "OR u.id IN (SELECT g.grantee_id FROM grants g "
        "JOIN grant_sections gs ON gs.grant_id = g.id "
        "WHERE g.dossier_id = :d AND gs.section_id = :s AND g.status = 'active' "
        "AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > :now)))"
    )
    .bindparams(
        bindparam("d", type_=Uuid()),
        bindparam("u", type_=Uuid()),
        bindparam("s", type_=Uuid()),
        bindparam("now", type_=UTCDateTime()),
    )
    .columns(id=Uuid())
)
_SECTION = text("SELECT archived_at FROM sections WHERE id = :s AND dossier_id = :d").bindparams(
    bindparam("s", type_=Uuid()), bindparam("d", type_=Uuid())
)
_HEAD = text("SELECT seq, hash FROM audit_chain_heads WHERE chain = :c")
_HEAD_LOCKED = text("SELECT seq, hash FROM audit_chain_heads WHERE chain = :c FOR UPDATE")
_HTML = Environment(autoescape=True).from_string(
    '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Dossier</title>'
    "</head><body><main><h1>Berichten</h1><ol>{% for card in cards %}<li>"
    '<a href="/dossiers/{{ dossier }}/entries/{{ card.id }}">{{ card.title }}</a> '
    '<span>{{ card.kind }}</span> <time datetime="{{ card.at.isoformat() }}">'
    "{{ card.at.strftime('%d-%m-%Y') }}</time></li>{% endfor %}</ol></main></body></html>"
)


@dataclass
class Asker:
    """One request's person in one dossier, with the keys the request opened."""

    user_id: uuid.UUID
    role: str
    name: str
    relation: str | None
    basis: str
    subject_id: uuid.UUID | None  # on whose behalf: the young person the dossier is about
    keyring: crypto.Keyring = field(repr=False)
    secret: bytes | None = field(repr=False)
    _keys: dict[tuple[uuid.UUID, int], bytes] = field(default_factory=dict, repr=False)
    _ciphers: dict[tuple[uuid.UUID, int], AESGCM] = field(default_factory=dict, repr=False)


class Skeleton:
    """The steps, each a method, so the routes read as the list in the module's docstring."""

    def __init__(
        self, engine: Engine, secrets: SecretStore, dossier_id: uuid.UUID, public_url: str
    ) -> None:
        self.engine, self.secrets, self.dossier_id = engine, secrets, dossier_id
        self.public_url = public_url
        self._head = _HEAD_LOCKED if engine.dialect.name == "postgresql" else _HEAD
        self._move = text("UPDATE audit_chain_heads SET seq = :seq, hash = :hash WHERE chain = :c")
        self._event = insert(AuditEvent)
        self.the_dossier = {"object_type": "dossier", "object_id": str(dossier_id)}

    @contextmanager
    def request(self, connection: Connection) -> Iterator[Asker]:
        """Who asks and what she holds here; a stranger or a wrong ticket ends in 404."""
        parsed = parse_ticket(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if parsed is None:
            abort(401)
        session_id, secret = parsed
        row = connection.execute(_SESSION, {"s": session_id}).first()
        now = datetime.now(UTC)
        if (
            row is None
            or not crypto.same_bytes(row.lookup_hash, crypto.session_lookup_hash(secret))
            or row.expires_at <= now
        ):
            abort(401)
        user_id = row.user_id
        standing = connection.execute(
            _STANDING, {"d": self.dossier_id, "u": user_id, "now": now}
        ).first()
        if standing is None:
            abort(404)
        if standing.sweep_due:  # the app would sweep first; the benchmark's dossier never needs it
            abort(503)
        if standing.relation is None and standing.grant_id is None:
            abort(404)
        relation = standing.relation
        basis = f"ownership:{relation}" if relation else f"grant:{standing.grant_id}"
        keyring = crypto.open_keyring(
            row.keyring_sealed,
            crypto.session_key(secret),
            kind=crypto.Kind.KEYRING_BY_SESSION,
            owner=f"{user_id}/{session_id}",
        )
        shredder = self.secrets.read(self.dossier_id)
        yield Asker(
            user_id,
            row.role,
            row.display_name,
            relation,
            basis,
            standing.subject_user_id,
            keyring,
            shredder,
        )

    def key(
        self, connection: Connection, asker: Asker, section_id: uuid.UUID, version: int | None
    ) -> tuple[int, bytes]:
        """A section key the asker holds (the newest when `version` is None), opened once."""
        if version is not None and (section_id, version) in asker._keys:
            return version, asker._keys[(section_id, version)]
        scope = scope_of(section_id)
        params = {"d": self.dossier_id, "u": asker.user_id, "scope": scope}
        if version is None:
            found = connection.execute(_NEWEST_KEY, params).first()
        else:
            found = connection.execute(_KEY, {**params, "v": version}).first()
        if found is None or asker.secret is None:
            abort(404)
        number, sealed, masked = found
        key = crypto.open_from_public_key(
            sealed,
            asker.keyring.exchange,
            seal_info(self.dossier_id, scope, number, str(asker.user_id)),
        )
        if masked:
            binding = {"dossier": str(self.dossier_id), "section": scope, "key_version": number}
            key = crypto.mask_key(key, asker.secret, binding)
        asker._keys[(section_id, number)] = key
        return number, key

    def log(
        self, connection: Connection, asker: Asker, action: Action, at: datetime, **fields: Any
    ) -> None:
        """One event, chained onto the dossier's head in this transaction."""
        chain = chain_for(self.dossier_id)
        seq, head = connection.execute(self._head, {"c": chain}).one()
        event = Event(
            action,
            actor_id=asker.user_id,
            actor_role=asker.role,
            dossier_id=self.dossier_id,
            basis=asker.basis,
            on_behalf_of=asker.subject_id,
            **fields,
        )
        origin = Origin(request.remote_addr, uuid.uuid4().hex)
        values = linked_values(event, origin, at, chain, seq + 1, head)
        connection.execute(self._event, values)
        connection.execute(self._move, {"c": chain, "seq": values["seq"], "hash": values["hash"]})

    def cipher(
        self, connection: Connection, asker: Asker, section_id: uuid.UUID, version: int
    ) -> AESGCM:
        """The section key ready to open with: made once per key, not per row."""
        cipher = asker._ciphers.get((section_id, version))
        if cipher is None:
            cipher = AESGCM(self.key(connection, asker, section_id, version)[1])
            asker._ciphers[(section_id, version)] = cipher
        return cipher

    def opened(
        self,
        connection: Connection,
        asker: Asker,
        blob: bytes,
        where: tuple[str, str, uuid.UUID, uuid.UUID, int, int],
    ) -> str:
        """One field of one object: `where` is its field, object type, section, id, version and
        key version, bound as the app binds them (`dossier.crypto.seal`)."""
        field_name, object_type, section_id, object_id, version, key_version = where
        aad = content_aad(
            field_name, self.dossier_id, section_id, object_type, object_id, version, key_version
        )
        cipher = self.cipher(connection, asker, section_id, key_version)
        return open_content(cipher, blob, aad).decode()

    def cards(self, connection: Connection, asker: Asker, limit: int) -> list[dict[str, Any]]:
        cards = []
        for row in connection.execute(_PAGE, {"d": self.dossier_id, "n": limit}):
            where = ("title", "entry", row.section_id, row.id, row.version, row.key_version)
            title = self.opened(connection, asker, row.title_sealed, where)
            cards.append({"id": row.id, "title": title, "kind": row.kind, "at": row.created_at})
        return cards


def skeleton(settings: Settings | None = None, dossier_id: uuid.UUID | None = None) -> Flask:
    """Under gunicorn from `DOSSIER_*` and `BENCH_DOSSIER_ID`; in-process from the arguments."""
    settings = settings or Settings.from_env(dict(os.environ))
    app = Flask("skeleton")
    engine = make_engine(settings.database_url)
    steps = Skeleton(
        engine,
        open_store(settings),
        dossier_id or uuid.UUID(os.environ["BENCH_DOSSIER_ID"]),
        settings.public_url,
    )
    app.extensions["bench"] = {"engine": engine}

    @app.get("/page")
    def page() -> Response:
        with engine.begin() as connection, steps.request(connection) as asker:
            now = datetime.now(UTC)
            cards = steps.cards(connection, asker, request.args.get("limit", 50, type=int))
            listed = f"{len(cards)} entries"
            steps.log(connection, asker, Action.ENTRY_LIST, now, reason=listed, **steps.the_dossier)
        items = [{"id": str(card["id"]), "title": card["title"]} for card in cards]
        return Response(json.dumps({"items": items}), mimetype="application/json")

    @app.get("/html")
    def html() -> Response:
        with engine.begin() as connection, steps.request(connection) as asker:
            now = datetime.now(UTC)
            cards = steps.cards(connection, asker, request.args.get("limit", 50, type=int))
            steps.log(connection, asker, Action.DOSSIER_OPEN, now, **steps.the_dossier)
        return Response(_HTML.render(cards=cards, dossier=steps.dossier_id), mimetype="text/html")

    @app.get("/entry/<uuid:entry_id>")
    def entry(entry_id: uuid.UUID) -> Response:
        with engine.begin() as connection, steps.request(connection) as asker:
            now = datetime.now(UTC)
            answer = _entry(steps, connection, asker, entry_id)
            steps.log(
                connection,
                asker,
                Action.ENTRY_READ,
                now,
                object_type="entry",
                object_id=str(entry_id),
                reason=f"version {answer.pop('version')}",
            )
        return Response(json.dumps(answer), mimetype="application/json")

    @app.post("/write")
    def write() -> Response:
        posted = request.get_json()
        section_id = uuid.UUID(posted["section_id"])
        with engine.begin() as connection, steps.request(connection) as asker:
            now = datetime.now(UTC)
            entry_id, mails = _write(steps, connection, asker, section_id, posted, now)
            steps.log(
                connection,
                asker,
                Action.ENTRY_CREATE,
                now,
                object_type="entry",
                object_id=str(entry_id),
            )
        for mail in mails:  # after the commit, as the app does
            send(settings.smtp_url, mail)
        return Response(json.dumps({"id": str(entry_id)}), status=201, mimetype="application/json")

    return app


def _entry(
    steps: Skeleton, connection: Connection, asker: Asker, entry_id: uuid.UUID
) -> dict[str, Any]:
    """Title, body and views, each checked against its writer's signature."""
    rows = connection.execute(_ENTRY, {"d": steps.dossier_id, "e": entry_id}).all()
    if not rows:
        abort(404)
    first = rows[0]
    writers = {first.author_id} | {row.view_author for row in rows if row.view_id is not None}
    public: dict[uuid.UUID, bytes] = dict(
        connection.execute(_SIGNING_KEYS, {"ids": list(writers)}).all()
    )
    section_id, version, key_version = first.section_id, first.version, first.key_version
    at = (section_id, first.id, version, key_version)
    title = steps.opened(connection, asker, first.title_sealed, ("title", "entry", *at))
    body = steps.opened(connection, asker, first.body_sealed, ("body", "entry", *at))
    place = Place(steps.dossier_id, section_id, "entry", first.id, version, key_version)
    parts = {"title": title.encode(), "body": body.encode(), "kind": first.kind.encode()}
    verify(public[first.author_id], first.signature, place, first.author_id, parts)
    views = []
    for row in rows:
        if row.view_id is None:
            continue
        where = (section_id, row.view_id, 1, row.view_key_version)
        view = steps.opened(connection, asker, row.view_sealed, ("body", "perspective", *where))
        view_place = Place(steps.dossier_id, section_id, "perspective", *where[1:])
        signed = {"body": view.encode()}
        verify(public[row.view_author], row.view_signature, view_place, row.view_author, signed)
        views.append(view)
    return {"title": title, "body": body, "views": views, "version": version}


def _write(
    steps: Skeleton,
    connection: Connection,
    asker: Asker,
    section_id: uuid.UUID,
    posted: dict[str, str],
    now: datetime,
) -> tuple[uuid.UUID, list[Mail]]:
    """The entry and its first version, sealed under the section's newest key and signed; the
    other readers told, with the mails to send once it is done."""
    if asker.relation is None:
        abort(403)
    section = connection.execute(_SECTION, {"s": section_id, "d": steps.dossier_id}).first()
    if section is None:
        abort(404)
    if section.archived_at is not None:  # out of the way: read, no longer written in
        abort(422)
    key_version, key = steps.key(connection, asker, section_id, None)
    entry_id = uuid.uuid4()
    title, body, kind = posted["title"], posted["body"], posted["kind"]
    place = Place(steps.dossier_id, section_id, "entry", entry_id, 1, key_version)
    signature = sign(
        asker.keyring.signing,
        place,
        asker.user_id,
        {"title": title.encode(), "body": body.encode(), "kind": kind.encode()},
    )
    connection.execute(
        insert(Entry),
        {
            "id": entry_id,
            "dossier_id": steps.dossier_id,
            "section_id": section_id,
            "author_id": asker.user_id,
            "author_role": asker.role,
            "perspective": str(Perspective.CLIENT),
            "kind": kind,
            "current_version": 1,
            "created_at": now,
            "updated_at": now,
        },
    )
    connection.execute(
        insert(EntryVersion),
        {
            "id": uuid.uuid4(),
            "dossier_id": steps.dossier_id,
            "entry_id": entry_id,
            "version": 1,
            "author_id": asker.user_id,
            "created_at": now,
            "key_version": key_version,
            "title_sealed": seal_text(key, title, place, "title"),
            "body_sealed": seal_text(key, body, place, "body"),
            "body_size": len(body.encode()),
            "signature": signature,
        },
    )
    readers = connection.execute(
        _READERS, {"d": steps.dossier_id, "u": asker.user_id, "s": section_id, "now": now}
    ).all()
    if not readers:
        return entry_id, []
    code = readers[0].section_name  # none for a section its owners named: that name is sealed
    section = {"default": DEFAULT_SECTION_NAMES.get(code, code)} if code else {}
    section = section or {"id": str(section_id)}
    words = {"person": asker.name, "sections": [section], "entry": str(entry_id)}
    data = json.dumps(words)
    connection.execute(
        insert(Notice),
        [
            {
                "id": uuid.uuid4(),
                "user_id": reader.id,
                "dossier_id": steps.dossier_id,
                "kind": str(NoticeKind.ENTRY_NEW),
                "data": data,
                "created_at": now,
                "event_key": f"entry:{entry_id}",
            }
            for reader in readers
        ],
    )
    topic = str(TOPICS[NoticeKind.ENTRY_NEW])
    mails = [
        notice_mail(reader.email, NoticeKind.ENTRY_NEW, words, steps.public_url)
        for reader in readers
        if reader.email and topic not in (reader.muted or "").split(",")
    ]
    return entry_id, mails
