"""Alembic environment: runs online against the engine handed in by `dossier.migrations`."""

from __future__ import annotations

from alembic import context

from dossier.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
