"""second factors: authenticator apps and passkeys, logins waiting for one, resets by two admins

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02

New tables, and a column on sessions that is false for every existing session.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dossier.models import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "second_factors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("secret_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("credential_id", sa.LargeBinary(length=1023), nullable=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=True),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("challenge", sa.LargeBinary(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_second_factors_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_second_factors")),
    )
    with op.batch_alter_table("second_factors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_second_factors_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_second_factors_credential_id"), ["credential_id"], unique=False
        )
    op.create_table(
        "pending_logins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("lookup_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("keyring_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("challenge", sa.LargeBinary(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pending_logins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_logins")),
    )
    with op.batch_alter_table("pending_logins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_logins_user_id"), ["user_id"], unique=False)
    op.create_table(
        "factor_resets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("started_by", sa.Uuid(), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_factor_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by"], ["users.id"], name=op.f("fk_factor_resets_started_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["users.id"], name=op.f("fk_factor_resets_confirmed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_resets")),
    )
    with op.batch_alter_table("factor_resets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_factor_resets_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "needs_second_factor", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("needs_second_factor")
    with op.batch_alter_table("factor_resets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_factor_resets_user_id"))
    op.drop_table("factor_resets")
    with op.batch_alter_table("pending_logins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_logins_user_id"))
    op.drop_table("pending_logins")
    with op.batch_alter_table("second_factors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_second_factors_credential_id"))
        batch_op.drop_index(batch_op.f("ix_second_factors_user_id"))
    op.drop_table("second_factors")
