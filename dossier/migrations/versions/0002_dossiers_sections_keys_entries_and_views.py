"""dossiers, sections, keys, entries and views

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dossier.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_user_id", sa.Uuid(), nullable=True),
        sa.Column("subject_birth_date", sa.Date(), nullable=False),
        sa.Column("subject_name_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("name_key_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_dossiers_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_user_id"], ["users.id"], name=op.f("fk_dossiers_subject_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
    )
    op.create_table(
        "dossier_owners",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("since", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_owners_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_dossier_owners_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_owners")),
        sa.UniqueConstraint("dossier_id", "user_id", name="uq_dossier_owners_member"),
    )
    with op.batch_alter_table("dossier_owners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dossier_owners_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dossier_owners_user_id"), ["user_id"], unique=False)

    op.create_table(
        "grants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("grantee_id", sa.Uuid(), nullable=False),
        sa.Column("permission", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", dossier.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", dossier.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_grants_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_grants_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["grantee_id"], ["users.id"], name=op.f("fk_grants_grantee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants")),
    )
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grants_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grants_grantee_id"), ["grantee_id"], unique=False)

    op.create_table(
        "invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("lookup_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", dossier.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_invitations_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_invitations_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by"], ["users.id"], name=op.f("fk_invitations_used_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("lookup_hash", name=op.f("uq_invitations_lookup_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "sections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("default_name", sa.String(length=40), nullable=True),
        sa.Column("name_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("name_key_version", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", dossier.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_sections_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sections")),
    )
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sections_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_role", sa.String(length=20), nullable=False),
        sa.Column("perspective", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outdated_at", dossier.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outdated_by", sa.Uuid(), nullable=True),
        sa.Column("archived_at", dossier.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_entries_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_entries_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outdated_by"], ["users.id"], name=op.f("fk_entries_outdated_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_entries_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
    )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entries_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            "ix_entries_dossier_created", ["dossier_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_entries_section_id"), ["section_id"], unique=False)

    op.create_table(
        "grant_sections",
        sa.Column("grant_id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_grant_sections_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["grants.id"],
            name=op.f("fk_grant_sections_grant_id_grants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_grant_sections_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("grant_id", "section_id", name=op.f("pk_grant_sections")),
    )
    with op.batch_alter_table("grant_sections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grant_sections_dossier_id"), ["dossier_id"], unique=False
        )

    op.create_table(
        "key_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_key_versions_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_key_versions_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_versions")),
        sa.UniqueConstraint("dossier_id", "scope", "version", name="uq_key_versions_scope_version"),
    )
    with op.batch_alter_table("key_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_key_versions_dossier_id"), ["dossier_id"], unique=False
        )

    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("filename_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("content_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_attachments_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_attachments_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_attachments_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "correction_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("removal", sa.Boolean(), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("reason_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answered_at", dossier.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("answer_key_version", sa.Integer(), nullable=True),
        sa.Column("resulting_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_correction_requests_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_correction_requests_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_correction_requests_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_correction_requests_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_requests")),
    )
    with op.batch_alter_table("correction_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_correction_requests_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_correction_requests_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_correction_requests_entry_id"), ["entry_id"], unique=False
        )

    op.create_table(
        "entry_perspectives",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_role", sa.String(length=20), nullable=False),
        sa.Column("perspective", sa.String(length=20), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("body_size", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_entry_perspectives_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_entry_perspectives_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_entry_perspectives_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_perspectives")),
    )
    with op.batch_alter_table("entry_perspectives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entry_perspectives_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_entry_perspectives_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_entry_perspectives_entry_id"), ["entry_id"], unique=False
        )

    op.create_table(
        "entry_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", dossier.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("title_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("body_size", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("note", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_entry_versions_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_entry_versions_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_entry_versions_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_versions")),
        sa.UniqueConstraint("entry_id", "version", name="uq_entry_versions_version"),
    )
    with op.batch_alter_table("entry_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entry_versions_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_entry_versions_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "sealed_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("key_version_id", sa.Uuid(), nullable=False),
        sa.Column("holder_id", sa.Uuid(), nullable=True),
        sa.Column("invitation_id", sa.Uuid(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_sealed_keys_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["users.id"], name=op.f("fk_sealed_keys_holder_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_sealed_keys_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["key_version_id"],
            ["key_versions.id"],
            name=op.f("fk_sealed_keys_key_version_id_key_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_keys")),
    )
    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sealed_keys_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sealed_keys_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sealed_keys_invitation_id"), ["invitation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sealed_keys_key_version_id"), ["key_version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sealed_keys_key_version_id"))
        batch_op.drop_index(batch_op.f("ix_sealed_keys_invitation_id"))
        batch_op.drop_index(batch_op.f("ix_sealed_keys_holder_id"))
        batch_op.drop_index(batch_op.f("ix_sealed_keys_dossier_id"))

    op.drop_table("sealed_keys")
    with op.batch_alter_table("entry_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_versions_entry_id"))
        batch_op.drop_index(batch_op.f("ix_entry_versions_dossier_id"))

    op.drop_table("entry_versions")
    with op.batch_alter_table("entry_perspectives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_perspectives_entry_id"))
        batch_op.drop_index(batch_op.f("ix_entry_perspectives_dossier_id"))
        batch_op.drop_index(batch_op.f("ix_entry_perspectives_author_id"))

    op.drop_table("entry_perspectives")
    with op.batch_alter_table("correction_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_correction_requests_entry_id"))
        batch_op.drop_index(batch_op.f("ix_correction_requests_dossier_id"))
        batch_op.drop_index(batch_op.f("ix_correction_requests_author_id"))

    op.drop_table("correction_requests")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_entry_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_dossier_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("key_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_versions_dossier_id"))

    op.drop_table("key_versions")
    with op.batch_alter_table("grant_sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_sections_dossier_id"))

    op.drop_table("grant_sections")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entries_section_id"))
        batch_op.drop_index("ix_entries_dossier_created")
        batch_op.drop_index(batch_op.f("ix_entries_author_id"))

    op.drop_table("entries")
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sections_dossier_id"))

    op.drop_table("sections")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_dossier_id"))

    op.drop_table("invitations")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grants_grantee_id"))
        batch_op.drop_index(batch_op.f("ix_grants_dossier_id"))

    op.drop_table("grants")
    with op.batch_alter_table("dossier_owners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_owners_user_id"))
        batch_op.drop_index(batch_op.f("ix_dossier_owners_dossier_id"))

    op.drop_table("dossier_owners")
    op.drop_table("dossiers")
