"""one current plan per dossier, kept by the database

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

One partial unique index; no row changes (a dossier has at most one current version already).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "uq_plan_versions_one_current",
        "plan_versions",
        ["dossier_id"],
        unique=True,
        sqlite_where=sa.text("status = 'current'"),
        postgresql_where=sa.text("status = 'current'"),
    )


def downgrade() -> None:
    op.drop_index("uq_plan_versions_one_current", table_name="plan_versions")
