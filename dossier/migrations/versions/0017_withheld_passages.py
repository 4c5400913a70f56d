"""withheld passages: the passage, whom it is kept from, its sealed keys, objections

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02

New tables only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dossier.models import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "withheld_passages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("text_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("reason_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_withheld_passages_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_withheld_passages_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_withheld_passages_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_withheld_passages_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withheld_passages")),
    )
    with op.batch_alter_table("withheld_passages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_withheld_passages_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_withheld_passages_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_withheld_passages_section_id"), ["section_id"], unique=False
        )

    op.create_table(
        "passage_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("passage_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("holder_id", sa.Uuid(), nullable=True),
        sa.Column("emergency_key_id", sa.Uuid(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_passage_keys_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["emergency_key_id"],
            ["emergency_keys.id"],
            name=op.f("fk_passage_keys_emergency_key_id_emergency_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["users.id"], name=op.f("fk_passage_keys_holder_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["passage_id"],
            ["withheld_passages.id"],
            name=op.f("fk_passage_keys_passage_id_withheld_passages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passage_keys")),
        sa.UniqueConstraint("passage_id", "holder_id", name="uq_passage_keys_holder"),
    )
    with op.batch_alter_table("passage_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_passage_keys_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_passage_keys_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_passage_keys_passage_id"), ["passage_id"], unique=False
        )

    op.create_table(
        "passage_objections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("passage_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_passage_objections_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["passage_id"],
            ["withheld_passages.id"],
            name=op.f("fk_passage_objections_passage_id_withheld_passages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_passage_objections_reviewed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_passage_objections_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passage_objections")),
    )
    with op.batch_alter_table("passage_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_passage_objections_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_passage_objections_passage_id"), ["passage_id"], unique=False
        )

    op.create_table(
        "withheld_from",
        sa.Column("passage_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_withheld_from_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["passage_id"],
            ["withheld_passages.id"],
            name=op.f("fk_withheld_from_passage_id_withheld_passages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_withheld_from_user_id_users")
        ),
        sa.PrimaryKeyConstraint("passage_id", "user_id", name=op.f("pk_withheld_from")),
    )
    with op.batch_alter_table("withheld_from", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_withheld_from_dossier_id"), ["dossier_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("withheld_from", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withheld_from_dossier_id"))

    op.drop_table("withheld_from")
    with op.batch_alter_table("passage_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passage_objections_passage_id"))
        batch_op.drop_index(batch_op.f("ix_passage_objections_dossier_id"))

    op.drop_table("passage_objections")
    with op.batch_alter_table("passage_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passage_keys_passage_id"))
        batch_op.drop_index(batch_op.f("ix_passage_keys_holder_id"))
        batch_op.drop_index(batch_op.f("ix_passage_keys_dossier_id"))

    op.drop_table("passage_keys")
    with op.batch_alter_table("withheld_passages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withheld_passages_section_id"))
        batch_op.drop_index(batch_op.f("ix_withheld_passages_entry_id"))
        batch_op.drop_index(batch_op.f("ix_withheld_passages_dossier_id"))

    op.drop_table("withheld_passages")
