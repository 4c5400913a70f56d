"""the family's plan: its versions, their actions, progress, marks and evaluations

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

Five new tables; no row changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dossier.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_progress",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("ref", sa.Uuid(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("note_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_plan_progress_changed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_plan_progress_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_plan_progress_section_id_sections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_progress")),
        sa.UniqueConstraint("dossier_id", "ref", name="uq_plan_progress_ref"),
    )
    with op.batch_alter_table("plan_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_progress_dossier_id"), ["dossier_id"], unique=False
        )

    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_role", sa.String(length=20), nullable=False),
        sa.Column("perspective", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.Column("next_evaluation_on", sa.Date(), nullable=True),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("content_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_plan_versions_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_plan_versions_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_plan_versions_section_id_sections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_versions")),
        sa.UniqueConstraint("dossier_id", "number", name="uq_plan_versions_number"),
    )
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_versions_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_versions_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_plan_versions_section_id"), ["section_id"], unique=False
        )

    op.create_table(
        "plan_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("plan_version_id", sa.Uuid(), nullable=False),
        sa.Column("ref", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_plan_actions_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_plan_actions_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_versions.id"],
            name=op.f("fk_plan_actions_plan_version_id_plan_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_actions")),
    )
    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_actions_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plan_actions_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_actions_plan_version_id"), ["plan_version_id"], unique=False
        )

    op.create_table(
        "plan_evaluations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("plan_version_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("content_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_plan_evaluations_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_plan_evaluations_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_versions.id"],
            name=op.f("fk_plan_evaluations_plan_version_id_plan_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_plan_evaluations_section_id_sections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_evaluations")),
    )
    with op.batch_alter_table("plan_evaluations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_evaluations_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_plan_evaluations_plan_version_id"), ["plan_version_id"], unique=False
        )

    op.create_table(
        "plan_marks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("plan_version_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("agrees", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("reason_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_plan_marks_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_versions.id"],
            name=op.f("fk_plan_marks_plan_version_id_plan_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_plan_marks_section_id_sections")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_plan_marks_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_marks")),
        sa.UniqueConstraint("plan_version_id", "user_id", name="uq_plan_marks_version_user"),
    )
    with op.batch_alter_table("plan_marks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_marks_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_marks_plan_version_id"), ["plan_version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_marks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_marks_plan_version_id"))
        batch_op.drop_index(batch_op.f("ix_plan_marks_dossier_id"))

    op.drop_table("plan_marks")
    with op.batch_alter_table("plan_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_evaluations_plan_version_id"))
        batch_op.drop_index(batch_op.f("ix_plan_evaluations_dossier_id"))

    op.drop_table("plan_evaluations")
    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_actions_plan_version_id"))
        batch_op.drop_index(batch_op.f("ix_plan_actions_due_on"))
        batch_op.drop_index(batch_op.f("ix_plan_actions_dossier_id"))

    op.drop_table("plan_actions")
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_versions_section_id"))
        batch_op.drop_index(batch_op.f("ix_plan_versions_dossier_id"))
        batch_op.drop_index(batch_op.f("ix_plan_versions_author_id"))

    op.drop_table("plan_versions")
    with op.batch_alter_table("plan_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_progress_dossier_id"))

    op.drop_table("plan_progress")
