"""the auditor's verdict on each emergency access

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

Three nullable columns on `emergency_requests`: when the auditor reviewed an opened request, who,
and the written verdict. A request without them waits in the auditor's queue.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dossier.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("emergency_requests") as batch:
        batch.add_column(sa.Column("reviewed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("verdict", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_emergency_requests_reviewed_by_users"), "users", ["reviewed_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("emergency_requests") as batch:
        batch.drop_constraint(op.f("fk_emergency_requests_reviewed_by_users"), type_="foreignkey")
        batch.drop_column("verdict")
        batch.drop_column("reviewed_by")
        batch.drop_column("reviewed_at")
