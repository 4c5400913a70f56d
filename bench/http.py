"""HTTP benchmarks under gunicorn (2 workers): reading a page of 50 entries, writing an entry,
and logging in; each beside its baselines from `bench/apps.py`, in the same run, on 127.0.0.1.

Every process started here is stopped here; load runs for a fixed time."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from bench import peer
from bench.databases import temporary_postgres
from dossier import crypto, migrations
from dossier.config import Settings
from dossier.db import make_engine, make_session_factory
from dossier.keys import init_keys
from dossier.models import SessionKind
from dossier.services import accounts, dossiers, entries, sessions
from dossier.services.context import Context
from dossier.services.keychain import keychain

DURATION = float(os.environ.get("BENCH_SECONDS", "8"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
PASSWORD = "a bench password long enough"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int, wait: float = 10.0):  # type: ignore[no-untyped-def]
    """Start a server on 127.0.0.1:`port`, wait until it accepts connections, always stop it."""
    process = subprocess.Popen(  # noqa: S603 - our own servers, on loopback
        command, env={**os.environ, **env}, cwd=Path(__file__).resolve().parents[1]
    )
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{command[0]} did not start on port {port}") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def gunicorn(app: str, env: dict[str, str]):  # type: ignore[no-untyped-def]
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}"]
    return serving([*command, "--log-level", "warning", app], env, port)


def load(port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None):  # type: ignore[no-untyped-def]
    """Keep-alive clients for DURATION seconds; requests/s and latency percentiles in ms."""
    latencies: list[float] = []
    failures = [0]
    stop = time.monotonic() + DURATION
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status >= 400:
                failures[0] += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "rps": len(latencies) / DURATION,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "failures": failures[0],
    }


def run() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as folder:
        keys_dir = Path(folder) / "keys"
        init_keys(keys_dir)
        figures, full = _database_figures(f"sqlite:///{Path(folder) / 'http.sqlite3'}", keys_dir)
        if peer.wanted():
            port = free_port()
            with peer.css(Path(folder) / "pod", port, serving) as resource:
                plain = load(port, "GET", resource, {})
            figures.append(
                {
                    "name": "read-rps-vs-peer",
                    "value": full["rps"],
                    "unit": "req/s",
                    "ratio": full["rps"] / plain["rps"],
                    "baseline_name": "Community Solid Server, plain 2 KB read",
                    "baseline": plain["rps"],
                    "target": 4.0,
                    "peer_p50_ms": plain["p50"],
                    "peer_failures": plain["failures"],
                }
            )
        postgres = os.environ.get("DOSSIER_BENCH_POSTGRES_URL")
        if postgres:
            with temporary_postgres(postgres, "http") as url:
                more, _ = _database_figures(url, keys_dir, suffix="-postgresql")
                figures += more
    return [*figures, _login_figure()]


def _database_figures(
    url: str, keys_dir: Path, suffix: str = ""
) -> tuple[list[dict[str, object]], dict[str, float]]:
    """Read and write on one database, beside the minimal app on the same database."""
    engine = make_engine(url)
    migrations.upgrade(engine)
    settings = Settings(
        env="test",
        database_url=url,
        keys_dir=keys_dir,
        kdf_cost=crypto.KdfCost(1, 8, 1),
        login_limits="100000 per minute",
        address_limits="100000 per minute",
    )
    ctx = Context(make_session_factory(engine), settings)
    accounts.register(
        ctx,
        accounts.NewAccount("y@bench.nl", PASSWORD, "Y", "youth", birth_date=date(2008, 1, 1)),
    )
    ticket = sessions.log_in(ctx, "y@bench.nl", PASSWORD, SessionKind.API)
    owner = sessions.authenticate(ctx, ticket.token, SessionKind.API)
    dossier = dossiers.create_dossier(ctx, owner, "Y", None, for_self=True)
    section = dossier.sections[1].id
    for number in range(200):
        entries.write_entry(
            ctx,
            owner,
            dossier.id,
            section,
            f"Bericht {number}",
            "Een tekst van gemiddelde lengte. " * 20,
            "note",
        )
    with ctx.unit_of_work() as db:
        section_key = keychain(db, owner, dossier.id).key(section, 1).hex()
    engine.dispose()
    env = {
        "DOSSIER_DATABASE_URL": url,
        "DOSSIER_KEYS_DIR": str(keys_dir),
        "DOSSIER_ENV": "development",
        "DOSSIER_LOGIN_LIMITS": "100000 per minute",
        "DOSSIER_ADDRESS_LIMITS": "100000 per minute",
        "DOSSIER_KDF_TIME_COST": "1",
        "DOSSIER_KDF_MEMORY_KIB": "8",
        "BENCH_SECTION_KEY": section_key,
        "BENCH_DOSSIER_ID": str(dossier.id),
    }
    auth = {"Authorization": f"Bearer {ticket.token}"}
    page = f"/api/v1/dossiers/{dossier.id}/entries?limit=50"
    with gunicorn("dossier:create_app()", env) as port:
        full = load(port, "GET", page, auth)
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", page, headers=auth)
        size = len(connection.getresponse().read())
        body = json.dumps(
            {"section_id": str(section), "title": "Nieuw", "body": "Tekst " * 50, "kind": "note"}
        ).encode()
        written = load(
            port,
            "POST",
            f"/api/v1/dossiers/{dossier.id}/entries",
            {**auth, "Content-Type": "application/json"},
            body,
        )
    with gunicorn("bench.apps:bare()", {**env, "BENCH_BYTES": str(size)}) as port:
        bare = load(port, "GET", "/page", {})
    with gunicorn("bench.apps:minimal()", env) as port:
        minimal = load(port, "GET", "/page", {})
        minimal_write = load(port, "POST", "/write", {}, b"")
    figures: list[dict[str, object]] = [
        {
            "name": f"read-rps{suffix}",
            "value": full["rps"],
            "unit": "req/s",
            "ratio": full["rps"] / minimal["rps"],
            "baseline_name": "minimal page (b)",
            "baseline": minimal["rps"],
            "target": 0.5,
            **_lat(full),
        },
        {
            "name": f"read-rps-vs-bare{suffix}",
            "value": full["rps"],
            "unit": "req/s",
            "ratio": full["rps"] / bare["rps"],
            "baseline_name": "bare bytes (a)",
            "baseline": bare["rps"],
            "target": 0.2,
        },
        {
            "name": f"read-p50{suffix}",
            "value": full["p50"],
            "unit": "ms",
            "ratio": full["p50"] / minimal["p50"],
            "baseline_name": "minimal page p50 (b)",
            "baseline": minimal["p50"],
            "p99": full["p99"],
        },
        {
            "name": f"write-rps{suffix}",
            "value": written["rps"],
            "unit": "req/s",
            "ratio": written["rps"] / minimal_write["rps"],
            "baseline_name": "minimal write",
            "baseline": minimal_write["rps"],
            "target": 0.5,
            **_lat(written),
        },
    ]
    return figures, full


def _login_figure() -> dict[str, object]:
    cost = crypto.PRODUCTION_KDF_COST
    rounds = 5
    started = time.perf_counter()
    for _ in range(rounds):
        crypto.derive_password_keys(PASSWORD, bytes(16), cost)
    argon_ms = (time.perf_counter() - started) / rounds * 1000
    hashed = time.perf_counter()
    for _ in range(rounds):
        crypto._hkdf(PASSWORD.encode(), "bench")  # the same derivation without the stretching
    hkdf_ms = (time.perf_counter() - hashed) / rounds * 1000
    return {
        "name": "login-argon2id",
        "value": argon_ms,
        "unit": "ms",
        "ratio": argon_ms / max(hkdf_ms, 1e-6),
        "baseline_name": "HKDF alone",
        "baseline": hkdf_ms,
        "concurrent_cap": Settings().max_concurrent_kdf,
        "memory_mib_per_login": cost.memory_kib / 1024,
    }


def _lat(result: dict[str, float]) -> dict[str, float]:
    return {"p50_ms": result["p50"], "p99_ms": result["p99"], "failures": result["failures"]}
