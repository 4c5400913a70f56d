"""Sealing and opening what a plan holds, each kind at its place in the registry, signed by who
wrote it. Everything here runs inside a caller's unit of work and its opened keys."""

from __future__ import annotations

import uuid

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


# --- a version of the plan ---------------------------------------------------------------------


def seal_document(keys: KeyChain, version: PlanVersion, document: PlanDocument) -> None:
    version.key_version, key = keys.current(version.section_id)
    place = sealed.PLAN_VERSION.place(version, version.section_id)
    data = document.to_bytes()
    version.content_sealed = seal_bytes(key, data, place, "content")
    version.signature = sign(keys.keyring.signing, place, version.author_id, {"content": data})


def open_document(db: Session, keys: KeyChain, version: PlanVersion) -> PlanDocument:
    place = sealed.PLAN_VERSION.place(version, version.section_id)
    data = open_bytes(
        _key(keys, version.section_id, version.key_version),
        version.content_sealed,
        place,
        "content",
    )
    verify(
        signing_public_key(db, version.author_id),
        version.signature,
        place,
        version.author_id,
        {"content": data},
    )
    try:
        return PlanDocument.from_bytes(data)
    except (ValueError, KeyError, TypeError):
        raise Untrusted() from None


# --- a mark: "I stand behind this plan" or "I don't, because …" ---------------------------------


def _mark_binding(mark: PlanMark) -> dict[str, str]:
    """The version it is about, and as whom it was given: the relation decides whose yes counts."""
    return {"plan": str(mark.plan_version_id), "relation": mark.relation}


def seal_mark(keys: KeyChain, mark: PlanMark, reason: str) -> None:
    mark.key_version, key = keys.current(mark.section_id)
    place = sealed.PLAN_MARK.place(mark, mark.section_id)
    data = reason.encode("utf-8")
    mark.reason_sealed = seal_bytes(key, data, place, "reason")
    mark.signature = sign(
        keys.keyring.signing,
        place,
        mark.user_id,
        {"agrees": _yes_no(mark.agrees), "reason": data},
        _mark_binding(mark),
    )


def open_mark(db: Session, keys: KeyChain, mark: PlanMark) -> str:
    """The reason, after checking that this person gave this mark on this version."""
    place = sealed.PLAN_MARK.place(mark, mark.section_id)
    data = open_bytes(
        _key(keys, mark.section_id, mark.key_version), mark.reason_sealed, place, "reason"
    )
    verify(
        signing_public_key(db, mark.user_id),
        mark.signature,
        place,
        mark.user_id,
        {"agrees": _yes_no(mark.agrees), "reason": data},
        _mark_binding(mark),
    )
    return data.decode("utf-8")


# --- an action ticked off, with a note -----------------------------------------------------------


def seal_progress(keys: KeyChain, progress: PlanProgress, note: str) -> None:
    progress.key_version, key = keys.current(progress.section_id)
    place = sealed.PLAN_PROGRESS.place(progress, progress.section_id)
    data = note.encode("utf-8")
    progress.note_sealed = seal_bytes(key, data, place, "note")
    progress.signature = sign(
        keys.keyring.signing,
        place,
        progress.changed_by,
        {"done": _yes_no(progress.done), "note": data},
        {"ref": str(progress.ref)},
    )


def open_progress(db: Session, keys: KeyChain, progress: PlanProgress) -> str:
    place = sealed.PLAN_PROGRESS.place(progress, progress.section_id)
    data = open_bytes(
        _key(keys, progress.section_id, progress.key_version), progress.note_sealed, place, "note"
    )
    verify(
        signing_public_key(db, progress.changed_by),
        progress.signature,
        place,
        progress.changed_by,
        {"done": _yes_no(progress.done), "note": data},
        {"ref": str(progress.ref)},
    )
    return data.decode("utf-8")


# --- an evaluation -------------------------------------------------------------------------------


def seal_evaluation(keys: KeyChain, evaluation: PlanEvaluation, content: Evaluation) -> None:
    evaluation.key_version, key = keys.current(evaluation.section_id)
    place = sealed.PLAN_EVALUATION.place(evaluation, evaluation.section_id)
    data = content.to_bytes()
    evaluation.content_sealed = seal_bytes(key, data, place, "content")
    evaluation.signature = sign(
        keys.keyring.signing,
        place,
        evaluation.author_id,
        {"content": data},
        {"plan": str(evaluation.plan_version_id)},
    )


def open_evaluation(db: Session, keys: KeyChain, evaluation: PlanEvaluation) -> Evaluation:
    place = sealed.PLAN_EVALUATION.place(evaluation, evaluation.section_id)
    data = open_bytes(
        _key(keys, evaluation.section_id, evaluation.key_version),
        evaluation.content_sealed,
        place,
        "content",
    )
    verify(
        signing_public_key(db, evaluation.author_id),
        evaluation.signature,
        place,
        evaluation.author_id,
        {"content": data},
        {"plan": str(evaluation.plan_version_id)},
    )
    try:
        return Evaluation.from_bytes(data)
    except (ValueError, KeyError, TypeError):
        raise Untrusted() from None
