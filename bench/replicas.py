"""Scale out on PostgreSQL: the same page of 50 entries read through 1, 2 and 4 app processes
(`dossier serve` replicas of one gunicorn worker each, sharing only the keys and the databases,
the dossier secrets in a database of their own), each beside the single process measured in
the same run; what keeping the secrets in their database costs one process, beside the same
process with the secrets in files; and the one write hot spot replicas share, the audit chain
head of a dossier: writes per second to one dossier beside writes spread over as many dossiers
as clients.

The load generator is `bench.http`'s: keep-alive clients on the same machine, spread over the
replicas (client i to replica i mod n), as a round-robin proxy would. Runs only with
DOSSIER_BENCH_POSTGRES_URL: replicas of an SQLite file are not a deployment anyone runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import client
from pathlib import Path
from typing import Any

from bench import http, world
from bench.databases import temporary_postgres
from dossier import create_app, migrations
from dossier.config import Settings
from dossier.db import make_engine
from dossier.keys import FileSecretStore, init_keys
from dossier.secret_store import DatabaseSecretStore, move

PROCESS_COUNTS = (1, 2, 4)
SECONDS = float(os.environ.get("BENCH_REPLICA_SECONDS", "3"))
ENTRIES = 60  # enough for a full page of 50
DOSSIERS = http.CONCURRENCY  # "many": one dossier per client
PARENT = "ouder@bench.nl"


def run() -> list[dict[str, object]]:
    postgres = os.environ.get("DOSSIER_BENCH_POSTGRES_URL")
    if not postgres:
        print("replicas: set DOSSIER_BENCH_POSTGRES_URL to measure app replicas on PostgreSQL")
        return []
    with (
        tempfile.TemporaryDirectory() as folder,
        temporary_postgres(postgres, "replicas") as url,
        temporary_postgres(postgres, "secrets") as secrets_url,
    ):
        keys_dir = Path(folder) / "keys"
        init_keys(keys_dir)
        made, in_files = _world(url, keys_dir)
        with _replicas(in_files, 1) as ports:
            files = _reads(ports, made)
        env = _move_secrets(in_files, keys_dir, secrets_url)
        with _replicas(env, max(PROCESS_COUNTS)) as ports:
            reads = {count: _reads(ports[:count], made) for count in PROCESS_COUNTS}
            one, many = _contention(ports[:2])
    single = reads[1]
    figures: list[dict[str, object]] = [
        {
            "name": "replicas-read-rps-1-secrets-database",
            "value": single["rps"],
            "unit": "req/s",
            "ratio": single["rps"] / files["rps"],
            "baseline_name": "1 app process, secrets in files",
            "baseline": files["rps"],
            "p50_ms": single["p50"],
            "failures": single["failures"] + files["failures"],
        }
    ]
    figures += [
        {
            "name": f"replicas-read-rps-{count}",
            "value": reads[count]["rps"],
            "unit": "req/s",
            "ratio": reads[count]["rps"] / single["rps"],
            "baseline_name": "1 app process",
            "baseline": single["rps"],
            "processes": count,
            "cores": os.cpu_count(),
            "p50_ms": reads[count]["p50"],
            "failures": reads[count]["failures"],
        }
        for count in PROCESS_COUNTS
        if count != 1
    ]
    figures.append(
        {
            "name": "replicas-write-rps-one-dossier",
            "value": one["rps"],
            "unit": "req/s",
            "ratio": one["rps"] / many["rps"],
            "baseline_name": f"writes spread over {DOSSIERS} dossiers",
            "baseline": many["rps"],
            "processes": 2,
            "p50_ms": one["p50"],
            "failures": one["failures"] + many["failures"],
        }
    )
    return figures


def _world(url: str, keys_dir: Path) -> tuple[world.World, dict[str, str]]:
    """The benchmark dossier, made in-process, its secret in a file as `make run` keeps it."""
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    env = world.environment(url, keys_dir)
    app = create_app(Settings.from_env(env))
    try:
        made = world.build(app, entries=ENTRIES)
    finally:
        app.extensions["dossier"]["engine"].dispose()
    return made, env


def _move_secrets(env: dict[str, str], keys_dir: Path, secrets_url: str) -> dict[str, str]:
    """The secrets into their own database, as `dossier secrets move --to database` moves them;
    the settings that then find them there."""
    store = DatabaseSecretStore(make_engine(secrets_url))
    try:
        store.prepare()
        move(FileSecretStore(keys_dir / "dossiers"), store)
    finally:
        store.close()
    return {**env, "DOSSIER_SECRETS_URL": secrets_url}


@contextmanager
def _replicas(env: dict[str, str], count: int) -> Iterator[list[int]]:
    """`count` `dossier serve` processes of one worker (4 threads) each, on ports of their own,
    started together; each measurement then sends to as many of them as it counts."""
    ports = [http.free_port() for _ in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "dossier.cli", "serve"],
            env={
                **os.environ,
                **env,
                "DOSSIER_BIND": f"127.0.0.1:{port}",
                "DOSSIER_WORKERS": "1",
                "DOSSIER_THREADS": "4",
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 60
        for port, process in zip(ports, processes, strict=True):
            while True:
                try:
                    http.fetch(port, "/readyz", {})
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError(f"dossier serve did not start on {port}") from None
                    time.sleep(0.2)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _reads(ports: list[int], made: world.World) -> dict[str, float]:
    for port in ports:  # warm: each worker's first request pays for its imports
        http.fetch(port, made.api_page, made.auth)
    return http.load_spread(
        [(port, made.api_page, None) for port in ports], "GET", made.auth, SECONDS
    )


def _contention(ports: list[int]) -> tuple[dict[str, float], dict[str, float]]:
    """Every client writing to one dossier, then each to a dossier of its own, through these
    replicas, all as one parent who made the dossiers for her children: the difference is the
    wait on one chain head's row lock."""
    auth = _parent(ports[0])
    dossiers = [_new_dossier(ports[0], auth, number) for number in range(DOSSIERS)]
    headers = {**auth, "Content-Type": "application/json"}
    path, body = dossiers[0]
    one = http.load_spread([(port, path, body) for port in ports], "POST", headers, SECONDS)
    many = http.load_spread(
        [(ports[n % len(ports)], path, body) for n, (path, body) in enumerate(dossiers)],
        "POST",
        headers,
        SECONDS,
    )
    return one, many


def _call(port: int, path: str, body: object, headers: dict[str, str], expect: int) -> Any:
    connection = client.HTTPConnection("127.0.0.1", port)
    connection.request(
        "POST", path, body=json.dumps(body), headers={**headers, "Content-Type": "application/json"}
    )
    response = connection.getresponse()
    answer = json.loads(response.read() or b"null")
    connection.close()
    if response.status != expect:
        raise RuntimeError(f"POST {path} answered {response.status}: {answer}")
    return answer


def _parent(port: int) -> dict[str, str]:
    account = {"email": PARENT, "password": world.PASSWORD, "display_name": "O", "role": "parent"}
    _call(port, "/api/v1/accounts", account, {}, 201)
    login = {"email": PARENT, "password": world.PASSWORD}
    return {"Authorization": f"Bearer {_call(port, '/api/v1/sessions', login, {}, 201)['token']}"}


def _new_dossier(port: int, auth: dict[str, str], number: int) -> tuple[str, bytes]:
    """A child's dossier: its entries' path and a body to write there."""
    child = {
        "subject_name": f"Kind {number}",
        "subject_birth_date": "2016-05-01",
        "for_self": False,
    }
    created = _call(port, "/api/v1/dossiers", child, auth, 201)
    body = {"section_id": created["sections"][1]["id"], "title": "Nieuw", "body": "Tekst " * 50}
    return f"/api/v1/dossiers/{created['id']}/entries", json.dumps(
        {**body, "kind": "note"}
    ).encode()
