"""Two app replicas, as a scale-out deployment runs them (README, "Scale out"): two `dossier serve`
processes, each in a working directory of its own, sharing only the static keys (read-only) and
the databases: PostgreSQL for the dossiers, a second PostgreSQL database for the dossier
secrets, and Redis for the limits and the queue. Whatever one replica does, the other knows at
once; and two replicas writing to one dossier at once keep one unbroken access log."""

from __future__ import annotations

import itertools
import os
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import text

from dossier.db import make_engine
from dossier.secret_store import DatabaseSecretStore
from tests.conftest import _postgres_admin_url
from tests.e2e.servers import Browser, Http, Replica, dossier_command, serving
from tests.support import Databases

REDIS_URL = os.environ.get("DOSSIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
PASSWORD = "een geheim wachtwoord voor twee"
WRITERS, WRITES_EACH = 8, 5


@pytest.fixture(scope="module")
def deployment(
    tmp_path_factory: pytest.TempPathFactory, secrets_database_url: str
) -> Iterator[dict[str, Any]]:
    """Prepared once (keys, migrations, the secrets' table), then two replicas started."""
    databases = Databases(_postgres_admin_url())
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    root = tmp_path_factory.mktemp("replicas")
    keys_dir = root / "keys"
    env = {
        **os.environ,
        "DOSSIER_ENV": "production",
        "DOSSIER_DATABASE_URL": databases.new(),
        "DOSSIER_SECRETS_URL": secrets_database_url,
        "DOSSIER_KEYS_DIR": str(keys_dir),
        "DOSSIER_REDIS_URL": REDIS_URL,
        "DOSSIER_WORKERS": "2",
        "DOSSIER_THREADS": "4",
    }
    env.pop("DOSSIER_DEBUG", None)
    env.pop("DOSSIER_SECRETS_DIR", None)
    prepared = dossier_command("prepare", env={**env, "DOSSIER_CREATE_KEYS": "true"})
    assert prepared.returncode == 0, prepared.stderr
    unprepared = {**env, "DOSSIER_SECRETS_URL": databases.new()}  # a database without the table
    refused = dossier_command("serve", env=unprepared)
    assert refused.returncode != 0 and "dossier prepare" in refused.stderr
    keys_dir.chmod(0o500)  # the static keys, mounted read-only on every replica
    try:
        with serving(env, [root / "one", root / "two"]) as replicas:
            yield {"env": env, "replicas": replicas, "keys": keys_dir}
    finally:
        keys_dir.chmod(0o700)
        redis.flushdb()
        redis.close()
        databases.close()


def api(replica: Replica, token: str | None = None) -> Http:
    http = Http(replica.base)
    http.token = token
    return http


def register(replica: Replica, email: str, role: str, **extra: str) -> None:
    body = {"email": email, "password": PASSWORD, "display_name": email.split("@")[0], "role": role}
    status, answer = api(replica).call("POST", "/api/v1/accounts", {**body, **extra})
    assert status == 201, answer


def log_in(replica: Replica, email: str) -> str:
    status, session = api(replica).call(
        "POST", "/api/v1/sessions", {"email": email, "password": PASSWORD}
    )
    assert status == 201, session
    return str(session["token"])


def titles(replica: Replica, token: str, dossier_id: str) -> tuple[int, list[str]]:
    status, page = api(replica, token).call("GET", f"/api/v1/dossiers/{dossier_id}/entries")
    return status, [item["title"] for item in page["items"]] if status == 200 else []


def test_what_one_replica_does_the_other_knows_at_once(deployment: dict[str, Any]) -> None:
    one, two = deployment["replicas"]
    register(one, "noor@example.nl", "youth", birth_date="2006-04-02")
    register(two, "moeder@example.nl", "parent")

    # A session made on one replica works on the other: an API token, and a browser's login
    # whose form came from one replica and was sent to the other.
    noor = log_in(one, "noor@example.nl")
    status, me = api(two, noor).call("GET", "/api/v1/me")
    assert status == 200 and me["email"] == "noor@example.nl"
    browser = Browser()
    token = browser.csrf_token(one.base, "/login")
    form = {"csrf_token": token, "email": "noor@example.nl", "password": PASSWORD}
    status, _ = browser.request(two.base, "POST", "/login", form)
    assert status == 302 and "dossier_session" in browser.cookies
    status, start = browser.request(one.base, "GET", "/start")
    assert status == 200 and "noor" in start

    # A dossier written on one replica reads on the other.
    status, dossier = api(one, noor).call("POST", "/api/v1/dossiers", {"for_self": True})
    assert status == 201, dossier
    dossier_id, section_id = dossier["id"], dossier["sections"][0]["id"]
    status, _ = api(one, noor).call(
        "POST",
        f"/api/v1/dossiers/{dossier_id}/entries",
        {"section_id": section_id, "title": "Mijn plan", "body": "Naar de havo.", "kind": "note"},
    )
    assert status == 201
    assert titles(two, noor, dossier_id) == (200, ["Mijn plan"])

    # A sharing stopped on one replica is refused on the other at once.
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    status, grant = api(two, noor).call(
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
    mother = log_in(two, "moeder@example.nl")
    assert titles(one, mother, dossier_id) == (200, ["Mijn plan"])
    status, _ = api(one, noor).call("DELETE", f"/api/v1/dossiers/{dossier_id}/grants/{grant['id']}")
    assert status == 204
    refused, shown = titles(two, mother, dossier_id)
    assert refused in (403, 404) and shown == []

    # A dossier destroyed on one replica is closed on both, and its secret's row is gone.
    store = DatabaseSecretStore(make_engine(deployment["env"]["DOSSIER_SECRETS_URL"]))
    try:
        assert store.read(uuid.UUID(dossier_id)) is not None
        status, _ = api(two, noor).call("DELETE", f"/api/v1/dossiers/{dossier_id}?confirm=noor")
        assert status == 204
        assert store.read(uuid.UUID(dossier_id)) is None
    finally:
        store.close()
    for replica in (one, two):
        status, _ = api(replica, noor).call("GET", f"/api/v1/dossiers/{dossier_id}")
        assert status == 404
        assert titles(replica, noor, dossier_id)[0] == 404
        status, listed = api(replica, noor).call("GET", "/api/v1/dossiers")
        assert status == 200 and listed["items"] == []

    # Nothing of a dossier was kept on either replica's disk, nor beside the keys.
    assert not (deployment["keys"] / "dossiers").exists()
    for replica in (one, two):
        assert [path.name for path in replica.workdir.iterdir()] == ["serve.log"]


def test_two_replicas_writing_to_one_dossier_keep_one_unbroken_chain(
    deployment: dict[str, Any],
) -> None:
    """Each write takes the dossier's chain head with a row lock (`FOR UPDATE`), so writes from
    both replicas queue on it and every event follows the one before."""
    one, two = deployment["replicas"]
    register(one, "sam@example.nl", "youth", birth_date="2005-06-07")
    sam = log_in(two, "sam@example.nl")
    status, dossier = api(one, sam).call("POST", "/api/v1/dossiers", {"for_self": True})
    assert status == 201
    dossier_id, section_id = dossier["id"], dossier["sections"][0]["id"]
    answers: list[int] = []
    start = threading.Barrier(WRITERS)

    def writer(number: int) -> None:
        replica = (one, two)[number % 2]
        start.wait()
        for write in range(WRITES_EACH):
            status, _ = api(replica, sam).call(
                "POST",
                f"/api/v1/dossiers/{dossier_id}/entries",
                {
                    "section_id": section_id,
                    "title": f"Schrijver {number}, bericht {write}",
                    "body": "Tegelijk geschreven.",
                    "kind": "note",
                },
            )
            answers.append(status)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [201] * (WRITERS * WRITES_EACH)

    engine = make_engine(deployment["env"]["DOSSIER_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            chain = connection.execute(
                text(
                    "SELECT seq, prev_hash, hash, action FROM audit_events "
                    "WHERE chain = :c ORDER BY seq"
                ),
                {"c": f"dossier:{dossier_id}"},
            ).all()
    finally:
        engine.dispose()
    assert [row.seq for row in chain] == list(range(1, len(chain) + 1))
    assert all(row.prev_hash == before.hash for before, row in itertools.pairwise(chain))
    assert sum(row.action == "entry.create" for row in chain) == WRITERS * WRITES_EACH
    verified = dossier_command("audit", "verify", env=deployment["env"])
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout
