"""HTTP benchmarks under gunicorn (2 workers): reading a page of 50 entries through the API and
the dossier page in a browser session, reading one entry with its views, writing an entry, and
logging in; each beside its baselines (`bench/skeleton.py`, `bench/apps.py`), in the same run, on
127.0.0.1.

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
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench import peer, world
from bench.databases import temporary_postgres
from bench.world import VIEWS
from dossier import crypto
from dossier.config import Settings
from dossier.keys import init_keys

DURATION = float(os.environ.get("BENCH_SECONDS", "8"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
PASSWORD = world.PASSWORD


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(
    command: list[str], env: dict[str, str], port: int, wait: float = 10.0, quiet: bool = False
):
    """Start a server on 127.0.0.1:`port`, wait until it accepts connections, always stop it.
    `quiet` drops what it prints (a production server logs every request)."""
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(  # noqa: S603 - our own servers, on loopback
        command,
        env={**os.environ, **env},
        cwd=Path(__file__).resolve().parents[1],
        stdout=output,
        stderr=output,
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


def gunicorn(app: str, env: dict[str, str]):
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}"]
    return serving([*command, "--log-level", "warning", app], env, port)


def load(port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None):
    """Keep-alive clients for DURATION seconds; requests/s and latency percentiles in ms."""
    return load_spread([(port, path, body)], method, headers)


def load_spread(
    targets: list[tuple[int, str, bytes | None]],
    method: str,
    headers: dict[str, str],
    duration: float | None = None,
):
    """`load`, with client number i sending to `targets[i % len(targets)]` (port, path, body):
    the clients spread over several servers, or over several dossiers."""
    latencies: list[float] = []
    failures = [0]
    seconds = duration or DURATION
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client(port: int, path: str, body: bytes | None) -> None:
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

    threads = [
        threading.Thread(target=client, args=targets[number % len(targets)])
        for number in range(CONCURRENCY)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "rps": len(latencies) / seconds,
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


def browser_cookies(port: int, made: world.World) -> str:
    """Log in through the login form over HTTP; the Cookie header a browser sends afterwards."""
    jar: dict[str, str] = {}

    def request(method: str, path: str, body: bytes | None = None) -> bytes:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in jar.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            parsed = SimpleCookie()
            parsed.load(header)
            jar.update({name: morsel.value for name, morsel in parsed.items()})
        content = response.read()
        connection.close()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status}")
        return content

    token = world.csrf_token(request("GET", "/login").decode())
    form = urlencode({"csrf_token": token, "email": made.owner_email, "password": made.password})
    request("POST", "/login", form.encode())
    if "dossier_session" not in jar:
        raise RuntimeError("the login form set no session cookie")
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def fetch(port: int, path: str, headers: dict[str, str]) -> bytes:
    """One request that must succeed: a benchmark of error pages measures nothing."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    content = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}: {content[:300]!r}")
    return content


def _database_figures(
    url: str, keys_dir: Path, suffix: str = ""
) -> tuple[list[dict[str, object]], dict[str, float]]:
    """Every request beside its baselines on the same database; the servers run side by side, so
    each is measured back to back with its baselines, and all reads before any write. A target is
    read against the skeleton (`bench/skeleton.py`); the minimal app's ratio is printed too."""
    made, env = world.make(url, keys_dir)
    auth = made.auth
    real, minimal = gunicorn("dossier:create_app()", env), gunicorn("bench.apps:minimal()", env)
    steps = gunicorn("bench.skeleton:skeleton()", env)
    with real as port, minimal as base, steps as skeleton:
        cookies = browser_cookies(port, made)
        size = len(fetch(port, made.api_page, auth))
        shown = world.entries_on_page(
            fetch(port, made.html_page, {"Cookie": cookies}), made.dossier_id
        )
        fetch(port, made.api_entry, auth)
        minimal_page, minimal_html = "/page?limit=50", f"/page?limit={shown}"
        entry = f"/entry/{made.entry_id}"
        for path in (minimal_page, minimal_html, entry):
            fetch(base, path, {})
            fetch(skeleton, path, auth)
        page = (
            load(port, "GET", made.api_page, auth),
            load(skeleton, "GET", minimal_page, auth),
            load(base, "GET", minimal_page, {}),
        )
        html = (
            load(port, "GET", made.html_page, {"Cookie": cookies}),
            load(skeleton, "GET", f"/html?limit={shown}", auth),
            load(base, "GET", minimal_html, {}),
        )
        one = (
            load(port, "GET", made.api_entry, auth),
            load(skeleton, "GET", entry, auth),
            load(base, "GET", entry, {}),
        )
        with gunicorn("bench.apps:bare()", {**env, "BENCH_BYTES": str(size)}) as plain:
            bare = load(plain, "GET", "/page", {})
        body = json.dumps(made.write_body()).encode()
        posting = {**auth, "Content-Type": "application/json"}
        written = (
            load(port, "POST", made.api_write, posting, body),
            load(skeleton, "POST", "/write", posting, body),
            load(base, "POST", "/write", {}, b""),
        )
    figures: list[dict[str, object]] = [
        *_beside(f"read-rps{{}}{suffix}", page, "page of 50", 0.3),
        {
            "name": f"read-rps-vs-bare{suffix}",
            "value": page[0]["rps"],
            "unit": "req/s",
            "ratio": page[0]["rps"] / bare["rps"],
            "baseline_name": "bare bytes (a)",
            "baseline": bare["rps"],
            "target": 0.2,
        },
        {
            "name": f"read-p50{suffix}",
            "value": page[0]["p50"],
            "unit": "ms",
            "ratio": page[0]["p50"] / page[1]["p50"],
            "baseline_name": "skeleton page of 50, p50",
            "baseline": page[1]["p50"],
            "p99": page[0]["p99"],
        },
        *_beside(
            f"read-html-rps{{}}{suffix}", html, f"page of {shown} (the entries it lists)", 0.3
        ),
        *_beside(f"read-entry-rps{{}}{suffix}", one, f"entry with its {VIEWS} views", None),
        *_beside(f"write-rps{{}}{suffix}", written, "write of one entry", 0.5),
    ]
    return figures, page[0]


Loads = tuple[dict[str, float], dict[str, float], dict[str, float]]  # ours, skeleton, minimal


def _beside(name: str, loads: Loads, what: str, target: float | None) -> list[dict[str, object]]:
    """Ours against the skeleton (with the target) and against the minimal app (printed)."""
    ours, skeleton, minimal = loads
    figures: list[dict[str, object]] = []
    for suffix, baseline, measured in (
        ("", "skeleton", skeleton),
        ("-vs-minimal", "minimal", minimal),
    ):
        figure: dict[str, object] = {
            "name": name.replace("{}", suffix),
            "value": ours["rps"],
            "unit": "req/s",
            "ratio": ours["rps"] / measured["rps"],
            "baseline_name": f"{baseline} {what}",
            "baseline": measured["rps"],
            **({} if suffix else _lat(ours)),
        }
        if target is not None and not suffix:
            figure["target"] = target
        figures.append(figure)
    return figures


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
