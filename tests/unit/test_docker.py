"""The container files, checked without a Docker engine: the Dockerfile with hadolint, the
compose file as Compose reads it (anchors merged, variables filled in) with a compose parser."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from compose_spec import PyCompose

DOCKER = Path(__file__).resolve().parents[2] / "docker"
VARIABLE = re.compile(r"\$\{(?P<name>[A-Z_]+)(?:(?P<how>:-|:\?)(?P<word>[^}]*))?\}")


def interpolate(text: str, environ: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}."""

    def value(match: re.Match[str]) -> str:
        name, how, word = match["name"], match["how"], match["word"]
        if environ.get(name):
            return environ[name]
        if how == ":?":
            raise LookupError(f"{name}: {word}")
        return word or ""

    return VARIABLE.sub(value, text)


def compose(environ: dict[str, str]) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load(interpolate((DOCKER / "compose.yaml").read_text(), environ))
    return PyCompose.from_json(json.dumps(data)).to_dict()


def test_the_dockerfile_lints_clean() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    result = subprocess.run(
        [str(hadolint), "--failure-threshold", "info", str(DOCKER / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_multi_stage_non_root_healthy_and_holds_no_keys() -> None:
    lines = (DOCKER / "Dockerfile").read_text().splitlines()
    assert sum(line.startswith("FROM python:3.11-slim") for line in lines) == 2
    [user] = [line for line in lines if line.startswith("USER ")]
    assert user.split()[1].split(":")[0] not in ("0", "root")
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    copied = " ".join(line for line in lines if line.startswith("COPY"))
    assert "keys" not in copied and ". ." not in copied
    ignored = (DOCKER / "Dockerfile.dockerignore").read_text().split()
    assert "keys/" in ignored and ".venv/" in ignored


def test_compose_validates_and_starts_the_app_only_after_migrating() -> None:
    services = compose({"POSTGRES_PASSWORD": "example"})["services"]
    assert set(services) == {"db", "redis", "prepare", "app", "worker"}
    for name in ("app", "worker"):
        waits_for = services[name]["depends_on"]
        assert waits_for["prepare"]["condition"] == "service_completed_successfully"
        assert services[name]["command"] == [name if name == "worker" else "serve"]
        assert "keys:/keys" in str(services[name]["volumes"])
    assert services["prepare"]["command"] == ["prepare"]
    assert services["db"]["volumes"] and "pgdata" in str(services["db"]["volumes"])
    environment = services["app"]["environment"]
    assert environment["DOSSIER_ENV"] == "production"
    assert environment["DOSSIER_REDIS_URL"].startswith("redis://redis:")


def test_compose_refuses_to_start_without_a_database_password() -> None:
    with pytest.raises(LookupError, match="POSTGRES_PASSWORD"):
        compose({})


def test_an_invalid_compose_file_is_rejected_by_the_parser() -> None:
    text = interpolate((DOCKER / "compose.yaml").read_text(), {"POSTGRES_PASSWORD": "x"})
    data = yaml.safe_load(text)
    data["services"]["app"]["depends_on"]["prepare"]["condition"] = "when-it-feels-like-it"
    with pytest.raises(ValueError):
        PyCompose.from_json(json.dumps(data))
