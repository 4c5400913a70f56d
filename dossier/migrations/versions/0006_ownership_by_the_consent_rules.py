"""ownership by the consent rules: changes waiting for approval, one live grant per person

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Unused co-owner invitations made before this revision were never approved by the consent rules:
they end here and lose the keys sealed to them (an owner makes a new one). Of two live grants for
one person in one dossier, the newest stays.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dossier.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LIVE = sa.text("status IN ('pending', 'active') AND grantee_id IS NOT NULL")
SUBJECT = sa.text("relation = 'subject'")


def upgrade() -> None:
    op.create_table(
        "ownership_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("invitation_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_ownership_changes_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["users.id"], name=op.f("fk_ownership_changes_person_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_ownership_changes_invitation_id_invitations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_ownership_changes_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ownership_changes")),
    )
    op.create_index(op.f("ix_ownership_changes_dossier_id"), "ownership_changes", ["dossier_id"])
    op.create_table(
        "ownership_approvals",
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["ownership_changes.id"],
            name=op.f("fk_ownership_approvals_change_id_ownership_changes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ownership_approvals_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_ownership_approvals_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("change_id", "user_id", name=op.f("pk_ownership_approvals")),
    )
    op.create_index(
        op.f("ix_ownership_approvals_dossier_id"), "ownership_approvals", ["dossier_id"]
    )
    with op.batch_alter_table("dossier_owners") as batch:
        batch.add_column(sa.Column("change_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_dossier_owners_change_id_ownership_changes"),
            "ownership_changes",
            ["change_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.add_column("invitations", sa.Column("approved_at", UTCDateTime(), nullable=True))
    op.execute(
        "DELETE FROM sealed_keys WHERE invitation_id IN "
        "(SELECT id FROM invitations WHERE used_at IS NULL)"
    )
    op.execute("UPDATE invitations SET expires_at = created_at WHERE used_at IS NULL")
    op.execute("UPDATE invitations SET approved_at = created_at WHERE used_at IS NOT NULL")
    op.execute(
        "UPDATE grants SET status = 'revoked' WHERE grantee_id IS NOT NULL "
        "AND status IN ('pending', 'active') AND EXISTS (SELECT 1 FROM grants AS newer "
        "WHERE newer.dossier_id = grants.dossier_id AND newer.grantee_id = grants.grantee_id "
        "AND newer.status IN ('pending', 'active') AND (newer.created_at > grants.created_at "
        "OR (newer.created_at = grants.created_at AND newer.id > grants.id)))"
    )
    op.create_index(
        "uq_dossier_owners_one_subject",
        "dossier_owners",
        ["dossier_id"],
        unique=True,
        sqlite_where=SUBJECT,
        postgresql_where=SUBJECT,
    )
    op.create_index(
        "uq_grants_one_live_per_person",
        "grants",
        ["dossier_id", "grantee_id"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_grants_one_live_per_person", table_name="grants")
    op.drop_index("uq_dossier_owners_one_subject", table_name="dossier_owners")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("approved_at")
    with op.batch_alter_table("dossier_owners") as batch:
        batch.drop_constraint(
            op.f("fk_dossier_owners_change_id_ownership_changes"), type_="foreignkey"
        )
        batch.drop_column("change_id")
    op.drop_index(op.f("ix_ownership_approvals_dossier_id"), table_name="ownership_approvals")
    op.drop_table("ownership_approvals")
    op.drop_index(op.f("ix_ownership_changes_dossier_id"), table_name="ownership_changes")
    op.drop_table("ownership_changes")
