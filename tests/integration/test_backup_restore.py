"""Backups as an operator makes them (README, "Backups"): `pg_dump` of the database, the keys and
the dossier secrets apart. A restored copy works; a copy older than a destruction cannot bring the
dossier back."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from dossier import migrations, secret_store
from dossier.errors import DossierKeyGone
from dossier.keys import init_keys
from dossier.models import SessionKind
from dossier.services import accounts, dossiers, entries, ownership, sessions
from dossier.services.context import Context
from tests.conftest import PASSWORD
from tests.support import Databases


def in_store(ctx: Context, secrets_url: str | None) -> Context:
    """The same context with its dossier secrets in their own database, when one is given."""
    return Context(ctx.sessions, ctx.settings.with_overrides(secrets_url=secrets_url))


def libpq(url: str) -> str:
    """The same database as the command-line tools name it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def dump(url: str, into: Path) -> None:
    subprocess.run(["pg_dump", "--format=custom", f"--file={into}", libpq(url)], check=True)


def restore(dump_file: Path, url: str) -> None:
    command = ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq(url)}"]
    subprocess.run([*command, str(dump_file)], check=True)


@pytest.mark.parametrize("secrets_in", ["files", "database"])
def test_a_restored_dump_logs_in_reads_and_verifies_but_a_destroyed_dossier_stays_gone(
    databases: Databases, tmp_path: Path, secrets_in: str, secrets_database_url: str
) -> None:
    """With the secrets in files beside the keys or in their own database (as replicas keep
    them): the main database's dump holds no secret, and the destruction deleted it."""
    keys_dir = tmp_path / "keys"
    init_keys(keys_dir)
    secrets_url = secrets_database_url if secrets_in == "database" else None
    live_url = databases.new()
    live = in_store(databases.context(live_url, keys_dir), secrets_url)
    if secrets_url:
        preparing = secret_store.connect(live.settings)
        preparing.prepare()
        preparing.close()
    migrations.upgrade(live.sessions.kw["bind"])
    accounts.register(
        live,
        accounts.NewAccount(
            "lisa@example.nl", PASSWORD, "Lisa", "youth", birth_date=date(2008, 5, 1)
        ),
    )
    lisa = sessions.authenticate(
        live, sessions.log_in(live, "lisa@example.nl", PASSWORD, SessionKind.API).token, "api"
    )
    assert lisa is not None
    kept = dossiers.create_dossier(live, lisa, "Lisa", None, for_self=True)
    entries.write_entry(
        live, lisa, kept.id, kept.sections[0].id, "Mijn plan", "Ik wil naar de havo.", "note"
    )
    accounts.register(
        live,
        accounts.NewAccount("anne@example.nl", PASSWORD, "Anne", "parent"),
    )
    anne = sessions.authenticate(
        live, sessions.log_in(live, "anne@example.nl", PASSWORD, SessionKind.API).token, "api"
    )
    assert anne is not None
    doomed = dossiers.create_dossier(live, anne, "Tim", date(2016, 3, 1), for_self=False)
    entries.write_entry(
        live, anne, doomed.id, doomed.sections[0].id, "Oud verhaal", "De scheiding.", "note"
    )
    older_dump = tmp_path / "before-destroy.dump"
    dump(live_url, older_dump)

    store = secret_store.open_store(live.settings)
    assert store.read(doomed.id) is not None and store.read(kept.id) is not None
    ownership.destroy(live, anne, doomed.id, "Tim")
    assert not (keys_dir / "dossiers" / f"{doomed.id}.key").exists()
    assert store.read(doomed.id) is None  # the file, or the row, is gone
    assert doomed.id not in store.dossier_ids()

    restored_url = databases.new()
    restore(older_dump, restored_url)
    restored = in_store(databases.context(restored_url, keys_dir), secrets_url)

    def log_in_again(email: str):
        ticket = sessions.log_in(restored, email, PASSWORD, SessionKind.API)
        return sessions.authenticate(restored, ticket.token, SessionKind.API)

    page = entries.list_entries(
        restored, log_in_again("lisa@example.nl"), kept.id, entries.Filters()
    )
    assert [(card.title, card.trusted) for card in page.items] == [("Mijn plan", True)]
    anne_again = log_in_again("anne@example.nl")
    with pytest.raises(DossierKeyGone):
        entries.list_entries(restored, anne_again, doomed.id, entries.Filters())
    assert dossiers.list_dossiers(restored, anne_again) == []  # gone from her start page too

    verified = subprocess.run(
        [sys.executable, "-m", "dossier.cli", "audit", "verify"],
        env={
            **os.environ,
            "DOSSIER_DATABASE_URL": restored_url,
            "DOSSIER_KEYS_DIR": str(keys_dir),
            "DOSSIER_SECRETS_URL": secrets_url or "",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout.lower()
