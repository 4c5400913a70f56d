"""signers of names, correction requests and answers, and grant messages

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

Each of these texts now carries its author's signature inside its ciphertext; the new columns say
whose key verifies it. Texts written before this revision have no signer and are shown as not
signed. Plain columns without a foreign key, like the actor of an audit event: on SQLite a
foreign key would mean copying the table, and rows of other tables cascade from these.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_SIGNERS = (
    ("dossiers", "name_signed_by"),
    ("sections", "name_signed_by"),
    ("grants", "message_signed_by"),
    ("correction_requests", "reason_signed_by"),
    ("correction_requests", "answer_signed_by"),
)


def upgrade() -> None:
    for table, column in _SIGNERS:
        op.add_column(table, sa.Column(column, sa.Uuid(), nullable=True))


def downgrade() -> None:
    for table, column in reversed(_SIGNERS):
        op.drop_column(table, column)
