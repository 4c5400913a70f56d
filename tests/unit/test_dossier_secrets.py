"""The per-dossier secret outside the database, and the mask it puts on every sealed key."""

from __future__ import annotations

import stat
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dossier import crypto
from dossier.keys import DossierSecrets, FileSecretStore

BINDING = {"dossier": "d", "section": "s", "key_version": 1}


def test_masking_twice_gives_the_key_back_and_hides_it_in_between() -> None:
    key, secret = crypto.new_key(), crypto.new_key()
    masked = crypto.mask_key(key, secret, BINDING)
    assert masked != key
    assert crypto.mask_key(masked, secret, BINDING) == key


def test_the_mask_depends_on_the_secret_and_on_which_key_it_is() -> None:
    key, secret = crypto.new_key(), crypto.new_key()
    masked = crypto.mask_key(key, secret, BINDING)
    assert crypto.mask_key(masked, crypto.new_key(), BINDING) != key
    assert crypto.mask_key(masked, secret, {**BINDING, "key_version": 2}) != key


def test_a_secret_is_made_once_readable_only_by_its_owner_and_shredded(tmp_path: Path) -> None:
    store = DossierSecrets(FileSecretStore(tmp_path / "dossiers"))
    dossier_id = uuid.uuid4()
    assert store.get(dossier_id) is None
    with ThreadPoolExecutor(8) as pool:
        made = set(pool.map(lambda _: store.get_or_create(dossier_id), range(16)))
    assert len(made) == 1 and len(made.pop()) == 32
    path = tmp_path / "dossiers" / f"{dossier_id}.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "dossiers").iterdir()] == [path.name]
    store.destroy(dossier_id)
    assert store.get(dossier_id) is None
    store.destroy(dossier_id)  # twice is harmless
    DossierSecrets(FileSecretStore(tmp_path / "never-made")).destroy(
        dossier_id
    )  # nor without a folder


def test_production_keeps_the_secrets_in_a_database_of_their_own_or_in_files() -> None:
    import pytest

    from dossier.config import ConfigError, Settings

    production = {
        "DOSSIER_ENV": "production",
        "DOSSIER_DATABASE_URL": "postgresql://dossier@db:5432/dossier",
        "DOSSIER_REDIS_URL": "redis://cache:6379/0",
    }
    Settings.from_env(production).check_production()  # files, on one host
    apart = Settings.from_env(
        {**production, "DOSSIER_SECRETS_URL": "postgresql://dossier@db:5432/dossier_secrets"}
    )
    apart.check_production()
    assert apart.secrets_url == "postgresql://dossier@db:5432/dossier_secrets"
    for together in ("postgresql+psycopg://other@db/dossier", "sqlite:///secrets.sqlite3"):
        with pytest.raises(ConfigError, match=r"(?i)secrets"):
            Settings.from_env({**production, "DOSSIER_SECRETS_URL": together}).check_production()
