"""The layers inside `services/` hold only for the modules they name: a new module left out of
the contract could import anything. Every module and package of `services/` has its layer."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _layered(container: str) -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    [contract] = [
        c for c in config["tool"]["importlinter"]["contracts"] if c.get("containers") == [container]
    ]
    return {name.strip() for layer in contract["layers"] for name in layer.split("|")}


def _modules(folder: Path) -> set[str]:
    return {
        path.stem if path.is_file() else path.name
        for path in folder.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }


def test_every_service_module_has_its_layer() -> None:
    assert _layered("dossier.services") == _modules(ROOT / "dossier" / "services")


def test_every_entries_module_has_its_layer() -> None:
    assert _layered("dossier.services.entries") == _modules(
        ROOT / "dossier" / "services" / "entries"
    )
