"""CPU per request, in-process: the app, the skeleton (`bench/skeleton.py`) and the minimal app
(`bench/apps.py`) answer the same requests through Flask's test client, on the same database, one
request at a time. A target is read against the skeleton, which takes every step the design asks
of the request; the minimal app's ratio is printed beside it.

HTTP figures on a 2-core machine move by 20 % between runs, since the servers and the load share
the cores with everything else; `time.process_time` counts only this process's own work. The
apps take turns, round by round, so a slow stretch of the machine hits both. On SQLite the
database's work is in the process and counted; on PostgreSQL it is not.

The ratio is the baseline's CPU over ours, so that it reads as the HTTP throughput ratios do:
1 is as cheap as the irreducible work, and the targets are the same.

`BENCH_PROFILE=1` also writes a profile of the app's requests per figure to `bench/out/`.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from bench import world
from bench.apps import minimal
from bench.databases import temporary_postgres
from bench.skeleton import skeleton
from dossier import create_app
from dossier.config import Settings
from dossier.keys import init_keys

REQUESTS = int(os.environ.get("BENCH_CPU_REQUESTS", "200"))
ROUNDS = 5
WARM_UP = 10
OUT = Path(__file__).resolve().parent / "out"

Request = Callable[[], Any]


def _ms_per_request(request: Request, count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        response = request()
        if response.status_code not in (200, 201):
            raise RuntimeError(f"a measured request answered {response.status_code}")
    return (time.process_time() - started) / count * 1000


def _rounds(requests: list[Request]) -> list[float]:
    """Median CPU ms per request of each, over rounds that take them in turn."""
    for request in requests:
        _ms_per_request(request, WARM_UP)
    per_round = max(1, REQUESTS // ROUNDS)
    measured: list[list[float]] = [[] for _ in requests]
    for _ in range(ROUNDS):
        for request, times in zip(requests, measured, strict=True):
            times.append(_ms_per_request(request, per_round))
    return [statistics.median(times) for times in measured]


def _profile(name: str, request: Request) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(max(1, REQUESTS // ROUNDS)):
        request()
    profiler.disable()
    OUT.mkdir(exist_ok=True)
    profiler.dump_stats(OUT / f"{name}.pstats")
    with (OUT / f"{name}.txt").open("w") as text:
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)


def _figures(
    name: str,
    ours: Request,
    skeleton: Request,
    minimal: Request,
    what: str,
    target: float | None,
) -> list[dict[str, object]]:
    """Ours beside the skeleton (every step the design asks; the target is read against it) and
    beside the minimal app (the same ciphertexts and nothing else; printed, as before)."""
    ms, skeleton_ms, minimal_ms = _rounds([ours, skeleton, minimal])
    if os.environ.get("BENCH_PROFILE"):
        _profile(name.replace("{}", ""), ours)
    figures: list[dict[str, object]] = []
    for suffix, baseline, base_ms in (
        ("", "skeleton", skeleton_ms),
        ("-vs-minimal", "minimal", minimal_ms),
    ):
        figure: dict[str, object] = {
            "name": name.replace("{}", suffix),
            "value": ms,
            "unit": "ms CPU/request",
            "ratio": base_ms / ms,
            "baseline_name": f"{baseline} {what}, in-process",
            "baseline": base_ms,
            "requests": REQUESTS,
        }
        if target is not None and not suffix:
            figure["target"] = target
        figures.append(figure)
    return figures


def _database(url: str, keys_dir: Path, suffix: str = "") -> list[dict[str, object]]:
    made, env = world.make(url, keys_dir)
    settings = Settings.from_env(env)
    app = create_app(settings)
    base = minimal(url, made.section_key, made.dossier_id)
    steps = skeleton(settings, made.dossier_id)
    try:
        return _measure(app, steps, base, made, suffix)
    finally:
        for engine in (
            app.extensions["dossier"]["engine"],
            base.extensions["bench"]["engine"],
            steps.extensions["bench"]["engine"],
        ):
            engine.dispose()


def _measure(
    app: Flask, steps: Flask, base: Flask, made: world.World, suffix: str
) -> list[dict[str, object]]:
    api, browser = app.test_client(), app.test_client()
    skeleton_client, plain = steps.test_client(), base.test_client()
    world.browser_login(browser, made)
    shown = world.entries_on_page(browser.get(made.html_page).get_data(), made.dossier_id)
    auth, body = made.auth, made.write_body()
    return [
        *_figures(
            f"cpu-read-page{{}}{suffix}",
            lambda: api.get(made.api_page, headers=auth),
            lambda: skeleton_client.get("/page?limit=50", headers=auth),
            lambda: plain.get("/page?limit=50"),
            "page of 50",
            0.3,
        ),
        *_figures(
            f"cpu-read-html{{}}{suffix}",
            lambda: browser.get(made.html_page),
            lambda: skeleton_client.get(f"/html?limit={shown}", headers=auth),
            lambda: plain.get(f"/page?limit={shown}"),
            f"page of {shown} (the entries the page lists)",
            0.3,
        ),
        *_figures(
            f"cpu-read-entry{{}}{suffix}",
            lambda: api.get(made.api_entry, headers=auth),
            lambda: skeleton_client.get(f"/entry/{made.entry_id}", headers=auth),
            lambda: plain.get(f"/entry/{made.entry_id}"),
            f"entry with its {world.VIEWS} views",
            None,
        ),
        *_figures(
            f"cpu-write{{}}{suffix}",
            lambda: api.post(made.api_write, headers=auth, json=body),
            lambda: skeleton_client.post("/write", headers=auth, json=body),
            lambda: plain.post("/write"),
            "write of one entry",
            0.5,
        ),
        _plan_figure(api, plain, made, suffix),
    ]


def _plan_figure(api: Any, plain: Any, made: world.World, suffix: str) -> dict[str, object]:
    """The plan has no skeleton of its own: it is held to the minimal plan, with no target."""
    ms, base_ms = _rounds(
        [lambda: api.get(made.api_plan, headers=made.auth), lambda: plain.get("/plan")]
    )
    return {
        "name": f"cpu-read-plan{suffix}",
        "value": ms,
        "unit": "ms CPU/request",
        "ratio": base_ms / ms,
        "baseline_name": f"minimal plan of {world.PLAN_GOALS} goals and "
        f"{world.PLAN_GOALS * world.PLAN_ACTIONS} actions, in-process",
        "baseline": base_ms,
        "requests": REQUESTS,
    }


def run() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as folder:
        keys_dir = Path(folder) / "keys"
        init_keys(keys_dir)
        figures = _database(f"sqlite:///{Path(folder) / 'cpu.sqlite3'}", keys_dir)
        postgres = os.environ.get("DOSSIER_BENCH_POSTGRES_URL")
        if postgres:
            with temporary_postgres(postgres, "cpu") as url:
                figures += _database(url, keys_dir, suffix="-postgresql")
    return figures
