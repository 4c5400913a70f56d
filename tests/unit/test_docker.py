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


def compose(environ: dict[str, str]) -> dict:
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


class _Reset:
    """Compose's `!reset` tag: the overlay removes what the base file set."""


class _ComposeLoader(yaml.SafeLoader):
    pass


_ComposeLoader.add_constructor("!reset", lambda _loader, _node: _Reset())


def _merge(base: object, overlay: object, key: str = "") -> object:
    """Compose's merge of a later file into an earlier one: mappings key by key, volumes by
    their path in the container, ports appended, anything else replaced."""
    if isinstance(overlay, _Reset):
        return None
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for name, value in overlay.items():
            merged[name] = _merge(base.get(name), value, name) if name in base else value
        return {name: value for name, value in merged.items() if value is not None}
    if key == "volumes" and isinstance(base, list) and isinstance(overlay, list):
        by_target = {str(item).split(":")[1]: item for item in base}
        by_target.update({str(item).split(":")[1]: item for item in overlay})
        return list(by_target.values())
    if key == "ports" and isinstance(base, list) and isinstance(overlay, list):
        return [*base, *overlay]
    return overlay


def scaled(environ: dict[str, str]) -> dict:
    """compose.yaml with compose.scale.yaml over it, as `docker compose -f … -f …` reads them."""
    files = [
        yaml.load(interpolate((DOCKER / name).read_text(), environ), Loader=_ComposeLoader)  # noqa: S506 - SafeLoader with one more tag
        for name in ("compose.yaml", "compose.scale.yaml")
    ]
    merged = _merge(files[0], files[1])
    return PyCompose.from_json(json.dumps(merged)).to_dict()


def test_the_scale_overlay_runs_replicas_behind_the_proxy_on_shared_databases() -> None:
    services = scaled({"POSTGRES_PASSWORD": "example"})["services"]
    assert set(services) == {"db", "redis", "prepare", "app", "worker", "proxy"}
    assert services["app"]["deploy"]["replicas"] >= 2
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert "ports" not in services["app"]  # replicas share no host port; the proxy is the door
    assert {"80:80", "443:443"} <= {str(port) for port in services["proxy"]["ports"]}
    assert services["proxy"]["image"].startswith("caddy:")
    assert services["proxy"]["depends_on"]["app"]["condition"] == "service_healthy"
    main = services["app"]["environment"]["DOSSIER_DATABASE_URL"]
    for name in ("prepare", "app", "worker"):
        environment = services[name]["environment"]
        assert environment["DOSSIER_SECRETS_URL"].endswith("@db:5432/dossier_secrets")
        assert environment["DOSSIER_SECRETS_URL"] != main
    for name in ("app", "worker"):  # the static keys, read-only; only `prepare` may write them
        assert services[name]["volumes"] == ["keys:/keys:ro"]
        assert services[name]["environment"]["DOSSIER_CREATE_KEYS"] == "false"
    assert services["prepare"]["volumes"] == ["keys:/keys"]
    more = scaled({"POSTGRES_PASSWORD": "example", "DOSSIER_APP_REPLICAS": "4"})
    assert more["services"]["app"]["deploy"]["replicas"] == 4


def test_the_proxy_and_the_database_set_up_what_the_overlay_names() -> None:
    services = scaled({"POSTGRES_PASSWORD": "example"})["services"]
    mounts = {
        str(volume).split(":")[1]: str(volume).split(":")[0]
        for volume in services["proxy"]["volumes"]
    }
    caddyfile = (DOCKER / mounts["/etc/caddy/Caddyfile"]).read_text()
    # Every replica of `app`, found by name, on the port the image serves on.
    assert re.search(r"dynamic a \{\s*name app\s*port 8000", caddyfile)
    assert "lb_policy round_robin" in caddyfile and "{$DOSSIER_DOMAIN:localhost}" in caddyfile
    [init] = [str(v) for v in services["db"]["volumes"] if "docker-entrypoint-initdb.d" in str(v)]
    scripts = list((DOCKER / init.split(":")[0]).glob("*.sql"))
    ready = services["db"]["healthcheck"]["test"]  # healthy once the database exists, over TCP
    assert "--host=127.0.0.1" in ready and "--dbname=dossier_secrets" in ready
    assert any("CREATE DATABASE dossier_secrets;" in script.read_text() for script in scripts)
