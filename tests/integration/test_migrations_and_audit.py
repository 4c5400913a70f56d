"""Migrations build the schema the models describe; use cases leave a verifiable chain behind."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select, update

from dossier import migrations
from dossier.audit import ACCOUNT_CHAIN, verify_chain
from dossier.db import make_engine
from dossier.errors import InvalidCredentials
from dossier.models import AuditEvent, Base, SessionKind
from dossier.services import accounts, sessions
from dossier.services.context import Context
from tests.conftest import PASSWORD
from tests.support import as_database_owner


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert migrations.is_current(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migrations_go_down_and_up_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    migrations.upgrade(engine)
    assert migrations.current_revision(engine) == migrations.head_revision(engine)
    migrations.downgrade(engine, "base")
    assert migrations.current_revision(engine) is None
    migrations.upgrade(engine)
    assert migrations.is_current(engine)
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


def test_an_edited_event_breaks_the_chain(ctx: Context, engine) -> None:  # type: ignore[no-untyped-def]
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
