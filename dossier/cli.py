"""The `dossier` command: keys, migrations, staff accounts, the emergency key, the demo and the
development server."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click

from dossier import keys as server_keys
from dossier.config import ConfigError, Settings
from dossier.errors import Conflict, DomainError, InvalidInput, ServerKeysMissing
from dossier.services.accounts import STAFF_ROLES
from dossier.services.context import Context


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def _context(with_keys: bool = False) -> Iterator[Context]:
    """A service context for one command; its connections close when the command ends."""
    from dossier.audit import Origin
    from dossier.db import make_engine, make_session_factory

    settings = _settings()
    loaded = None
    if with_keys:
        try:
            loaded = server_keys.load_keys(settings.keys_dir)
        except ServerKeysMissing as error:
            raise click.ClickException(str(error)) from None
    engine = make_engine(settings.database_url, settings.database_timeout_seconds)
    try:
        yield Context(
            sessions=make_session_factory(engine),
            settings=settings,
            origin=Origin(client_address="cli", request_id=None),
            audit_key=loaded.audit_signing_key if loaded else None,
            job_key=loaded.job_key if loaded else None,
        )
    finally:
        engine.dispose()


def _fail_on_domain_error(error: DomainError) -> click.ClickException:
    if isinstance(error, InvalidInput):
        lines = [f"{name}: {' '.join(messages)}" for name, messages in error.errors.items()]
        return click.ClickException("\n".join(lines))
    return click.ClickException(error.detail)


@click.group()
def main() -> None:
    """Eigen Dossier: a youth-care dossier that its client owns."""


@main.group()
def keys() -> None:
    """Server keys in keys/ (DOSSIER_KEYS_DIR)."""


@keys.command("init")
def keys_init() -> None:
    """Create the server keys that are missing (mode 0600); never replace one."""
    settings = _settings()
    written = server_keys.init_keys(settings.keys_dir)
    for path in written:
        click.echo(f"created {path}")
    if not written:
        click.echo(f"keys already present in {settings.keys_dir}")


@main.group()
def db() -> None:
    """The database schema (DOSSIER_DATABASE_URL)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from dossier import migrations
    from dossier.db import make_engine

    engine = make_engine(_settings().database_url)
    try:
        migrations.upgrade(engine, revision)
        click.echo(f"database at revision {migrations.current_revision(engine)}")
    finally:
        engine.dispose()


@main.command()
def prepare() -> None:
    """Before the app takes traffic: create missing server keys when DOSSIER_CREATE_KEYS allows
    it, then migrate the database, and with DOSSIER_SECRETS_URL make the dossier secrets' table.
    One container runs this; the app and worker wait for it."""
    settings = _settings()
    _ready_keys(settings, lambda name: click.echo(f"created {name}"))
    click.get_current_context().invoke(db_upgrade, revision="head")
    if settings.secrets_url:
        _prepare_secrets(settings)
        click.echo("dossier secrets' database ready")


def _prepare_secrets(settings: Settings) -> None:
    """The secrets' own table, in their own database (never an Alembic migration of the main
    database: it is backed up apart)."""
    from dossier import secret_store

    try:
        store = secret_store.connect(settings)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    try:
        store.prepare()
    finally:
        store.close()


@main.group("secrets")
def secrets_group() -> None:
    """Each dossier's secret: in files (DOSSIER_SECRETS_DIR) or in a database of their own
    (DOSSIER_SECRETS_URL), which every replica reaches."""


@secrets_group.command("move")
@click.option(
    "--to",
    "where",
    type=click.Choice(["database", "files"]),
    required=True,
    help="database: from DOSSIER_SECRETS_DIR into DOSSIER_SECRETS_URL; files: back again.",
)
def secrets_move(where: str) -> None:
    """Move every dossier secret into the other store. Stop the app and the worker first: a
    dossier destroyed during the move could keep its secret. Each secret leaves its old place
    only once the new one holds the same bytes, so running it again finishes a move that
    stopped. Afterwards set (to database) or unset (to files) DOSSIER_SECRETS_URL."""
    from dossier import secret_store
    from dossier.keys import FileSecretStore

    settings = _settings()
    if not settings.secrets_url:
        raise click.ClickException("Set DOSSIER_SECRETS_URL to the secrets' own database.")
    _prepare_secrets(settings)
    files = FileSecretStore(settings.secrets_dir)
    database = secret_store.connect(settings)
    try:
        source, target = (files, database) if where == "database" else (database, files)
        done = secret_store.move(source, target)
    finally:
        database.close()
    place = "the secrets' database" if where == "database" else f"{settings.secrets_dir}/"
    click.echo(f"moved {len(done.moved)} dossier secrets into {place}")
    if done.conflicts:
        listed = ", ".join(str(dossier_id) for dossier_id in done.conflicts)
        raise click.ClickException(
            f"{len(done.conflicts)} dossiers have a different secret in each store; those stay "
            f"in both, untouched: {listed}"
        )
    if where == "database":
        click.echo("Keep DOSSIER_SECRETS_URL set from now on.")
    else:
        click.echo("Unset DOSSIER_SECRETS_URL from now on.")


def _ready_keys(settings: Settings, report: Callable[[str], None]) -> None:
    """The server keys, made first where DOSSIER_CREATE_KEYS allows it; a clear stop otherwise."""
    if settings.create_keys:
        for path in server_keys.init_keys(settings.keys_dir):
            report(path.name)
    try:
        server_keys.load_keys(settings.keys_dir)
    except ServerKeysMissing as error:
        hint = "" if settings.create_keys else " Or set DOSSIER_CREATE_KEYS=true on first start."
        raise click.ClickException(f"{error}{hint}") from None


@main.group()
def users() -> None:
    """Accounts that nobody can register for themselves."""


@users.command("create")
@click.option("--role", type=click.Choice([str(role) for role in STAFF_ROLES]), required=True)
@click.option("--email", required=True)
@click.option("--name", required=True, help="Display name.")
@click.option("--password", help="Asked for when left out, so it stays out of shell history.")
def users_create(role: str, email: str, name: str, password: str | None) -> None:
    """Create an admin, an auditor or a client council member; print the recovery code."""
    from dossier.services import accounts

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with _context() as ctx:
            registration = accounts.create_staff(
                ctx, accounts.NewAccount(email, password, name, role)
            )
    except DomainError as error:
        raise _fail_on_domain_error(error) from None
    click.echo(f"created {role} {email.strip().lower()} ({registration.user_id})")
    click.echo(f"recovery code (shown once, keep it safe): {registration.recovery_code}")


@main.command()
def demo() -> None:
    """Fill an empty database with demo accounts and print how to log in as each."""
    from dossier.services.demo import create_demo

    settings = _settings()
    if settings.production:
        raise click.ClickException("The demo never runs in production.")
    try:
        # With the server keys: the demo's emergency officers say yes as on their page, where
        # a share waits for the next officer under the job key.
        with _context(with_keys=True) as ctx:
            people = create_demo(ctx)
    except Conflict as error:
        raise click.ClickException(f"{error.detail} To start over: `make reset`.") from None
    except DomainError as error:
        raise _fail_on_domain_error(error) from None
    address = _running_address()
    if address:
        click.echo(f"Demo accounts (log in at {address}/login):\n")
    else:
        click.echo("Demo accounts:\n")
    width = max(len(p.email) for p in people)
    for person in people:
        who = f"{person.display_name}, {person.description}"
        click.echo(f"  {person.email:<{width}}  {person.password:<26} {who}")
    if not address:
        click.echo(
            "\nThe server is not running yet. Start it with `make run` in another terminal; it"
            " prints the address to open, then log in there with one of these accounts."
        )


# `dossier run` writes the address it listens on here, so `dossier demo` (in another terminal)
# names the page to open, and `dossier reset` does not pull the database from under the server.
ADDRESS_FILE = Path("var") / "address"


def _running_address() -> str | None:
    """The address of the development server started here, if it still answers."""
    try:
        address = ADDRESS_FILE.read_text().strip()
    except OSError:
        return None
    host, _, port = address.removeprefix("http://").partition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return address
    except (OSError, ValueError):
        return None  # left behind by a server that was killed


@main.command()
@click.option("--yes", is_flag=True, help="Do not ask before removing.")
def reset(yes: bool) -> None:
    """Start over on the embedded setup: remove the SQLite database and the dossiers' secrets,
    then make an empty database. The installation and the server keys stay."""
    from sqlalchemy.engine import make_url

    settings = _settings()
    if settings.production:
        raise click.ClickException("Reset never runs in production.")
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(
            "Reset only removes the embedded SQLite database, and this setup uses "
            f"{url.render_as_string(hide_password=True)}."
        )
    if _running_address():
        raise click.ClickException(
            "The server is running: stop `make run` first (Ctrl+C), then reset."
        )
    database = Path(url.database)
    files = [
        path
        for path in (database, *(Path(f"{database}{end}") for end in ("-wal", "-shm", "-journal")))
        if path.exists()
    ]
    secrets = sorted(settings.secrets_dir.glob("*.key")) if settings.secrets_dir.is_dir() else []
    if not files and not secrets:
        click.echo("Nothing to remove: there is no database and no dossier secret yet.")
    else:
        click.echo("This removes every account and dossier of this setup:")
        for path in files:
            click.echo(f"  {path}")
        if secrets:
            click.echo(f"  {len(secrets)} dossier secrets in {settings.secrets_dir}/")
        click.echo(f"It keeps the server keys in {settings.keys_dir}/ and the installation.")
        if not yes:
            click.confirm("Start over?", abort=True)
        for path in [*files, *secrets]:
            path.unlink()
    click.get_current_context().invoke(db_upgrade, revision="head")
    click.echo("Done. Start the server with `make run`, and fill it with `make demo`.")


@main.group("emergency")
def emergency_group() -> None:
    """The organisation's emergency key: opened only by several officers together."""


@emergency_group.command("init")
@click.option(
    "--officer",
    "officers",
    multiple=True,
    required=True,
    help="E-mail address of an existing admin, auditor or checked professional; repeat it.",
)
@click.option(
    "--threshold",
    type=int,
    default=2,
    show_default=True,
    help="How many officers must approve a request together.",
)
def emergency_init(officers: tuple[str, ...], threshold: int) -> None:
    """Make the emergency key and seal one share of it to each officer's own account key. Its
    private half is never stored whole; only THRESHOLD officers together can use it."""
    from dossier.services import emergency

    try:
        with _context() as ctx:
            made = emergency.create_key(ctx, list(officers), threshold)
    except DomainError as error:
        raise _fail_on_domain_error(error) from None
    click.echo(f"emergency key {made.id}: {made.threshold} of {len(made.officers)} officers")
    for officer in made.officers:
        click.echo(f"  share {officer.share_index}: {officer.email} ({officer.role})")


@emergency_group.command("reshare")
@click.option(
    "--officer",
    "officers",
    multiple=True,
    required=True,
    help="E-mail address of an officer of the new group; repeat it.",
)
@click.option(
    "--threshold",
    type=int,
    default=2,
    show_default=True,
    help="How many officers of the new group must approve together.",
)
@click.option(
    "--by",
    "current",
    multiple=True,
    required=True,
    help="E-mail address of a current officer who joins with their password; repeat it.",
)
def emergency_reshare(officers: tuple[str, ...], threshold: int, current: tuple[str, ...]) -> None:
    """Give the emergency key to a new group of officers. As many current officers as must
    approve together type their password; the key stays, its shares are made anew."""
    from dossier.services import emergency

    passwords = [
        (email, click.prompt(f"Password of {email}", hide_input=True)) for email in current
    ]
    try:
        with _context() as ctx:
            made = emergency.reshare(ctx, passwords, list(officers), threshold)
    except DomainError as error:
        raise _fail_on_domain_error(error) from None
    click.echo(f"emergency key {made.id}: {made.threshold} of {len(made.officers)} officers")
    for officer in made.officers:
        click.echo(f"  share {officer.share_index}: {officer.email} ({officer.role})")


@emergency_group.command("officers")
def emergency_officers() -> None:
    """List the officers who hold a share of the current emergency key."""
    from dossier.services import emergency

    with _context() as ctx:
        current = emergency.current_key(ctx)
    if current is None:
        click.echo("no emergency key yet: run `dossier emergency init`")
        return
    click.echo(f"emergency key {current.id}: {current.threshold} of {len(current.officers)}")
    for officer in current.officers:
        click.echo(
            f"  share {officer.share_index}: {officer.email} {officer.display_name} "
            f"({officer.role})"
        )


@main.group("audit")
def audit_group() -> None:
    """The access log: verify it, sign a checkpoint, export it."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Recompute every chain and checkpoint. Exit 0 when intact, 1 naming the first broken link."""
    from dossier.services import audit_views

    with _context(with_keys=True) as ctx:
        state = audit_views.verify_now(ctx, None)
    report = state.report
    click.echo(f"{report.chains} chains, {report.events} events, {report.checkpoints} checkpoints")
    if report.ok:
        click.echo("intact")
        return
    broken = report.first_broken
    assert broken is not None
    click.echo(
        f"BROKEN: chain {broken.chain}, sequence {broken.sequence}: {broken.reason}", err=True
    )
    sys.exit(1)


@audit_group.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint of every chain head now, and print it to keep a copy elsewhere."""
    from dossier.services import audit_views

    with _context(with_keys=True) as ctx:
        made = audit_views.checkpoint(ctx)
    click.echo(
        json.dumps(
            {
                "number": made.number,
                "created_at": made.created_at.isoformat(),
                "merkle_root": made.merkle_root,
                "hash": made.hash,
                "public_key": made.public_key,
                "signature": made.signature,
                "body": made.body,
            }
        )
    )


@audit_group.command("export")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="First day (UTC).")
@click.option(
    "--until", type=click.DateTime(formats=["%Y-%m-%d"]), help="Day after the last (UTC)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
def audit_export(since: datetime | None, until: datetime | None, fmt: str) -> None:
    """Write the events of a period to standard output."""
    from dossier.services import audit_views

    filters = audit_views.EventFilters(
        since=since.replace(tzinfo=UTC) if since else None,
        until=until.replace(tzinfo=UTC) if until else None,
    )
    with _context() as ctx:
        click.echo(audit_views.export(ctx, None, filters, fmt).decode(), nl=False)


@main.command()
@click.option("--once", is_flag=True, help="Do what is due now (and empty the queue), then stop.")
def worker(once: bool) -> None:
    """Background work: due checkpoints, ended grants, and with DOSSIER_REDIS_URL the queue
    (e-mail, the rest of a re-encryption)."""
    from dossier.edge import logs
    from dossier.services import jobs, queue

    settings = _settings()
    if settings.production:
        logs.configure()
    try:
        server_keys.load_keys(settings.keys_dir)
    except ServerKeysMissing as error:
        raise click.ClickException(str(error)) from None
    if settings.redis_url:
        # Jobs run in this process, one at a time: a forked child would share the parent's
        # database connections.
        from rq import SimpleWorker

        jobs.tick()  # puts the next tick on the queue
        rq_worker = SimpleWorker(
            [queue.QUEUE_NAME], connection=queue.connection(settings.redis_url)
        )
        rq_worker.work(burst=once, with_scheduler=not once)
        return
    while True:
        done = jobs.tick()
        if done["checkpoint"]:
            click.echo(f"checkpoint {done['checkpoint']}")
        if once:
            return
        time.sleep(settings.worker_interval_seconds)


@main.command()
def serve() -> None:
    """The production server: gunicorn with DOSSIER_WORKERS, DOSSIER_THREADS and
    DOSSIER_TIMEOUT_SECONDS on DOSSIER_BIND. Refuses to start without keys, on SQLite in
    production, with debug on, or on a database whose migrations are not current."""
    from dossier import migrations, production
    from dossier.edge import logs

    settings = _settings()
    logs.configure()
    try:
        settings.check_production()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    _ready_keys(
        settings,
        lambda name: logging.getLogger("dossier.keys").info(
            "created server key", extra={"fields": {"file": name}}
        ),
    )
    from dossier.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        current = migrations.is_current(engine)
    finally:
        engine.dispose()
    if not current:
        raise click.ClickException("The database schema is not current: run `dossier db upgrade`.")
    if settings.secrets_url and not _secrets_prepared(settings):
        raise click.ClickException(
            "The dossier secrets' database (DOSSIER_SECRETS_URL) is not ready: "
            "run `dossier prepare`."
        )
    production.Production(settings).run()


def _secrets_prepared(settings: Settings) -> bool:
    """Checked with a store of its own, closed before gunicorn forks its workers."""
    from dossier import secret_store

    store = secret_store.connect(settings)
    try:
        return store.prepared()
    finally:
        store.close()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", default=lambda: int(os.environ.get("PORT", "5000")), show_default="PORT or 5000"
)
def run(host: str, port: int) -> None:
    """Serve the app for development on the embedded server."""
    from dossier import create_app, migrations

    try:
        app = create_app(_settings())
    except (ServerKeysMissing, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    if not migrations.is_current(app.extensions["dossier"]["engine"]):
        raise click.ClickException("The database schema is not current: run `dossier db upgrade`.")
    if app.extensions["dossier"]["settings"].production:
        raise click.ClickException("In production, use a real server, not `dossier run`.")
    from werkzeug.serving import make_server

    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as error:
        raise click.ClickException(
            f"Cannot listen on {host}:{port} ({error.strerror}). Is another server running? "
            "Stop it, or choose another port: `make run PORT=5001`."
        ) from None
    address = f"http://{host}:{server.server_port}"  # the port it really got, also for port 0
    ADDRESS_FILE.parent.mkdir(parents=True, exist_ok=True)
    ADDRESS_FILE.write_text(address + "\n")
    click.echo(f"Eigen Dossier runs on {address}/ (stop it with Ctrl+C)")
    # Stopped by `kill` as by Ctrl+C: the address goes with the server.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        ADDRESS_FILE.unlink(missing_ok=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
