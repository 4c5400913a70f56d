"""A database that is locked, read-only, full, or killed and started again: pages and API answer
503 with `Retry-After`, `/readyz` fails, the same app serves again once the database is back,
nothing is half-written and the audit log still verifies.

The restart runs on a scratch PostgreSQL cluster of its own (Debian's initdb and pg_ctl, on a free
loopback port), never on the shared server that other test runs use."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
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
from dossier.models import Base, Entry
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
    # Migrations that copy a table leave free pages behind: a full file has none.
    with sqlite3.connect(tmp_path / "full.sqlite3") as connection:
        connection.execute("VACUUM")
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


# --- PostgreSQL killed and started again ------------------------------------------------------

WAIT = 20.0  # seconds any one step may take before the test calls it a hang


def postgres_binaries() -> Path:
    """The newest PostgreSQL server binaries Debian installed (the tests' own server's)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
    )
    if not found:
        raise pytest.UsageError(
            "No PostgreSQL server binaries in /usr/lib/postgresql/*/bin: install Debian's "
            "postgresql package; this test starts a cluster of its own."
        )
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ScratchCluster:
    """A throw-away PostgreSQL cluster in a temporary folder, run as the `postgres` user when
    the tests run as root (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        self.bin = postgres_binaries()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="dossier-pg-"))
        self.data = self.root / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        done = subprocess.run(
            [*self.as_user, str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0 or not check, f"{program}: {done.stdout}{done.stderr}"

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c max_connections=20"
        )
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def kill(self) -> None:
        """What a crash or an operator's `pg_ctl stop -m immediate` does: no clean shutdown."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def cluster() -> Iterator[ScratchCluster]:
    scratch = ScratchCluster()
    try:
        scratch.create()
        scratch.start()
        admin = create_engine(scratch.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE dossier"))
        admin.dispose()
        yield scratch
    finally:
        scratch.remove()
    assert not scratch.root.exists()


class Writer(threading.Thread):
    """Writes entries one after another, as a busy client would, and keeps every answer."""

    def __init__(self, app: Any, headers: dict[str, str], dossier_id: str, section: str) -> None:
        super().__init__(daemon=True)
        self.app, self.headers, self.dossier_id, self.section = app, headers, dossier_id, section
        self.answers: list[int] = []
        self.stop = threading.Event()
        self.answered = threading.Condition()

    def run(self) -> None:
        client = self.app.test_client()
        while not self.stop.is_set():
            status = write(client, self.headers, self.dossier_id, self.section).status_code
            with self.answered:
                self.answers.append(status)
                self.answered.notify_all()
            time.sleep(0.02)

    def wait_for(self, condition: Any) -> None:
        with self.answered:
            assert self.answered.wait_for(lambda: condition(self.answers), timeout=WAIT), (
                f"no such answer in time: {self.answers}"
            )


@pytest.mark.cluster
def test_postgres_killed_under_write_load_and_started_again(
    cluster: ScratchCluster, keys_dir: Path, tmp_path: Path
) -> None:
    url = cluster.url("dossier")
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    app = create_app(
        make_settings(url, keys_dir, database_timeout_seconds=2, dossier_secrets_dir=tmp_path)
    )
    app_engine = app.extensions["dossier"]["engine"]
    headers, dossier_id, section = a_dossier(app.test_client())

    # Hold one write mid-transaction, its entry sent but not committed, while the server dies.
    arm, in_flight, killed = threading.Event(), threading.Event(), threading.Event()

    @event.listens_for(app_engine, "before_cursor_execute")
    def _hold_an_entry(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if arm.is_set() and sql.startswith("INSERT INTO entries") and not in_flight.is_set():
            in_flight.set()
            killed.wait(WAIT)

    writer = Writer(app, headers, dossier_id, section)
    writer.start()
    try:
        writer.wait_for(lambda answers: answers.count(201) >= 3)
        arm.set()
        assert in_flight.wait(WAIT), "no write reached the database"
        before_kill = len(writer.answers)
        cluster.kill()
        killed.set()
        writer.wait_for(lambda answers: len(answers) >= before_kill + 3)
        while_down = writer.answers[before_kill:]
        cluster.start()
        back = len(writer.answers)
        writer.wait_for(lambda answers: 201 in answers[back + 1 :])
    finally:
        writer.stop.set()
        killed.set()
        writer.join(WAIT)
    assert not writer.is_alive(), "a request hung"
    event.remove(app_engine, "before_cursor_execute", _hold_an_entry)

    assert while_down[0] == 503, "the write in flight when the server died"
    assert set(while_down) == {503}, while_down
    assert set(writer.answers) <= {201, 503}, writer.answers  # never a 500
    # Killed and started again while nobody asked: every pooled connection is dead, and the
    # next request, on the same app, is not the one to find out.
    cluster.kill()
    cluster.start()
    assert write(app.test_client(), headers, dossier_id, section).status_code == 201
    with app_engine.connect() as connection:
        entries = connection.scalar(select(func.count()).select_from(Entry))
    assert entries == writer.answers.count(201) + 1, "every entry answered 201, and no other"
    app_engine.dispose()
    assert audit_verifies(url, keys_dir)
