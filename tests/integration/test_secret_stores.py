"""The dossier secrets' two stores, files and a database of their own, behave alike: one secret
per dossier however many processes make it at once, shredded at once and checked, and moved
from one store to the other and back without losing one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dossier.db import make_engine
from dossier.keys import DossierSecrets, FileSecretStore, SecretStore
from dossier.secret_store import SECRETS, DatabaseSecretStore, move, open_store

STORES = ["files", "sqlite", "postgresql"]


@pytest.fixture(params=STORES)
def store(
    request: pytest.FixtureRequest, tmp_path: Path, secrets_database_url: str
) -> Iterator[SecretStore]:
    if request.param == "files":
        yield FileSecretStore(tmp_path / "dossiers")
        return
    url = f"sqlite:///{tmp_path / 'secrets.sqlite3'}"
    made = DatabaseSecretStore(
        make_engine(secrets_database_url if request.param != "sqlite" else url)
    )
    made.prepare()
    made.prepare()  # twice is harmless: every replica's `prepare` may run it
    yield made
    made.close()


def test_one_secret_per_dossier_however_many_make_it_at_once(store: SecretStore) -> None:
    dossier_id = uuid.uuid4()
    assert store.read(dossier_id) is None
    with ThreadPoolExecutor(8) as pool:
        made = set(pool.map(lambda _: DossierSecrets(store).get_or_create(dossier_id), range(16)))
    assert len(made) == 1
    [secret] = made
    assert len(secret) == 32 and store.read(dossier_id) == secret
    assert dossier_id in store.dossier_ids()
    assert store.ready()


def test_a_destroyed_secret_is_gone_at_once_for_every_reader(store: SecretStore) -> None:
    dossier_id, other = uuid.uuid4(), uuid.uuid4()
    one, two = DossierSecrets(store), DossierSecrets(store)  # two units of work, two processes
    one.get_or_create(dossier_id)
    kept = one.get_or_create(other)
    assert two.get(dossier_id) is not None
    one.destroy(dossier_id)
    assert DossierSecrets(store).get(dossier_id) is None  # the next unit of work, anywhere
    assert store.read(dossier_id) is None and dossier_id not in store.dossier_ids()
    assert store.read(other) == kept  # only that dossier's
    one.destroy(dossier_id)  # twice is harmless


def test_the_database_store_deletes_the_row(secrets_database_url: str) -> None:
    store = DatabaseSecretStore(make_engine(secrets_database_url))
    store.prepare()
    dossier_id = uuid.uuid4()
    DossierSecrets(store).get_or_create(dossier_id)
    store.destroy(dossier_id)
    with store.engine.connect() as connection:
        rows = connection.execute(select(SECRETS).where(SECRETS.c.dossier_id == dossier_id))
        assert rows.all() == []
    store.close()


def test_secrets_move_into_the_database_and_back(tmp_path: Path, secrets_database_url: str) -> None:
    files = FileSecretStore(tmp_path / "dossiers")
    database = DatabaseSecretStore(make_engine(secrets_database_url))
    database.prepare()
    made = {
        dossier_id: DossierSecrets(files).get_or_create(dossier_id)
        for dossier_id in (uuid.uuid4() for _ in range(3))
    }
    there = move(files, database)
    assert sorted(there.moved) == sorted(made) and not there.conflicts
    assert files.dossier_ids() == []
    assert {d: database.read(d) for d in made} == made
    assert move(files, database).moved == []  # nothing left: running it again is harmless

    clash = next(iter(made))
    files.create(clash, bytes(32))  # a stale copy that differs: neither side is guessed
    back = move(database, files)
    assert back.conflicts == [clash] and clash not in back.moved
    assert database.read(clash) == made[clash] and files.read(clash) == bytes(32)
    assert {d: files.read(d) for d in made if d != clash} == {
        d: s for d, s in made.items() if d != clash
    }
    assert all(database.read(d) is None for d in made if d != clash)
    database.destroy(clash)
    database.close()


def test_the_command_moves_a_running_setups_secrets_and_back(tmp_path: Path) -> None:
    """`dossier secrets move`, as an operator runs it with the app stopped: the dossiers made
    with files open from the database afterwards, and from files again after moving back."""
    from click.testing import CliRunner

    from dossier.cli import main
    from dossier.secret_store import close_stores

    folder = tmp_path / "keys" / "dossiers"
    made = {d: DossierSecrets(FileSecretStore(folder)).get_or_create(d) for d in (uuid.uuid4(),)}
    secrets_url = f"sqlite:///{tmp_path / 'secrets.sqlite3'}"
    env = {
        "DOSSIER_KEYS_DIR": str(tmp_path / "keys"),
        "DOSSIER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DOSSIER_SECRETS_URL": secrets_url,
    }
    runner = CliRunner()
    there = runner.invoke(main, ["secrets", "move", "--to", "database"], env=env)
    assert there.exit_code == 0 and "moved 1 dossier secrets" in there.output, there.output
    assert list(folder.glob("*.key")) == []
    database = DatabaseSecretStore(make_engine(secrets_url))
    assert {d: database.read(d) for d in made} == made
    back = runner.invoke(main, ["secrets", "move", "--to", "files"], env=env)
    assert back.exit_code == 0 and "Unset DOSSIER_SECRETS_URL" in back.output, back.output
    assert database.dossier_ids() == []
    assert {d: FileSecretStore(folder).read(d) for d in made} == made
    without = runner.invoke(
        main, ["secrets", "move", "--to", "database"], env={**env, "DOSSIER_SECRETS_URL": ""}
    )
    assert without.exit_code != 0 and "DOSSIER_SECRETS_URL" in without.output
    database.close()
    close_stores()


@pytest.fixture
def in_database(ctx: Any, backend: str, tmp_path: Path, secrets_database_url: str) -> Any:
    """The test's context with the dossier secrets in their own database: SQLite beside SQLite,
    PostgreSQL beside PostgreSQL."""
    from dossier.services.context import Context

    url = secrets_database_url if backend == "postgresql" else f"sqlite:///{tmp_path / 's.db'}"
    settings = ctx.settings.with_overrides(secrets_url=url)
    store = open_store(settings)
    assert isinstance(store, DatabaseSecretStore)
    store.prepare()
    return Context(ctx.sessions, settings, clock=ctx.clock)


def test_a_copy_of_the_main_database_cannot_open_a_destroyed_dossier(in_database: Any) -> None:
    """Every row of the main database copied before the destruction and put back after it: the
    dossier's rows are all there, its secret's row is not, and nothing of it opens."""
    from dossier.errors import DossierKeyGone
    from dossier.services import entries, ownership, shredding
    from tests.support import restore, snapshot, youth_world

    world = youth_world(in_database, age=17)
    world.write(world.youth, "care", "Mijn plan", "Naar de havo.")
    store = open_store(in_database.settings)
    assert store.read(world.dossier.id) is not None
    assert not (in_database.settings.secrets_dir / f"{world.dossier.id}.key").exists()
    page = entries.list_entries(in_database, world.youth, world.dossier.id, entries.Filters())
    assert [card.title for card in page.items] == ["Mijn plan"]
    engine = in_database.sessions.kw["bind"]
    copy = snapshot(engine)

    ownership.destroy(in_database, world.youth, world.dossier.id, "Sanne")
    assert store.read(world.dossier.id) is None
    restore(engine, copy)
    with pytest.raises(DossierKeyGone):
        entries.list_entries(in_database, world.youth, world.dossier.id, entries.Filters())
    assert shredding.shred_left_behind(in_database) == 0  # nothing was left behind


def test_a_secret_left_behind_by_a_destruction_is_shredded_by_the_next_tick(
    in_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secrets' database was out of reach when the destruction committed: the dossier is
    gone, its secret not yet; the worker's tick finds it by the destruction's event. A secret
    without a dossier row but without that event (a main database restored from before the
    dossier was made, say) is never touched."""
    from dossier.services import ownership, shredding
    from tests.support import youth_world

    world = youth_world(in_database, age=17)
    store = open_store(in_database.settings)
    stranger = uuid.uuid4()
    DossierSecrets(store).get_or_create(stranger)

    def out_of_reach(self: DatabaseSecretStore, dossier_id: uuid.UUID) -> None:
        raise ConnectionError("the secrets' database is restarting")

    with monkeypatch.context() as patched:
        patched.setattr(DatabaseSecretStore, "destroy", out_of_reach)
        ownership.destroy(in_database, world.youth, world.dossier.id, "Sanne")  # still done
        assert shredding.shred_left_behind(in_database) == 0  # a tick while it is still away
    assert store.read(world.dossier.id) is not None  # left behind

    assert shredding.shred_left_behind(in_database) == 1
    assert store.read(world.dossier.id) is None
    assert store.read(stranger) is not None
    assert shredding.shred_left_behind(in_database) == 0
    store.destroy(stranger)
