"""What a thief with the whole database (and keys/) gets: no password, code or private key."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, inspect, select, text

from dossier import crypto
from dossier.models import SessionKind, User, UserSession
from dossier.services import accounts, sessions
from dossier.services.context import Context
from tests.conftest import PASSWORD

RECOVERY_RESET_PASSWORD = "the password after a reset"


def dump_database(engine: Engine) -> bytes:
    """Every value of every table, as bytes, the way an attacker with a backup would see it."""
    chunks: list[bytes] = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                for value in row:
                    if value is None:
                        continue
                    chunks.append(
                        bytes(value)
                        if isinstance(value, bytes | memoryview)
                        else str(value).encode()
                    )
    return b"\x00".join(chunks)


def forms_of(secret: bytes) -> list[bytes]:
    """A secret as raw bytes and in the encodings a careless store might use."""
    return [
        secret,
        secret.hex().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret).rstrip(b"="),
    ]


def test_database_holds_no_password_recovery_code_or_private_key(
    ctx: Context, engine: Engine, keys_dir: Path
) -> None:
    registration = accounts.register(
        ctx,
        accounts.NewAccount(
            "sanne@example.nl", PASSWORD, "Sanne", "youth", birth_date=date(2012, 1, 5)
        ),
        start_session=SessionKind.WEB,
    )
    ticket = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.API)
    actor = sessions.authenticate(ctx, ticket.token, SessionKind.API)
    assert actor is not None
    with ctx.unit_of_work() as db:
        keyring = sessions.unlock_keyring(db, actor)
    new_code = accounts.reset_password(
        ctx, "sanne@example.nl", registration.recovery_code, RECOVERY_RESET_PASSWORD
    )
    sessions.log_in(ctx, "sanne@example.nl", RECOVERY_RESET_PASSWORD, SessionKind.WEB)

    dump = dump_database(engine)
    assert b"sanne@example.nl" in dump  # the dump really holds the account
    private_parts = keyring.to_bytes()
    secrets = [
        PASSWORD.encode(),
        RECOVERY_RESET_PASSWORD.encode(),
        registration.recovery_code.encode(),
        new_code.encode(),
        crypto.parse_recovery_code(registration.recovery_code),
        crypto.parse_recovery_code(new_code),
        private_parts[1:33],  # X25519 private key
        private_parts[33:],  # Ed25519 private key
        ticket.token.encode(),
    ]
    for secret in secrets:
        for form in forms_of(secret):
            assert form not in dump, f"found a secret in the database ({len(secret)} bytes)"
    for key_file in (path for path in keys_dir.rglob("*") if path.is_file()):
        for secret in secrets:
            assert secret not in key_file.read_bytes()


def test_database_and_server_keys_cannot_open_a_session_without_its_cookie(
    ctx: Context, engine: Engine, keys_dir: Path
) -> None:
    accounts.register(
        ctx,
        accounts.NewAccount(
            "sanne@example.nl", PASSWORD, "Sanne", "youth", birth_date=date(2012, 1, 5)
        ),
    )
    ticket = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    with ctx.unit_of_work() as db:
        row = db.scalar(select(UserSession))
        assert row is not None
        sealed, lookup, owner = row.keyring_sealed, row.lookup_hash, f"{row.user_id}/{row.id}"

    # Every 32-byte value the attacker holds (database rows and server key files) as a key.
    dump = dump_database(engine)
    candidates = {dump[i : i + 32] for i in range(0, len(dump) - 31)}
    for key_file in (path for path in keys_dir.rglob("*") if path.is_file()):
        data = key_file.read_bytes()
        candidates |= {data[i : i + 32] for i in range(0, len(data) - 31)}
        candidates.add(crypto.session_key(data.strip()))
    candidates.add(crypto.session_key(lookup))
    opened = 0
    for candidate in candidates:
        try:
            crypto.open_keyring(sealed, candidate, kind=crypto.Kind.KEYRING_BY_SESSION, owner=owner)
            opened += 1
        except crypto.CryptoError:
            pass
    assert opened == 0

    # With the cookie's secret it opens.
    _session_id, secret = sessions.parse_ticket(ticket.token) or (None, b"")
    keyring = crypto.open_keyring(
        sealed, crypto.session_key(secret), kind=crypto.Kind.KEYRING_BY_SESSION, owner=owner
    )
    with ctx.unit_of_work() as db:
        user = db.get(User, row.user_id)
        assert user is not None
        assert keyring.exchange_public == user.exchange_public_key
