"""`dossier serve` started as an operator starts it, one or several at once (replicas), and a small
HTTP client that speaks to them as an API client or a browser does."""

from __future__ import annotations

import itertools
import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


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
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Http:
    """JSON in and out; a bearer token once `token` is set. `bases` are tried in turn, one per
    call, so a scenario run through several replicas sends each request to the next one."""

    def __init__(self, *bases: str) -> None:
        self.bases = itertools.cycle(bases)
        self.token: str | None = None

    @property
    def base(self) -> str:
        return next(self.bases)

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
            raw = error.read()
            try:
                return error.code, json.loads(raw or b"null")
            except ValueError:
                return error.code, raw.decode(errors="replace")


class Browser:
    """Cookies kept by hand, as a browser keeps them: the production cookies are `Secure`, which
    a cookie jar would not send over the loopback's plain HTTP. No redirect is followed."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(
        self, base: str, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        from urllib.parse import urlencode

        data = urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
        if form is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        for header in headers.get_all("Set-Cookie") or []:
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(header)
            self.cookies.update({name: morsel.value for name, morsel in parsed.items()})
        return status, body.decode(errors="replace")

    def csrf_token(self, base: str, path: str) -> str:
        status, page = self.request(base, "GET", path)
        match = _CSRF.search(page)
        assert status == 200 and match, f"no form token on {path}"
        return match.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Replica:
    """One `dossier serve`: its address, its own working directory and its log."""

    base: str
    workdir: Path
    process: subprocess.Popen

    @property
    def log(self) -> Path:
        return self.workdir / "serve.log"


def wait_ready(base: str, process: subprocess.Popen) -> dict[str, Any]:
    http = Http(base)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "dossier serve stopped while starting"
        try:
            status, body = http.call("GET", "/readyz")
        except OSError:
            time.sleep(0.3)
            continue
        if status == 200:
            return dict(body)
        time.sleep(0.3)
    raise AssertionError("dossier serve never became ready")


@contextmanager
def serving(env: dict[str, str], workdirs: list[Path]) -> Iterator[list[Replica]]:
    """One `dossier serve` per working directory, each on a port of its own, all on the same
    `env` (databases, Redis, keys); waits until every one is ready, and stops them all."""
    started: list[Replica] = []
    try:
        for workdir in workdirs:
            workdir.mkdir(parents=True, exist_ok=True)
            port = free_port()
            with (workdir / "serve.log").open("w") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "dossier.cli", "serve"],
                    env={**env, "DOSSIER_BIND": f"127.0.0.1:{port}"},
                    cwd=workdir,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            started.append(Replica(f"http://127.0.0.1:{port}", workdir, process))
        for replica in started:
            wait_ready(replica.base, replica.process)
        yield started
    finally:
        for replica in started:
            replica.process.send_signal(signal.SIGTERM)
        for replica in started:
            try:
                replica.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                replica.process.kill()
                replica.process.wait()
