"""Which database errors are a passing state (503, try again) and which are mistakes (500)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from psycopg import errors as pg
from sqlalchemy import exc as sa

from dossier.db import unavailable


def from_sqlite(code: int, message: str) -> sa.DBAPIError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return sa.OperationalError("INSERT ...", {}, error)


def from_postgres(sqlstate: str) -> sa.DBAPIError:
    error = pg.lookup(sqlstate)("from the server")
    wrapper = sa.OperationalError if isinstance(error, psycopg.OperationalError) else sa.DBAPIError
    return wrapper("UPDATE ...", {}, error)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (from_sqlite(5, "database is locked"), "locked"),
        (from_sqlite(517, "database is locked"), "locked"),  # SQLITE_BUSY_SNAPSHOT
        (from_sqlite(8, "attempt to write a readonly database"), "read-only"),
        (from_sqlite(13, "database or disk is full"), "full"),
        (from_sqlite(14, "unable to open database file"), "cannot open"),
        (from_postgres("55P03"), "locked"),
        (from_postgres("57014"), "timed out"),
        (from_postgres("25006"), "read-only"),
        (from_postgres("53100"), "full"),
        (from_postgres("57P01"), "shutting down"),
        (from_postgres("08006"), "connection lost"),
        (from_postgres("40001"), "conflict"),
        (
            sa.OperationalError("SELECT 1", {}, psycopg.OperationalError("connection failed")),
            "no connection",
        ),
        (sa.TimeoutError("QueuePool limit reached"), "no free connection"),
    ],
)
def test_a_passing_state_of_the_database_is_named(error: Exception, reason: str) -> None:
    assert unavailable(error) == reason


def test_a_lost_connection_is_a_passing_state_whatever_the_driver_said() -> None:
    lost = sa.OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    lost.connection_invalidated = True
    assert unavailable(lost) == "connection lost"


@pytest.mark.parametrize(
    "error",
    [
        from_sqlite(1, "no such table: entries"),
        from_sqlite(19, "UNIQUE constraint failed: users.email"),
        from_postgres("23505"),  # unique violation
        from_postgres("42P01"),  # undefined table
        sa.ProgrammingError("SELECT", {}, psycopg.ProgrammingError("bad statement")),
        ValueError("not a database error"),
    ],
)
def test_a_mistake_is_not_a_passing_state(error: Exception) -> None:
    assert unavailable(error) is None
