"""Settings from the environment, and server keys that never fall back to a built-in secret."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dossier import create_app
from dossier.config import ConfigError, Settings
from dossier.errors import ServerKeysMissing
from dossier.keys import AUDIT_KEY_FILE, JOB_KEY_FILE, SECRET_KEY_FILE, init_keys, load_keys


def test_settings_come_from_dossier_variables(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DOSSIER_ENV": "production",
            "DOSSIER_DATABASE_URL": "postgresql://db/dossier",
            "DOSSIER_KEYS_DIR": str(tmp_path),
            "DOSSIER_KDF_TIME_COST": "4",
            "DOSSIER_REDIS_URL": "redis://cache:6379/0",
        }
    )
    assert settings.production
    assert settings.database_url == "postgresql://db/dossier"
    assert settings.keys_dir == tmp_path
    assert settings.kdf_cost.time_cost == 4
    assert settings.ratelimit_storage_uri == "redis://cache:6379/0"


def test_defaults_are_the_embedded_database_and_keys_here() -> None:
    settings = Settings.from_env({})
    assert settings.env == "development"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.keys_dir.name == "keys"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DOSSIER_ENV": "staging"}, "DOSSIER_ENV"),
        ({"DOSSIER_KDF_TIME_COST": "three"}, "whole number"),
        ({"DOSSIER_KDF_MEMORY_KIB": "2"}, "Argon2id"),
    ],
)
def test_bad_settings_say_what_is_wrong(variables: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(variables)


def test_production_refuses_sqlite_and_cheap_password_cost(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PostgreSQL"):
        Settings.from_env({"DOSSIER_ENV": "production"}).check_production()
    with pytest.raises(ConfigError, match="Argon2id"):
        Settings.from_env(
            {
                "DOSSIER_ENV": "production",
                "DOSSIER_DATABASE_URL": "postgresql://x/y",
                "DOSSIER_KDF_TIME_COST": "1",
            }
        ).check_production()


def test_production_refuses_rate_limits_that_each_process_counts_alone() -> None:
    production = {
        "DOSSIER_ENV": "production",
        "DOSSIER_DATABASE_URL": "postgresql://db/dossier",
    }
    with pytest.raises(ConfigError, match="DOSSIER_REDIS_URL"):
        Settings.from_env(production).check_production()
    shared = Settings.from_env({**production, "DOSSIER_REDIS_URL": "redis://cache:6379/0"})
    shared.check_production()
    assert shared.ratelimit_storage_uri == "redis://cache:6379/0"


def test_keys_init_writes_owner_only_files_and_never_overwrites(tmp_path: Path) -> None:
    written = init_keys(tmp_path)
    assert {p.name for p in written} == {SECRET_KEY_FILE, AUDIT_KEY_FILE, JOB_KEY_FILE}
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = (tmp_path / SECRET_KEY_FILE).read_bytes()
    assert init_keys(tmp_path) == []
    assert (tmp_path / SECRET_KEY_FILE).read_bytes() == before
    keys = load_keys(tmp_path)
    assert keys.secret_key == before.strip()
    assert keys.job_key == (tmp_path / JOB_KEY_FILE).read_bytes() and len(keys.job_key) == 32


def test_a_keys_folder_from_before_the_job_key_is_refused_until_keys_init(tmp_path: Path) -> None:
    init_keys(tmp_path)
    (tmp_path / JOB_KEY_FILE).unlink()
    with pytest.raises(ServerKeysMissing, match=JOB_KEY_FILE):
        load_keys(tmp_path)
    assert [p.name for p in init_keys(tmp_path)] == [JOB_KEY_FILE]
    assert load_keys(tmp_path).job_key


@pytest.mark.parametrize("env", ["production", "development"])
def test_app_refuses_to_start_without_keys(tmp_path: Path, env: str) -> None:
    settings = Settings(
        env=env,
        database_url="postgresql://nowhere/db",
        keys_dir=tmp_path / "none",
        redis_url="redis://nowhere:6379/0",
    )
    with pytest.raises(ServerKeysMissing, match="dossier keys init"):
        create_app(settings)


def test_a_truncated_secret_key_is_refused(tmp_path: Path) -> None:
    init_keys(tmp_path)
    (tmp_path / SECRET_KEY_FILE).write_bytes(b"dev")
    with pytest.raises(ServerKeysMissing, match="too short"):
        load_keys(tmp_path)


def test_client_address_comes_from_a_trusted_proxy_only(tmp_path: Path) -> None:
    init_keys(tmp_path)
    seen = []
    for proxies in (0, 1):
        settings = Settings(
            env="test",
            database_url=f"sqlite:///{tmp_path / 'proxy.sqlite3'}",
            keys_dir=tmp_path,
            trusted_proxies=proxies,
        )
        app = create_app(settings)

        @app.get("/probe-address")
        def probe() -> str:
            from flask import request

            return request.remote_addr or ""

        client = app.test_client()
        seen.append(client.get("/probe-address", headers={"X-Forwarded-For": "203.0.113.7"}).text)
        app.extensions["dossier"]["engine"].dispose()
    assert seen == ["127.0.0.1", "203.0.113.7"]


def test_a_second_step_is_required_in_production_unless_switched_off() -> None:
    production = Settings.from_env({"DOSSIER_ENV": "production"})
    assert production.require_second_factor_for_staff
    assert production.require_second_factor_for_professionals
    development = Settings.from_env({})
    assert not development.require_second_factor_for_staff
    assert not development.require_second_factor_for_professionals
    chosen = Settings.from_env(
        {
            "DOSSIER_ENV": "production",
            "DOSSIER_REQUIRE_SECOND_FACTOR_FOR_PROFESSIONALS": "false",
            "DOSSIER_REQUIRE_SECOND_FACTOR_FOR_STAFF": "true",
        }
    )
    assert chosen.require_second_factor_for_staff
    assert not chosen.require_second_factor_for_professionals
    with pytest.raises(ConfigError, match="DOSSIER_REQUIRE_SECOND_FACTOR_FOR_STAFF"):
        Settings.from_env({"DOSSIER_REQUIRE_SECOND_FACTOR_FOR_STAFF": "maybe"})
