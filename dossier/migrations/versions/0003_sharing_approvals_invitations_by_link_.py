"""sharing: approvals, invitations by link, notices

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dossier.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", dossier.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_notices_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index("ix_notices_user_created", ["user_id", "created_at"], unique=False)

    op.create_table(
        "rotations_due",
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=60), nullable=False),
        sa.Column("since", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_rotations_due_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dossier_id", "scope", name=op.f("pk_rotations_due")),
    )
    op.create_table(
        "grant_approvals",
        sa.Column("grant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_grant_approvals_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["grants.id"],
            name=op.f("fk_grant_approvals_grant_id_grants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_grant_approvals_user_id_users")
        ),
        sa.PrimaryKeyConstraint("grant_id", "user_id", name=op.f("pk_grant_approvals")),
    )
    with op.batch_alter_table("grant_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grant_approvals_dossier_id"), ["dossier_id"], unique=False
        )

    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("basis", sa.String(length=20), server_default="consent", nullable=False)
        )
        batch_op.add_column(
            sa.Column("activated_at", dossier.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("revoked_by", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("message_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("invitation_lookup_hash", sa.LargeBinary(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("invitation_public_key", sa.LargeBinary(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "invitation_expires_at", dossier.models.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("accepted_at", dossier.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column("grantee_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_unique_constraint(
            batch_op.f("uq_grants_invitation_lookup_hash"), ["invitation_lookup_hash"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_grants_revoked_by_users"), "users", ["revoked_by"], ["id"]
        )

    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grant_link_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_sealed_keys_grant_link_id"), ["grant_link_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_sealed_keys_grant_link_id_grants"),
            "grants",
            ["grant_link_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sealed_keys_grant_link_id_grants"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_sealed_keys_grant_link_id"))
        batch_op.drop_column("grant_link_id")

    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_grants_revoked_by_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_grants_invitation_lookup_hash"), type_="unique")
        batch_op.alter_column("grantee_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column("accepted_at")
        batch_op.drop_column("invitation_expires_at")
        batch_op.drop_column("invitation_public_key")
        batch_op.drop_column("invitation_lookup_hash")
        batch_op.drop_column("message_sealed")
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("activated_at")
        batch_op.drop_column("basis")

    with op.batch_alter_table("grant_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_approvals_dossier_id"))

    op.drop_table("grant_approvals")
    op.drop_table("rotations_due")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_user_created")
        batch_op.drop_index(batch_op.f("ix_notices_dossier_id"))

    op.drop_table("notices")
