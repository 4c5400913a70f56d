"""CPU per request, in-process: the app and the minimal app (`bench/apps.py`) answer the same
requests through Flask's test client, on the same database, one request at a time.

HTTP figures on a 2-core machine move by 20 % between runs, since the servers and the load share
the cores with everything else; `time.process_time` counts only this process's own work. The two
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
        if response.status_code != 200:
            raise RuntimeError(f"a measured request answered {response.status_code}")
    return (time.process_time() - started) / count * 1000


def _pair(ours: Request, theirs: Request) -> tuple[float, float]:
    """Median CPU ms per request of each, over rounds that alternate between them."""
    for request in (ours, theirs):
        _ms_per_request(request, WARM_UP)
    per_round = max(1, REQUESTS // ROUNDS)
    mine, base = [], []
    for _ in range(ROUNDS):
        mine.append(_ms_per_request(ours, per_round))
        base.append(_ms_per_request(theirs, per_round))
    return statistics.median(mine), statistics.median(base)


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


def _figure(
    name: str, ours: Request, theirs: Request, baseline: str, target: float | None = 0.3
) -> dict[str, object]:
    ms, base_ms = _pair(ours, theirs)
    if os.environ.get("BENCH_PROFILE"):
        _profile(name, ours)
    figure: dict[str, object] = {
        "name": name,
        "value": ms,
        "unit": "ms CPU/request",
        "ratio": base_ms / ms,
        "baseline_name": f"{baseline}, in-process",
        "baseline": base_ms,
        "requests": REQUESTS,
    }
    if target is not None:
        figure["target"] = target
    return figure


def _figures(url: str, keys_dir: Path, suffix: str = "") -> list[dict[str, object]]:
    made, env = world.make(url, keys_dir)
    app = create_app(Settings.from_env(env))
    base = minimal(url, made.section_key, made.dossier_id)
    try:
        return _measure(app, base, made, suffix)
    finally:
        app.extensions["dossier"]["engine"].dispose()
        base.extensions["bench"]["engine"].dispose()


def _measure(app: Flask, base: Flask, made: world.World, suffix: str) -> list[dict[str, object]]:
    api, browser, plain = app.test_client(), app.test_client(), base.test_client()
    world.browser_login(browser, made)
    shown = world.entries_on_page(browser.get(made.html_page).get_data(), made.dossier_id)
    return [
        _figure(
            f"cpu-read-page{suffix}",
            lambda: api.get(made.api_page, headers=made.auth),
            lambda: plain.get("/page?limit=50"),
            "minimal page of 50",
        ),
        _figure(
            f"cpu-read-html{suffix}",
            lambda: browser.get(made.html_page),
            lambda: plain.get(f"/page?limit={shown}"),
            f"minimal page of {shown} (the entries the page lists)",
        ),
        _figure(
            f"cpu-read-entry{suffix}",
            lambda: api.get(made.api_entry, headers=made.auth),
            lambda: plain.get(f"/entry/{made.entry_id}"),
            f"minimal entry with its {world.VIEWS} views",
        ),
        _figure(
            f"cpu-read-plan{suffix}",
            lambda: api.get(made.api_plan, headers=made.auth),
            lambda: plain.get("/plan"),
            f"minimal plan of {world.PLAN_GOALS} goals and "
            f"{world.PLAN_GOALS * world.PLAN_ACTIONS} actions",
            target=None,
        ),
    ]


def run() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as folder:
        keys_dir = Path(folder) / "keys"
        init_keys(keys_dir)
        figures = _figures(f"sqlite:///{Path(folder) / 'cpu.sqlite3'}", keys_dir)
        postgres = os.environ.get("DOSSIER_BENCH_POSTGRES_URL")
        if postgres:
            with temporary_postgres(postgres, "cpu") as url:
                figures += _figures(url, keys_dir, suffix="-postgresql")
    return figures
