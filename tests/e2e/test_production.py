"""The production configuration without containers: `dossier serve` on PostgreSQL and Redis, as
README's "Deploy" section runs it, driven over HTTP; then the worker; then its log, read for
secrets. Also what `serve` refuses to start on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from tests.support import Databases

REDIS_URL = os.environ.get("DOSSIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
PASSWORD = "een geheim wachtwoord voor productie"
TITLE = "Gesprek met mentor over de havo"
BODY = "Ik wil graag naar de havo en heb hulp nodig bij wiskunde."
SEARCH_TERM = "wiskunde"


def dossier_command(*args: str, env: dict[str, str], **options: Any) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dossier.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **options,
    )


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Http:
    def __init__(self, base: str) -> None:
        self.base = base
        self.token: str | None = None

    def call(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


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


def wait_ready(http: Http, process: subprocess.Popen) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "dossier serve stopped while starting"
        try:
            status, body = http.call("GET", "/readyz")
        except OSError:
            time.sleep(0.3)
            continue
        if status == 200:
            return body
        time.sleep(0.3)
    raise AssertionError("dossier serve never became ready")


def test_serve_refuses_what_production_must_not_run_on(production: dict[str, Any]) -> None:
    env = production["env"]
    without_keys = dossier_command("serve", env=env)
    assert without_keys.returncode != 0 and "Server keys missing" in without_keys.stderr
    on_sqlite = dossier_command("serve", env={**env, "DOSSIER_DATABASE_URL": "sqlite:///x.db"})
    assert on_sqlite.returncode != 0 and "PostgreSQL" in on_sqlite.stderr
    debug = dossier_command("serve", env={**env, "DOSSIER_DEBUG": "true"})
    assert debug.returncode != 0 and "DOSSIER_DEBUG" in debug.stderr
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
            ready = wait_ready(http, process)
            assert ready == {
                "status": "ok",
                "checks": {"database": "ok", "keys": "ok", "migrations": "ok", "redis": "ok"},
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
