"""`python -m bench [NAME ...]`: run the benchmarks, print one line per figure, write bench/out/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import audit, http, reencrypt, scale

BENCHMARKS = {
    "http": http.run,
    "scale": scale.run,
    "reencrypt": reencrypt.run,
    "audit": audit.run,
}
OUT = Path(__file__).resolve().parent / "out"


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    OUT.mkdir(exist_ok=True)
    for name in names or list(BENCHMARKS):
        figures = BENCHMARKS[name]()
        for figure in figures:
            print(
                f"{figure['name']}: {figure['value']:.1f} {figure['unit']} "
                f"(ratio {figure['ratio']:.3f} vs {figure['baseline_name']})"
            )
        (OUT / f"{name}.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
