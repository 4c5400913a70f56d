"""`python -m bench [NAME ...]`: run the benchmarks (all, or those named), print one line per
figure with its baseline, write bench/out/NAME.json."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench import audit, council, cpu, http, reencrypt, replicas, scale

BENCHMARKS = {
    "cpu": cpu.run,
    "http": http.run,
    "scale": scale.run,
    "reencrypt": reencrypt.run,
    "audit": audit.run,
    "council": council.run,
    "replicas": replicas.run,
}
OUT = Path(__file__).resolve().parent / "out"


def number(value: float) -> str:
    """Three significant figures at least, thousands separated: 0.0123, 1.4, 48.6, 33,600."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"


def line(figure: Mapping[str, Any]) -> str:
    unit = figure["unit"]
    target = f"; target {figure['target']}" if "target" in figure else ""
    return (
        f"{figure['name']}: {number(figure['value'])} {unit} "
        f"(ratio {figure['ratio']:.3f} vs {figure['baseline_name']}: "
        f"{number(figure['baseline'])} {unit}{target})"
    )


def main(names: list[str]) -> int:
    if names in (["-h"], ["--help"], ["--list"]):
        print(f"python -m bench [{'|'.join(BENCHMARKS)} ...]; no name runs them all")
        return 0
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    OUT.mkdir(exist_ok=True)
    for name in names or list(BENCHMARKS):
        started = time.monotonic()
        figures = BENCHMARKS[name]()
        for figure in figures:
            print(line(figure), flush=True)
        print(f"({name}: {time.monotonic() - started:.0f} s)", flush=True)
        (OUT / f"{name}.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
