"""A year of history for the demo, so the client council's page has something to count.

Young people of 16 and 17, each with their own dossier shared with a care worker, live through
the past year the way the service is meant to be used: the care worker writes, they put their
own side next to it, ask for corrections and get answers (some late), make a plan together, take
a copy, stop a sharing, and now and then answer "Do you feel heard?". Everything goes through the
use cases with the clock set back, so the log and the figures are real ones.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

from dossier.errors import InvalidInput
from dossier.models import CorrectionStatus, SessionKind
from dossier.services import (
    accounts,
    check_ins,
    dossiers,
    entries,
    export,
    ownership,
    plans,
    sessions,
    sharing,
)
from dossier.services.context import Actor, Context
from dossier.services.council import periods
from dossier.services.plans import Goal, PlanDocument, Step

FAMILIES = 24
ROUNDS = 4  # one round of writing, answering and asking per quarter
ROUND_DAYS = 85
PASSWORD = "demo-geschiedenis-wachtwoord"  # noqa: S105 (a demo account, printed by `make demo`)
FIRST_NAMES = (
    "Aya", "Bram", "Chloë", "Dex", "Emma", "Finn", "Gijs", "Hira", "Ilse", "Jayden", "Kiki",
    "Levi", "Mila", "Noah", "Olivia", "Pim", "Quinty", "Ravi", "Sara", "Tijn", "Umut", "Vera",
    "Wes", "Yara",
)  # fmt: skip
# Three to an organisation: the council sees an organisation's figures from three on.
CARE_WORKERS = (
    ("joris@demo.eigendossier.nl", "Joris Kok (demo)", "Wijkteam Noord"),
    ("ines@demo.eigendossier.nl", "Ines Smit (demo)", "Jeugdzorg West"),
    ("bas@demo.eigendossier.nl", "Bas Meijer (demo)", "Wijkteam Noord"),
    ("femke@demo.eigendossier.nl", "Femke Dekker (demo)", "Jeugdzorg West"),
    ("rik@demo.eigendossier.nl", "Rik Vos (demo)", "Wijkteam Noord"),
    ("saar@demo.eigendossier.nl", "Saar Peters (demo)", "Jeugdzorg West"),
)
OUTCOMES = (CorrectionStatus.CORRECTED, CorrectionStatus.DECLINED, CorrectionStatus.REMOVED)
VOICES = (
    "Ze luisterden echt naar mij.",
    "Het duurde lang voor er antwoord kwam.",
    "Fijn dat mijn kant er nu bij staat.",
    "Ik snap nog steeds niet waarom het er staat.",
    "Goed gesprek gehad over het plan.",
)


def _at(ctx: Context, moment: datetime) -> Context:
    return replace(ctx, clock=lambda: moment)


def _born(today: date, index: int) -> date:
    """17 today, and at least 16 a year ago: old enough to share her dossier on her own."""
    return today.replace(day=1, year=today.year - 17) - timedelta(days=40 + index)


def fill_history(ctx: Context, admin: Actor) -> int:
    """Families with a year behind them, with two care workers of their own (so the demo's
    named people keep their own short lists); returns how many. Their accounts share one
    password and are not listed: the council sees no one anyway."""
    now = ctx.now()
    care_workers = [
        _care_worker(ctx, admin, email, name, organisation)
        for email, name, organisation in CARE_WORKERS
    ]
    for index in range(FAMILIES):
        start = now - timedelta(days=350 - index * 3)
        _family(ctx, index, start, care_workers[index % len(care_workers)], now)
    return FAMILIES


def _care_worker(ctx: Context, admin: Actor, email: str, name: str, organisation: str) -> Actor:
    then = _at(ctx, ctx.now() - timedelta(days=400))
    made = accounts.register(
        then,
        accounts.NewAccount(
            email,
            PASSWORD,
            name,
            "professional",
            organisation=organisation,
            registration_number=f"SKJ 1009{CARE_WORKERS.index((email, name, organisation)):05d}",
        ),
        start_session=SessionKind.WEB,
    )
    accounts.verify_professional(then, admin, made.user_id)
    assert made.ticket is not None
    worker = sessions.authenticate(then, made.ticket.token, SessionKind.WEB)
    assert worker is not None
    return worker


def _family(ctx: Context, index: int, start: datetime, worker: Actor, now: datetime) -> None:
    name = FIRST_NAMES[index % len(FIRST_NAMES)]
    email = f"{name.lower()}.{index}@demo.eigendossier.nl"
    then = _at(ctx, start)
    registration = accounts.register(
        then,
        accounts.NewAccount(
            email, PASSWORD, f"{name} (demo)", "youth", birth_date=_born(now.date(), index)
        ),
        start_session=SessionKind.WEB,
    )
    assert registration.ticket is not None
    youth = sessions.authenticate(then, registration.ticket.token, SessionKind.WEB)
    assert youth is not None
    own = dossiers.create_dossier(then, youth, f"{name} (demo)", None, for_self=True)
    care = next(s.id for s in own.sections if s.default_name == "care")
    grant = sharing.share(
        _at(ctx, start + timedelta(hours=1)),
        youth,
        own.id,
        grantee_email=worker.email,
        section_ids=[care],
        permission="contribute",
    )
    # Everything in the order it happened: a later answer must not take an earlier month's turn.
    evaluation: datetime | None = _evaluation_day(now, index)
    for round_ in range(ROUNDS):
        moment = start + timedelta(days=5 + round_ * ROUND_DAYS)
        if moment > now - timedelta(days=3):
            break
        if evaluation is not None and evaluation < moment:
            _evaluation(_at(ctx, evaluation), index, youth, worker, own.id, care)
            evaluation = None
        _round(ctx, index, round_, moment, youth, worker, own.id, care, now)
    if evaluation is not None:
        _evaluation(_at(ctx, evaluation), index, youth, worker, own.id, care)
    if index % 3 == 0:
        export.export_zip(_at(ctx, start + timedelta(days=60)), youth, own.id, lambda data: "")
    if index % 5 == 0:
        sharing.revoke(_at(ctx, now - timedelta(days=12 + index)), youth, own.id, grant.grant_id)
    if index in (FAMILIES - 1, FAMILIES - 2):
        ownership.destroy(_at(ctx, now - timedelta(days=8)), youth, own.id, f"{name} (demo)")
    sessions.log_out(ctx, youth)


def _round(
    ctx: Context,
    index: int,
    round_: int,
    moment: datetime,
    youth: Actor,
    worker: Actor,
    dossier_id: uuid.UUID,
    care: uuid.UUID,
    now: datetime,
) -> None:
    def at(days: float) -> Context:
        return _at(ctx, min(moment + timedelta(days=days), now - timedelta(hours=1)))

    report, _ = entries.write_entry(
        at(0),
        worker,
        dossier_id,
        care,
        f"Gesprek {round_ + 1}",
        "We spraken over school, thuis en wat goed gaat.",
        "report",
    )
    if (index + round_) % 4 != 3:
        entries.add_view(at(1), youth, dossier_id, report, "Zo zie ik het zelf.")
    if round_ % 2 == 1:
        entries.write_entry(
            at(2), youth, dossier_id, care, "Mijn verhaal", "Dit wil ik zelf vertellen.", "note"
        )
    if (index + round_) % 2 == 0:
        waited = 3 + (index * 7 + round_ * 11) % 40  # some answers come after four weeks
        _asked_and_answered(
            at(2),
            at(2 + waited),
            (youth, worker),
            (dossier_id, report),
            OUTCOMES[(index + round_) % len(OUTCOMES)],
            index + round_,
        )
    if round_ == 1 and index % 2 == 0:
        _plan(at(20), youth, worker, dossier_id, index)


def _evaluation_day(now: datetime, index: int) -> datetime:
    """A day in the middle month of the quarter that ended last."""
    month = periods.last_complete_quarter(now).months[1]
    return periods.start_of(month) + timedelta(days=3 + index % 10, hours=10)


def _evaluation(
    ctx: Context,
    index: int,
    youth: Actor,
    worker: Actor,
    dossier_id: uuid.UUID,
    care: uuid.UUID,
) -> None:
    """Every care worker writes an evaluation in the same month, and every young person asks for
    a correction of it, gets an answer and is asked whether she feels heard: a month with enough
    answers for the council to read their words."""
    day = ctx.now()
    report, _ = entries.write_entry(
        _at(ctx, day),
        worker,
        dossier_id,
        care,
        "Evaluatie",
        "Wat ging goed, wat kan beter.",
        "report",
    )
    _asked_and_answered(
        _at(ctx, day + timedelta(days=1)),
        _at(ctx, day + timedelta(days=2 + index % 5)),
        (youth, worker),
        (dossier_id, report),
        CorrectionStatus.DECLINED,
        index + 1,
    )


def _asked_and_answered(
    asked_at: Context,
    answered_at: Context,
    people: tuple[Actor, Actor],
    entry: tuple[uuid.UUID, uuid.UUID],
    outcome: CorrectionStatus,
    seed: int,
) -> None:
    """She asks for a correction, the care worker answers, and she is asked how that felt."""
    (youth, worker), (dossier_id, report) = people, entry
    asked = entries.request_correction(
        asked_at, youth, dossier_id, report, "Dit klopt niet helemaal."
    )
    corrected = outcome == CorrectionStatus.CORRECTED
    entries.answer_correction(
        answered_at,
        worker,
        dossier_id,
        report,
        asked.id,
        outcome,
        "Dank voor je vraag.",
        title="Gesprek" if corrected else None,
        body="We spraken over school en wat goed gaat." if corrected else None,
    )
    _check_in(_at(answered_at, answered_at.now() + timedelta(hours=2)), youth, seed)


def _plan(ctx: Context, youth: Actor, worker: Actor, dossier_id: uuid.UUID, index: int) -> None:
    day = ctx.now().date()
    draft = PlanDocument(
        strengths="Ik kan goed doorzetten.",
        goals=(
            Goal(
                uuid.uuid4(),
                "Weer elke dag naar school",
                "jongere",
                (Step(uuid.uuid4(), "Elke week een gesprek", "hulpverlener", None, day),),
            ),
        ),
        next_evaluation=day + timedelta(days=90),
    )
    number = plans.propose_plan(ctx, worker, dossier_id, draft)
    plans.mark_plan(ctx, worker, dossier_id, number, True)
    plans.mark_plan(
        ctx, youth, dossier_id, number, index % 4 == 0, "" if index % 4 == 0 else "Nog niet"
    )
    _check_in(_at(ctx, ctx.now() + timedelta(hours=3)), youth, index)


def _check_in(ctx: Context, youth: Actor, seed: int) -> None:
    """Most answer; some say "not now"."""
    try:
        if seed % 6 == 5:
            check_ins.not_now(ctx, youth)
        else:
            score = 1 + (seed * 3 + 2) % 5
            check_ins.answer(ctx, youth, score, VOICES[seed % len(VOICES)] if seed % 3 else "")
    except InvalidInput:
        pass  # asked already this month: the question does not come twice
