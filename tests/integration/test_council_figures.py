"""The client council's figures, counted on a small fixed history whose every number is known."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from dossier import crypto, keys
from dossier.actions import Action
from dossier.audit import GENESIS_HASH, Event, Origin, Outcome, append
from dossier.errors import AccessDenied, InvalidInput
from dossier.models import AuditChainHead, AuditEvent, CheckIn, Role
from dossier.services import accounts, check_ins, council, plans
from dossier.services.context import Context
from dossier.services.council import counting
from dossier.services.council.disclosure import WITHHELD, Shown
from dossier.services.council.measures import Measure
from dossier.services.council.periods import Month, Period
from tests.conftest import PASSWORD, login_actor
from tests.integration.test_plans import _draft
from tests.support import person

JULY, AUGUST, SEPTEMBER, JUNE = (Month(2026, m) for m in (7, 8, 9, 6))
Q3 = Period.quarter(2026, 3)
NOORD, WEST = "Wijkteam Noord", "Jeugdzorg West"


def at(month: Month, day: int, hour: int = 12) -> datetime:
    return datetime(month.year, month.number, day, hour, tzinfo=UTC)


class History:
    """Events written straight into the log, as the use cases would have written them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.dossiers = [uuid.uuid4() for _ in range(14)]
        with ctx.unit_of_work() as db:
            for dossier_id in self.dossiers:
                db.add(
                    AuditChainHead(
                        chain=f"dossier:{dossier_id}",
                        dossier_id=dossier_id,
                        seq=0,
                        hash=GENESIS_HASH,
                    )
                )

    def add(
        self,
        when: datetime,
        action: Action,
        role: str,
        dossier: int,
        actor: uuid.UUID | None = None,
        outcome: Outcome = Outcome.SUCCESS,
        **fields: Any,
    ) -> None:
        with self.ctx.unit_of_work() as db:
            append(
                db,
                Event(
                    action=action,
                    outcome=outcome,
                    actor_id=actor or uuid.uuid4(),
                    actor_role=role,
                    dossier_id=self.dossiers[dossier],
                    **fields,
                ),
                Origin(),
                when,
            )


@pytest.fixture
def history(ctx: Context) -> dict[str, Any]:
    accounts.create_staff(ctx, accounts.NewAccount("admin@example.nl", PASSWORD, "Admin", "admin"))
    admin = login_actor(ctx, "admin@example.nl")
    checked = []
    for number in range(6):  # three checked care workers in each organisation
        pro = person(
            ctx,
            f"pro{number}@example.nl",
            "professional",
            organisation=(NOORD, WEST)[number % 2],
            registration_number=f"SKJ 10000000{number}",
        )
        accounts.verify_professional(ctx, admin, pro.user_id)
        checked.append(pro)
    noord, west = checked[0], checked[1]
    person(
        ctx,
        "alone@example.nl",
        "professional",
        organisation="Eenmanszaak",  # one person: never named to the council
        registration_number="SKJ 100000009",
    )
    h = History(ctx)
    # Own words: a view in each of 11 dossiers in July (two in the first), entries in 3 in August.
    for d in range(11):
        h.add(at(JULY, 3 + d), Action.PERSPECTIVE_CREATE, Role.YOUTH, d)
    h.add(at(JULY, 20), Action.PERSPECTIVE_CREATE, Role.PARENT, 0)
    for d in range(3):
        h.add(at(AUGUST, 5), Action.ENTRY_CREATE, Role.YOUTH, d)
    h.add(at(JUNE, 5), Action.PERSPECTIVE_CREATE, Role.YOUTH, 12)  # before the quarter
    h.add(at(JULY, 6), Action.PERSPECTIVE_CREATE, Role.YOUTH, 13, outcome=Outcome.DENIED)
    # Care professionals write: Noord 20 entries in July, West 4 in August.
    for i in range(20):
        h.add(at(JULY, 1 + i), Action.ENTRY_CREATE, Role.PROFESSIONAL, i % 10, noord.user_id)
    for i in range(4):
        h.add(at(AUGUST, 1 + i), Action.ENTRY_CREATE, Role.PROFESSIONAL, i, west.user_id)
    # Twelve requests for a correction on 1 July; Noord answers ten, West one; one stays open.
    for c in range(12):
        h.add(
            at(JULY, 1),
            Action.CORRECTION_CREATE,
            Role.YOUTH,
            c,
            object_type="correction",
            object_id=f"c{c}",
            reason="correction",
        )
    for c in range(7):  # after 9 days: corrected
        h.add(
            at(JULY, 10),
            Action.CORRECTION_ANSWER,
            Role.PROFESSIONAL,
            c,
            noord.user_id,
            object_type="correction",
            object_id=f"c{c}",
            reason="corrected",
        )
    for c in range(7, 10):  # after 41 days: not changed
        h.add(
            at(AUGUST, 11),
            Action.CORRECTION_ANSWER,
            Role.PROFESSIONAL,
            c,
            noord.user_id,
            object_type="correction",
            object_id=f"c{c}",
            reason="declined",
        )
    h.add(
        at(JULY, 3),
        Action.CORRECTION_ANSWER,
        Role.PROFESSIONAL,
        10,
        west.user_id,
        object_type="correction",
        object_id="c10",
        reason="removed",
    )
    # Sharing and looking without asking.
    for d in range(5):
        h.add(at(SEPTEMBER, 2), Action.GRANT_CREATE, Role.YOUTH, d)
    for d in range(2):
        h.add(at(SEPTEMBER, 9), Action.GRANT_REVOKE, Role.YOUTH, d)
    h.add(at(AUGUST, 20), Action.EMERGENCY_OPEN, Role.ADMIN, 4)
    h.add(at(AUGUST, 21), Action.LEGAL_OPEN, Role.ADMIN, 5)
    h.add(at(AUGUST, 22), Action.PASSAGE_WITHHOLD, Role.PROFESSIONAL, 5, noord.user_id)
    h.add(at(AUGUST, 22), Action.PASSAGE_WITHHOLD, Role.PROFESSIONAL, 6, noord.user_id)
    h.add(at(AUGUST, 25), Action.PASSAGE_OBJECT, Role.PARENT, 5)
    # The law's clocks: one dossier destroyed 80 days after the request, one the same day
    # (nobody else had to agree), one 120 days after; three copies downloaded.
    h.add(datetime(2026, 5, 1, 12, tzinfo=UTC), Action.DOSSIER_DESTROY_REQUEST, Role.YOUTH, 11)
    h.add(
        datetime(2026, 5, 1, 12, tzinfo=UTC) + timedelta(days=80),
        Action.DOSSIER_DESTROY,
        Role.YOUTH,
        11,
    )
    h.add(at(AUGUST, 30), Action.DOSSIER_DESTROY, Role.YOUTH, 12)
    h.add(datetime(2026, 4, 1, 12, tzinfo=UTC), Action.DOSSIER_DESTROY_REQUEST, Role.PARENT, 13)
    h.add(
        datetime(2026, 4, 1, 12, tzinfo=UTC) + timedelta(days=120),
        Action.DOSSIER_DESTROY,
        Role.PARENT,
        13,
    )
    for d in range(3):
        h.add(at(SEPTEMBER, 15), Action.DOSSIER_EXPORT, Role.YOUTH, d)
    # A request on 15 April that nobody carried out by 15 July, one withdrawn in time.
    h.add(datetime(2026, 4, 15, 12, tzinfo=UTC), Action.DOSSIER_DESTROY_REQUEST, Role.YOUTH, 10)
    h.add(datetime(2026, 4, 20, 12, tzinfo=UTC), Action.DOSSIER_DESTROY_REQUEST, Role.YOUTH, 9)
    h.add(datetime(2026, 5, 2, 12, tzinfo=UTC), Action.OWNERSHIP_CANCEL, Role.YOUTH, 9,
          object_type="change", reason="destroy")  # fmt: skip
    # "Do you feel heard?": three in July, eleven in August, two of them with a comment.
    with ctx.unit_of_work() as db:
        for score in (2, 3, 4):
            db.add(CheckIn(month=JULY.first_day, role="youth", moment="plan", score=score))
        for score in (5, 5, 4, 4, 4, 3, 3, 2, 1, 5, 4):
            db.add(CheckIn(month=AUGUST.first_day, role="parent", moment="correction", score=score))
        db.add(
            CheckIn(
                month=AUGUST.first_day,
                role="youth",
                moment="plan",
                score=5,
                comment="Ze luisterden echt",
            )
        )
        db.add(
            CheckIn(
                month=SEPTEMBER.first_day,
                role="youth",
                moment="plan",
                score=1,
                comment="Niemand vroeg wat ik wilde",
            )
        )
    accounts.create_staff(ctx, accounts.NewAccount("raad@example.nl", PASSWORD, "Raad", "council"))
    return {"ctx": ctx, "member": login_actor(ctx, "raad@example.nl")}


def _tally(ctx: Context) -> counting.Tally:
    with ctx.unit_of_work() as db:
        return counting.tally(db, [JUNE, JULY, AUGUST, SEPTEMBER], [Q3.months])


def test_every_count_of_the_quarter_is_exact(history: dict[str, Any]) -> None:
    tally = _tally(history["ctx"])
    q3 = Q3.months
    expected = {
        Measure.FAMILY_VIEWS: 12,
        Measure.FAMILY_ENTRIES: 3,
        Measure.PROFESSIONAL_ENTRIES: 24,
        Measure.CORRECTIONS_REQUESTED: 12,
        Measure.CORRECTIONS_ANSWERED: 11,
        Measure.CORRECTIONS_IN_TIME: 8,
        Measure.CORRECTED: 7,
        Measure.REMOVED: 1,
        Measure.DECLINED: 3,
        Measure.SHARES_MADE: 5,
        Measure.SHARES_STOPPED: 2,
        Measure.EMERGENCY: 1,
        Measure.LEGAL: 1,
        Measure.WITHHELD: 2,
        Measure.OBJECTIONS: 1,
        Measure.DESTRUCTION_REQUESTS: 1,  # the one destroyed at once
        Measure.DESTROYED: 3,
        Measure.DESTROYED_IN_TIME: 2,
        Measure.DESTRUCTION_LATE: 2,  # 15 April's, and 1 April's (destroyed 30 July)
        Measure.COPIES: 3,
        Measure.CHECK_INS: 16,
        Measure.PLANS_PROPOSED: 0,
        Measure.PLANS_YOUTH_AGREES: 0,
    }
    assert {m: tally.count(m, q3) for m in expected} == expected
    assert tally.own_words[q3] == 11  # distinct dossiers: the three in August wrote in July too
    assert [tally.count(Measure.OWN_WORDS_DOSSIERS, [m]) for m in (JUNE, JULY, AUGUST)] == [
        1,
        11,
        3,
    ]
    assert tally.count(Measure.CORRECTIONS_ANSWERED, q3, NOORD) == 10
    assert tally.count(Measure.CORRECTIONS_IN_TIME, q3, NOORD) == 7
    assert tally.count(Measure.DECLINED, q3, WEST) == 0
    assert tally.count(Measure.REMOVED, q3, WEST) == 1
    assert tally.count(Measure.PROFESSIONAL_ENTRIES, q3, WEST) == 4
    assert sorted(tally.answer_days[(JULY, None)]) == [2.0] + [9.0] * 7
    assert tally.answer_days[(AUGUST, NOORD)] == [41.0] * 3
    assert tally.organisations == [WEST, NOORD]


def test_the_page_shows_only_what_names_nobody(history: dict[str, Any]) -> None:
    page = council.figures_page(history["ctx"], history["member"], "2026-Q3")
    figures = {f.code: f for block in page.topics for f in block.figures}
    assert figures["own_words_dossiers"].count == Shown(10)  # 11, rounded to 10
    assert figures["family_views"].count == Shown(10)  # 12
    assert figures["professional_entries"].count == Shown(20)  # 24
    assert figures["views_per_100"].number == 50  # 10 of 20, from the rounded figures
    assert figures["corrections_answered"].count == Shown(10)  # 11
    assert figures["corrections_in_time"].count == Shown(None)  # 8
    assert figures["in_time_share"].number is None  # a hidden part gives no share
    assert figures["median_days"].number == 9.0  # eleven answers: 2, seven of 9, three of 41
    assert figures["declined"].count == Shown(None) and figures["shares_made"].count == Shown(None)
    assert figures["emergency"].count == Shown(None) and figures["legal"].count == Shown(None)
    # 16 answers, each score "fewer than 10": beside five such parts no total is safe to show.
    assert figures["check_ins"].count == WITHHELD
    assert figures["shares_stopped"].count == Shown(None)
    assert page.feeling is not None
    assert page.feeling.mean == 3.4  # 54 / 16
    assert page.feeling.answers == WITHHELD
    assert page.feeling.scores[4] == Shown(None) and page.feeling.scores[5] == Shown(None)
    # Only August had ten answers: September's one comment would name its writer's month.
    assert page.feeling.comments == [(AUGUST, "Ze luisterden echt")]
    participation = next(b for b in page.topics if b.topic == "participation")
    assert participation.chart is not None
    months = participation.chart.months
    assert months[-1] == SEPTEMBER and len(months) == 12
    own = participation.chart.series[0].values
    assert own[months.index(JULY)] == Shown(10) and own[months.index(AUGUST)] == Shown(None)
    assert own[months.index(JUNE)] == Shown(None) and own[months.index(SEPTEMBER)] == Shown(0)


def test_comments_wait_for_ten_answers(history: dict[str, Any]) -> None:
    july = council.figures_page(history["ctx"], history["member"], "2026-07")
    assert july.feeling is not None
    assert july.feeling.answers == Shown(None) and july.feeling.mean is None
    september = council.figures_page(history["ctx"], history["member"], "2026-09")
    assert september.feeling is not None and september.feeling.comments == []


def test_per_organisation_only_what_its_professionals_did(history: dict[str, Any]) -> None:
    page = council.figures_page(history["ctx"], history["member"], "2026-Q3", NOORD)
    assert page.organisation == NOORD and page.feeling is None
    figures = {f.code: f for block in page.topics for f in block.figures}
    assert set(figures) == {
        "professional_entries",
        "corrections_answered",
        "corrections_in_time",
        "corrected",
        "removed",
        "declined",
        "withheld",
        "in_time_share",
        "median_days",
    }
    assert figures["professional_entries"].count == Shown(20)
    assert figures["corrections_answered"].count == Shown(10)
    assert figures["median_days"].number == 9.0
    report = council.quarterly_report(history["ctx"], history["member"], "2026-Q3")
    assert [block.name for block in report.by_organisation] == [WEST, NOORD]
    unknown = council.figures_page(history["ctx"], history["member"], "2026-Q3", "Nergens")
    assert unknown.organisation is None


def test_each_read_is_one_event_that_names_no_one(history: dict[str, Any]) -> None:
    ctx, member = history["ctx"], history["member"]
    council.figures_page(ctx, member, "2026-Q3", NOORD)
    council.quarterly_report(ctx, member, "2026-Q3")
    with ctx.unit_of_work() as db:
        events = db.execute(
            select(
                AuditEvent.action, AuditEvent.dossier_id, AuditEvent.object_id, AuditEvent.reason
            )
            .where(AuditEvent.actor_id == member.user_id, AuditEvent.action.like("council.%"))
            .order_by(AuditEvent.at, AuditEvent.seq)
        ).all()
    assert [tuple(e) for e in events] == [
        ("council.figures", None, "2026-Q3", NOORD),
        ("council.report", None, "2026-Q3", None),
    ]


def test_nobody_else_reads_the_figures(history: dict[str, Any]) -> None:
    ctx = history["ctx"]
    auditor = person(ctx, "lid@example.nl", "parent")
    with pytest.raises(AccessDenied):
        council.figures_page(ctx, auditor, "2026-Q3")
    with ctx.unit_of_work() as db:
        refused = db.scalar(
            select(func.count()).where(
                AuditEvent.action == Action.COUNCIL_FIGURES, AuditEvent.outcome == Outcome.DENIED
            )
        )
    assert refused == 1
    for code in ("2026-13", "9999-12", "0001-01", "2026-Q5", "Q3", f"{ctx.now().year}-Q4"):
        with pytest.raises(InvalidInput) as bad:  # nonsense, and a quarter still running
            council.figures_page(ctx, history["member"], code)
        assert "period" in bad.value.errors, code


def test_no_key_is_opened_and_nothing_sealed_is_read(
    history: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the council's figures called the crypto layer")

    for name in dir(crypto):
        if callable(getattr(crypto, name)) and not name.startswith("_") and name[0].islower():
            monkeypatch.setattr(crypto, name, refuse)
    for name in ("get", "get_or_create", "destroy"):  # nor a dossier's secret
        monkeypatch.setattr(keys.DossierSecrets, name, refuse)
    page = council.quarterly_report(history["ctx"], history["member"], "2026-Q3")
    assert page.topics and page.feeling is not None


def test_a_plan_and_an_answer_bring_the_question_once_a_month(
    shared_world: dict[str, Any], clock: Any
) -> None:
    w = shared_world
    ctx, sanne, marieke, anne, dossier = w["ctx"], w["sanne"], w["marieke"], w["anne"], w["dossier"]

    def question(actor: Any) -> check_ins.Question | None:
        with ctx.unit_of_work() as db:
            return check_ins.due(db, ctx, actor)

    assert question(sanne) is None  # nothing happened yet
    plans.propose_plan(ctx, anne, dossier, _draft(ctx, sanne.user_id))
    for who in (anne, marieke, sanne):
        plans.mark_plan(ctx, who, dossier, 1, True)
    assert question(sanne) == check_ins.Question("plan")
    assert question(anne) is None  # care professionals are not asked
    with pytest.raises(InvalidInput) as bad:
        check_ins.answer(ctx, sanne, 7, "")
    assert "score" in bad.value.errors
    check_ins.answer(ctx, sanne, 4, "  Ze  luisterden ")
    assert question(sanne) is None
    with pytest.raises(InvalidInput):
        check_ins.answer(ctx, sanne, 4, "")  # once a month
    check_ins.not_now(ctx, marieke)
    assert question(marieke) is None
    with ctx.unit_of_work() as db:
        rows = db.execute(
            select(CheckIn.month, CheckIn.role, CheckIn.moment, CheckIn.score, CheckIn.comment)
        ).all()
    today = ctx.now().date()
    assert [tuple(r) for r in rows] == [
        (date(today.year, today.month, 1), "youth", "plan", 4, "Ze luisterden")
    ]
    with ctx.unit_of_work() as db:
        months = Month.of(today)
        tally = counting.tally(db, [months], [])
    assert tally.count(Measure.PLANS_YOUTH_AGREES, [months]) == 1
    assert tally.count(Measure.PLANS_PROPOSED, [months]) == 1
    clock.advance(days=40)  # a new month, but the plan is no longer new
    assert question(sanne) is None


def test_the_page_and_the_report_render(history: dict[str, Any], client: Any) -> None:
    from tests.support import post_form

    response = post_form(client, "/login", {"email": "raad@example.nl", "password": PASSWORD})
    assert response.status_code in (200, 302)
    page = client.get("/council?period=2026-Q3")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "<svg" in html and "<script" not in html.split("<main", 1)[-1]
    assert "minder dan 10" in html
    footer = html[html.index('<footer class="site-footer">') :]
    assert "Je dossier is van jou" not in footer  # not her dossier: no promise to her
    assert "Hier is elk dossier van de jongere en de ouders." in footer
    pdf = client.get("/council/report.pdf?period=2026-Q3")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
