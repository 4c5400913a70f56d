"""Sealing and opening what a plan holds, each kind at its place in the registry, signed by who
wrote it. Everything here runs inside a caller's unit of work and its opened keys."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossier import crypto
from dossier.errors import AccessDenied
from dossier.models import (
    PlanEvaluation,
    PlanMark,
    PlanProgress,
    PlanVersion,
    Section,
)
from dossier.services import sealed
from dossier.services.content import Untrusted, open_bytes, seal_bytes, sign, verify
from dossier.services.keychain import KeyChain, signing_public_key
from dossier.services.plans.document import Evaluation, PlanDocument
from dossier.services.sealed import SealedObject

HOME_SECTION = "care"  # where a dossier's first plan lives, when it has that section


def plan_section(db: Session, dossier_id: uuid.UUID) -> Section | None:
    """The section the plan lives in: that of its versions, or for a first plan the care section
    (else the first section), so that whoever may read about care may read the plan."""
    latest = db.scalar(
        select(PlanVersion.section_id)
        .where(PlanVersion.dossier_id == dossier_id)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    )
    if latest is not None:
        return db.get(Section, latest)
    sections = list(
        db.scalars(
            select(Section)
            .where(Section.dossier_id == dossier_id, Section.archived_at.is_(None))
            .order_by(Section.position)
        )
    )
    for section in sections:
        if section.default_name == HOME_SECTION:
            return section
    return sections[0] if sections else None


def _key(keys: KeyChain, section_id: uuid.UUID, version: int) -> bytes:
    try:
        return keys.key(section_id, version)
    except (crypto.CryptoError, AccessDenied):
        raise Untrusted() from None


def _yes_no(agrees: bool) -> bytes:
    return b"yes" if agrees else b"no"


Row = Any  # one of the plan's rows: each has section_id, key_version and signature


@dataclass(frozen=True)
class _Kind:
    """How one kind of plan row is sealed and signed: the column its words are sealed in (and
    the field its place names), who signs it, and what else the signature covers, so that a row
    cannot say yes instead of no, move to another version, or be given as someone else."""

    target: SealedObject
    column: str
    field: str
    signer: Callable[[Row], uuid.UUID]
    clear: Callable[[Row], dict[str, bytes]] = lambda _row: {}
    bound: Callable[[Row], dict[str, str] | None] = lambda _row: None

    def seal(self, keys: KeyChain, row: Row, data: bytes) -> None:
        row.key_version, key = keys.current(row.section_id)
        place = self.target.place(row, row.section_id)
        setattr(row, self.column, seal_bytes(key, data, place, self.field))
        row.signature = sign(
            keys.keyring.signing,
            place,
            self.signer(row),
            {**self.clear(row), self.field: data},
            self.bound(row),
        )

    def open(self, db: Session, keys: KeyChain, row: Row) -> bytes:
        """The words, once the signature of whoever the row names holds; else Untrusted."""
        place = self.target.place(row, row.section_id)
        key = _key(keys, row.section_id, row.key_version)
        data = open_bytes(key, getattr(row, self.column), place, self.field)
        signer = self.signer(row)
        parts = {**self.clear(row), self.field: data}
        verify(signing_public_key(db, signer), row.signature, place, signer, parts, self.bound(row))
        return data


_VERSION = _Kind(
    sealed.PLAN_VERSION, "content_sealed", "content", signer=lambda version: version.author_id
)
_MARK = _Kind(
    sealed.PLAN_MARK,
    "reason_sealed",
    "reason",
    signer=lambda mark: mark.user_id,
    clear=lambda mark: {"agrees": _yes_no(mark.agrees)},
    # The version it is about, and as whom it was given: the relation decides whose yes counts.
    bound=lambda mark: {"plan": str(mark.plan_version_id), "relation": mark.relation},
)
_PROGRESS = _Kind(
    sealed.PLAN_PROGRESS,
    "note_sealed",
    "note",
    signer=lambda progress: progress.changed_by,
    clear=lambda progress: {"done": _yes_no(progress.done)},
    bound=lambda progress: {"ref": str(progress.ref)},
)
_EVALUATION = _Kind(
    sealed.PLAN_EVALUATION,
    "content_sealed",
    "content",
    signer=lambda evaluation: evaluation.author_id,
    bound=lambda evaluation: {"plan": str(evaluation.plan_version_id)},
)


def seal_document(keys: KeyChain, version: PlanVersion, document: PlanDocument) -> None:
    _VERSION.seal(keys, version, document.to_bytes())


def open_document(db: Session, keys: KeyChain, version: PlanVersion) -> PlanDocument:
    data = _VERSION.open(db, keys, version)
    try:
        return PlanDocument.from_bytes(data)
    except (ValueError, KeyError, TypeError):
        raise Untrusted() from None


def seal_mark(keys: KeyChain, mark: PlanMark, reason: str) -> None:
    _MARK.seal(keys, mark, reason.encode("utf-8"))


def open_mark(db: Session, keys: KeyChain, mark: PlanMark) -> str:
    """The reason, after checking that this person gave this mark, as this, on this version."""
    return _MARK.open(db, keys, mark).decode("utf-8")


def seal_progress(keys: KeyChain, progress: PlanProgress, note: str) -> None:
    _PROGRESS.seal(keys, progress, note.encode("utf-8"))


def open_progress(db: Session, keys: KeyChain, progress: PlanProgress) -> str:
    return _PROGRESS.open(db, keys, progress).decode("utf-8")


def seal_evaluation(keys: KeyChain, evaluation: PlanEvaluation, content: Evaluation) -> None:
    _EVALUATION.seal(keys, evaluation, content.to_bytes())


def open_evaluation(db: Session, keys: KeyChain, evaluation: PlanEvaluation) -> Evaluation:
    data = _EVALUATION.open(db, keys, evaluation)
    try:
        return Evaluation.from_bytes(data)
    except (ValueError, KeyError, TypeError):
        raise Untrusted() from None
