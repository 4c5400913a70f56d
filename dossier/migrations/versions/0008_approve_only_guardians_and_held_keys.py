"""approve-only guardians, and the keys a waiting sharing holds for them to release

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

New tables only: nothing that exists changes. A sharing made before this revision has no held keys,
so an approver's yes to it counts and the sharing starts at the next owner change, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dossier.models import UTCDateTime

revision = "0008"
down_revision = "0007"
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
        "approvers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("lookup_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.Uuid(), nullable=True),
        _fk("approvers", "created_by", "users.id"),
        _fk("approvers", "dossier_id", "dossiers.id", "CASCADE"),
        _fk("approvers", "ended_by", "users.id"),
        _fk("approvers", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvers")),
        sa.UniqueConstraint("lookup_hash", name=op.f("uq_approvers_lookup_hash")),
    )
    _indexes("approvers", "dossier_id", "user_id")
    op.create_table(
        "grant_holds",
        sa.Column("grant_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("summary_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("grant_holds", "dossier_id", "dossiers.id", "CASCADE"),
        _fk("grant_holds", "grant_id", "grants.id", "CASCADE"),
        sa.PrimaryKeyConstraint("grant_id", name=op.f("pk_grant_holds")),
    )
    _indexes("grant_holds", "dossier_id")
    op.create_table(
        "grant_releases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("approver_id", sa.Uuid(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        _fk("grant_releases", "approver_id", "approvers.id", "CASCADE"),
        _fk("grant_releases", "dossier_id", "dossiers.id", "CASCADE"),
        _fk("grant_releases", "grant_id", "grants.id", "CASCADE"),
        _fk("grant_releases", "owner_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_releases")),
    )
    _indexes("grant_releases", "approver_id", "dossier_id", "grant_id")
    op.create_table(
        "held_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("key_version_id", sa.Uuid(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        _fk("held_keys", "dossier_id", "dossiers.id", "CASCADE"),
        _fk("held_keys", "grant_id", "grants.id", "CASCADE"),
        _fk("held_keys", "key_version_id", "key_versions.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_keys")),
    )
    _indexes("held_keys", "dossier_id", "grant_id", "key_version_id")


def downgrade() -> None:
    for table in ("held_keys", "grant_releases", "grant_holds", "approvers"):
        op.drop_table(table)
