"""A database that is locked, read-only or full: pages and API answer 503 with `Retry-After`,
`/readyz` fails, nothing is half-written and the audit log still verifies."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from dossier import create_app, migrations
from dossier.cli import main
from dossier.db import make_engine
from dossier.models import Base
from tests.conftest import BACKENDS, PASSWORD, make_settings
from tests.support import Databases, api_login, api_register, csrf_token

SHORT_WAIT = 0.2  # seconds a unit of work waits for a lock before it gives up


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path, databases: Databases) -> str:
    """A migrated database of this test's own, so its timeouts and faults touch no one else."""
    url = f"sqlite:///{tmp_path / 'own.sqlite3'}" if request.param == "sqlite" else databases.new()
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    return url


@contextmanager
def app_on(url: str, keys_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    flask_app = create_app(
        make_settings(
            url,
            keys_dir,
            database_timeout_seconds=SHORT_WAIT,
            dossier_secrets_dir=tmp_path / "secrets",
        )
    )
    try:
        yield flask_app
    finally:
        flask_app.extensions["dossier"]["engine"].dispose()


def a_dossier(client: Any) -> tuple[dict[str, str], str, str]:
    """A youth with her own dossier, logged in to the API: her headers, dossier and section."""
    api_register(client, "sanne@example.nl")
    headers = api_login(client, "sanne@example.nl")
    created = client.post("/api/v1/dossiers", json={"for_self": True}, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    return headers, body["id"], body["sections"][0]["id"]


def write(client: Any, headers: dict[str, str], dossier_id: str, section_id: str) -> Any:
    return client.post(
        f"/api/v1/dossiers/{dossier_id}/entries",
        json={"section_id": section_id, "title": "Gesprek", "body": "Over school", "kind": "note"},
        headers=headers,
    )


def rows(url: str) -> dict[str, int]:
    """How many rows each table holds: any write at all shows here."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def audit_verifies(url: str, keys_dir: Path) -> bool:
    env = {"DOSSIER_DATABASE_URL": url, "DOSSIER_KEYS_DIR": str(keys_dir), "DOSSIER_ENV": "test"}
    result = CliRunner().invoke(main, ["audit", "verify"], env=env)
    return result.exit_code == 0 and "intact" in result.output


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    """Another connection holds what every write needs: SQLite's one write lock, or on
    PostgreSQL the head rows of every audit chain (each use case appends to one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        other = sqlite3.connect(parsed.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = create_engine(parsed)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT * FROM audit_chain_heads FOR UPDATE"))
            yield
    finally:
        engine.dispose()


def assert_unavailable(response: Any, page: bool = False) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert int(response.headers["Retry-After"]) > 0
    if page:
        assert response.mimetype == "text/html"
    else:
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 503


def test_a_write_behind_a_lock_held_past_the_timeout_is_a_503_and_writes_nothing(
    fresh_url: str, keys_dir: Path, tmp_path: Path
) -> None:
    with app_on(fresh_url, keys_dir, tmp_path) as flask_app:
        client = flask_app.test_client()
        headers, dossier_id, section_id = a_dossier(client)
        assert write(client, headers, dossier_id, section_id).status_code == 201
        browser = flask_app.test_client()
        form = f"/dossiers/{dossier_id}/entries/new"
        assert (
            browser.post(
                "/login",
                data={"csrf_token": csrf_token(browser, "/login"), "email": "sanne@example.nl"}
                | {"password": PASSWORD},
            ).status_code
            == 302
        )
        token = csrf_token(browser, form)
        before = rows(fresh_url)

        with write_lock_held(fresh_url):
            assert_unavailable(write(client, headers, dossier_id, section_id))
            page = browser.post(
                form,
                data={"csrf_token": token, "section_id": section_id, "kind": "note"}
                | {"title": "Gesprek", "body": "Over school"},
            )
            assert_unavailable(page, page=True)

        assert rows(fresh_url) == before
        assert write(client, headers, dossier_id, section_id).status_code == 201
    assert audit_verifies(fresh_url, keys_dir)


@contextmanager
def read_only(url: str, keys_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    """An app whose database is read-only: SQLite's file opened read-only; PostgreSQL made
    read-only by setting, as a standby is."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with app_on(f"sqlite:///file:{parsed.database}?mode=ro&uri=true", keys_dir, tmp_path) as ro:
            yield ro
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = parsed.database
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    try:
        with app_on(url, keys_dir, tmp_path) as ro:
            yield ro
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
        admin.dispose()


def test_a_read_only_database_is_not_ready_and_a_write_is_a_503(
    fresh_url: str, keys_dir: Path, tmp_path: Path
) -> None:
    with app_on(fresh_url, keys_dir, tmp_path) as flask_app:
        client = flask_app.test_client()
        headers, dossier_id, section_id = a_dossier(client)
        assert client.get("/readyz").status_code == 200
    before = rows(fresh_url)

    with read_only(fresh_url, keys_dir, tmp_path) as flask_app:
        client = flask_app.test_client()
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.get_json()["checks"]["database"] == "failing"
        assert_unavailable(write(client, headers, dossier_id, section_id))
        joining = {"email": "ma@example.nl", "password": PASSWORD, "display_name": "Ma"}
        assert_unavailable(client.post("/api/v1/accounts", json={**joining, "role": "parent"}))

    assert rows(fresh_url) == before
    with app_on(fresh_url, keys_dir, tmp_path) as flask_app:
        client = flask_app.test_client()
        assert client.get("/readyz").status_code == 200
        assert write(client, headers, dossier_id, section_id).status_code == 201
    assert audit_verifies(fresh_url, keys_dir)


def test_a_full_sqlite_database_is_not_ready_and_a_write_is_a_503(
    keys_dir: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'full.sqlite3'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    with app_on(url, keys_dir, tmp_path) as flask_app:
        client = flask_app.test_client()
        headers, dossier_id, section_id = a_dossier(client)
        before = rows(url)
        app_engine = flask_app.extensions["dossier"]["engine"]

        @event.listens_for(app_engine, "connect")
        def _no_room_to_grow(dbapi_connection: Any, _record: Any) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        app_engine.dispose()
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.get_json()["checks"]["database"] == "failing"
        long_body = {"section_id": section_id, "title": "Lang", "body": "x" * 40_000}
        response = client.post(
            f"/api/v1/dossiers/{dossier_id}/entries",
            json={**long_body, "kind": "note"},
            headers=headers,
        )
        assert_unavailable(response)
        event.remove(app_engine, "connect", _no_room_to_grow)
        app_engine.dispose()
        assert rows(url) == before
        assert client.get("/readyz").status_code == 200
    assert audit_verifies(url, keys_dir)
