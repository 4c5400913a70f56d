"""Where each kind of sealed object lives: its table, the name its associated data carries, the
columns that hold ciphertext and the column that says which key version sealed them.

Writing, reading, export and re-encryption all place an object through this one registry, so a
ciphertext is always opened at the very place it was sealed for, and a new kind of sealed content
is re-encrypted after a revocation the day it is declared here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from dossier.models import (
    Attachment,
    Base,
    CorrectionRequest,
    Dossier,
    Draft,
    EntryPerspective,
    EntryVersion,
    Grant,
    PlanEvaluation,
    PlanMark,
    PlanProgress,
    PlanVersion,
    Section,
)
from dossier.services.content import Place


@dataclass(frozen=True)
class SealedObject:
    """One kind of sealed object. Rows may be ORM objects or plain rows with the same columns."""

    model: type[Base]
    object_type: str
    fields: tuple[tuple[str, str], ...]  # (column, the field its associated data names)
    key_version_column: str | None  # None: sealed to a person, not under a dossier key
    object_column: str = "id"
    dossier_column: str = "dossier_id"
    numbered: bool = False  # versions of one object: the row's own number is in its place
    # Under a section's key, the row names its section itself (None: through its entry).
    section_column: str | None = None

    @property
    def table(self) -> Table:
        return self.model.metadata.tables[self.model.__tablename__]

    def place(
        self, row: Any, section_id: uuid.UUID | None, key_version: int | None = None
    ) -> Place:
        """The row's place; `key_version` when re-sealing under another version than its own."""
        if key_version is None:
            key_version = self.key_version_of(row)
        return Place(
            getattr(row, self.dossier_column),
            section_id,
            self.object_type,
            getattr(row, self.object_column),
            row.version if self.numbered else 1,
            key_version,
        )

    def key_version_of(self, row: Any) -> int:
        if self.key_version_column is None:
            return 0
        return getattr(row, self.key_version_column) or 0


ENTRY_VERSION = SealedObject(
    EntryVersion,
    "entry",
    (("title_sealed", "title"), ("body_sealed", "body")),
    "key_version",
    object_column="entry_id",
    numbered=True,
)
VIEW = SealedObject(EntryPerspective, "perspective", (("body_sealed", "body"),), "key_version")
ATTACHMENT = SealedObject(
    Attachment,
    "attachment",
    (("filename_sealed", "filename"), ("content_sealed", "content")),
    "key_version",
)
CORRECTION = SealedObject(
    CorrectionRequest, "correction", (("reason_sealed", "reason"),), "key_version"
)
CORRECTION_ANSWER = SealedObject(
    CorrectionRequest, "correction-answer", (("answer_sealed", "answer"),), "answer_key_version"
)
DOSSIER_NAME = SealedObject(
    Dossier,
    "dossier",
    (("subject_name_sealed", "subject_name"),),
    "name_key_version",
    dossier_column="id",
)
SECTION_NAME = SealedObject(
    Section, "section", (("name_sealed", "section_name"),), "name_key_version"
)
GRANT_MESSAGE = SealedObject(Grant, "grant-message", (("message_sealed", "message"),), None)

PLAN_VERSION = SealedObject(
    PlanVersion,
    "plan",
    (("content_sealed", "content"),),
    "key_version",
    section_column="section_id",
)
PLAN_PROGRESS = SealedObject(
    PlanProgress,
    "plan-progress",
    (("note_sealed", "note"),),
    "key_version",
    section_column="section_id",
)
PLAN_MARK = SealedObject(
    PlanMark,
    "plan-mark",
    (("reason_sealed", "reason"),),
    "key_version",
    section_column="section_id",
)
PLAN_EVALUATION = SealedObject(
    PlanEvaluation,
    "plan-evaluation",
    (("content_sealed", "content"),),
    "key_version",
    section_column="section_id",
)

DRAFT = SealedObject(
    Draft, "draft", (("body_sealed", "body"),), "key_version", section_column="section_id"
)

ENTRY_CONTENT = (ENTRY_VERSION, VIEW, ATTACHMENT, CORRECTION, CORRECTION_ANSWER, DRAFT)
PLAN_CONTENT = (PLAN_VERSION, PLAN_PROGRESS, PLAN_MARK, PLAN_EVALUATION)
# Under a section's key: everything written about an entry (found through the entry's section)
# and everything in the family's plan (which names its section).
SECTION_CONTENT = ENTRY_CONTENT + PLAN_CONTENT
# Under the dossier's own key: the names that say whose dossier it is and what its sections are.
DOSSIER_CONTENT = (DOSSIER_NAME, SECTION_NAME)
