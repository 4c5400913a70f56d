"""an account's language and removal, each session's browser, and e-mail changes waiting

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Nullable columns added in place (on SQLite, copying `users` would cascade-delete its sessions),
and one new table for a new address that waits until the link sent there is opened.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dossier.models import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_COLUMNS: tuple[tuple[str, sa.Column[object]], ...] = (
    ("users", sa.Column("language", sa.String(5), nullable=True)),
    ("users", sa.Column("removed_at", UTCDateTime(), nullable=True)),
    ("user_sessions", sa.Column("browser", sa.String(40), nullable=True)),
    ("user_sessions", sa.Column("platform", sa.String(40), nullable=True)),
)


def upgrade() -> None:
    for table, column in _COLUMNS:
        op.add_column(table, column)
    op.create_table(
        "email_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("new_email", sa.String(254), nullable=False),
        sa.Column("lookup_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_email_changes_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_email_changes"),
        sa.UniqueConstraint("lookup_hash", name="uq_email_changes_lookup_hash"),
    )
    op.create_index("ix_email_changes_user_id", "email_changes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_email_changes_user_id", table_name="email_changes")
    op.drop_table("email_changes")
    for table, column in reversed(_COLUMNS):
        op.drop_column(table, column.name)
