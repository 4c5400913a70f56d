"""News that reaches her: each kind of notice is made once, at its moment, names who, which
dossier and which sections, and never holds a title or a text; e-mail follows each person's choice.

Sanne (14) owns her dossier with her mother Marieke; Anne, a care worker, may contribute to Care.
Time-based notices come from the worker's tick, with the test clock moved forward.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dossier.days import last_day_of, local_day, start_of
from dossier.models import Notice
from dossier.services import entries, jobs, notices, pages, sharing
from dossier.services.context import Context
from dossier.services.mail import Mail
from dossier.services.notices import SUBJECTS, NoticeKind, Topic
from tests.conftest import login_actor
from tests.support import CARE_WORKER, GUARDIAN, YOUTH, person, years_ago, youth_world

TITLE, BODY = "Plan voor school", "Sanne gaat weer naar school op maandag"
VIEW = "Ik wil liever op dinsdag beginnen"
REASON, ANSWER = "Het is dinsdag, niet maandag", "Klopt, aangepast"
SECRETS = (TITLE, BODY, VIEW, REASON, ANSWER, "dinsdag", "maandag")


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    sent: list[Mail] = []
    monkeypatch.setattr("dossier.services.context.send", lambda _url, mail: sent.append(mail))
    return sent


def rows(ctx: Context, email: str | None = None) -> list[Notice]:
    with ctx.unit_of_work() as db:
        query = select(Notice).order_by(Notice.created_at)
        if email is not None:
            query = query.where(Notice.user_id == login_actor(ctx, email).user_id)
        return list(db.scalars(query))


def kinds(ctx: Context, email: str) -> list[str]:
    return [n.kind for n in rows(ctx, email)]


def no_content(ctx: Context, outbox: list[Mail]) -> None:
    stored = " ".join(f"{n.kind} {n.data} {n.event_key}" for n in rows(ctx))
    mailed = " ".join(f"{m.subject} {m.body}" for m in outbox)
    for secret in SECRETS:
        assert secret not in stored
        assert secret not in mailed


@pytest.fixture
def world(ctx: Context):
    world = youth_world(ctx)
    world.staff()
    anne = world.care_worker()
    world.share(CARE_WORKER, "contribute")
    return world, anne


def test_an_entry_a_view_and_an_answer_each_tell_whom_it_concerns_once(
    ctx: Context, world: Any, outbox: list[Mail]
) -> None:
    world, anne = world
    before = {email: len(rows(ctx, email)) for email in (YOUTH, GUARDIAN, CARE_WORKER)}
    plan = world.write(anne, "care", TITLE, BODY, "plan")
    # Sanne and her mother hear of it; the author does not hear of her own entry
    for email in (YOUTH, GUARDIAN):
        [new] = rows(ctx, email)[before[email] :]
        assert new.kind == NoticeKind.ENTRY_NEW
        data = json.loads(new.data)
        assert data["person"] == "Anne" and data["sections"] == [{"default": "Care"}]
        assert data["variant"] == "plan" and data["entry"] == str(plan)
        assert new.dossier_id == world.dossier.id
    assert len(rows(ctx, CARE_WORKER)) == before[CARE_WORKER]

    entries.add_view(ctx, world.youth, world.dossier.id, plan, VIEW)
    assert kinds(ctx, CARE_WORKER)[-1] == NoticeKind.VIEW_NEW  # Anne hears Sanne's view
    assert kinds(ctx, GUARDIAN)[-1] == NoticeKind.VIEW_NEW
    assert kinds(ctx, YOUTH)[-1] == NoticeKind.ENTRY_NEW  # not of her own view

    asked = entries.request_correction(ctx, world.youth, world.dossier.id, plan, REASON)
    entries.answer_correction(
        ctx, anne, world.dossier.id, plan, asked.id, "corrected", ANSWER, body="Nieuwe tekst"
    )
    [answered] = [n for n in rows(ctx, YOUTH) if n.kind == NoticeKind.CORRECTION_ANSWERED]
    assert json.loads(answered.data)["variant"] == "corrected"
    assert json.loads(answered.data)["person"] == "Anne"
    assert NoticeKind.CORRECTION_ANSWERED not in kinds(ctx, GUARDIAN)  # she did not ask
    # a new version by the correction is no new entry
    assert kinds(ctx, YOUTH).count(NoticeKind.ENTRY_NEW) == 1
    no_content(ctx, outbox)
    assert any(m.to == YOUTH and "Anne" in m.body and "/start" in m.body for m in outbox)


def test_a_write_that_fails_tells_nobody(ctx: Context, world: Any) -> None:
    world, anne = world
    before = len(rows(ctx))
    with pytest.raises(Exception):  # noqa: B017 - any refusal: the point is what stays behind
        entries.write_entry(ctx, anne, world.dossier.id, world.section("school"), "T", "B", "note")
    assert len(rows(ctx)) == before


def test_a_sharing_of_several_sections_is_one_notice_naming_them_all(
    ctx: Context, outbox: list[Mail]
) -> None:
    world = youth_world(ctx)
    world.staff()
    world.care_worker()
    world.share(CARE_WORKER, "read", ("care", "school", "family"))
    assert kinds(ctx, CARE_WORKER) == [NoticeKind.GRANT_ACTIVE]
    [shared] = rows(ctx, CARE_WORKER)
    data = json.loads(shared.data)
    assert data["person"] == "Sanne"
    assert {s["default"] for s in data["sections"]} == {"Care", "School", "Family"}
    # Sanne hears that her mother said yes, by name
    [approved] = [n for n in rows(ctx, YOUTH) if n.kind == NoticeKind.GRANT_APPROVED]
    assert json.loads(approved.data)["person"] == "Marieke"
    assert json.loads(approved.data)["grantee"] == "Anne"
    [mail] = [m for m in outbox if m.to == CARE_WORKER and m.subject == SUBJECTS[shared.kind]]
    assert "Sanne deelde" in mail.body and "Hulp" in mail.body  # in Dutch, the app's section name


def test_a_section_named_by_its_owner_stays_sealed_in_the_notice(ctx: Context) -> None:
    from dossier.services import dossiers

    world = youth_world(ctx, age=17)
    world.staff()
    world.care_worker()
    section = dossiers.add_section(ctx, world.youth, world.dossier.id, "Mijn geheime plek")
    assert section.name == "Mijn geheime plek"
    sharing.share(
        ctx,
        world.youth,
        world.dossier.id,
        grantee_email=CARE_WORKER,
        section_ids=[section.id],
        permission="read",
    )
    [shared] = rows(ctx, CARE_WORKER)
    assert "geheime" not in shared.data
    assert json.loads(shared.data)["sections"] == [{"id": str(section.id)}]
    # the page that opened the dossier names it for whoever may read it
    anne = login_actor(ctx, CARE_WORKER)
    page = pages.start_page(ctx, anne)
    [summary] = page.dossiers
    line = notices.line(
        shared.kind,
        json.loads(shared.data),
        lambda text: text,
        str,
        summary.subject_name,
        {str(s.id): s.name for s in summary.sections},
    )
    assert line == "Sanne shared Mijn geheime plek with you."


def test_a_parents_no_on_an_approve_only_request_reaches_her(
    ctx: Context, outbox: list[Mail]
) -> None:
    from dossier.services import approvals
    from tests.integration.test_approvers import alone, ask_mother, share_care

    world = alone(ctx)
    grant_id = share_care(world)
    mother = ask_mother(world, outbox)
    approvals.decide(ctx, mother, grant_id, yes=False)
    [refused] = [n for n in rows(ctx, YOUTH) if n.kind == NoticeKind.GRANT_REFUSED]
    assert json.loads(refused.data)["person"] == "Ilse"
    assert kinds(ctx, CARE_WORKER)[-1] == NoticeKind.GRANT_ENDED
    mail = [m for m in outbox if m.to == YOUTH][-1]
    assert "Ilse zei nee" in mail.body, mail.body


def test_a_parents_yes_on_an_approve_only_request_reaches_her(
    ctx: Context, outbox: list[Mail]
) -> None:
    from dossier.services import approvals
    from tests.integration.test_approvers import MOTHER, alone, ask_mother, share_care

    world = alone(ctx)
    mother = ask_mother(world, outbox)
    grant_id = share_care(world)  # made after she joined: it waits for her, and she hears so
    [waiting] = [n for n in rows(ctx, MOTHER) if n.kind == NoticeKind.GRANT_WAITING]
    assert waiting.dossier_id is None  # she cannot open it: the notice names no dossier
    assert json.loads(waiting.data)["grantee"] == "Anne"
    approvals.decide(ctx, mother, grant_id, yes=True)
    [approved] = [n for n in rows(ctx, YOUTH) if n.kind == NoticeKind.GRANT_APPROVED]
    assert json.loads(approved.data)["person"] == "Ilse"
    assert kinds(ctx, CARE_WORKER) == [NoticeKind.GRANT_ACTIVE]


def test_the_tick_tells_of_an_end_a_week_ahead_once(
    keyed: Context, clock: Any, outbox: list[Mail]
) -> None:
    ctx = keyed
    world = youth_world(ctx, age=17)
    world.staff()
    world.care_worker()
    world.share(CARE_WORKER, "read", expires_at=ctx.now() + timedelta(days=10))
    assert jobs.tick(ctx)["notices"] == 0  # ten days ahead: not yet
    clock.advance(days=4)  # the end is six days away
    assert jobs.tick(ctx)["notices"] == 2  # Anne and Sanne
    assert jobs.tick(ctx)["notices"] == 0  # never twice
    clock.advance(days=1)
    assert jobs.tick(ctx)["notices"] == 0
    [ending] = rows(ctx, CARE_WORKER)[-1:]
    assert ending.kind == NoticeKind.GRANT_ENDING
    assert json.loads(ending.data)["date"] == last_day_of(ctx.now() + timedelta(days=5)).isoformat()
    assert kinds(ctx, YOUTH)[-1] == NoticeKind.SHARING_ENDING
    clock.advance(days=6)
    jobs.tick(ctx)  # the end itself: Anne hears that it ended, once
    assert kinds(ctx, CARE_WORKER).count(NoticeKind.GRANT_ENDED) == 1
    no_content(ctx, outbox)


def test_an_end_just_after_dutch_midnight_is_told_as_that_dutch_day(
    keyed: Context, clock: Any
) -> None:
    """Half past midnight in Amsterdam is still the evening before in UTC: the notice names the
    day the sharing really runs to, as the person reading it counts days."""
    ctx = keyed
    world = youth_world(ctx, age=17)
    world.staff()
    world.care_worker()
    last_day = local_day(ctx.now()) + timedelta(days=6)
    end = start_of(last_day) + timedelta(minutes=30)
    assert end.date() != last_day  # the UTC date alone would name the day before
    world.share(CARE_WORKER, "read", expires_at=end)
    assert jobs.tick(ctx)["notices"] == 2
    [ending] = rows(ctx, CARE_WORKER)[-1:]
    assert ending.kind == NoticeKind.GRANT_ENDING
    assert json.loads(ending.data)["date"] == last_day.isoformat()
    [owners_news] = [n for n in rows(ctx, YOUTH) if n.kind == NoticeKind.SHARING_ENDING]
    assert json.loads(owners_news.data)["date"] == last_day.isoformat()


def test_the_tick_tells_of_a_first_look_once(keyed: Context, clock: Any) -> None:
    ctx = keyed
    world = youth_world(ctx)
    world.staff()
    anne = world.care_worker()
    world.share(CARE_WORKER, "read")
    jobs.tick(ctx)
    assert NoticeKind.LOOKED_FIRST not in kinds(ctx, YOUTH)  # seeing it in her list is no look
    pages.dossier_page(ctx, anne, world.dossier.id, entries.Filters())
    assert jobs.tick(ctx)["notices"] == 2  # Sanne and her mother
    [looked] = [n for n in rows(ctx, YOUTH) if n.kind == NoticeKind.LOOKED_FIRST]
    assert json.loads(looked.data)["person"] == "Anne"
    pages.dossier_page(ctx, anne, world.dossier.id, entries.Filters())
    clock.advance(days=3)  # her first look is now out of the window: she is nobody new
    pages.dossier_page(ctx, anne, world.dossier.id, entries.Filters())
    assert jobs.tick(ctx)["notices"] == 0
    assert kinds(ctx, YOUTH).count(NoticeKind.LOOKED_FIRST) == 1


@pytest.mark.parametrize("alone", [False, True])
def test_a_12th_birthday_a_month_ahead_tells_her_parent_what_changes(
    keyed: Context, clock: Any, alone: bool
) -> None:
    from dossier.services import dossiers

    ctx = replace(keyed, settings=keyed.settings.with_overrides(youth_alone_12_15=alone))
    # Daan turns 12 in 40 days; his mother owns his dossier (he has no account before 12)
    mother = person(ctx, GUARDIAN, "parent")
    dossiers.create_dossier(ctx, mother, "Daan", years_ago(ctx, 12, days=-40), for_self=False)
    assert jobs.tick(ctx)["notices"] == 0  # 40 days ahead: not yet
    clock.advance(days=10)
    assert jobs.tick(ctx)["notices"] == 1
    assert jobs.tick(ctx)["notices"] == 0
    [told] = rows(ctx, GUARDIAN)
    said = notices.line(told.kind, json.loads(told.data), lambda t: t, str, "Daan")
    assert said.startswith("Daan turns 12 on")
    if alone:
        assert "your child decides alone who may look" in said
    else:
        assert "both say yes before someone new may look" in said
        assert "may also stop a sharing alone" in said


def test_a_16th_birthday_a_month_ahead_tells_her_and_her_parent_what_changes(
    keyed: Context, clock: Any, outbox: list[Mail]
) -> None:
    ctx = keyed
    # Sanne turns 16 in 40 days; her mother owns her dossier with her
    world = youth_world(ctx, age=15)
    with ctx.unit_of_work() as db:
        from dossier.models import Dossier

        dossier = db.get(Dossier, world.dossier.id)
        assert dossier is not None
        dossier.subject_birth_date = years_ago(ctx, 16, days=-40)
    assert jobs.tick(ctx)["notices"] == 0
    clock.advance(days=10)
    assert jobs.tick(ctx)["notices"] == 2
    assert jobs.tick(ctx)["notices"] == 0
    [hers] = rows(ctx, YOUTH)[-1:]
    [mothers] = rows(ctx, GUARDIAN)[-1:]
    hers_said = notices.line(hers.kind, json.loads(hers.data), lambda t: t, str, "Sanne")
    mothers_said = notices.line(mothers.kind, json.loads(mothers.data), lambda t: t, str, "Sanne")
    assert hers_said.startswith("You turn 16 on")
    assert "you alone decide" in hers_said and "no longer an owner" in hers_said
    assert mothers_said.startswith("Sanne turns 16 on") and "no longer an owner" in mothers_said
    [mail] = [m for m in outbox if m.to == YOUTH and "16" in m.subject]
    assert "Je wordt 16" in mail.body or "16" in mail.body


def test_e_mail_follows_each_persons_choice(ctx: Context, world: Any, outbox: list[Mail]) -> None:
    world, anne = world
    chosen = notices.choose_mail_topics(ctx, world.youth, [Topic.SHARING, "nonsense"])
    assert chosen == {Topic.SHARING}
    assert notices.mail_topics(ctx, world.youth) == {Topic.SHARING}
    outbox.clear()
    world.write(anne, "care", TITLE, BODY)
    assert [m.to for m in outbox] == [GUARDIAN]  # her mother did not choose
    assert kinds(ctx, YOUTH)[-1] == NoticeKind.ENTRY_NEW  # the start page still has it
    notices.choose_mail_topics(ctx, world.youth, [])
    sharing.revoke(ctx, world.youth, world.dossier.id, world_grant(ctx, anne))
    assert YOUTH not in [m.to for m in outbox]
    assert CARE_WORKER in [m.to for m in outbox]


def world_grant(ctx: Context, anne: Any) -> Any:
    from dossier.models import Grant

    with ctx.unit_of_work() as db:
        return db.scalar(select(Grant.id).where(Grant.grantee_id == anne.user_id))


def test_the_start_page_shows_news_newest_first_and_seeing_it_counts_it_read(
    ctx: Context, world: Any
) -> None:
    world, anne = world
    world.write(anne, "care", TITLE, BODY)
    world.write(anne, "care", "Tweede", "Nog een", "plan")
    youth = login_actor(ctx, YOUTH)
    assert youth.unread >= 2
    page = pages.start_page(ctx, youth)
    assert [n.data.get("variant") for n in page.notices[:2]] == ["plan", None]
    assert not page.notices[0].read
    assert login_actor(ctx, YOUTH).unread == 0
    assert all(n.read for n in pages.start_page(ctx, youth).notices)
