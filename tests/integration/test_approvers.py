"""A parent or guardian asked to approve only: how a youth of 12 to 15 starts on her own.

Sanne (14) made her dossier alone: no guardian owns it. She shares Care with Anne, a care worker;
the consent rules want a guardian's yes too, so she asks her mother Ilse, by address, to approve
only. Ilse sees who, which sections, how long and the message, says yes or no, and never reads
the dossier. Her yes counts exactly like a guardian owner's.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from dossier.actions import Action
from dossier.errors import AccessDenied, Conflict, InvalidInput, NotFound
from dossier.models import (
    AuditEvent,
    GrantApproval,
    GrantHold,
    GrantRelease,
    HeldKey,
    SealedKey,
)
from dossier.services import approvals, dossiers, entries, lifecycle, pages, sharing
from dossier.services.context import Context
from dossier.services.entries import Filters
from dossier.services.mail import Mail
from tests.conftest import login_actor
from tests.support import CARE_WORKER, GUARDIAN, World, person, years_ago, youth_world

MOTHER = "ilse@example.nl"
CODE = re.compile(r"code=([A-Z2-7]{4}(?:-[A-Z2-7]{2,4}){6})")


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    sent: list[Mail] = []
    monkeypatch.setattr("dossier.services.context.send", lambda _url, mail: sent.append(mail))
    return sent


def link(code: str) -> str:
    return f"http://eigen.example/join?code={code}"


def alone(ctx: Context, age: int = 14) -> World:
    """Sanne at `age` with her own dossier and no guardian in it; staff and Anne besides."""
    youth = person(ctx, "sanne@example.nl", "youth", "Sanne", birth_date=years_ago(ctx, age))
    dossier = dossiers.create_dossier(ctx, youth, "Sanne", None, for_self=True)
    world = World(ctx, youth, None, dossier)
    world.staff()
    world.care_worker()
    return world


def share_care(world: World, message: str | None = "Anne helpt mij met school.") -> uuid.UUID:
    shared = sharing.share(
        world.ctx,
        world.youth,
        world.dossier.id,
        grantee_email=CARE_WORKER,
        section_ids=[world.section("care"), world.section("school")],
        permission="read",
        expires_at=world.ctx.now() + timedelta(days=30),
        message=message,
    )
    assert shared.status == "pending"
    return shared.grant_id


def ask_mother(world: World, outbox: list[Mail], email: str = MOTHER) -> Any:
    """Sanne asks; Ilse registers and uses the code from her mail. Returns Ilse."""
    approvals.ask(world.ctx, world.youth, world.dossier.id, email, link)
    [mail] = [m for m in outbox if m.to == email]
    assert "Sanne" in mail.subject and "lees je niet" in mail.body
    code = CODE.search(mail.body)
    assert code, mail.body
    mother = login_actor(world.ctx, email) if _registered(world, email) else None
    mother = mother or person(world.ctx, email, "parent", "Ilse")
    joined = sharing.accept_code(world.ctx, mother, code.group(1))
    assert joined == approvals_joined(world)
    return mother


def _registered(world: World, email: str) -> bool:
    try:
        login_actor(world.ctx, email)
    except Exception:
        return False
    return True


def approvals_joined(world: World) -> Any:
    from dossier.services.ownership import Joined

    return Joined(world.dossier.id, approvals.JOINED_AS_APPROVER)


def count(ctx: Context, model: Any, **where: Any) -> int:
    with ctx.unit_of_work() as db:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return db.scalar(query) or 0


def actions_in(ctx: Context, dossier_id: uuid.UUID) -> list[tuple[str, str]]:
    with ctx.unit_of_work() as db:
        return [
            (row.action, row.outcome)
            for row in db.execute(
                select(AuditEvent.action, AuditEvent.outcome)
                .where(AuditEvent.dossier_id == dossier_id)
                .order_by(AuditEvent.chain, AuditEvent.seq)
            )
        ]


def test_who_must_agree_is_said_by_the_rules(ctx: Context) -> None:
    for age, required, may_ask in ((14, ["guardian", "subject"], True), (16, ["subject"], False)):
        said = approvals.who_must_agree(ctx, years_ago(ctx, age), "subject")
        assert (said.age, said.required, said.may_ask_approver) == (age, required, may_ask)
    child = approvals.who_must_agree(ctx, years_ago(ctx, 10), "guardian")
    assert (child.required, child.may_ask_approver) == (["guardian"], False)


def test_a_youth_of_14_starts_on_her_own_and_her_mothers_yes_starts_the_sharing(
    ctx: Context, outbox: list[Mail]
) -> None:
    world = alone(ctx)
    anne = login_actor(ctx, CARE_WORKER)
    world.write(world.youth, "care", "Plan", "Samen naar school.")
    grant = share_care(world)
    [info] = sharing.overview(ctx, world.youth, world.dossier.id).grants
    assert info.waiting_for == ["guardian"]
    assert count(ctx, SealedKey, holder_id=anne.user_id) == 0  # nothing sealed to Anne yet
    with pytest.raises(NotFound):
        entries.list_entries(ctx, anne, world.dossier.id, Filters())

    mother = ask_mother(world, outbox)
    page = approvals.requests_for_me(ctx, mother)
    [request] = page.requests
    assert page.asked_by == ["Sanne"]
    assert (request.grant_id, request.asked_by, request.grantee_name) == (grant, "Sanne", "Anne")
    assert request.grantee_organisation == "Jeugdteam Zuid" and request.permission == "read"
    assert request.sections == [{"default": "Care"}, {"default": "School"}]
    assert request.until is not None and request.until > ctx.now() + timedelta(days=29)
    assert request.message is not None and request.message.text == "Anne helpt mij met school."
    assert request.message.trusted

    assert approvals.decide(ctx, mother, grant, yes=True).status == "active"
    [titles] = [
        [c.title for c in entries.list_entries(ctx, anne, world.dossier.id, Filters()).items]
    ]
    assert titles == ["Plan"]
    with ctx.unit_of_work() as db:
        [(relation, user)] = db.execute(
            select(GrantApproval.relation, GrantApproval.user_id).where(
                GrantApproval.grant_id == grant, GrantApproval.user_id != world.youth.user_id
            )
        ).all()
    assert (relation, user) == ("guardian", mother.user_id)
    for model in (GrantHold, HeldKey, GrantRelease):  # nothing stays in hold once it started
        assert count(ctx, model, grant_id=grant) == 0
    assert approvals.requests_for_me(ctx, mother).requests == []
    log = actions_in(ctx, world.dossier.id)
    for action in (
        Action.APPROVER_ASK,
        Action.APPROVER_ACCEPT,
        Action.APPROVER_REQUESTS,
        Action.GRANT_APPROVE,
        Action.GRANT_ACTIVATE,
    ):
        assert (action.value, "success") in log, action


def test_her_no_ends_the_sharing_and_nobody_reads(ctx: Context, outbox: list[Mail]) -> None:
    world = alone(ctx)
    anne = login_actor(ctx, CARE_WORKER)
    grant = share_care(world)
    mother = ask_mother(world, outbox)
    assert approvals.decide(ctx, mother, grant, yes=False).status == "revoked"
    [info] = sharing.overview(ctx, world.youth, world.dossier.id).grants
    assert info.status == "revoked"
    with pytest.raises(NotFound):
        entries.list_entries(ctx, anne, world.dossier.id, Filters())
    for model in (GrantHold, HeldKey, GrantRelease):
        assert count(ctx, model, grant_id=grant) == 0
    assert (Action.GRANT_REFUSE.value, "success") in actions_in(ctx, world.dossier.id)
    with pytest.raises(Conflict):
        approvals.decide(ctx, mother, grant, yes=True)


def test_an_approver_reads_nothing_and_decides_nothing_else(
    ctx: Context, outbox: list[Mail]
) -> None:
    world = alone(ctx)
    grant = share_care(world)
    mother = ask_mother(world, outbox)
    dossier = world.dossier.id
    entry = world.write(world.youth, "my_story", "Geheim", "Alleen van mij")
    refused = [
        lambda: dossiers.get_dossier(ctx, mother, dossier),
        lambda: entries.list_entries(ctx, mother, dossier, Filters()),
        lambda: entries.read_entry(ctx, mother, dossier, entry),
        lambda: sharing.overview(ctx, mother, dossier),
        lambda: sharing.approve(ctx, mother, dossier, grant),  # the owners' way is not hers
        lambda: sharing.revoke(ctx, mother, dossier, grant),
        lambda: sharing.share(
            ctx,
            mother,
            dossier,
            grantee_email=None,
            section_ids=[world.section("care")],
            permission="read",
        ),
        lambda: approvals.decide(ctx, mother, uuid.uuid4(), yes=True),
    ]
    for attempt in refused:
        with pytest.raises(NotFound):
            attempt()
    # the sharing she said yes to runs: stopping it is for the owners, not for her
    approvals.decide(ctx, mother, grant, yes=True)
    with pytest.raises(Conflict):
        approvals.decide(ctx, mother, grant, yes=False)
    # a dossier she was not asked about: nothing to decide there
    other = person(ctx, "lotte@example.nl", "youth", "Lotte", birth_date=years_ago(ctx, 13))
    lottes = dossiers.create_dossier(ctx, other, "Lotte", None, for_self=True)
    theirs = sharing.share(
        ctx,
        other,
        lottes.id,
        grantee_email=CARE_WORKER,
        section_ids=[lottes.sections[1].id],
        permission="read",
    )
    with pytest.raises(NotFound):
        approvals.decide(ctx, mother, theirs.grant_id, yes=True)
    denied = [a for a, outcome in actions_in(ctx, lottes.id) if outcome == "denied"]
    assert denied == [Action.GRANT_APPROVE.value]


def test_her_yes_counts_exactly_like_a_guardian_owners(ctx: Context, outbox: list[Mail]) -> None:
    """With Marieke as guardian owner beside an approver, either yes starts the sharing, and both
    are recorded as `guardian`: the rules cannot tell them apart."""
    world = youth_world(ctx)
    world.staff()
    world.care_worker()
    by_owner = world.share(CARE_WORKER, "read", approved=False)
    sharing.approve(ctx, world.guardian, world.dossier.id, by_owner)
    sharing.revoke(ctx, world.youth, world.dossier.id, by_owner)
    mother = ask_mother(world, outbox, "ilse@example.nl")
    by_approver = world.share(CARE_WORKER, "read", approved=False)  # offered to her at once
    assert [r.grant_id for r in approvals.requests_for_me(ctx, mother).requests] == [by_approver]
    assert approvals.decide(ctx, mother, by_approver, yes=True).status == "active"
    with ctx.unit_of_work() as db:
        relations = {
            grant: sorted(
                db.scalars(select(GrantApproval.relation).where(GrantApproval.grant_id == grant))
            )
            for grant in (by_owner, by_approver)
        }
    assert relations[by_owner] == relations[by_approver] == ["guardian", "subject"]


def test_who_may_ask_an_approver(ctx: Context, outbox: list[Mail]) -> None:
    world = youth_world(ctx)
    with pytest.raises(AccessDenied):  # a guardian owner approves herself
        approvals.ask(ctx, world.guardian, world.dossier.id, MOTHER, link)
    with pytest.raises(InvalidInput) as own:
        approvals.ask(ctx, world.youth, world.dossier.id, "sanne@example.nl", link)
    assert "not your own" in own.value.errors["email"][0]
    with pytest.raises(InvalidInput):
        approvals.ask(ctx, world.youth, world.dossier.id, "no address", link)
    assert [m for m in outbox if m.to == MOTHER] == []


def test_at_16_she_decides_alone_and_an_approver_has_no_say(
    ctx: Context, clock: Any, outbox: list[Mail]
) -> None:
    world = alone(ctx, age=15)
    grant = share_care(world)
    mother = ask_mother(world, outbox)
    clock.advance(days=365)
    with pytest.raises(Conflict):
        approvals.decide(ctx, mother, grant, yes=True)
    with pytest.raises(InvalidInput):
        approvals.ask(ctx, world.youth, world.dossier.id, "vader@example.nl", link)


def test_the_code_is_for_a_parent_or_guardian_only(ctx: Context, outbox: list[Mail]) -> None:
    world = alone(ctx)
    share_care(world)
    approvals.ask(ctx, world.youth, world.dossier.id, MOTHER, link)
    code = CODE.search(outbox[-1].body)
    assert code
    for who in (world.youth, login_actor(ctx, "auditor@example.nl")):
        with pytest.raises(InvalidInput):
            sharing.accept_code(ctx, who, code.group(1))
    mother = person(ctx, MOTHER, "parent", "Ilse")
    sharing.accept_code(ctx, mother, code.group(1))
    with pytest.raises(InvalidInput):  # once only
        sharing.accept_code(ctx, person(ctx, GUARDIAN, "parent"), code.group(1))


def test_ending_the_role_takes_her_yes_away(ctx: Context, outbox: list[Mail]) -> None:
    world = alone(ctx)
    grant = share_care(world)
    mother = ask_mother(world, outbox)
    [shown] = pages.access_page(ctx, world.youth, world.dossier.id).approvers
    assert shown.name == "Ilse" and shown.can_end
    assert approvals.end(ctx, world.youth, world.dossier.id, shown.id) == "Ilse"
    assert count(ctx, GrantRelease, approver_id=shown.id) == 0
    assert approvals.requests_for_me(ctx, mother).requests == []
    with pytest.raises(NotFound):
        approvals.decide(ctx, mother, grant, yes=True)
    assert pages.access_page(ctx, world.youth, world.dossier.id).approvers == []
    assert (Action.APPROVER_END.value, "success") in actions_in(ctx, world.dossier.id)


def test_a_key_made_while_it_waited_lets_an_owner_start_it(
    ctx: Context, outbox: list[Mail]
) -> None:
    """Revoking someone else rotates the Care key while the sharing waits: the held keys do not
    cover the new version, so her yes is recorded and Sanne's next change starts the sharing."""
    world = alone(ctx)
    grant = share_care(world)
    mother = ask_mother(world, outbox)
    other = world.care_worker("jeroen@example.nl", "Jeroen")
    # Jeroen's sharing waits too; stopping it rotates nothing, so give him access first
    other_grant = share_care_with(world, "jeroen@example.nl")
    approvals.decide(ctx, mother, other_grant, yes=True)
    sharing.revoke(ctx, world.youth, world.dossier.id, other_grant)  # Care's key rotates
    assert approvals.decide(ctx, mother, grant, yes=True).status == "pending"
    anne = login_actor(ctx, CARE_WORKER)
    with pytest.raises(NotFound):
        entries.list_entries(ctx, anne, world.dossier.id, Filters())
    world.write(world.youth, "care", "Nieuw", "Na het stoppen")
    sharing.share(  # her next change of who may look settles what waited
        ctx,
        world.youth,
        world.dossier.id,
        grantee_email="nieuw@example.nl",
        section_ids=[world.section("health")],
        permission="read",
    )
    [info] = [
        g for g in sharing.overview(ctx, world.youth, world.dossier.id).grants if g.id == grant
    ]
    assert info.status == "active"
    page = entries.list_entries(ctx, anne, world.dossier.id, Filters())
    assert [c.title for c in page.items] == ["Nieuw"]
    assert other.user_id != anne.user_id


def share_care_with(world: World, email: str) -> uuid.UUID:
    shared = sharing.share(
        world.ctx,
        world.youth,
        world.dossier.id,
        grantee_email=email,
        section_ids=[world.section("care")],
        permission="read",
    )
    return shared.grant_id


def test_a_waiting_sharing_that_reaches_its_end_keeps_nothing_in_hold(
    ctx: Context, clock: Any, outbox: list[Mail]
) -> None:
    """The held copies of the grantee's keys go when the sharing ends by its date, as they do
    when it is refused or revoked; and the parent can no longer say yes to it."""
    world = alone(ctx)
    grant = share_care(world)
    mother = ask_mother(world, outbox)
    assert count(ctx, HeldKey, grant_id=grant) > 0
    clock.advance(days=31)
    lifecycle.sweep_everywhere(ctx)
    for model in (GrantHold, HeldKey, GrantRelease):
        assert count(ctx, model, grant_id=grant) == 0
    with pytest.raises(Conflict):
        approvals.decide(ctx, mother, grant, yes=True)
