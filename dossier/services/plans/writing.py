"""Making the plan: a new version, a mark on it, an action ticked off, an evaluation. Each is
signed by who does it, sealed under the plan section's current key and logged in one unit of
work. A version becomes the plan the moment the marks make it agreed (`consent.py`)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update

from dossier.actions import Action
from dossier.consent import Agreement
from dossier.errors import N_, InvalidInput, NotFound
from dossier.models import (
    Dossier,
    PlanAction,
    PlanEvaluation,
    PlanMark,
    PlanProgress,
    PlanStatus,
    PlanVersion,
    Section,
)
from dossier.services import validation
from dossier.services.content import Untrusted
from dossier.services.context import Actor, Context
from dossier.services.plans.document import (
    Evaluation,
    PlanDocument,
    clean,
    clean_evaluation,
    free_text,
)
from dossier.services.plans.people import may_mark, may_write, people_on, relation_of
from dossier.services.plans.reading import OPEN, agreement_of, plan_section_for
from dossier.services.plans.sealing import (
    open_document,
    open_mark,
    seal_document,
    seal_evaluation,
    seal_mark,
    seal_progress,
)
from dossier.services.work import DossierWork, dossier_work

REASON_MAX = 2_000
NOTE_MAX = 500


def _one_at_a_time(work: DossierWork) -> None:
    """Plan writes in one dossier wait for each other: two last yeses at once must see each
    other's mark, and two new versions must not take the same number. (SQLite takes the whole
    database for every write already.)"""
    work.db.execute(
        select(Dossier.id).where(Dossier.id == work.access.dossier.id).with_for_update()
    )


def _writable_section(work: DossierWork, action: Action) -> Section:
    section = plan_section_for(work, action)
    if not may_write(work.access, section):
        raise work.refuse(action, "may not write the plan", object_type="plan")
    return section


def _version(work: DossierWork, number: int, action: Action) -> PlanVersion:
    version = work.db.scalar(
        select(PlanVersion).where(
            PlanVersion.dossier_id == work.access.dossier.id, PlanVersion.number == number
        )
    )
    if version is None:
        raise work.refuse(action, "no such plan version", NotFound(), object_type="plan")
    return version


def propose_plan(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    draft: PlanDocument,
    based_on: int | None = None,
) -> int:
    """A new version, proposed beside what there is; its number. Starting from a version keeps
    the references of its goals and actions, so what was ticked off stays ticked off."""
    with dossier_work(ctx, actor, dossier_id, Action.PLAN_PROPOSE) as work:
        return propose_in(work, draft, based_on)


def propose_in(work: DossierWork, draft: PlanDocument, based_on: int | None = None) -> int:
    """`propose_plan` inside the caller's unit of work: also how a helper's plan draft becomes
    an owner's proposal."""
    errors = validation.Errors()
    ctx, actor, dossier_id = work.ctx, work.access.actor, work.access.dossier.id
    _one_at_a_time(work)
    db, access = work.db, work.access
    section = _writable_section(work, Action.PLAN_PROPOSE)
    if based_on is not None:
        _version(work, based_on, Action.PLAN_PROPOSE)
    now = ctx.now()
    people = [person.id for person in people_on(db, dossier_id, section.id, now)]
    document = clean(draft, errors, people, now.date())
    errors.raise_if_any()
    number = (
        db.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.dossier_id == dossier_id))
        or 0
    ) + 1
    version = PlanVersion(
        id=uuid.uuid4(),
        dossier_id=dossier_id,
        section_id=section.id,
        number=number,
        based_on=based_on,
        author_id=actor.user_id,
        author_role=actor.role,
        perspective=access.perspective,
        created_at=now,
        status=PlanStatus.PROPOSED,
        next_evaluation_on=document.next_evaluation,
    )
    seal_document(work.keys, version, document)
    db.add(version)
    db.flush()  # the version before its actions: no relationship tells the session so
    db.add_all(
        PlanAction(
            dossier_id=dossier_id,
            plan_version_id=version.id,
            ref=action.ref,
            due_on=action.by,
            assignee_id=action.who_id,
        )
        for action in document.actions()
    )
    work.log(
        Action.PLAN_PROPOSE,
        at=now,
        object_type="plan",
        object_id=str(version.id),
        reason=f"version {number}",
    )
    return number


def mark_plan(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    number: int,
    agrees: bool,
    reason: str = "",
) -> Agreement:
    """ "I stand behind this plan" or "I don't, because …" on one version; a new mark replaces
    one's own earlier mark on that version. Returns where the version stands after it."""
    errors = validation.Errors()
    why = None if agrees else N_("Say why, so the others can change the plan.")
    text = free_text(errors, reason, "reason", REASON_MAX, why)
    with dossier_work(ctx, actor, dossier_id, Action.PLAN_MARK) as work:
        _one_at_a_time(work)
        db, access = work.db, work.access
        section = plan_section_for(work, Action.PLAN_MARK)
        if not may_mark(access, section):
            raise work.refuse(Action.PLAN_MARK, "may not mark the plan", object_type="plan")
        version = _version(work, number, Action.PLAN_MARK)
        if version.status not in OPEN:
            raise InvalidInput(
                {"agrees": [N_("This version is no longer open. Look at the plan as it is now.")]}
            )
        errors.raise_if_any()
        now = ctx.now()
        mark = db.scalar(
            select(PlanMark).where(
                PlanMark.plan_version_id == version.id, PlanMark.user_id == actor.user_id
            )
        )
        if mark is None:
            mark = PlanMark(
                id=uuid.uuid4(),
                dossier_id=dossier_id,
                section_id=version.section_id,
                plan_version_id=version.id,
                user_id=actor.user_id,
            )
        mark.relation = relation_of(access)
        mark.role = actor.role
        mark.agrees = agrees
        mark.created_at = now
        seal_mark(work.keys, mark, text)
        db.add(mark)
        db.flush()
        agreement, _waiting = agreement_of(
            work,
            _verified_marks(work, version),
            {person.id for person in people_on(db, dossier_id, version.section_id, now)},
        )
        if agreement is Agreement.AGREED and version.status == PlanStatus.PROPOSED:
            _adopt(work, version)
        # The log says that someone marked, not what: where she stands on her plan is hers.
        work.log(
            Action.PLAN_MARK,
            at=now,
            object_type="plan",
            object_id=str(version.id),
            reason=f"version {number}",
        )
        return agreement


def _verified_marks(work: DossierWork, version: PlanVersion) -> list[tuple[uuid.UUID, str, bool]]:
    """The version's marks whose signature holds: a row changed in the database decides nothing."""
    marks = work.db.scalars(select(PlanMark).where(PlanMark.plan_version_id == version.id))
    verified = []
    for mark in marks:
        try:
            open_mark(work.db, work.keys, mark)
        except Untrusted:
            continue
        verified.append((mark.user_id, mark.relation, mark.agrees))
    return verified


def _adopt(work: DossierWork, version: PlanVersion) -> None:
    """The agreed version becomes the plan; the plan before it is replaced and older proposals
    are set aside. Newer proposals stay open: someone is already changing it."""
    db, now = work.db, work.ctx.now()
    dossier_id = version.dossier_id
    db.execute(
        update(PlanVersion)
        .where(PlanVersion.dossier_id == dossier_id, PlanVersion.status == PlanStatus.CURRENT)
        .values(status=PlanStatus.REPLACED, settled_at=now)
    )
    db.execute(
        update(PlanVersion)
        .where(
            PlanVersion.dossier_id == dossier_id,
            PlanVersion.status == PlanStatus.PROPOSED,
            PlanVersion.number < version.number,
        )
        .values(status=PlanStatus.SET_ASIDE, settled_at=now)
    )
    version.status = PlanStatus.CURRENT
    version.settled_at = now


def tick_action(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    ref: uuid.UUID,
    done: bool,
    note: str = "",
) -> None:
    """Done or not done, with a short note; no new version, so no mark is lost."""
    errors = validation.Errors()
    text = free_text(errors, note, "note", NOTE_MAX)
    with dossier_work(ctx, actor, dossier_id, Action.PLAN_PROGRESS) as work:
        _one_at_a_time(work)
        db, access = work.db, work.access
        section = plan_section_for(work, Action.PLAN_PROGRESS)
        held = db.execute(
            select(PlanAction.assignee_id)
            .join(PlanVersion, PlanVersion.id == PlanAction.plan_version_id)
            .where(
                PlanAction.dossier_id == dossier_id,
                PlanAction.ref == ref,
                PlanVersion.status.in_(OPEN),
            )
        ).all()
        if not held:
            raise work.refuse(
                Action.PLAN_PROGRESS, "no such action", NotFound(), object_type="plan-action"
            )
        if not may_write(access, section) and actor.user_id not in {row[0] for row in held}:
            raise work.refuse(
                Action.PLAN_PROGRESS, "may not tick off this action", object_type="plan-action"
            )
        errors.raise_if_any()
        now = ctx.now()
        progress = db.scalar(
            select(PlanProgress).where(
                PlanProgress.dossier_id == dossier_id, PlanProgress.ref == ref
            )
        )
        if progress is None:
            progress = PlanProgress(id=uuid.uuid4(), dossier_id=dossier_id, ref=ref)
        progress.section_id = section.id
        progress.done = done
        progress.changed_at = now
        progress.changed_by = actor.user_id
        seal_progress(work.keys, progress, text)
        db.add(progress)
        work.log(
            Action.PLAN_PROGRESS,
            at=now,
            object_type="plan-action",
            object_id=str(ref),
        )


def evaluate_plan(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    number: int,
    outcomes: dict[uuid.UUID, tuple[str, str]],
) -> None:
    """What the plan everyone agreed to reached, per goal: reached, partly or not, in words."""
    errors = validation.Errors()
    with dossier_work(ctx, actor, dossier_id, Action.PLAN_EVALUATE) as work:
        _one_at_a_time(work)
        db = work.db
        _writable_section(work, Action.PLAN_EVALUATE)
        version = _version(work, number, Action.PLAN_EVALUATE)
        if version.status != PlanStatus.CURRENT:
            raise InvalidInput(
                {"goals": [N_("Only the plan everyone agreed to can be evaluated.")]}
            )
        try:
            document = open_document(db, work.keys, version)
        except Untrusted:
            raise InvalidInput(
                {
                    "goals": [
                        N_("This plan could not be opened or checked, so it cannot be evaluated.")
                    ]
                }
            ) from None
        evaluation: Evaluation = clean_evaluation(
            outcomes, [goal.ref for goal in document.goals], errors
        )
        errors.raise_if_any()
        now = ctx.now()
        row = PlanEvaluation(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            section_id=version.section_id,
            plan_version_id=version.id,
            author_id=actor.user_id,
            created_at=now,
        )
        seal_evaluation(work.keys, row, evaluation)
        db.add(row)
        work.log(
            Action.PLAN_EVALUATE,
            at=now,
            object_type="plan",
            object_id=str(version.id),
            reason=f"version {number}",
        )
