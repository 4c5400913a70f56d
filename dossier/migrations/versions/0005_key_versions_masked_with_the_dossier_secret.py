"""key versions masked with the dossier's secret outside the database

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Key versions made before this revision stay unmasked until their scope rotates.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "key_versions",
        sa.Column("masked", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("key_versions") as batch:
        batch.drop_column("masked")
