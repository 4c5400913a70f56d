"""Shared fixtures: one migrated database per backend, one app per backend, a clean slate per test.

Every test that asks for `app`, `client`, `ctx` or `engine` runs twice: on SQLite and on
PostgreSQL (`DOSSIER_TEST_POSTGRES_URL`). A missing or unreachable PostgreSQL is an error, never
a skip, so a green run always means both backends were exercised.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, delete, text
from sqlalchemy.engine import make_url

from dossier import create_app, migrations
from dossier.audit import ACCOUNT_CHAIN, GENESIS_HASH
from dossier.config import Settings
from dossier.crypto import KdfCost
from dossier.db import make_engine, make_session_factory, normalize_url
from dossier.edge.limits import limiter
from dossier.keys import init_keys, load_keys
from dossier.models import AuditChainHead, Base
from dossier.services.context import Context

CHEAP_KDF = KdfCost(time_cost=1, memory_kib=8, lanes=1)
PASSWORD = "a long enough test password"
BACKENDS = ["sqlite", "postgresql"]


@dataclass
class Clock:
    """Real time plus an offset the test can move forward."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    init_keys(directory)
    return directory


def _postgres_admin_url() -> str:
    url = os.environ.get("DOSSIER_TEST_POSTGRES_URL")
    if not url:
        raise pytest.UsageError(
            "DOSSIER_TEST_POSTGRES_URL is not set: every database test runs on PostgreSQL too. "
            "`make test` sets it to the local server."
        )
    return normalize_url(url)


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A fresh SQLite file and a fresh PostgreSQL database, migrated once for the whole run."""
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    admin_url = make_url(_postgres_admin_url())
    name = f"dossier_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    postgres_url = admin_url.set(database=name).render_as_string(hide_password=False)
    urls = {"sqlite": sqlite_url, "postgresql": postgres_url}
    for url in urls.values():
        engine = make_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
    yield urls
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def secrets_database_url() -> Iterator[str]:
    """The dossier secrets' own PostgreSQL database, beside the test server's (its name plus
    `_secrets`), made when missing and kept: rows are per dossier, and dossier ids are random."""
    from sqlalchemy.exc import ProgrammingError

    from dossier.secret_store import close_stores

    admin_url = make_url(_postgres_admin_url())
    name = f"{admin_url.database or 'postgres'}_secrets"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if found is None:
            with suppress(ProgrammingError):  # made by another run at the same moment
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    close_stores()


@pytest.fixture(scope="session")
def clock() -> Clock:
    return Clock()


def make_settings(database_url: str, keys_dir: Path, **overrides: object) -> Settings:
    return Settings(
        env="test", database_url=database_url, keys_dir=keys_dir, kdf_cost=CHEAP_KDF
    ).with_overrides(**overrides)


@pytest.fixture(scope="session")
def apps(
    database_urls: dict[str, str], keys_dir: Path, clock: Clock
) -> Iterator[dict[str, object]]:
    built = {
        backend: create_app(make_settings(url, keys_dir), clock=clock)
        for backend, url in database_urls.items()
    }
    yield built
    for flask_app in built.values():
        flask_app.extensions["dossier"]["engine"].dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def wipe(engine: Engine) -> None:
    """Empty every table and restart the account chain: each test starts from a new database."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # The append-only triggers refuse this to everyone; tests start over as a superuser.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
        connection.execute(
            AuditChainHead.__table__.insert().values(
                chain=ACCOUNT_CHAIN, dossier_id=None, seq=0, hash=GENESIS_HASH
            )
        )


@pytest.fixture
def app(apps: dict[str, object], backend: str, clock: Clock):
    flask_app = apps[backend]
    wipe(flask_app.extensions["dossier"]["engine"])
    clock.offset = timedelta()
    with flask_app.app_context():
        limiter.reset()
    return flask_app


@pytest.fixture
def engine(app) -> Engine:
    return app.extensions["dossier"]["engine"]


@pytest.fixture
def ctx(app, clock: Clock) -> Context:
    state = app.extensions["dossier"]
    return Context(sessions=state["sessions"], settings=state["settings"], clock=clock)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session_factory(engine: Engine):
    return make_session_factory(engine)


def login_actor(ctx: Context, email: str):
    """The actor behind a fresh browser session, for calling services directly."""
    from dossier.models import SessionKind
    from dossier.services import sessions

    ticket = sessions.log_in(ctx, email, PASSWORD, SessionKind.WEB)
    return sessions.authenticate(ctx, ticket.token, SessionKind.WEB)


@pytest.fixture
def keyed(ctx: Context, keys_dir) -> Context:
    return Context(
        ctx.sessions, ctx.settings, clock=ctx.clock, audit_key=load_keys(keys_dir).audit_signing_key
    )


@pytest.fixture
def shared_world(keyed: Context):
    """The sharing scenario: a youth of 14 and her parent share Care with a care worker, who has
    read the youth's plan; staff to check and audit. Built by `tests.support.youth_world`."""
    from dossier.services import entries
    from tests.support import CARE_WORKER, youth_world

    world = youth_world(keyed)
    world.staff()
    anne = world.care_worker()
    plan = world.write(world.youth, "care", "Plan van aanpak", "Stappen", "plan")
    grant = world.share(CARE_WORKER, "contribute")
    entries.read_entry(keyed, anne, world.dossier.id, plan)
    return {
        "ctx": keyed,
        "sanne": world.youth,
        "marieke": world.guardian,
        "anne": anne,
        "dossier": world.dossier.id,
        "plan": plan,
        "grant": grant,
        "dossier_sections": [section.id for section in world.dossier.sections],
        "auditor": login_actor(keyed, "auditor@example.nl"),
    }


@pytest.fixture
def databases() -> Iterator[object]:
    """Fresh PostgreSQL databases on demand, for tests that need one of their own."""
    from tests.support import Databases

    made = Databases(_postgres_admin_url())
    yield made
    made.close()
