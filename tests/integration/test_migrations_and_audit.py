"""Migrations build the schema the models describe; use cases leave a verifiable chain behind."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, select, text, update

from dossier import migrations
from dossier.audit import ACCOUNT_CHAIN, verify_chain
from dossier.db import make_engine
from dossier.errors import InvalidCredentials
from dossier.models import (
    AuditEvent,
    Base,
    CorrectionRequest,
    Dossier,
    EmailChange,
    Entry,
    Section,
    SessionKind,
    User,
    UserSession,
)
from dossier.services import accounts, sessions
from dossier.services.context import Context
from tests.conftest import PASSWORD
from tests.support import as_database_owner


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert migrations.is_current(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migrations_go_down_and_up_again(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    migrations.upgrade(engine)
    assert migrations.current_revision(engine) == migrations.head_revision(engine)
    migrations.downgrade(engine, "base")
    assert migrations.current_revision(engine) is None
    migrations.upgrade(engine)
    assert migrations.is_current(engine)
    engine.dispose()


def test_signers_arrive_without_losing_a_row(tmp_path, databases) -> None:
    """Revision 0007 adds its columns in place. Copying a table instead (SQLite's way to add a
    foreign key) would delete every row that cascades from it: sections, entries, requests."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    user, dossier, section, entry, request = (uuid.uuid4() for _ in range(5))
    rows = [
        (
            User,
            {
                "id": user,
                "email": "marieke@example.nl",
                "display_name": "Marieke",
                "role": "parent",
                "created_at": now,
                "kdf_salt": bytes(16),
                "kdf_time_cost": 1,
                "kdf_memory_kib": 8,
                "kdf_lanes": 1,
                "auth_verifier": bytes(32),
                "exchange_public_key": bytes(32),
                "signing_public_key": bytes(32),
                "keyring_by_password": b"sealed",
                "keyring_by_recovery": b"sealed",
                "password_changed_at": now,
            },
        ),
        (
            Dossier,
            {
                "id": dossier,
                "subject_birth_date": date(2016, 5, 1),
                "subject_name_sealed": b"sealed",
                "name_key_version": 1,
                "created_by": user,
                "created_at": now,
            },
        ),
        (
            Section,
            {
                "id": section,
                "dossier_id": dossier,
                "name_sealed": b"sealed",
                "name_key_version": 1,
                "position": 0,
                "created_at": now,
            },
        ),
        (
            Entry,
            {
                "id": entry,
                "dossier_id": dossier,
                "section_id": section,
                "author_id": user,
                "author_role": "parent",
                "perspective": "family",
                "kind": "note",
                "current_version": 1,
                "created_at": now,
                "updated_at": now,
            },
        ),
        (
            CorrectionRequest,
            {
                "id": request,
                "dossier_id": dossier,
                "entry_id": entry,
                "requested_by": user,
                "author_id": user,
                "removal": False,
                "created_at": now,
                "key_version": 1,
                "reason_sealed": b"sealed",
                "status": "open",
            },
        ),
    ]
    for url in (f"sqlite:///{tmp_path / 'before-0007.sqlite3'}", databases.new()):
        engine = make_engine(url)
        migrations.upgrade(engine, "0006")
        with engine.begin() as connection:
            for model, values in rows:
                connection.execute(model.__table__.insert().values(**values))
        migrations.upgrade(engine)
        with engine.connect() as connection:
            for model, _values in rows:
                assert connection.scalar(select(func.count()).select_from(model)) == 1
            assert connection.scalar(select(Section.name_signed_by)) is None
            assert connection.scalar(select(CorrectionRequest.reason_signed_by)) is None
        engine.dispose()


def test_account_events_form_one_intact_chain(ctx: Context) -> None:
    accounts.register(
        ctx,
        accounts.NewAccount(
            "sanne@example.nl", PASSWORD, "Sanne", "youth", birth_date=date(2012, 1, 5)
        ),
    )
    ticket = sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    with pytest.raises(InvalidCredentials):
        sessions.log_in(ctx, "sanne@example.nl", "wrong password here", SessionKind.WEB)
    actor = sessions.authenticate(ctx, ticket.token, SessionKind.WEB)
    assert actor is not None
    sessions.log_out(ctx, actor)
    with ctx.unit_of_work() as db:
        events = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert [e.seq for e in events] == [1, 2, 3, 4]
        assert {e.chain for e in events} == {ACCOUNT_CHAIN}
        assert events[1].prev_hash == events[0].hash
        assert all(e.actor_id == actor.user_id for e in events)
        assert verify_chain(db, ACCOUNT_CHAIN) is None
        for event in events:
            assert PASSWORD not in event.body


def test_an_edited_event_breaks_the_chain(ctx: Context, engine) -> None:
    accounts.register(
        ctx,
        accounts.NewAccount(
            "sanne@example.nl", PASSWORD, "Sanne", "youth", birth_date=date(2012, 1, 5)
        ),
    )
    sessions.log_in(ctx, "sanne@example.nl", PASSWORD, SessionKind.WEB)
    with ctx.unit_of_work() as db:
        body = db.scalar(select(AuditEvent.body).where(AuditEvent.seq == 1))
    with as_database_owner(engine) as connection:
        connection.execute(
            update(AuditEvent)
            .where(AuditEvent.seq == 1)
            .values(body=body.replace('"success"', '"denied"'))
        )
    with ctx.unit_of_work() as db:
        broken = verify_chain(db, ACCOUNT_CHAIN)
    assert broken is not None and broken.sequence == 1


def test_approvers_arrive_and_leave_without_touching_a_row(tmp_path, databases) -> None:
    """Revision 0008 only adds tables: up and down again on both backends, rows stay."""
    from sqlalchemy import inspect

    new_tables = {"approvers", "grant_holds", "grant_releases", "held_keys"}
    user = {
        "id": uuid.uuid4(),
        "email": "ilse@example.nl",
        "display_name": "Ilse",
        "role": "parent",
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "kdf_salt": b"s" * 16,
        "kdf_time_cost": 1,
        "kdf_memory_kib": 8,
        "kdf_lanes": 1,
        "auth_verifier": b"v" * 32,
        "exchange_public_key": b"x" * 32,
        "signing_public_key": b"s" * 32,
        "keyring_by_password": b"k",
        "keyring_by_recovery": b"r",
        "password_changed_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    for url in (f"sqlite:///{tmp_path / 'before-0008.sqlite3'}", databases.new()):
        engine = make_engine(url)
        migrations.upgrade(engine, "0007")
        assert not new_tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(User.__table__.insert().values(**user))
        migrations.upgrade(engine)
        assert new_tables <= set(inspect(engine).get_table_names())
        migrations.downgrade(engine, "0007")
        assert not new_tables & set(inspect(engine).get_table_names())
        migrations.upgrade(engine)
        with engine.connect() as connection:
            assert connection.scalar(select(User.display_name)) == "Ilse"
        engine.dispose()


def test_account_columns_arrive_without_losing_a_row(tmp_path, databases) -> None:
    """Revision 0009 adds nullable columns to `users` and `user_sessions` in place (copying
    `users` on SQLite would cascade-delete every session) and the table of e-mail changes; going
    down takes them away again and keeps every row."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    user, session = uuid.uuid4(), uuid.uuid4()
    account = {
        "id": user,
        "email": "sanne@example.nl",
        "display_name": "Sanne",
        "role": "youth",
        "created_at": now,
        "kdf_salt": bytes(16),
        "kdf_time_cost": 1,
        "kdf_memory_kib": 8,
        "kdf_lanes": 1,
        "auth_verifier": bytes(32),
        "exchange_public_key": bytes(32),
        "signing_public_key": bytes(32),
        "keyring_by_password": b"sealed",
        "keyring_by_recovery": b"sealed",
        "password_changed_at": now,
    }
    login = {
        "id": session,
        "user_id": user,
        "kind": "web",
        "lookup_hash": bytes(32),
        "keyring_sealed": b"sealed",
        "created_at": now,
        "last_seen_at": now,
        "expires_at": now,
    }
    for url in (f"sqlite:///{tmp_path / 'before-0009.sqlite3'}", databases.new()):
        engine = make_engine(url)
        migrations.upgrade(engine, "0008")
        with engine.begin() as connection:
            connection.execute(User.__table__.insert().values(**account))
            connection.execute(UserSession.__table__.insert().values(**login))
        migrations.upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(select(User.language, User.removed_at)).one() == (None, None)
            assert connection.execute(
                select(UserSession.user_id, UserSession.browser, UserSession.platform)
            ).one() == (user, None, None)
            assert connection.scalar(select(func.count()).select_from(EmailChange)) == 0
        with engine.begin() as connection:
            connection.execute(
                EmailChange.__table__.insert().values(
                    id=uuid.uuid4(),
                    user_id=user,
                    new_email="sanne.nieuw@example.nl",
                    lookup_hash=bytes(32),
                    created_at=now,
                    expires_at=now,
                )
            )
        migrations.downgrade(engine, "0008")
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM user_sessions")) == 1
            assert connection.scalar(text("SELECT count(*) FROM users")) == 1
        engine.dispose()


def test_news_arrives_and_leaves_without_losing_a_notice(tmp_path, databases) -> None:
    """Revision 0010 adds a column in place and a table: up and down again on both backends,
    and a notice made before it stays, without an event key."""
    from sqlalchemy import inspect

    from dossier.models import Notice

    user = uuid.uuid4()
    columns = {
        "id": user,
        "email": "sanne@example.nl",
        "display_name": "Sanne",
        "role": "youth",
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "kdf_salt": b"s" * 16,
        "kdf_time_cost": 1,
        "kdf_memory_kib": 8,
        "kdf_lanes": 1,
        "auth_verifier": b"v" * 32,
        "exchange_public_key": b"x" * 32,
        "signing_public_key": b"s" * 32,
        "keyring_by_password": b"k",
        "keyring_by_recovery": b"r",
        "password_changed_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    notice = {
        "id": uuid.uuid4(),
        "user_id": user,
        "kind": "grant.active",
        "data": "{}",
        "created_at": datetime(2026, 1, 2, tzinfo=UTC),
    }
    for url in (f"sqlite:///{tmp_path / 'before-0010.sqlite3'}", databases.new()):
        engine = make_engine(url)
        migrations.upgrade(engine, "0009")
        with engine.begin() as connection:
            connection.execute(User.__table__.insert().values(**columns))
            connection.execute(
                Notice.__table__.insert().values(**notice)  # as revision 0009 knew it
            )
        migrations.upgrade(engine)
        assert "notice_mail" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            assert connection.execute(select(Notice.kind, Notice.event_key)).all() == [
                ("grant.active", None)
            ]
        migrations.downgrade(engine, "0009")
        assert "notice_mail" not in inspect(engine).get_table_names()
        assert "event_key" not in {c["name"] for c in inspect(engine).get_columns("notices")}
        migrations.upgrade(engine)
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Notice)) == 1
        engine.dispose()
