"""access on a legal basis: its record, sections and the officers' yeses

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

New tables only. The grant itself is an ordinary `grants` row with basis "legal".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dossier.models import UTCDateTime

revision = "0016"
down_revision = "0015"
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
    table = "legal_grant_records"
    op.create_table(
        table,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("grantee_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("emergency_key_id", sa.Uuid(), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("approve_before", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("grant_id", sa.Uuid(), nullable=True),
        _fk(table, "dossier_id", "dossiers.id", "CASCADE"),
        _fk(table, "emergency_key_id", "emergency_keys.id"),
        _fk(table, "grant_id", "grants.id", "SET NULL"),
        _fk(table, "grantee_id", "users.id"),
        _fk(table, "recorded_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    _indexes(table, "dossier_id", "grantee_id", "grant_id")
    table = "legal_grant_sections"
    op.create_table(
        table,
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        _fk(table, "dossier_id", "dossiers.id", "CASCADE"),
        _fk(table, "record_id", "legal_grant_records.id", "CASCADE"),
        _fk(table, "section_id", "sections.id", "CASCADE"),
        sa.PrimaryKeyConstraint("record_id", "section_id", name=op.f(f"pk_{table}")),
    )
    _indexes(table, "dossier_id")
    table = "legal_grant_approvals"
    op.create_table(
        table,
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("share_index", sa.Integer(), nullable=False),
        sa.Column("share_held", sa.LargeBinary(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        _fk(table, "dossier_id", "dossiers.id", "CASCADE"),
        _fk(table, "officer_id", "users.id"),
        _fk(table, "record_id", "legal_grant_records.id", "CASCADE"),
        sa.PrimaryKeyConstraint("record_id", "officer_id", name=op.f(f"pk_{table}")),
    )
    _indexes(table, "dossier_id")


def downgrade() -> None:
    for table in ("legal_grant_approvals", "legal_grant_sections", "legal_grant_records"):
        op.drop_table(table)
