"""News about the family's plan: a new version, a "no" and an agreed plan are each told once to
whom they concern and never to who did it; the worker's tick reminds of the plan's dates from the
version that is the plan, once per person. No notice holds a word of the plan.

Sanne (14) owns her dossier with her mother Marieke; Anne, a care worker, may contribute to Care
(where the plan lives); Joris, a mentor, may only read School and is on no plan.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dossier.models import Notice, User
from dossier.services import jobs, notices, plans
from dossier.services.context import Context
from dossier.services.mail import Mail
from dossier.services.notices import NoticeKind, Topic
from dossier.services.plans import Goal, Helper, PlanDocument, Step
from tests.conftest import login_actor
from tests.support import CARE_WORKER, GUARDIAN, YOUTH, youth_world

MENTOR = "joris@example.nl"
GOAL, OTHER_GOAL = "Zwemdiploma halen", "Drie dagen per week zwemmen"
STEPS = ("Oefenen met oma", "Rooster opvragen", "Badpak kopen", "Vervoer regelen")
STRENGTHS, HELPER = "Sanne is sterk en volhoudend", "Oom Kees"
REASON, NOTE = "Woensdag heb ik tekenles", "Gekocht bij de markt"
SECRETS = (GOAL, OTHER_GOAL, *STEPS, STRENGTHS, HELPER, REASON, NOTE, "zwem", "Woensdag")
PLAN_KINDS = {kind for kind in NoticeKind if kind.startswith("plan.")}


@dataclass
class FixedClock:
    """A clock that stands still until the test moves it: the day never turns by itself."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at

    def advance(self, days: int) -> None:
        self.at += timedelta(days=days)


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    sent: list[Mail] = []
    monkeypatch.setattr("dossier.services.context.send", lambda _url, mail: sent.append(mail))
    return sent


@pytest.fixture
def fixed() -> FixedClock:
    return FixedClock(datetime(2031, 3, 3, 9, 30, tzinfo=UTC))


@pytest.fixture
def family(keyed: Context, fixed: FixedClock) -> dict[str, Any]:
    ctx = replace(keyed, clock=fixed)
    world = youth_world(ctx)
    world.staff()
    anne = world.care_worker()
    world.share(CARE_WORKER, "contribute")
    joris = world.care_worker(MENTOR, "Joris", "Het College")
    world.share(MENTOR, "read", ("school",))
    return {
        "ctx": ctx,
        "clock": fixed,
        "dossier": world.dossier.id,
        "sanne": world.youth,
        "marieke": world.guardian,
        "anne": anne,
        "joris": joris,
    }


def plan_rows(ctx: Context, email: str | None = None) -> list[Notice]:
    with ctx.unit_of_work() as db:
        query = select(Notice).where(Notice.kind.in_(PLAN_KINDS)).order_by(Notice.created_at)
        if email is not None:
            query = query.where(Notice.user_id == login_actor(ctx, email).user_id)
        return list(db.scalars(query))


def seen(ctx: Context) -> frozenset[uuid.UUID]:
    """The plan notices so far. The clock stands still, so their times cannot order them."""
    return frozenset(row.id for row in plan_rows(ctx))


def told(
    ctx: Context, since: frozenset[uuid.UUID] = frozenset()
) -> list[tuple[str, str, str, str]]:
    """(to whom, kind, variant, person) of every plan notice not in `since`, sorted."""
    with ctx.unit_of_work() as db:
        emails = {user_id: email for user_id, email in db.execute(select(User.id, User.email))}
    said = []
    for row in plan_rows(ctx):
        if row.id in since:
            continue
        data = json.loads(row.data)
        said.append(
            (emails[row.user_id], row.kind, data.get("variant", ""), data.get("person", ""))
        )
    return sorted(said)


def no_content(ctx: Context, outbox: list[Mail]) -> None:
    with ctx.unit_of_work() as db:
        stored = " ".join(f"{n.kind} {n.data} {n.event_key}" for n in db.scalars(select(Notice)))
    mailed = " ".join(f"{m.subject} {m.body}" for m in outbox)
    for secret in SECRETS:
        assert secret.lower() not in stored.lower()
        assert secret.lower() not in mailed.lower()


def draft(
    today: date, sanne: uuid.UUID, anne: uuid.UUID, goal: str = GOAL
) -> tuple[PlanDocument, dict[str, uuid.UUID]]:
    """One goal with four actions: Sanne's due in 3 days, Anne's in 4, one for Sanne due
    tomorrow (to be done) and one for her uncle, who has no account, due in 4 days."""
    refs = {name: uuid.uuid4() for name in ("sanne", "anne", "done", "uncle")}
    steps = (
        Step(refs["sanne"], STEPS[0], "Sanne", sanne, today + timedelta(days=3)),
        Step(refs["anne"], STEPS[1], "Anne", anne, today + timedelta(days=4)),
        Step(refs["done"], STEPS[2], "Sanne", sanne, today + timedelta(days=1)),
        Step(refs["uncle"], STEPS[3], HELPER, None, today + timedelta(days=4)),
    )
    document = PlanDocument(
        strengths=STRENGTHS,
        network=(Helper(HELPER, "Rijdt naar het zwembad"),),
        goals=(Goal(uuid.uuid4(), goal, "Sanne", steps),),
        next_evaluation=today + timedelta(days=10),
    )
    return document, refs


def test_a_new_version_is_told_to_everyone_on_the_plan_but_its_writer(
    family: dict[str, Any], outbox: list[Mail]
) -> None:
    ctx, dossier = family["ctx"], family["dossier"]
    sanne, anne = family["sanne"], family["anne"]
    document, _ = draft(ctx.now().date(), sanne.user_id, anne.user_id)
    assert plans.propose_plan(ctx, anne, dossier, document) == 1
    assert told(ctx) == [
        (GUARDIAN, NoticeKind.PLAN_NEW, "", "Anne"),
        (YOUTH, NoticeKind.PLAN_NEW, "", "Anne"),
    ]
    [hers] = plan_rows(ctx, YOUTH)
    assert hers.dossier_id == dossier and json.loads(hers.data)["version"] == 1
    said = notices.line(hers.kind, json.loads(hers.data), lambda t: t, str)
    assert said == "Anne wrote a new version of the plan."
    assert any(m.to == YOUTH and "/start" in m.body and "Anne" in m.body for m in outbox)

    # Sanne writes the next one: her mother and Anne hear of it, she does not, Joris never.
    first = seen(ctx)
    plans.propose_plan(ctx, sanne, dossier, document, based_on=1)
    assert told(ctx, since=first) == [
        (CARE_WORKER, NoticeKind.PLAN_NEW, "", "Sanne"),
        (GUARDIAN, NoticeKind.PLAN_NEW, "", "Sanne"),
    ]
    assert plan_rows(ctx, MENTOR) == []
    no_content(ctx, outbox)


def test_a_no_reaches_the_writer_and_the_owners_and_an_agreed_plan_everyone(
    family: dict[str, Any], outbox: list[Mail]
) -> None:
    ctx, dossier = family["ctx"], family["dossier"]
    sanne, marieke, anne = family["sanne"], family["marieke"], family["anne"]
    document, _ = draft(ctx.now().date(), sanne.user_id, anne.user_id)
    plans.propose_plan(ctx, anne, dossier, document)
    start = seen(ctx)

    plans.mark_plan(ctx, marieke, dossier, 1, True)
    plans.mark_plan(ctx, anne, dossier, 1, True)
    assert told(ctx, since=start) == []  # a yes that does not make it the plan is no news
    plans.mark_plan(ctx, sanne, dossier, 1, False, REASON)
    assert told(ctx, since=start) == [
        (CARE_WORKER, NoticeKind.PLAN_NOT_AGREED, "", "Sanne"),  # she wrote it
        (GUARDIAN, NoticeKind.PLAN_NOT_AGREED, "", "Sanne"),  # an owner
    ]
    [mothers] = [n for n in plan_rows(ctx, GUARDIAN) if n.kind == NoticeKind.PLAN_NOT_AGREED]
    said = notices.line(mothers.kind, json.loads(mothers.data), lambda t: t, str)
    assert said.startswith("Sanne does not stand behind version 1 of the plan yet.")
    # Saying no again in other words is not news; a no after a yes is.
    plans.mark_plan(ctx, sanne, dossier, 1, False, REASON + " en donderdag ook")
    assert len(told(ctx, since=start)) == 2
    start = seen(ctx)
    family["clock"].advance(days=1)
    plans.mark_plan(ctx, marieke, dossier, 1, False, REASON)
    assert told(ctx, since=start) == [
        (CARE_WORKER, NoticeKind.PLAN_NOT_AGREED, "", "Marieke"),
        (YOUTH, NoticeKind.PLAN_NOT_AGREED, "", "Marieke"),
    ]

    # Anne writes version 2; all three say yes. The one whose yes made it the plan saw it happen.
    second, _ = draft(ctx.now().date(), sanne.user_id, anne.user_id, OTHER_GOAL)
    plans.propose_plan(ctx, anne, dossier, second, based_on=1)
    before = seen(ctx)
    plans.mark_plan(ctx, anne, dossier, 2, True)
    plans.mark_plan(ctx, sanne, dossier, 2, True)
    assert told(ctx, since=before) == []
    plans.mark_plan(ctx, marieke, dossier, 2, True)
    assert told(ctx, since=before) == [
        (CARE_WORKER, NoticeKind.PLAN_AGREED, "", ""),
        (YOUTH, NoticeKind.PLAN_AGREED, "", ""),
    ]
    [agreed] = [n for n in plan_rows(ctx, YOUTH) if n.kind == NoticeKind.PLAN_AGREED]
    assert json.loads(agreed.data) == {"version": 2}
    assert plan_rows(ctx, MENTOR) == []
    no_content(ctx, outbox)


def test_plan_news_is_an_e_mail_topic_of_its_own(
    family: dict[str, Any], outbox: list[Mail]
) -> None:
    ctx, dossier, anne = family["ctx"], family["dossier"], family["anne"]
    assert notices.TOPICS[NoticeKind.PLAN_NEW] == Topic.PLAN and Topic.PLAN in notices.TOPIC_LABELS
    notices.choose_mail_topics(ctx, family["sanne"], [t for t in Topic if t != Topic.PLAN])
    outbox.clear()
    plans.propose_plan(ctx, anne, dossier, draft(ctx.now().date(), anne.user_id, anne.user_id)[0])
    assert [m.to for m in outbox] == [GUARDIAN]
    assert outbox[0].subject == notices.SUBJECTS[NoticeKind.PLAN_NEW]
    assert [n.kind for n in plan_rows(ctx, YOUTH)] == [NoticeKind.PLAN_NEW]  # still on her page


def test_the_tick_reminds_of_the_plans_dates_once_to_whom_they_concern(
    family: dict[str, Any], outbox: list[Mail]
) -> None:
    ctx, clock, dossier = family["ctx"], family["clock"], family["dossier"]
    sanne, marieke, anne = family["sanne"], family["marieke"], family["anne"]
    document, refs = draft(ctx.now().date(), sanne.user_id, anne.user_id)
    plans.propose_plan(ctx, anne, dossier, document)
    plans.tick_action(ctx, sanne, dossier, refs["done"], True, NOTE)
    start = seen(ctx)
    jobs.tick(ctx)
    assert told(ctx, since=start) == []  # only a proposal: nothing is due yet
    for person in (anne, sanne, marieke):
        plans.mark_plan(ctx, person, dossier, 1, True)
    start = seen(ctx)

    def tick() -> list[tuple[str, str, str, str]]:
        before = seen(ctx)
        jobs.tick(ctx)
        return told(ctx, since=before)

    # Day 0: Sanne's action is due in 3 days. The done one, due tomorrow, tells nobody.
    assert tick() == [(YOUTH, NoticeKind.PLAN_ACTION_SOON, "", "")]
    assert tick() == []
    [soon] = [n for n in plan_rows(ctx, YOUTH) if n.kind == NoticeKind.PLAN_ACTION_SOON]
    assert json.loads(soon.data)["date"] == (ctx.now().date() + timedelta(days=3)).isoformat()
    clock.advance(days=1)  # Anne's is due in 3 days; her uncle has no account to be told
    assert tick() == [(CARE_WORKER, NoticeKind.PLAN_ACTION_SOON, "", "")]
    clock.advance(days=2)  # the evaluation is a week away; Sanne's action is due today
    assert tick() == [
        (CARE_WORKER, NoticeKind.PLAN_EVALUATION_SOON, "", ""),
        (GUARDIAN, NoticeKind.PLAN_EVALUATION_SOON, "", ""),
        (YOUTH, NoticeKind.PLAN_EVALUATION_SOON, "", ""),
    ]
    clock.advance(days=1)  # Sanne's action is a day late: she and the other owner hear of it
    assert tick() == [
        (GUARDIAN, NoticeKind.PLAN_ACTION_OVERDUE, "theirs", "Sanne"),
        (YOUTH, NoticeKind.PLAN_ACTION_OVERDUE, "yours", ""),
    ]
    clock.advance(days=1)  # Anne's and the uncle's: Anne and the owners
    assert tick() == [
        (CARE_WORKER, NoticeKind.PLAN_ACTION_OVERDUE, "yours", ""),
        (GUARDIAN, NoticeKind.PLAN_ACTION_OVERDUE, "", ""),
        (GUARDIAN, NoticeKind.PLAN_ACTION_OVERDUE, "theirs", "Anne"),
        (YOUTH, NoticeKind.PLAN_ACTION_OVERDUE, "", ""),
        (YOUTH, NoticeKind.PLAN_ACTION_OVERDUE, "theirs", "Anne"),
    ]
    assert tick() == []
    clock.advance(days=3)
    assert tick() == []  # once is once

    # A proposal with an action due tomorrow is not the plan: nobody is reminded of it.
    extra = Step(uuid.uuid4(), STEPS[0], "Marieke", marieke.user_id, ctx.now().date())
    newer = replace(
        document,
        goals=(replace(document.goals[0], actions=(*document.goals[0].actions, extra)),),
        next_evaluation=ctx.now().date() + timedelta(days=2),
    )
    plans.propose_plan(ctx, sanne, dossier, newer, based_on=1)
    before = seen(ctx)
    jobs.tick(ctx)
    assert told(ctx, since=before) == []
    assert plan_rows(ctx, MENTOR) == []
    lines = [
        notices.line(n.kind, json.loads(n.data), lambda t: t, str)
        for n in plan_rows(ctx, GUARDIAN)
        if n.kind == NoticeKind.PLAN_ACTION_OVERDUE
    ]
    assert any(line.startswith("An action of Anne in the plan was due on") for line in lines)
    assert start < seen(ctx)
    no_content(ctx, outbox)
