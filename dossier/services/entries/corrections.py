"""Correction requests: an owner asks the author to correct or remove what they wrote, and the
author answers with a new version, a withdrawal or a reasoned no.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossier.actions import Action
from dossier.errors import N_, InvalidInput, NotFound
from dossier.models import (
    CORRECTION_ANSWERS,
    CorrectionRequest,
    CorrectionStatus,
)
from dossier.services import validation
from dossier.services.content import (
    seal_signed_text,
)
from dossier.services.context import Actor, Context
from dossier.services.entries.cards import BODY_MAX, REASON_MAX, CorrectionInfo
from dossier.services.entries.lookup import (
    NOT_AN_OWNER,
    correction_refusal,
    correction_waiting,
    entry_in,
    own_entry,
    validated_text,
    validated_title,
)
from dossier.services.entries.reading import correction_info
from dossier.services.entries.sealing import correction_binding, correction_place
from dossier.services.entries.writing import new_version
from dossier.services.work import DossierWork, dossier_work


def request_correction(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    entry_id: uuid.UUID,
    reason: str,
    removal: bool = False,
) -> CorrectionInfo:
    """An owner asks the author to correct or remove what they wrote, and says why."""
    with dossier_work(ctx, actor, dossier_id, Action.CORRECTION_CREATE) as work:
        return correction_in(work, entry_id, reason, removal)


def correction_in(
    work: DossierWork, entry_id: uuid.UUID, reason: str, removal: bool = False
) -> CorrectionInfo:
    """`request_correction` inside the caller's unit of work: also how a helper's draft becomes
    her request."""
    errors = validation.Errors()
    text = validated_text(
        errors, reason, "reason", REASON_MAX, N_("Say what is wrong, so the author can fix it.")
    )
    db, access, actor = work.db, work.access, work.access.actor
    dossier_id = access.dossier.id
    entry = entry_in(work, entry_id, Action.CORRECTION_CREATE)
    refusal = correction_refusal(access, entry, correction_waiting(db, entry))
    if refusal == NOT_AN_OWNER:
        raise access.refuse(
            Action.CORRECTION_CREATE, refusal, object_type="entry", object_id=str(entry_id)
        )
    if refusal is not None:
        raise InvalidInput({"reason": [refusal]})
    errors.raise_if_any()
    keys = work.keys
    key_version, key = keys.current(entry.section_id)
    correction = CorrectionRequest(
        id=uuid.uuid4(),
        dossier_id=dossier_id,
        entry_id=entry.id,
        requested_by=actor.user_id,
        author_id=entry.author_id,
        removal=removal,
        created_at=work.ctx.now(),
        key_version=key_version,
        reason_sealed=b"",
        status=CorrectionStatus.OPEN,
    )
    correction.reason_signed_by = actor.user_id
    correction.reason_sealed = seal_signed_text(
        key,
        text,
        correction_place(entry, correction),
        "reason",
        signing_key=keys.keyring.signing,
        signer_id=actor.user_id,
        bound=correction_binding(entry),
    )
    db.add(correction)
    work.log(
        Action.CORRECTION_CREATE,
        object_type="correction",
        object_id=str(correction.id),
        reason="removal" if removal else "correction",
    )
    db.flush()
    return correction_info(work, entry, correction, {})


ANSWERS = CORRECTION_ANSWERS


def answer_correction(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    entry_id: uuid.UUID,
    correction_id: uuid.UUID,
    outcome: str,
    message: str,
    title: str | None = None,
    body: str | None = None,
) -> CorrectionInfo:
    """The author answers: a corrected version, the entry withdrawn, or a reasoned no."""
    errors = validation.Errors()
    if outcome not in ANSWERS:
        errors.add("outcome", N_("Choose how you answer."))
    text = validated_text(
        errors, message, "message", REASON_MAX, N_("Explain your answer to the owner.")
    )
    new_title = (
        validated_title(errors, title)
        if outcome == CorrectionStatus.CORRECTED and title is not None
        else None
    )
    new_body = (
        validated_text(errors, body, "body", BODY_MAX, N_("Write something first."))
        if outcome == CorrectionStatus.CORRECTED and body is not None
        else None
    )
    if outcome == CorrectionStatus.CORRECTED and new_title is None and new_body is None:
        errors.add("body", N_("Write the corrected text."))
    with dossier_work(ctx, actor, dossier_id, Action.CORRECTION_ANSWER) as work:
        db, access = work.db, work.access
        entry = own_entry(work, entry_id, Action.CORRECTION_ANSWER)
        errors.raise_if_any()
        correction = db.get(CorrectionRequest, correction_id)
        if correction is None or correction.entry_id != entry.id:
            raise access.refuse(
                Action.CORRECTION_ANSWER,
                "no such request",
                NotFound(),
                object_type="correction",
                object_id=str(correction_id),
            )
        if correction.status != CorrectionStatus.OPEN:
            raise InvalidInput({"outcome": [N_("This request has been answered already.")]})
        keys = work.keys
        if outcome == CorrectionStatus.CORRECTED:
            correction.resulting_version = new_version(
                work, entry, new_title, new_body, note="correction"
            )
            correction.status = CorrectionStatus.CORRECTED
        elif outcome == CorrectionStatus.REMOVED:
            entry.archived_at = entry.archived_at or ctx.now()
            correction.status = CorrectionStatus.REMOVED
        else:
            correction.status = CorrectionStatus.DECLINED
        key_version, key = keys.current(entry.section_id)
        correction.answer_key_version = key_version
        correction.answered_at = ctx.now()
        correction.answer_signed_by = actor.user_id
        correction.answer_sealed = seal_signed_text(
            key,
            text,
            correction_place(entry, correction, True),
            "answer",
            signing_key=keys.keyring.signing,
            signer_id=actor.user_id,
            bound=correction_binding(entry),
        )
        work.log(
            Action.CORRECTION_ANSWER,
            object_type="correction",
            object_id=str(correction.id),
            reason=correction.status,
        )
        db.flush()
        return correction_info(work, entry, correction, {})


@dataclass(frozen=True)
class WaitingCorrection:
    dossier_id: uuid.UUID
    entry_id: uuid.UUID
    correction_id: uuid.UUID
    created_at: datetime
    removal: bool


def waiting_for_me(ctx: Context, actor: Actor) -> list[WaitingCorrection]:
    """Open requests on entries I wrote, in dossiers I can still reach (no content, so no log)."""
    with ctx.unit_of_work() as db:
        return corrections_waiting(db, actor)


def corrections_waiting(db: Session, actor: Actor) -> list[WaitingCorrection]:
    """`waiting_for_me`, inside the caller's unit of work (the start page's)."""
    rows = db.scalars(
        select(CorrectionRequest)
        .where(
            CorrectionRequest.author_id == actor.user_id,
            CorrectionRequest.status == CorrectionStatus.OPEN,
        )
        .order_by(CorrectionRequest.created_at)
    )
    return [
        WaitingCorrection(r.dossier_id, r.entry_id, r.id, r.created_at, r.removal) for r in rows
    ]
