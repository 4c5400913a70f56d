"""/healthz and /readyz: open to anyone, cheap, and telling an orchestrator only ok or not."""

from __future__ import annotations

from pathlib import Path

from dossier import create_app
from tests.conftest import make_settings


def test_health_says_the_process_lives_and_sets_no_cookie(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_ready_checks_database_migrations_and_keys(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "keys": "ok", "migrations": "ok", "secrets": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_not_ready_on_an_unmigrated_database_or_without_redis(
    tmp_path: Path, keys_dir: Path
) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    behind = create_app(make_settings(empty, keys_dir)).test_client().get("/readyz")
    assert behind.status_code == 503
    assert behind.get_json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "keys": "ok", "migrations": "failing", "secrets": "ok"},
    }
    no_redis = make_settings(empty, keys_dir, redis_url="redis://127.0.0.1:1/0")
    answer = create_app(no_redis).test_client().get("/readyz").get_json()
    assert answer["checks"]["redis"] == "failing" and answer["status"] == "unavailable"


def test_not_ready_when_new_dossiers_could_not_keep_their_secret(
    tmp_path: Path, keys_dir: Path
) -> None:
    locked = tmp_path / "not-a-folder"
    locked.write_text("a file where the secrets' folder should be")
    settings = make_settings(
        f"sqlite:///{tmp_path / 'db.sqlite3'}", keys_dir, dossier_secrets_dir=locked / "dossiers"
    )
    answer = create_app(settings).test_client().get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["checks"]["secrets"] == "failing"


def test_ready_checks_the_secrets_database_when_one_is_set(tmp_path: Path, keys_dir: Path) -> None:
    from dossier.secret_store import close_stores, connect

    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    secrets_url = f"sqlite:///{tmp_path / 'secrets.sqlite3'}"
    settings = make_settings(database, keys_dir, secrets_url=secrets_url)

    def secrets_check(settings: object) -> str:
        answer = create_app(settings).test_client().get("/readyz")
        return str(answer.get_json()["checks"]["secrets"])

    try:
        assert secrets_check(settings) == "failing"  # the store's table is not made yet
        store = connect(settings)
        store.prepare()
        store.close()
        assert secrets_check(settings) == "ok"
        away = settings.with_overrides(secrets_url="postgresql://postgres@127.0.0.1:1/nowhere")
        assert secrets_check(away) == "failing"
    finally:
        close_stores()
