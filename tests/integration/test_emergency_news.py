# ruff: noqa: F811 - the fixtures `jobs` and `world` come from test_emergency
"""Emergency access in plain sight (issue 16, part 2): the owners hear at once who looks, in
which sections, until when and which officers said yes, once and without dossier content; the
requester hears that it opened or ended; the tick ends requests that waited too long; the
auditor closes each emergency access with a written verdict; reads under it are marked."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dossier.actions import Action
from dossier.days import last_day_of
from dossier.errors import AccessDenied, Conflict, InvalidInput, NotFound
from dossier.keys import load_keys
from dossier.models import AuditEvent, EmergencyApproval, Notice, User
from dossier.services import audit_views, emergency, entries, pages
from dossier.services import jobs as worker
from dossier.services.context import Context
from dossier.services.lifecycle import sweep_everywhere
from dossier.services.mail import Mail
from dossier.services.notices import NoticeKind
from tests.conftest import PASSWORD, login_actor
from tests.integration.test_emergency import CRISIS, LEAD, jobs, world  # noqa: F401
from tests.support import ADMIN, AUDITOR, GUARDIAN, YOUTH, World

REASON = "Sanne is in crisis tonight; I need her medication list."


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    sent: list[Mail] = []
    monkeypatch.setattr("dossier.services.context.send", lambda _url, mail: sent.append(mail))
    return sent


def _file(world: World, hours: int = 12) -> Any:
    return emergency.file_request(
        world.ctx,
        login_actor(world.ctx, CRISIS),
        world.dossier.id,
        [world.section("health")],
        REASON,
        hours,
    )


def _opened(world: World) -> Any:
    filed = _file(world)
    emergency.approve_request(world.ctx, login_actor(world.ctx, ADMIN), filed.id)
    return emergency.approve_request(world.ctx, login_actor(world.ctx, LEAD), filed.id)


def _notices(ctx: Context) -> list[tuple[str, str, dict[str, Any]]]:
    with ctx.reading() as db:
        return [
            (email, kind, json.loads(data))
            for email, kind, data in db.execute(
                select(User.email, Notice.kind, Notice.data)
                .join(User, User.id == Notice.user_id)
                .where(Notice.kind.like("emergency.%"))
                .order_by(User.email, Notice.kind)
            )
        ]


def test_every_owner_and_the_requester_hear_once_when_it_opens(
    world: World, outbox: list[Mail]
) -> None:
    world.write(world.youth, "health", "Medicijnen", "Elke avond 10 mg")
    filed = _file(world)
    emergency.approve_request(world.ctx, login_actor(world.ctx, ADMIN), filed.id)
    assert _notices(world.ctx) == []  # one officer's yes opens nothing, and tells nothing yet
    outbox.clear()
    opened = emergency.approve_request(world.ctx, login_actor(world.ctx, LEAD), filed.id)
    told = _notices(world.ctx)
    assert [(email, kind) for email, kind, _data in told] == [
        (CRISIS, NoticeKind.EMERGENCY_GRANTED),
        (GUARDIAN, NoticeKind.EMERGENCY_OPENED),
        (YOUTH, NoticeKind.EMERGENCY_OPENED),  # Sanne, 14, owns her dossier: she hears it too
    ]
    owners = told[1][2]
    assert owners["person"] == "Cris"
    assert owners["officers"] == ["Admin", "Lead"]
    assert owners["sections"] == [{"default": "Health"}]
    # The last day as the owners live it: an access ending after 23:00 UTC ends the next day here.
    last_day = last_day_of(opened.until) if opened.until else None
    assert last_day is not None and owners["date"] == last_day.isoformat()
    # No dossier content, and the reason stays on "Who may look?": not in a notice, not by mail.
    for _email, _kind, data in told:
        assert "medication" not in json.dumps(data) and "10 mg" not in json.dumps(data)
    assert {mail.to for mail in outbox} == {YOUTH, GUARDIAN, CRISIS}
    said = next(mail for mail in outbox if mail.to == YOUTH)
    assert "noodgeval" in said.body and "Cris" in said.body and "Admin en Lead" in said.body
    assert "medication" not in said.body and "Medicijnen" not in said.body


def test_an_owner_hears_of_it_once(world: World) -> None:
    opened = _opened(world)
    with world.ctx.unit_of_work() as db:  # telling again (a retried job, say) adds nothing
        request = db.get(emergency.EmergencyRequest, opened.id)
        grant = db.get(emergency.Grant, opened.grant_id)
        dossier = db.get(emergency.Dossier, opened.dossier_id)
        approvals = list(db.scalars(select(EmergencyApproval)))
        emergency._tell_opened(
            db, world.ctx, dossier, request, grant, opened.section_ids, approvals
        )
    kinds = [(email, kind) for email, kind, _data in _notices(world.ctx)]
    assert len(kinds) == len(set(kinds)) == 3


def test_the_tick_ends_a_request_that_waited_too_long_and_tells_the_requester(
    world: World, clock: Any, keys_dir: Path
) -> None:
    ticking = replace(world.ctx, audit_key=load_keys(keys_dir).audit_signing_key)
    filed = _file(world)
    emergency.approve_request(world.ctx, login_actor(world.ctx, ADMIN), filed.id)
    assert worker.tick(ticking)["emergencies_ended"] == 0
    clock.advance(hours=25)
    assert worker.tick(ticking)["emergencies_ended"] == 1
    assert worker.tick(ticking)["emergencies_ended"] == 0  # once
    with world.ctx.reading() as db:
        held = db.scalars(select(EmergencyApproval.share_held)).all()
    assert held == [None]  # the held share is gone
    assert [(email, kind) for email, kind, _data in _notices(world.ctx)] == [
        (CRISIS, NoticeKind.EMERGENCY_ENDED)
    ]
    mine = emergency.my_requests(world.ctx, login_actor(world.ctx, CRISIS))
    assert [r.status for r in mine] == ["expired"]


def test_the_page_form_asks_by_section_name_and_the_password_again(world: World) -> None:
    ctx = world.ctx
    crisis = login_actor(ctx, CRISIS)
    with pytest.raises(InvalidInput) as none:
        emergency.file_request(ctx, crisis, world.dossier.id, [], REASON, 12)
    assert "sections" in none.value.errors
    filed = emergency.file_request(ctx, crisis, world.dossier.id, [], REASON, 12, names=["health"])
    assert filed.section_ids == [world.section("health")]
    admin = login_actor(ctx, ADMIN)
    with pytest.raises(InvalidInput) as wrong:
        emergency.approve_request(ctx, admin, filed.id, password="not-my-password")
    assert "password" in wrong.value.errors
    assert emergency.approve_request(ctx, admin, filed.id, password=PASSWORD).approved_by


def test_an_officer_sees_what_waits_and_others_may_not(world: World) -> None:
    filed = _file(world)
    lead = login_actor(world.ctx, LEAD)
    [waiting] = emergency.waiting_for_officer(world.ctx, lead)
    assert waiting.id == filed.id and waiting.reason == REASON and waiting.requester.name == "Cris"
    with pytest.raises(AccessDenied):
        emergency.waiting_for_officer(world.ctx, login_actor(world.ctx, CRISIS))


def test_the_auditor_closes_each_emergency_access_with_a_written_verdict(world: World) -> None:
    ctx = world.ctx
    opened = _opened(world)
    auditor = login_actor(ctx, AUDITOR)
    [open_one] = emergency.review_queue(ctx, auditor)
    assert open_one.id == opened.id and open_one.reviewed_at is None
    assert open_one.officers == ["Admin", "Lead"] and open_one.reason == REASON
    with pytest.raises(InvalidInput):
        emergency.review(ctx, auditor, opened.id, "   ")
    with pytest.raises(AccessDenied):
        emergency.review(ctx, login_actor(ctx, ADMIN), opened.id, "Fine")
    with pytest.raises(AccessDenied):
        emergency.review_queue(ctx, login_actor(ctx, LEAD))
    done = emergency.review(ctx, auditor, opened.id, "A real crisis; Health only was right.")
    assert done.verdict == "A real crisis; Health only was right." and done.reviewer == "Pieter"
    with pytest.raises(Conflict):
        emergency.review(ctx, auditor, opened.id, "Again")
    with pytest.raises(NotFound):
        emergency.review(ctx, auditor, world.dossier.id, "No such request")
    with ctx.reading() as db:
        reviews = db.execute(
            select(AuditEvent.dossier_id, AuditEvent.outcome).where(
                AuditEvent.action == Action.EMERGENCY_REVIEW
            )
        ).all()
    # each review is an event in the dossier's own log; the refusals were logged as denied
    assert ("success" in {o for _d, o in reviews}) and (world.dossier.id, "success") in reviews
    assert [r.reviewed_at is not None for r in emergency.review_queue(ctx, auditor)] == [True]


def test_the_queue_puts_open_ones_on_top_newest_first(world: World, clock: Any) -> None:
    ctx = world.ctx
    auditor = login_actor(ctx, AUDITOR)
    first = _opened(world)
    emergency.review(ctx, auditor, first.id, "Right.")
    clock.advance(hours=73)  # the first access has ended: a new one may be asked
    sweep_everywhere(ctx)
    second = _opened(world)
    assert [r.id for r in emergency.review_queue(ctx, auditor)] == [second.id, first.id]


def test_owners_see_it_in_red_words_and_reads_under_it_are_marked(world: World) -> None:
    ctx = world.ctx
    note = world.write(world.youth, "health", "Medicijnen", "Elke avond 10 mg")
    opened = _opened(world)
    entries.read_entry(ctx, login_actor(ctx, CRISIS), world.dossier.id, note)
    page = pages.access_page(ctx, world.youth, world.dossier.id)
    [shown] = page.emergencies
    assert shown.reason == REASON and shown.live and shown.officers == ["Admin", "Lead"]
    assert shown.until == opened.until
    log = audit_views.timeline(ctx, world.youth, world.dossier.id, reads_only=True)
    crisis = [item for item in log.items if item.actor_name == "Cris"]
    assert crisis and all(item.emergency for item in crisis)
    assert not any(item.emergency for item in log.items if item.actor_name != "Cris")


def test_the_requester_picks_a_dossier_shared_with_her_before(world: World) -> None:
    from dossier.services import sharing

    sharing_grant = world.share(CRISIS, sections=("care",))
    sharing.revoke(world.ctx, world.youth, world.dossier.id, sharing_grant)
    [known] = emergency.known_dossiers(world.ctx, login_actor(world.ctx, CRISIS))
    assert known.dossier_id == world.dossier.id and known.subject_name == "Sanne"
