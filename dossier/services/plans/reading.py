"""The plan page: the plan everyone agreed to, the proposals beside it, and its history, in one
unit of work that writes one event."""

from __future__ import annotations

import uuid
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossier.actions import Action
from dossier.consent import Agreement
from dossier.errors import NotFound
from dossier.models import (
    Draft,
    DraftKind,
    PlanEvaluation,
    PlanMark,
    PlanProgress,
    PlanStatus,
    PlanVersion,
    Section,
)
from dossier.services.content import Untrusted
from dossier.services.context import Actor, Context
from dossier.services.dossiers import DossierSummary, described
from dossier.services.entries.drafts import DraftCard, cards_of
from dossier.services.entries.lookup import log_untrusted
from dossier.services.lifecycle import rules
from dossier.services.notices import name_of
from dossier.services.plans.document import (
    Evaluation,
    Goal,
    Helper,
    PlanDocument,
    Step,
    parsed_draft,
)
from dossier.services.plans.people import (
    Person,
    may_mark,
    may_read,
    may_write,
    people_on,
    relation_of,
)
from dossier.services.plans.sealing import (
    open_document,
    open_evaluation,
    open_mark,
    open_progress,
    plan_section,
)
from dossier.services.work import DossierWork, dossier_work

OPEN = (PlanStatus.PROPOSED, PlanStatus.CURRENT)


@dataclass(frozen=True)
class MarkView:
    person: Person
    relation: str  # as whom it was given, which decides whether it counts: subject, guardian, other
    agrees: bool
    reason: str
    at: datetime
    trusted: bool


@dataclass(frozen=True)
class ActionView:
    ref: uuid.UUID
    what: str
    who: str
    who_id: uuid.UUID | None
    by: date | None
    done: bool
    note: str
    done_by: str  # who ticked it off, or undid it, last
    overdue: bool
    mine: bool


@dataclass(frozen=True)
class GoalView:
    ref: uuid.UUID
    text: str
    proposed_by: str
    actions: list[ActionView]
    outcome: str | None  # at the latest evaluation
    outcome_words: str


@dataclass(frozen=True)
class VersionView:
    id: uuid.UUID
    number: int
    based_on: int | None
    status: str
    author: Person | None
    author_name: str
    perspective: str
    created_at: datetime
    settled_at: datetime | None
    trusted: bool
    strengths: str
    network: list[Helper]
    goals: list[GoalView]
    next_evaluation: date | None
    marks: list[MarkView]
    agreement: Agreement
    waiting_for: list[str]  # relations whose yes it still needs: subject, guardian
    my_mark: MarkView | None
    evaluated_at: datetime | None
    evaluated_by: str

    @property
    def document(self) -> PlanDocument:
        """What it says, as a draft to start a new version from."""
        return PlanDocument(
            strengths=self.strengths,
            network=tuple(self.network),
            goals=tuple(
                Goal(
                    goal.ref,
                    goal.text,
                    goal.proposed_by,
                    tuple(
                        Step(action.ref, action.what, action.who, action.who_id, action.by)
                        for action in goal.actions
                    ),
                )
                for goal in self.goals
            ),
            next_evaluation=self.next_evaluation,
        )


@dataclass(frozen=True)
class HistoryLine:
    number: int
    status: str
    author_name: str
    created_at: datetime
    settled_at: datetime | None


@dataclass(frozen=True)
class PlanPage:
    dossier: DossierSummary
    section_id: uuid.UUID
    current: VersionView | None
    proposals: list[VersionView]
    shown: VersionView | None  # an older version asked for by number
    history: list[HistoryLine]
    people: list[Person]
    may_write: bool
    may_mark: bool
    my_relation: str
    today: date
    settled: list[VersionView] = field(default_factory=list)  # every older version, if asked
    may_draft: bool = False  # a trusted helper: he suggests a change, an owner sends it
    drafts: list[PlanDraft] = field(default_factory=list)  # for the owners and the helper


def read_plan(
    ctx: Context,
    actor: Actor,
    dossier_id: uuid.UUID,
    number: int | None = None,
    for_writing: bool = False,
    or_suggesting: bool = False,
) -> PlanPage:
    """The plan page; `number`: also one version from its history. `for_writing`: the page of a
    form that changes the plan, refused to whoever may only read it (`or_suggesting`: a trusted
    helper may fill it in, as a suggestion)."""
    with dossier_work(ctx, actor, dossier_id, Action.PLAN_READ) as work:
        page = plan_page(work, number)
        if for_writing and not (page.may_write or (or_suggesting and page.may_draft)):
            raise work.refuse(Action.PLAN_PROPOSE, "may not write the plan", object_type="plan")
        work.log(
            Action.PLAN_READ,
            object_type="plan",
            object_id=str(dossier_id),
            reason=f"version {number}" if number is not None else None,
        )
        return page


def agreement_of(
    work: DossierWork,
    marks: Iterable[tuple[uuid.UUID, str, bool]],
    on_plan: Container[uuid.UUID],
) -> tuple[Agreement, frozenset[str]]:
    """Where a version stands by the marks that count: (person, relation given as, yes) of marks
    whose signature holds, of people who are on the plan today. Someone whose sharing ended can
    no longer change their mark, so it no longer holds the plan back either."""
    counted = [(relation, yes) for person, relation, yes in marks if person in on_plan]
    return rules(work.ctx).plan_agreement(
        counted, work.access.dossier.subject_birth_date, work.ctx.now().date()
    )


def plan_section_for(work: DossierWork, action: Action) -> Section:
    """The plan's section, if this actor may read it; a refusal as if there were no plan."""
    section = plan_section(work.db, work.access.dossier.id)
    if section is None or not may_read(work.access, section):
        raise work.refuse(action, "plan section not granted", NotFound(), object_type="plan")
    return section


def plan_page(work: DossierWork, number: int | None = None, every: bool = False) -> PlanPage:
    """`every`: every older version opened too, as a copy of the whole plan needs."""
    db, access, ctx = work.db, work.access, work.ctx
    dossier = access.dossier
    section = plan_section_for(work, Action.PLAN_READ)
    now = ctx.now()
    people = people_on(db, dossier.id, section.id, now)
    versions = list(
        db.scalars(
            select(PlanVersion)
            .where(PlanVersion.dossier_id == dossier.id)
            .order_by(PlanVersion.number.desc())
        )
    )
    if number is not None and not any(v.number == number for v in versions):
        raise work.refuse(Action.PLAN_READ, "no such plan version", NotFound(), object_type="plan")
    opened = [v for v in versions if every or v.status in OPEN or v.number == number]
    ids = [v.id for v in opened]
    marks = list(
        db.scalars(
            select(PlanMark).where(PlanMark.plan_version_id.in_(ids)).order_by(PlanMark.created_at)
        )
    )
    evaluations = list(
        db.scalars(
            select(PlanEvaluation)
            .where(PlanEvaluation.plan_version_id.in_(ids))
            .order_by(PlanEvaluation.created_at.desc())
        )
    )
    progress = {
        row.ref: row
        for row in db.scalars(select(PlanProgress).where(PlanProgress.dossier_id == dossier.id))
    }
    by_id = {person.id: person for person in people}
    views = {
        v.id: _version_view(work, v, by_id, marks, evaluations, progress, now.date())
        for v in opened
    }
    current = next((views[v.id] for v in opened if v.status == PlanStatus.CURRENT), None)
    proposals = [views[v.id] for v in opened if v.status == PlanStatus.PROPOSED]
    shown = next((views[v.id] for v in opened if v.number == number), None)
    return PlanPage(
        dossier=described(db, work.keys, access),
        section_id=section.id,
        current=current,
        proposals=proposals,
        shown=shown,
        history=[
            HistoryLine(
                v.number,
                v.status,
                _name(db, by_id, v.author_id),
                v.created_at,
                v.settled_at,
            )
            for v in versions
        ],
        people=people,
        may_write=may_write(access, section),
        may_mark=may_mark(access, section),
        my_relation=relation_of(access),
        today=now.date(),
        settled=[views[v.id] for v in opened if v.status not in OPEN] if every else [],
        may_draft=access.can_draft(section.id),
        drafts=_plan_drafts(work, section.id),
    )


@dataclass(frozen=True)
class PlanDraft:
    """A helper's plan change as the plan page shows it: None when it cannot be trusted."""

    card: DraftCard
    document: PlanDocument | None
    based_on: int | None


def _plan_drafts(work: DossierWork, section_id: uuid.UUID) -> list[PlanDraft]:
    statement = (
        select(Draft)
        .where(Draft.dossier_id == work.access.dossier.id, Draft.kind == DraftKind.PLAN)
        .order_by(Draft.created_at)
    )
    found = []
    for card in cards_of(work, statement, section_id):
        document, based_on = parsed_draft(card.body) if card.body else (None, None)
        found.append(PlanDraft(card, document, based_on))
    return found


def _name(db: Session, by_id: dict[uuid.UUID, Person], user_id: uuid.UUID | None) -> str:
    if user_id is None:
        return ""
    person = by_id.get(user_id)
    return person.name if person else name_of(db, user_id)


def _person(
    db: Session, by_id: dict[uuid.UUID, Person], user_id: uuid.UUID, relation: str, role: str
) -> Person:
    """Someone who marked a version, even after their sharing ended."""
    return by_id.get(user_id) or Person(user_id, _name(db, by_id, user_id), role, relation)


def _version_view(
    work: DossierWork,
    version: PlanVersion,
    by_id: dict[uuid.UUID, Person],
    marks: list[PlanMark],
    evaluations: list[PlanEvaluation],
    progress: dict[uuid.UUID, PlanProgress],
    today: date,
) -> VersionView:
    db, keys, access = work.db, work.keys, work.access
    try:
        document, trusted = open_document(db, keys, version), True
    except Untrusted:
        document, trusted = PlanDocument(), False
        log_untrusted(work, "plan", version.id)
    mark_views = []
    for mark in marks:
        if mark.plan_version_id != version.id:
            continue
        try:
            reason, ok = open_mark(db, keys, mark), True
        except Untrusted:
            reason, ok = "", False
        mark_views.append(
            MarkView(
                _person(db, by_id, mark.user_id, mark.relation, mark.role),
                mark.relation,
                mark.agrees,
                reason,
                mark.created_at,
                ok,
            )
        )
    evaluation: Evaluation | None = None
    evaluated = next((e for e in evaluations if e.plan_version_id == version.id), None)
    if evaluated is not None:
        try:
            evaluation = open_evaluation(db, keys, evaluated)
        except Untrusted:
            evaluation = None
    goals = []
    for goal in document.goals:
        actions = []
        for action in goal.actions:
            done_row = progress.get(action.ref)
            note, done_by = "", ""
            done = False
            if done_row is not None:
                try:
                    note, done = open_progress(db, keys, done_row), done_row.done
                except Untrusted:  # a tick nobody can vouch for does not count as done
                    note = ""
                done_by = _name(db, by_id, done_row.changed_by)
            person = by_id.get(action.who_id) if action.who_id else None
            actions.append(
                ActionView(
                    action.ref,
                    action.what,
                    person.name if person else action.who,
                    action.who_id,
                    action.by,
                    done,
                    note,
                    done_by,
                    overdue=not done and action.by is not None and action.by < today,
                    mine=action.who_id == access.actor.user_id,
                )
            )
        outcome, words = (evaluation.outcomes.get(goal.ref) if evaluation else None) or (None, "")
        goals.append(GoalView(goal.ref, goal.text, goal.proposed_by, actions, outcome, words))
    agreement, waiting = agreement_of(
        work, [(m.person.id, m.relation, m.agrees) for m in mark_views if m.trusted], by_id
    )
    mine = next((m for m in mark_views if m.person.id == access.actor.user_id), None)
    return VersionView(
        id=version.id,
        number=version.number,
        based_on=version.based_on,
        status=version.status,
        author=by_id.get(version.author_id),
        author_name=_name(db, by_id, version.author_id),
        perspective=version.perspective,
        created_at=version.created_at,
        settled_at=version.settled_at,
        trusted=trusted,
        strengths=document.strengths,
        network=list(document.network),
        goals=goals,
        next_evaluation=document.next_evaluation,
        marks=mark_views,
        agreement=agreement,
        waiting_for=sorted(waiting),
        my_mark=mine,
        evaluated_at=evaluated.created_at if evaluated else None,
        evaluated_by=_name(db, by_id, evaluated.author_id) if evaluated else "",
    )
