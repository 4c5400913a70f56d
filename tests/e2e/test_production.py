"""The production configuration without containers: `dossier serve` on PostgreSQL and Redis, as
README's "Deploy" section runs it, driven over HTTP; then the worker; then its log, read for
secrets. Also what `serve` refuses to start on. And the same scenario through two `dossier serve`
replicas at once, with the dossier secrets in their own database (README, "Scale out")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from dossier.db import make_engine
from dossier.secret_store import DatabaseSecretStore
from tests.e2e.servers import Http, dossier_command, free_port, serving, wait_ready
from tests.support import Databases

REDIS_URL = os.environ.get("DOSSIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
PASSWORD = "een geheim wachtwoord voor productie"
TITLE = "Gesprek met mentor over de havo"
BODY = "Ik wil graag naar de havo en heb hulp nodig bij wiskunde."
SEARCH_TERM = "wiskunde"


@pytest.fixture
def production(databases: Databases, tmp_path: Path) -> Iterator[dict[str, Any]]:
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    port = free_port()
    env = {
        **os.environ,
        "DOSSIER_ENV": "production",
        "DOSSIER_DATABASE_URL": databases.new(),
        "DOSSIER_KEYS_DIR": str(tmp_path / "keys"),
        "DOSSIER_REDIS_URL": REDIS_URL,
        "DOSSIER_BIND": f"127.0.0.1:{port}",
        "DOSSIER_WORKERS": "2",
        "DOSSIER_THREADS": "2",
        "DOSSIER_CHECKPOINT_EVERY_EVENTS": "1",
    }
    env.pop("DOSSIER_DEBUG", None)
    yield {"env": env, "port": port, "log": tmp_path / "serve.log", "redis": redis}
    redis.flushdb()
    redis.close()


def test_serve_refuses_what_production_must_not_run_on(production: dict[str, Any]) -> None:
    env = production["env"]
    without_keys = dossier_command("serve", env=env)
    assert without_keys.returncode != 0 and "Server keys missing" in without_keys.stderr
    on_sqlite = dossier_command("serve", env={**env, "DOSSIER_DATABASE_URL": "sqlite:///x.db"})
    assert on_sqlite.returncode != 0 and "PostgreSQL" in on_sqlite.stderr
    debug = dossier_command("serve", env={**env, "DOSSIER_DEBUG": "true"})
    assert debug.returncode != 0 and "DOSSIER_DEBUG" in debug.stderr
    together = dossier_command(
        "serve", env={**env, "DOSSIER_SECRETS_URL": env["DOSSIER_DATABASE_URL"]}
    )  # an old backup of the main database would hold what opens it
    assert together.returncode != 0 and "DOSSIER_SECRETS_URL" in together.stderr
    own_limits = dossier_command("serve", env={**env, "DOSSIER_REDIS_URL": ""})
    assert own_limits.returncode != 0 and "DOSSIER_REDIS_URL" in own_limits.stderr
    behind = dossier_command("serve", env={**env, "DOSSIER_CREATE_KEYS": "true"})
    assert behind.returncode != 0 and "dossier db upgrade" in behind.stderr


def test_a_production_server_serves_queues_and_logs_no_secret(production: dict[str, Any]) -> None:
    env, log_path = production["env"], production["log"]
    assert dossier_command("db", "upgrade", env=env).returncode == 0
    http = Http(f"http://127.0.0.1:{production['port']}")
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "dossier.cli", "serve"],
            env={**env, "DOSSIER_CREATE_KEYS": "true"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            ready = wait_ready(http.base, process)
            assert ready == {
                "status": "ok",
                "checks": {
                    "database": "ok",
                    "keys": "ok",
                    "migrations": "ok",
                    "redis": "ok",
                    "secrets": "ok",
                },
            }
            assert http.call("GET", "/healthz") == (200, {"status": "ok"})
            secrets = run_scenario(http)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    assert process.returncode == 0

    limits = list(production["redis"].scan_iter(match="LIMITS:LIMITER/account:*"))
    assert limits, "the login limits are counted in Redis, shared by every process"
    assert not any(b"@" in key for key in limits)  # by a hash of the address, not the address
    queued = production["redis"].llen("rq:queue:dossier")
    assert queued >= 1  # the e-mail telling the mother she was given access waits on the queue
    worked = dossier_command("worker", "--once", env=env)
    assert worked.returncode == 0, worked.stderr
    assert production["redis"].llen("rq:queue:dossier") == 0
    verified = dossier_command("audit", "verify", env=env)
    assert verified.returncode == 0 and "intact" in verified.stdout
    assert " 0 checkpoints" not in verified.stdout

    lines = log_path.read_text().splitlines()
    assert lines, "the server wrote no log"
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    requests = [r for r in records if r.get("logger") == "dossier.request"]
    assert len(requests) >= 8
    assert all(len(r["request_id"]) == 32 and r["status"] for r in requests)
    everything = log_path.read_text() + worked.stdout + worked.stderr
    for secret in secrets:
        assert secret not in everything, "a secret reached the log"


def test_two_production_servers_serve_one_scenario_turn_by_turn(
    production: dict[str, Any], secrets_database_url: str, tmp_path: Path
) -> None:
    """Every request of the scenario goes to the other replica than the one before: each
    replica has a working directory of its own, and they share only the keys (read-only), the
    databases and Redis."""
    env = {**production["env"], "DOSSIER_SECRETS_URL": secrets_database_url}
    refused = dossier_command("serve", env=env)
    assert refused.returncode != 0, refused.stderr  # no keys yet
    prepared = dossier_command("prepare", env={**env, "DOSSIER_CREATE_KEYS": "true"})
    assert prepared.returncode == 0 and "secrets' database ready" in prepared.stdout
    keys_dir = Path(env["DOSSIER_KEYS_DIR"])
    for key in keys_dir.iterdir():
        key.chmod(0o400)
    keys_dir.chmod(0o500)  # mounted read-only, as container secrets are
    try:
        with serving(env, [tmp_path / "one", tmp_path / "two"]) as replicas:
            for replica in replicas:
                status, ready = Http(replica.base).call("GET", "/readyz")
                assert status == 200 and ready["checks"]["secrets"] == "ok"
            secrets = run_scenario(Http(*(replica.base for replica in replicas)))
    finally:
        keys_dir.chmod(0o700)
    assert all(replica.process.returncode == 0 for replica in replicas)
    assert not (keys_dir / "dossiers").exists()  # no dossier secret on any disk
    for replica in replicas:
        assert not list(replica.workdir.rglob("*.key"))
        requests = [
            json.loads(line)
            for line in replica.log.read_text().splitlines()
            if '"dossier.request"' in line
        ]
        assert len(requests) >= 6  # each replica served its half
        assert all(secret not in replica.log.read_text() for secret in secrets)
    store = DatabaseSecretStore(make_engine(secrets_database_url))
    try:
        assert store.ready()
    finally:
        store.close()
    verified = dossier_command("audit", "verify", env=env)
    assert verified.returncode == 0 and "intact" in verified.stdout


def run_scenario(http: Http) -> list[str]:
    """Register, log in, make a dossier, write, search, share, revoke. Returns what must never
    be logged."""
    status, created = http.call(
        "POST",
        "/api/v1/accounts",
        {
            "email": "noor@example.nl",
            "password": PASSWORD,
            "display_name": "Noor",
            "role": "youth",
            "birth_date": "2008-04-02",
        },
    )
    assert status == 201, created
    status, mother = http.call(
        "POST",
        "/api/v1/accounts",
        {
            "email": "moeder@example.nl",
            "password": PASSWORD,
            "display_name": "Ma",
            "role": "parent",
        },
    )
    assert status == 201, mother
    status, session = http.call(
        "POST", "/api/v1/sessions", {"email": "noor@example.nl", "password": PASSWORD}
    )
    assert status == 201, session
    http.token = session["token"]
    status, dossier = http.call("POST", "/api/v1/dossiers", {"for_self": True})
    assert status == 201, dossier
    dossier_id, section_id = dossier["id"], dossier["sections"][0]["id"]
    status, entry = http.call(
        "POST",
        f"/api/v1/dossiers/{dossier_id}/entries",
        {"section_id": section_id, "title": TITLE, "body": BODY, "kind": "note"},
    )
    assert status == 201, entry
    status, found = http.call("GET", f"/api/v1/dossiers/{dossier_id}/entries?q={SEARCH_TERM}")
    assert status == 200 and [item["title"] for item in found["items"]] == [TITLE]
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    status, grant = http.call(
        "POST",
        f"/api/v1/dossiers/{dossier_id}/grants",
        {
            "grantee_email": "moeder@example.nl",
            "section_ids": [section_id],
            "permission": "read",
            "expires_at": until,
        },
    )
    assert status == 201 and grant["status"] == "active", grant
    status, _ = http.call("DELETE", f"/api/v1/dossiers/{dossier_id}/grants/{grant['id']}")
    assert status == 204
    status, looked = http.call("GET", f"/api/v1/dossiers/{dossier_id}/access-log")
    assert status == 200 and looked
    return [
        PASSWORD,
        created["recovery_code"],
        mother["recovery_code"],
        session["token"],
        TITLE,
        BODY,
        SEARCH_TERM,
    ]
