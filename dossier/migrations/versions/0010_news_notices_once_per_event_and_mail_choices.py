"""news: a notice names the event it tells of, unread notices are counted fast, and each person
chooses which topics arrive by e-mail

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08

One column added in place and one new table: no row changes. Notices made before this revision
have no event key; they stay as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dossier.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notices", sa.Column("event_key", sa.String(length=120), nullable=True))
    op.create_index("uq_notices_user_event", "notices", ["user_id", "event_key"], unique=True)
    op.create_index(
        "ix_notices_unread",
        "notices",
        ["user_id"],
        unique=False,
        sqlite_where=sa.text("read_at IS NULL"),
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_table(
        "notice_mail",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("muted", sa.String(length=200), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notice_mail_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notice_mail")),
    )


def downgrade() -> None:
    op.drop_table("notice_mail")
    op.drop_index("ix_notices_unread", table_name="notices")
    op.drop_index("uq_notices_user_event", table_name="notices")
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("event_key")
