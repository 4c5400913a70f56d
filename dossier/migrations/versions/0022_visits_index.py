"""an index for an owner's visits to her dossier

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02

"Who looked since your last visit" asks for the owner's visit before this one. With only the
index by action and time (0021) to go on, SQLite walked every dossier's visits, newest first,
until it found two of hers.
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

NAME = "ix_audit_events_dossier_actor_action_at"
COLUMNS = ["dossier_id", "actor_id", "action", "at"]


def upgrade() -> None:
    # Not in a batch: the log keeps its append-only triggers, so its table is never rebuilt. On
    # PostgreSQL built beside the running service, which goes on writing to the log meanwhile.
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(NAME, "audit_events", COLUMNS, postgresql_concurrently=True)
    else:
        op.create_index(NAME, "audit_events", COLUMNS)


def downgrade() -> None:
    op.drop_index(NAME, table_name="audit_events")
