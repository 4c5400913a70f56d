"""A PostgreSQL database that exists for one benchmark and is dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dossier.db import normalize_url


@contextmanager
def temporary_postgres(admin_url: str, purpose: str) -> Iterator[str]:
    """Yields the new database's URL; drops it (and any connection left to it) at the end."""
    admin = make_url(normalize_url(admin_url))
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    name = f"dossier_bench_{purpose}_{uuid.uuid4().hex[:8]}"
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
