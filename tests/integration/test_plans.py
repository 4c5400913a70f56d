"""The family's plan through its use cases: Sanne (14), her mother Marieke and Anne, the care
worker who may contribute to Care, make a plan together, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from dossier.actions import Action
from dossier.consent import GUARDIAN, SUBJECT, Agreement
from dossier.errors import AccessDenied, InvalidInput, NotFound
from dossier.models import (
    AuditEvent,
    PlanAction,
    PlanEvaluation,
    PlanMark,
    PlanProgress,
    PlanStatus,
    PlanVersion,
)
from dossier.services import ownership, plans, sharing
from dossier.services.plans import Goal, Helper, PlanDocument, Step
from tests.integration.test_ways_in import at_once
from tests.support import as_database_owner

GOAL = "Naar school zonder buikpijn"
STEP = "Elke ochtend samen ontbijten"


def _draft(ctx: Any, sanne_id: uuid.UUID, goal: str = GOAL) -> PlanDocument:
    step = Step(uuid.uuid4(), STEP, "Sanne", sanne_id, ctx.now().date() + timedelta(days=2))
    return PlanDocument(
        strengths="Ik kan goed tekenen. Oma helpt.",
        network=(Helper("Oma Els", "Haalt me op op woensdag"),),
        goals=(Goal(uuid.uuid4(), goal, "Sanne", (step,)),),
        next_evaluation=ctx.now().date() + timedelta(days=60),
    )


def _events(ctx: Any, action: Action) -> int:
    with ctx.unit_of_work() as db:
        return db.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


def test_three_people_make_a_plan_together(shared_world: dict[str, Any]) -> None:
    w = shared_world
    ctx, sanne, marieke, anne, dossier = w["ctx"], w["sanne"], w["marieke"], w["anne"], w["dossier"]

    first = plans.propose_plan(ctx, sanne, dossier, _draft(ctx, sanne.user_id))
    assert first == 1
    reads = _events(ctx, Action.PLAN_READ)
    page = plans.read_plan(ctx, anne, dossier)
    assert _events(ctx, Action.PLAN_READ) == reads + 1  # one read, one event
    assert page.current is None and [p.number for p in page.proposals] == [1]
    proposal = page.proposals[0]
    assert proposal.trusted and proposal.goals[0].text == GOAL
    assert proposal.network == [Helper("Oma Els", "Haalt me op op woensdag")]
    assert proposal.goals[0].actions[0].what == STEP and not proposal.goals[0].actions[0].done
    assert proposal.agreement is Agreement.WAITING
    assert proposal.waiting_for == sorted({SUBJECT, GUARDIAN})

    # Her mother and Anne agree; Sanne, whose yes counts from 12, does not, and says why.
    assert plans.mark_plan(ctx, marieke, dossier, 1, True) is Agreement.WAITING
    assert plans.mark_plan(ctx, anne, dossier, 1, True) is Agreement.WAITING
    with pytest.raises(InvalidInput) as no_reason:
        plans.mark_plan(ctx, sanne, dossier, 1, False)
    assert "reason" in no_reason.value.errors
    assert plans.mark_plan(ctx, sanne, dossier, 1, False, "Niet elke dag") is Agreement.NOT_AGREED
    seen = plans.read_plan(ctx, marieke, dossier).proposals[0]
    assert [(m.person.name, m.agrees, m.reason) for m in seen.marks if not m.agrees] == [
        ("Sanne", False, "Niet elke dag")
    ]

    # Anne changes it; all three agree to version 2, which becomes the plan.
    draft = plans.read_plan(ctx, anne, dossier).proposals[0].document
    changed = PlanDocument(
        draft.strengths,
        draft.network,
        (
            Goal(
                draft.goals[0].ref,
                "Drie dagen per week naar school",
                "Anne",
                draft.goals[0].actions,
            ),
        ),
        draft.next_evaluation,
    )
    assert plans.propose_plan(ctx, anne, dossier, changed, based_on=1) == 2
    assert plans.mark_plan(ctx, anne, dossier, 2, True) is Agreement.WAITING
    assert plans.mark_plan(ctx, sanne, dossier, 2, True) is Agreement.WAITING
    assert plans.mark_plan(ctx, marieke, dossier, 2, True) is Agreement.AGREED
    page = plans.read_plan(ctx, sanne, dossier)
    assert page.current is not None and page.current.number == 2
    assert page.current.goals[0].text == "Drie dagen per week naar school"
    assert page.proposals == []  # version 1 was set aside when version 2 became the plan
    assert [(line.number, line.status) for line in page.history] == [
        (2, PlanStatus.CURRENT),
        (1, PlanStatus.SET_ASIDE),
    ]
    # Marks stay with the version they were given for.
    old = plans.read_plan(ctx, sanne, dossier, number=1).shown
    assert old is not None and {m.person.name for m in old.marks} == {"Sanne", "Marieke", "Anne"}
    with pytest.raises(InvalidInput):
        plans.mark_plan(ctx, sanne, dossier, 1, True)


def test_ticking_off_an_action_carries_over_to_the_next_version(
    shared_world: dict[str, Any],
) -> None:
    w = shared_world
    ctx, sanne, anne, dossier = w["ctx"], w["sanne"], w["anne"], w["dossier"]
    plans.propose_plan(ctx, anne, dossier, _draft(ctx, sanne.user_id))
    step = plans.read_plan(ctx, sanne, dossier).proposals[0].goals[0].actions[0]
    assert step.mine and not step.overdue
    plans.tick_action(ctx, sanne, dossier, step.ref, True, "Gelukt!")
    plans.propose_plan(
        ctx, anne, dossier, plans.read_plan(ctx, anne, dossier).proposals[0].document, based_on=1
    )
    newest = plans.read_plan(ctx, anne, dossier).proposals[0]
    assert newest.number == 2
    ticked = newest.goals[0].actions[0]
    assert (ticked.done, ticked.note, ticked.done_by) == (True, "Gelukt!", "Sanne")
    with pytest.raises(NotFound):
        plans.tick_action(ctx, sanne, dossier, uuid.uuid4(), True)


def test_an_overdue_action_reads_as_overdue(shared_world: dict[str, Any], clock) -> None:
    w = shared_world
    ctx, sanne, dossier = w["ctx"], w["sanne"], w["dossier"]
    plans.propose_plan(ctx, sanne, dossier, _draft(ctx, sanne.user_id))
    clock.offset += timedelta(days=3)
    step = plans.read_plan(ctx, sanne, dossier).proposals[0].goals[0].actions[0]
    assert step.overdue and not step.done


def test_evaluating_the_plan_per_goal(shared_world: dict[str, Any]) -> None:
    w = shared_world
    ctx, sanne, marieke, anne, dossier = w["ctx"], w["sanne"], w["marieke"], w["anne"], w["dossier"]
    plans.propose_plan(ctx, sanne, dossier, _draft(ctx, sanne.user_id))
    goal = plans.read_plan(ctx, sanne, dossier).proposals[0].goals[0].ref
    with pytest.raises(InvalidInput):  # not agreed yet
        plans.evaluate_plan(ctx, anne, dossier, 1, {goal: ("reached", "")})
    for person in (sanne, marieke):
        plans.mark_plan(ctx, person, dossier, 1, True)
    with pytest.raises(InvalidInput) as missing:
        plans.evaluate_plan(ctx, anne, dossier, 1, {})
    assert "goals-0-outcome" in missing.value.errors
    plans.evaluate_plan(ctx, anne, dossier, 1, {goal: ("partly", "Twee van de drie dagen")})
    current = plans.read_plan(ctx, sanne, dossier).current
    assert current is not None
    assert (current.goals[0].outcome, current.goals[0].outcome_words) == (
        "partly",
        "Twee van de drie dagen",
    )
    assert current.evaluated_by == "Anne"


def test_bad_drafts_are_refused_with_every_field_named(shared_world: dict[str, Any]) -> None:
    w = shared_world
    ctx, sanne, dossier = w["ctx"], w["sanne"], w["dossier"]
    stranger = uuid.uuid4()
    bad = PlanDocument(
        goals=(Goal(uuid.uuid4(), "", "", (Step(uuid.uuid4(), "", "Iemand", stranger),)),),
        next_evaluation=date(2000, 1, 1),
    )
    with pytest.raises(InvalidInput) as refused:
        plans.propose_plan(ctx, sanne, dossier, bad)
    assert {
        "goals-0-text",
        "goals-0-actions-0-what",
        "goals-0-actions-0-who_id",
        "next_evaluation",
    } <= set(refused.value.errors)
    with pytest.raises(InvalidInput) as empty:
        plans.propose_plan(ctx, sanne, dossier, PlanDocument())
    assert "goals" in empty.value.errors
    with ctx.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(PlanVersion)) == 0  # nothing half made


def test_who_may_do_what(shared_world: dict[str, Any]) -> None:
    w = shared_world
    ctx, sanne, dossier, auditor = w["ctx"], w["sanne"], w["dossier"], w["auditor"]
    plans.propose_plan(ctx, sanne, dossier, _draft(ctx, sanne.user_id))
    for use in (
        lambda: plans.read_plan(ctx, auditor, dossier),
        lambda: plans.mark_plan(ctx, auditor, dossier, 1, True),
        lambda: plans.propose_plan(ctx, auditor, dossier, _draft(ctx, sanne.user_id)),
    ):
        with pytest.raises(NotFound):
            use()
    # Once her sharing is stopped, Anne is a stranger to the plan as well.
    sharing.revoke(ctx, sanne, dossier, w["grant"])
    with pytest.raises((NotFound, AccessDenied)):
        plans.read_plan(ctx, w["anne"], dossier)


def test_the_plan_is_sealed_and_follows_a_rotation(shared_world: dict[str, Any]) -> None:
    w = shared_world
    ctx, sanne, marieke, anne, dossier = w["ctx"], w["sanne"], w["marieke"], w["anne"], w["dossier"]
    plans.propose_plan(ctx, anne, dossier, _draft(ctx, sanne.user_id))
    step = plans.read_plan(ctx, sanne, dossier).proposals[0].goals[0]
    plans.tick_action(ctx, sanne, dossier, step.actions[0].ref, True, "Gelukt")
    plans.mark_plan(ctx, sanne, dossier, 1, True, "Ik sta erachter")
    plans.mark_plan(ctx, marieke, dossier, 1, True)
    plans.evaluate_plan(ctx, anne, dossier, 1, {step.ref: ("reached", "Helemaal")})
    with ctx.unit_of_work() as db:
        stored = b"".join(
            bytes(blob)
            for model, column in (
                (PlanVersion, PlanVersion.content_sealed),
                (PlanMark, PlanMark.reason_sealed),
                (PlanProgress, PlanProgress.note_sealed),
                (PlanEvaluation, PlanEvaluation.content_sealed),
            )
            for blob in db.scalars(select(column))
        )
        assert stored and all(
            words.encode() not in stored
            for words in (GOAL, STEP, "Oma Els", "Gelukt", "Ik sta erachter", "Helemaal")
        )
        assert db.scalar(select(func.count()).select_from(PlanAction)) == 1

    assert sharing.revoke(ctx, marieke, dossier, w["grant"]).remaining == 0
    with ctx.unit_of_work() as db:
        for model in (PlanVersion, PlanMark, PlanProgress, PlanEvaluation):
            assert set(db.scalars(select(model.key_version))) == {2}, model
    page = plans.read_plan(ctx, sanne, dossier)
    assert page.current is not None and page.current.trusted
    assert page.current.goals[0].text == GOAL
    assert page.current.goals[0].actions[0].note == "Gelukt"
    assert page.current.goals[0].outcome == "reached"
    assert all(mark.trusted for mark in page.current.marks)


def test_destroying_a_dossier_takes_its_plan_with_it(shared_world: dict[str, Any]) -> None:
    w = shared_world
    ctx, sanne, marieke, anne, dossier = w["ctx"], w["sanne"], w["marieke"], w["anne"], w["dossier"]
    plans.propose_plan(ctx, anne, dossier, _draft(ctx, sanne.user_id))
    step = plans.read_plan(ctx, sanne, dossier).proposals[0].goals[0]
    plans.tick_action(ctx, sanne, dossier, step.actions[0].ref, True, "Gelukt")
    for person in (sanne, marieke):
        plans.mark_plan(ctx, person, dossier, 1, True)
    plans.evaluate_plan(ctx, anne, dossier, 1, {step.ref: ("reached", "")})
    assert ownership.destruction_preview(ctx, sanne, dossier)["plan_versions"] == 1

    assert ownership.destroy(ctx, marieke, dossier, "Sanne").status == "pending"
    assert ownership.destroy(ctx, sanne, dossier, "Sanne").status == "done"
    with ctx.unit_of_work() as db:
        for model in (PlanVersion, PlanAction, PlanProgress, PlanMark, PlanEvaluation):
            assert db.scalar(select(func.count()).select_from(model)) == 0, model


def test_a_mark_changed_in_the_database_decides_nothing(
    shared_world: dict[str, Any], engine
) -> None:
    w = shared_world
    ctx, sanne, marieke, anne, dossier = w["ctx"], w["sanne"], w["marieke"], w["anne"], w["dossier"]
    plans.propose_plan(ctx, anne, dossier, _draft(ctx, sanne.user_id))
    plans.mark_plan(ctx, marieke, dossier, 1, False, "Nog niet")
    plans.mark_plan(ctx, anne, dossier, 1, True)
    # Someone with the database flips Marieke's no to a yes, and makes Anne's yes a guardian's.
    with as_database_owner(engine) as connection:
        connection.execute(
            update(PlanMark).where(PlanMark.user_id == marieke.user_id).values(agrees=True)
        )
        connection.execute(
            update(PlanMark).where(PlanMark.user_id == anne.user_id).values(relation=GUARDIAN)
        )
    shown = plans.read_plan(ctx, sanne, dossier).proposals[0]
    assert not any(mark.trusted for mark in shown.marks)
    assert shown.agreement is Agreement.WAITING and shown.waiting_for == sorted({SUBJECT, GUARDIAN})
    # Her yes alone does not make it the plan: the forged yeses count for nothing.
    assert plans.mark_plan(ctx, sanne, dossier, 1, True) is Agreement.WAITING
    assert plans.read_plan(ctx, sanne, dossier).current is None


def test_a_no_from_someone_no_longer_on_the_plan_holds_nothing_back(
    shared_world: dict[str, Any],
) -> None:
    w = shared_world
    ctx, sanne, marieke, anne, dossier = w["ctx"], w["sanne"], w["marieke"], w["anne"], w["dossier"]
    plans.propose_plan(ctx, sanne, dossier, _draft(ctx, sanne.user_id))
    plans.mark_plan(ctx, anne, dossier, 1, False, "Te snel")
    sharing.revoke(ctx, sanne, dossier, w["grant"])
    assert plans.mark_plan(ctx, marieke, dossier, 1, True) is Agreement.WAITING
    assert plans.mark_plan(ctx, sanne, dossier, 1, True) is Agreement.AGREED
    page = plans.read_plan(ctx, sanne, dossier)
    assert page.current is not None and page.current.agreement is Agreement.AGREED
    # Anne's no stays on record with the version, with her reason.
    assert next((m.person.name, m.agrees, m.reason) for m in page.current.marks) == (
        "Anne",
        False,
        "Te snel",
    )


def test_the_log_says_that_someone_marked_or_ticked_not_what(
    shared_world: dict[str, Any],
) -> None:
    w = shared_world
    ctx, sanne, dossier = w["ctx"], w["sanne"], w["dossier"]
    plans.propose_plan(ctx, sanne, dossier, _draft(ctx, sanne.user_id))
    plans.mark_plan(ctx, sanne, dossier, 1, False, "Niet zo")
    step = plans.read_plan(ctx, sanne, dossier).proposals[0].goals[0].actions[0]
    plans.tick_action(ctx, sanne, dossier, step.ref, True)
    with ctx.unit_of_work() as db:
        reasons = list(
            db.scalars(
                select(AuditEvent.reason)
                .where(AuditEvent.action.in_([Action.PLAN_MARK, Action.PLAN_PROGRESS]))
                .order_by(AuditEvent.at, AuditEvent.seq)
            )
        )
    assert reasons == ["version 1", None]


def test_two_last_yeses_at_once_make_it_the_plan(shared_world: dict[str, Any]) -> None:
    w = shared_world
    ctx, sanne, marieke, anne, dossier = w["ctx"], w["sanne"], w["marieke"], w["anne"], w["dossier"]
    plans.propose_plan(ctx, anne, dossier, _draft(ctx, sanne.user_id))
    at_once(
        lambda: plans.mark_plan(ctx, sanne, dossier, 1, True),
        lambda: plans.mark_plan(ctx, marieke, dossier, 1, True),
    )
    page = plans.read_plan(ctx, anne, dossier)
    assert page.current is not None and page.current.number == 1
    numbers = at_once(
        lambda: plans.propose_plan(ctx, anne, dossier, _draft(ctx, sanne.user_id)),
        lambda: plans.propose_plan(ctx, sanne, dossier, _draft(ctx, sanne.user_id)),
    )
    assert sorted(numbers) == [2, 3]
