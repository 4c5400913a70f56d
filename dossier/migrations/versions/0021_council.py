"""council: answers to "Do you feel heard?", apart from who gave them

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02

New tables, and an index on the log by action and time for the council's counts. The client
council member is a new value of users.role (a string).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("moment", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
    )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index("ix_check_ins_month", ["month"], unique=False)

    # Not in a batch: the log keeps its append-only triggers, so its table is never rebuilt. On
    # PostgreSQL built beside the running service, which goes on writing to the log meanwhile.
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_audit_events_action_at",
                "audit_events",
                ["action", "at"],
                postgresql_concurrently=True,
            )
    else:
        op.create_index("ix_audit_events_action_at", "audit_events", ["action", "at"])
    op.create_table(
        "check_in_turns",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_check_in_turns_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_check_in_turns")),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_action_at", table_name="audit_events")
    op.drop_table("check_in_turns")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_check_ins_month")

    op.drop_table("check_ins")
