"""the organisation's emergency key, its officers' shares, and emergency requests

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

New tables, and one nullable holder column on `sealed_keys`. Key versions made before an
emergency key existed get their emergency seal at their dossier's next owner change (`settle`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dossier.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete=ondelete
    )


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "emergency_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_keys")),
    )
    op.create_table(
        "emergency_officers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("emergency_key_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("share_index", sa.Integer(), nullable=False),
        sa.Column("share_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("designated_at", UTCDateTime(), nullable=False),
        _fk("emergency_officers", "emergency_key_id", "emergency_keys.id", "CASCADE"),
        _fk("emergency_officers", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_officers")),
        sa.UniqueConstraint("emergency_key_id", "user_id", name="uq_emergency_officers_key_user"),
        sa.UniqueConstraint(
            "emergency_key_id", "share_index", name="uq_emergency_officers_key_index"
        ),
    )
    _indexes("emergency_officers", "emergency_key_id", "user_id")
    op.create_table(
        "emergency_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("emergency_key_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("approve_before", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("grant_id", sa.Uuid(), nullable=True),
        _fk("emergency_requests", "dossier_id", "dossiers.id", "CASCADE"),
        _fk("emergency_requests", "emergency_key_id", "emergency_keys.id"),
        _fk("emergency_requests", "grant_id", "grants.id", "SET NULL"),
        _fk("emergency_requests", "requester_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_requests")),
    )
    _indexes("emergency_requests", "dossier_id", "requester_id")
    op.create_table(
        "emergency_request_sections",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        _fk("emergency_request_sections", "dossier_id", "dossiers.id", "CASCADE"),
        _fk("emergency_request_sections", "request_id", "emergency_requests.id", "CASCADE"),
        _fk("emergency_request_sections", "section_id", "sections.id", "CASCADE"),
        sa.PrimaryKeyConstraint(
            "request_id", "section_id", name=op.f("pk_emergency_request_sections")
        ),
    )
    _indexes("emergency_request_sections", "dossier_id")
    op.create_table(
        "emergency_approvals",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("share_index", sa.Integer(), nullable=False),
        sa.Column("share_held", sa.LargeBinary(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        _fk("emergency_approvals", "dossier_id", "dossiers.id", "CASCADE"),
        _fk("emergency_approvals", "officer_id", "users.id"),
        _fk("emergency_approvals", "request_id", "emergency_requests.id", "CASCADE"),
        sa.PrimaryKeyConstraint("request_id", "officer_id", name=op.f("pk_emergency_approvals")),
    )
    _indexes("emergency_approvals", "dossier_id")
    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("emergency_key_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_sealed_keys_emergency_key_id"), ["emergency_key_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_sealed_keys_emergency_key_id_emergency_keys"),
            "emergency_keys",
            ["emergency_key_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sealed_keys_emergency_key_id_emergency_keys"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_sealed_keys_emergency_key_id"))
        batch_op.drop_column("emergency_key_id")
    for table in (
        "emergency_approvals",
        "emergency_request_sections",
        "emergency_requests",
        "emergency_officers",
        "emergency_keys",
    ):
        op.drop_table(table)
