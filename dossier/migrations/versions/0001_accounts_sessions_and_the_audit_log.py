"""accounts, sessions and the audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dossier.models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_chain_heads",
        sa.Column("chain", sa.String(length=80), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_chain_heads")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("chain", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("on_behalf_of", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=True),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=80), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("basis", sa.String(length=120), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("chain", "seq", name="uq_audit_events_chain_seq"),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_actor_at", ["actor_id", "at"], unique=False)
        batch_op.create_index("ix_audit_events_at_id", ["at", "id"], unique=False)
        batch_op.create_index("ix_audit_events_dossier_at", ["dossier_id", "at"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("registration_number", sa.String(length=20), nullable=True),
        sa.Column("verified_at", dossier.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kdf_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("kdf_time_cost", sa.Integer(), nullable=False),
        sa.Column("kdf_memory_kib", sa.Integer(), nullable=False),
        sa.Column("kdf_lanes", sa.Integer(), nullable=False),
        sa.Column("auth_verifier", sa.LargeBinary(length=32), nullable=False),
        sa.Column("exchange_public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signing_public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("keyring_by_password", sa.LargeBinary(), nullable=False),
        sa.Column("keyring_by_recovery", sa.LargeBinary(), nullable=False),
        sa.Column("password_changed_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["users.id"], name=op.f("fk_users_verified_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("lookup_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("keyring_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    # The account chain exists from the start; dossier chains are started with their dossier.
    heads = sa.table(
        "audit_chain_heads",
        sa.column("chain", sa.String),
        sa.column("dossier_id", sa.Uuid),
        sa.column("seq", sa.BigInteger),
        sa.column("hash", sa.String),
    )
    op.bulk_insert(heads, [{"chain": "account", "dossier_id": None, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
    op.drop_table("users")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_dossier_at")
        batch_op.drop_index("ix_audit_events_at_id")
        batch_op.drop_index("ix_audit_events_actor_at")

    op.drop_table("audit_events")
    op.drop_table("audit_chain_heads")
