"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from dossier.errors import DatabaseUnavailable

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT_SECONDS = 30.0

# SQLite primary result codes (https://sqlite.org/rescode.html) of a database that is busy,
# locked, read-only, full, failing underneath or out of reach: states that pass, not mistakes.
_SQLITE_UNAVAILABLE = {
    5: "locked",  # SQLITE_BUSY: another writer held the lock past the busy timeout
    6: "locked",  # SQLITE_LOCKED
    8: "read-only",  # SQLITE_READONLY
    10: "i/o error",  # SQLITE_IOERR
    13: "full",  # SQLITE_FULL
    14: "cannot open",  # SQLITE_CANTOPEN
}
# PostgreSQL SQLSTATE classes and codes of the same kind.
_POSTGRES_UNAVAILABLE_CLASSES = {
    "08": "connection lost",  # connection exception
    "40": "conflict",  # serialization failure, deadlock: the transaction may simply be retried
    "53": "full",  # insufficient resources: disk full, out of memory, too many connections
    "57": "shutting down",  # operator intervention: shutdown, crash, cannot connect now
}
_POSTGRES_UNAVAILABLE = {
    "55P03": "locked",  # lock_not_available: lock_timeout passed
    "57014": "timed out",  # query_canceled: statement_timeout passed
    "25006": "read-only",  # read_only_sql_transaction: a standby, or read-only by setting
}


def normalize_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` as people write them; we speak psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(
    url: str, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS, **options: Any
) -> Engine:
    """`timeout_seconds` bounds how long a unit of work waits for a lock or a connection before
    it gives up with `DatabaseUnavailable`, rather than hanging until the worker is killed."""
    url = normalize_url(url)
    parsed = make_url(url)
    milliseconds = max(1, round(timeout_seconds * 1000))
    if parsed.get_backend_name() != "sqlite":
        # pool_pre_ping: a connection that died with a restarted server is replaced when it is
        # next taken from the pool, so the app recovers without a restart of its own.
        given = parsed.query.get("options")  # the URL's own server options stay
        if isinstance(given, tuple):  # `options` more than once in the URL: all of them stay
            given = " ".join(given)
        connect_args = {
            "connect_timeout": max(2, math.ceil(timeout_seconds)),  # libpq's minimum is 2
            "options": " ".join(filter(None, [f"-c lock_timeout={milliseconds}", given])),
        }
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **options)
    if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": timeout_seconds}, **options)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself, so every unit of work takes the write lock up front
        # and two writers never deadlock upgrading a read lock.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={milliseconds}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") == READ_ONLY:
            return  # `reading`: each statement on its own, no lock held between them
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


READ_ONLY = "AUTOCOMMIT"  # the isolation level of `reading`


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block ends normally, roll everything back otherwise.
    A database that is locked, read-only, full or out of reach rolls it back too, and becomes
    `DatabaseUnavailable` here, once for every use case."""
    session = factory()
    try:
        with _translated(), session.begin():
            yield session
    finally:
        session.close()


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Statements that only read, each in a transaction of its own: no write lock taken, nothing
    to commit. For look-ups outside a unit of work, such as a second factor's state; a block
    that writes must use `unit_of_work`."""
    session = factory()
    try:
        with _translated():
            session.connection(execution_options={"isolation_level": READ_ONLY})
            yield session
    finally:
        session.close()


@contextmanager
def looking_up(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """`reading` for plain rows, on a connection with no session around it. For the one look-up
    every request makes before anything else (its session), where a session's own bookkeeping
    costs more than the statement it runs."""
    engine: Engine = factory.kw["bind"]
    with _translated(), engine.connect() as connection:
        yield connection.execution_options(isolation_level=READ_ONLY)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except (sa.DBAPIError, sa.TimeoutError) as error:
        reason = unavailable(error)
        if reason is None:
            raise
        # The kind of failure only: a statement's parameters may hold sealed content.
        log.warning("database unavailable", extra={"fields": {"reason": reason}})
        raise DatabaseUnavailable() from error


def unavailable(error: Exception) -> str | None:
    """Why the database could not do its part just now (locked, read-only, full, gone), or None
    for an error that a retry would meet again, such as a broken statement or a broken rule."""
    if isinstance(error, sa.TimeoutError):
        return "no free connection"  # every pooled connection stayed taken
    if not isinstance(error, sa.DBAPIError):
        return None
    if error.connection_invalidated:
        return "connection lost"
    original = error.orig
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        return None if code is None else _SQLITE_UNAVAILABLE.get(code & 0xFF)
    state = getattr(original, "sqlstate", None)
    if state is None:
        # psycopg gives every answer from the server a SQLSTATE; an operational error without
        # one is the client's own: no connection could be made, or it broke.
        return "no connection" if isinstance(error, sa.OperationalError) else None
    return _POSTGRES_UNAVAILABLE.get(state) or _POSTGRES_UNAVAILABLE_CLASSES.get(state[:2])
