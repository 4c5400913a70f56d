"""Owners follow the consent rules: who may add one, remove one, or destroy the dossier."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dossier.errors import AccessDenied, Conflict, InvalidInput, NotFound
from dossier.models import AuditEvent, KeyVersion, SealedKey
from dossier.services import dossiers, entries, ownership, sharing
from dossier.services.context import Context
from dossier.services.keychain import scope_of
from tests.integration.test_dossiers import section
from tests.support import person, years_ago, youth_world


def youth_and_guardian(ctx: Context, age: int = 14):
    """A youth who made her own dossier, with her mother as guardian owner and one entry."""
    world = youth_world(ctx, age)
    story = world.write(world.youth, "my_story", "Mijn verhaal", "Van mij")
    return world.youth, world.guardian, world.dossier, story


def held_keys(ctx: Context, user_id, invitation_id=None) -> int:
    with ctx.unit_of_work() as db:
        condition = (
            SealedKey.invitation_id == invitation_id
            if invitation_id
            else SealedKey.holder_id == user_id
        )
        return db.scalar(select(func.count()).select_from(SealedKey).where(condition)) or 0


def test_a_guardian_alone_cannot_make_a_stranger_owner_of_a_14_year_olds_dossier(
    ctx: Context,
) -> None:
    sanne, marieke, dossier, story = youth_and_guardian(ctx)
    stranger = person(ctx, "stranger@example.nl", "parent")
    ticket = ownership.invite_owner(ctx, marieke, dossier.id, "guardian")
    assert ticket.status == "pending"
    with ctx.unit_of_work() as db:
        from dossier.models import Invitation

        invitation = db.scalar(select(Invitation).where(Invitation.created_by == marieke.user_id))
        assert invitation is not None and invitation.approved_at is None
        invitation_id = invitation.id
    assert held_keys(ctx, None, invitation_id) == 0  # the code opens nothing

    joined = ownership.join(ctx, stranger, ticket.code)
    assert joined.status == "pending"
    assert held_keys(ctx, stranger.user_id) == 0
    with pytest.raises(NotFound):
        entries.read_entry(ctx, stranger, dossier.id, story)
    with pytest.raises(NotFound):
        ownership.destroy(ctx, stranger, dossier.id, "Sanne")

    [change] = [c for c in sharing.overview(ctx, sanne, dossier.id).changes]
    assert change.kind == "add_owner" and change.waiting_for == ["subject"]
    assert change.person_name == "Stranger" and change.can_approve
    with pytest.raises(AccessDenied):  # the guardian cannot say the youth's yes
        ownership.approve(ctx, marieke, dossier.id, change.id)

    decision = ownership.approve(ctx, sanne, dossier.id, change.id)
    assert decision.status == "done"
    with ctx.unit_of_work() as db:
        added = db.scalar(select(AuditEvent).where(AuditEvent.action == "owner.added"))
        assert added is not None and added.object_id == str(stranger.user_id)
        assert added.actor_id == sanne.user_id
    assert entries.read_entry(ctx, stranger, dossier.id, story).body == "Van mij"
    owners = {o.person.name: o for o in sharing.overview(ctx, sanne, dossier.id).owners}
    assert owners["Sanne"].made_the_dossier and not owners["Stranger"].made_the_dossier
    assert owners["Sanne"].approved_by == [] and not owners["Sanne"].can_remove
    assert owners["Stranger"].can_remove  # the young person decides on it too
    assert {(a.name, a.relation) for a in owners["Stranger"].approved_by} == {
        ("Marieke", "guardian"),
        ("Sanne", "subject"),
    }


def test_under_12_one_guardian_decides_on_a_new_owner(ctx: Context) -> None:
    parent = person(ctx, "marieke@example.nl", "parent")
    dossier = dossiers.create_dossier(ctx, parent, "Tim", years_ago(ctx, 9), for_self=False)
    ticket = ownership.invite_owner(ctx, parent, dossier.id, "guardian")
    assert ticket.status == "approved"
    other = person(ctx, "jan@example.nl", "parent")
    assert ownership.join(ctx, other, ticket.code).status == "done"
    assert dossiers.get_dossier(ctx, other, dossier.id).my_relation == "guardian"


def test_with_youth_alone_a_guardians_invitation_waits_for_the_youth_of_14(
    ctx: Context,
) -> None:
    sanne, marieke, dossier, _story = youth_and_guardian(ctx)
    alone = Context(
        ctx.sessions, ctx.settings.with_overrides(youth_alone_12_15=True), clock=ctx.clock
    )
    ticket = ownership.invite_owner(alone, marieke, dossier.id, "guardian")
    assert ticket.status == "pending"
    [change] = sharing.overview(alone, sanne, dossier.id).changes
    assert change.waiting_for == ["subject"] and change.approvals == []
    assert not change.can_approve  # nobody yet to say yes to
    with pytest.raises(Conflict):
        ownership.approve(alone, sanne, dossier.id, change.id)
    jan = person(ctx, "jan@example.nl", "parent")
    assert ownership.join(alone, jan, ticket.code).status == "pending"
    with pytest.raises(AccessDenied):
        ownership.approve(alone, marieke, dossier.id, change.id)
    assert ownership.approve(alone, sanne, dossier.id, change.id).status == "done"
    assert ownership.invite_owner(alone, sanne, dossier.id, "guardian").status == "approved"


def versions(ctx: Context, dossier_id, section_id) -> int:
    with ctx.unit_of_work() as db:
        return db.scalar(
            select(func.max(KeyVersion.version)).where(
                KeyVersion.dossier_id == dossier_id, KeyVersion.scope == scope_of(section_id)
            )
        )


def test_removing_a_guardian_at_14_needs_the_youth_and_a_guardian_and_rotates_keys(
    ctx: Context,
) -> None:
    sanne, marieke, dossier, story = youth_and_guardian(ctx)
    # a second guardian, approved by the youth and the first guardian
    jan = person(ctx, "jan@example.nl", "parent")
    ticket = ownership.invite_owner(ctx, marieke, dossier.id, "guardian")
    ownership.join(ctx, jan, ticket.code)
    [change] = sharing.overview(ctx, sanne, dossier.id).changes
    ownership.approve(ctx, sanne, dossier.id, change.id)
    my_story = section(dossier, "my_story")
    before = versions(ctx, dossier.id, my_story)

    with pytest.raises(InvalidInput):  # the subject always stays owner
        ownership.remove_owner(ctx, marieke, dossier.id, sanne.user_id)
    waiting = ownership.remove_owner(ctx, sanne, dossier.id, jan.user_id)
    assert waiting.status == "pending" and waiting.waiting_for == ["guardian"]
    assert entries.read_entry(ctx, jan, dossier.id, story).body == "Van mij"
    done = ownership.approve(ctx, marieke, dossier.id, waiting.change_id)
    assert done.status == "done"
    with pytest.raises(NotFound):
        entries.read_entry(ctx, jan, dossier.id, story)
    assert held_keys(ctx, jan.user_id) == 0
    assert versions(ctx, dossier.id, my_story) == before + 1
    assert entries.read_entry(ctx, sanne, dossier.id, story).card.trusted
    with ctx.unit_of_work() as db:
        assert (
            db.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "owner.removed", AuditEvent.dossier_id == dossier.id)
            )
            == 1
        )


def test_a_youth_deciding_alone_removes_a_guardian_alone(ctx: Context) -> None:
    sanne, marieke, dossier, story = youth_and_guardian(ctx)
    alone = Context(
        ctx.sessions, ctx.settings.with_overrides(youth_alone_12_15=True), clock=ctx.clock
    )
    assert ownership.remove_owner(alone, sanne, dossier.id, marieke.user_id).status == "done"
    with pytest.raises(NotFound):
        entries.read_entry(ctx, marieke, dossier.id, story)


def test_a_guardian_steps_down_alone_but_never_leaves_a_dossier_without_owner(
    ctx: Context,
) -> None:
    sanne, marieke, dossier, story = youth_and_guardian(ctx)
    assert ownership.remove_owner(ctx, marieke, dossier.id, marieke.user_id).status == "done"
    with pytest.raises(NotFound):
        entries.read_entry(ctx, marieke, dossier.id, story)
    assert entries.read_entry(ctx, sanne, dossier.id, story).body == "Van mij"
    parent = person(ctx, "solo@example.nl", "parent")
    alone = dossiers.create_dossier(ctx, parent, "Kim", years_ago(ctx, 8), for_self=False)
    with pytest.raises(InvalidInput):
        ownership.remove_owner(ctx, parent, alone.id, parent.user_id)


def test_destroying_at_14_waits_for_the_youths_own_confirmation(ctx: Context) -> None:
    sanne, marieke, dossier, story = youth_and_guardian(ctx)
    asked = ownership.destroy(ctx, marieke, dossier.id, "Sanne")
    assert asked.status == "pending" and asked.waiting_for == [str(sanne.user_id)]
    assert entries.read_entry(ctx, sanne, dossier.id, story).body == "Van mij"
    for anyone in (marieke, sanne):  # a destruction is confirmed only by typing the name
        with pytest.raises(Conflict):
            ownership.approve(ctx, anyone, dossier.id, asked.change_id)
    assert ownership.destroy(ctx, marieke, dossier.id, "Sanne").waiting_for == [str(sanne.user_id)]
    [change] = sharing.overview(ctx, sanne, dossier.id).changes
    assert change.kind == "destroy" and change.waiting_for == ["Sanne"] and change.can_cancel
    assert ownership.destroy(ctx, sanne, dossier.id, "sanne").status == "done"
    with pytest.raises(NotFound):
        dossiers.get_dossier(ctx, sanne, dossier.id)


def test_the_youth_can_stop_a_destruction_she_did_not_ask_for(ctx: Context) -> None:
    sanne, marieke, dossier, story = youth_and_guardian(ctx)
    asked = ownership.destroy(ctx, marieke, dossier.id, "Sanne")
    ownership.cancel(ctx, sanne, dossier.id, asked.change_id)
    with pytest.raises(Conflict):
        ownership.approve(ctx, sanne, dossier.id, asked.change_id)
    assert entries.read_entry(ctx, sanne, dossier.id, story).body == "Van mij"
    assert sharing.overview(ctx, sanne, dossier.id).changes == []


def test_under_12_every_guardian_confirms_a_destruction(ctx: Context) -> None:
    mother = person(ctx, "marieke@example.nl", "parent")
    father = person(ctx, "jan@example.nl", "parent")
    dossier = dossiers.create_dossier(ctx, mother, "Tim", years_ago(ctx, 9), for_self=False)
    ownership.join(ctx, father, ownership.invite_owner(ctx, mother, dossier.id).code)
    asked = ownership.destroy(ctx, mother, dossier.id, "Tim")
    assert asked.status == "pending" and asked.waiting_for == [str(father.user_id)]
    assert dossiers.get_dossier(ctx, father, dossier.id).subject_name == "Tim"
    assert ownership.destroy(ctx, father, dossier.id, "Tim").status == "done"
    with pytest.raises(NotFound):
        dossiers.get_dossier(ctx, mother, dossier.id)


def test_from_12_a_dossier_without_the_youth_waits_for_her_to_join(ctx: Context) -> None:
    parent = person(ctx, "marieke@example.nl", "parent")
    dossier = dossiers.create_dossier(ctx, parent, "Noor", years_ago(ctx, 13), for_self=False)
    asked = ownership.destroy(ctx, parent, dossier.id, "Noor")
    assert asked.status == "pending" and asked.waiting_for == ["subject"]
    noor = person(ctx, "noor@example.nl", "youth", birth_date=years_ago(ctx, 13))
    assert (
        ownership.join(ctx, noor, ownership.invite_owner(ctx, parent, dossier.id).code).status
        == "done"
    )
    assert ownership.destroy(ctx, noor, dossier.id, "Noor").status == "done"


def test_sixteen_and_over_the_youth_destroys_alone(ctx: Context) -> None:
    daan = person(ctx, "daan@example.nl", "youth", birth_date=years_ago(ctx, 17))
    dossier = dossiers.create_dossier(ctx, daan, "Daan", None, for_self=True)
    assert ownership.destroy(ctx, daan, dossier.id, "Daan").status == "done"


def test_a_dossier_has_one_young_person_and_one_code_for_her_at_a_time(ctx: Context) -> None:
    parent = person(ctx, "marieke@example.nl", "parent")
    dossier = dossiers.create_dossier(ctx, parent, "Noor", years_ago(ctx, 13), for_self=False)
    first = ownership.invite_owner(ctx, parent, dossier.id, "subject")
    with pytest.raises(InvalidInput):  # a spare code could make a second "young person"
        ownership.invite_owner(ctx, parent, dossier.id, "subject")
    noor = person(ctx, "noor@example.nl", "youth", birth_date=years_ago(ctx, 13))
    assert ownership.join(ctx, noor, first.code).status == "done"
    with pytest.raises(InvalidInput):
        ownership.invite_owner(ctx, parent, dossier.id, "subject")
    from sqlalchemy.exc import IntegrityError

    from dossier.models import DossierOwner

    fake = person(ctx, "nep@example.nl", "youth", birth_date=years_ago(ctx, 13))
    with pytest.raises(IntegrityError), ctx.unit_of_work() as db:  # the database says so too
        db.add(
            DossierOwner(
                dossier_id=dossier.id, user_id=fake.user_id, relation="subject", since=ctx.now()
            )
        )
        db.flush()


def test_under_12_a_guardian_cannot_push_the_other_out_and_destroy_alone(ctx: Context) -> None:
    mother = person(ctx, "marieke@example.nl", "parent")
    father = person(ctx, "jan@example.nl", "parent")
    dossier = dossiers.create_dossier(ctx, mother, "Tim", years_ago(ctx, 9), for_self=False)
    ownership.join(ctx, father, ownership.invite_owner(ctx, mother, dossier.id).code)
    asked = ownership.remove_owner(ctx, mother, dossier.id, father.user_id)
    assert asked.status == "pending" and asked.waiting_for == [str(father.user_id)]
    assert ownership.destroy(ctx, mother, dossier.id, "Tim").status == "pending"
    assert dossiers.get_dossier(ctx, father, dossier.id).my_relation == "guardian"


def test_a_removed_owner_cannot_come_back_through_codes_they_made(ctx: Context) -> None:
    mother = person(ctx, "marieke@example.nl", "parent")
    father = person(ctx, "jan@example.nl", "parent")
    dossier = dossiers.create_dossier(ctx, mother, "Tim", years_ago(ctx, 9), for_self=False)
    ownership.join(ctx, father, ownership.invite_owner(ctx, mother, dossier.id).code)
    spare = ownership.invite_owner(ctx, father, dossier.id, "guardian")
    assert spare.status == "approved"
    link = sharing.share(
        ctx,
        father,
        dossier.id,
        grantee_email=None,
        section_ids=[section(dossier, "care")],
        permission="read",
    )
    assert ownership.remove_owner(ctx, father, dossier.id, father.user_id).status == "done"
    again = person(ctx, "jan2@example.nl", "parent")
    with pytest.raises(InvalidInput):
        ownership.join(ctx, again, spare.code)
    with pytest.raises(InvalidInput):
        sharing.accept_code(ctx, again, link.invitation_code)
    with ctx.unit_of_work() as db:
        assert not db.scalar(
            select(func.count())
            .select_from(SealedKey)
            .where((SealedKey.invitation_id.is_not(None)) | (SealedKey.grant_link_id.is_not(None)))
        )


def test_a_change_approved_late_cannot_leave_the_dossier_without_owner(ctx: Context, clock) -> None:
    g1 = person(ctx, "marieke@example.nl", "parent")
    g2 = person(ctx, "jan@example.nl", "parent")
    today = ctx.now().date()
    almost_12 = today.replace(year=today.year - 12) + timedelta(days=10)
    dossier = dossiers.create_dossier(ctx, g1, "Noor", almost_12, for_self=False)
    ownership.join(ctx, g2, ownership.invite_owner(ctx, g1, dossier.id, "guardian").code)
    clock.advance(days=20)  # Noor is 12 and has not joined: removals wait for her
    proposed = ownership.remove_owner(ctx, g2, dossier.id, g1.user_id)
    assert proposed.waiting_for == ["subject"]
    assert ownership.remove_owner(ctx, g2, dossier.id, g2.user_id).status == "done"
    with pytest.raises(Conflict):  # g2's proposal left with g2
        ownership.approve(ctx, g1, dossier.id, proposed.change_id)
    assert dossiers.get_dossier(ctx, g1, dossier.id).my_relation == "guardian"
    with pytest.raises(InvalidInput):
        ownership.remove_owner(ctx, g1, dossier.id, g1.user_id)


def test_two_guardians_stepping_down_at_once_leave_one_owner(ctx: Context) -> None:
    from tests.integration.test_ways_in import at_once

    g1 = person(ctx, "marieke@example.nl", "parent")
    g2 = person(ctx, "jan@example.nl", "parent")
    dossier = dossiers.create_dossier(ctx, g1, "Tim", years_ago(ctx, 9), for_self=False)
    ownership.join(ctx, g2, ownership.invite_owner(ctx, g1, dossier.id).code)
    results = at_once(
        lambda: ownership.remove_owner(ctx, g1, dossier.id, g1.user_id),
        lambda: ownership.remove_owner(ctx, g2, dossier.id, g2.user_id),
    )
    assert sorted(type(r).__name__ for r in results) == ["Decision", "InvalidInput"]
    with ctx.unit_of_work() as db:
        from dossier.models import DossierOwner

        assert (
            db.scalar(
                select(func.count())
                .select_from(DossierOwner)
                .where(DossierOwner.dossier_id == dossier.id)
            )
            == 1
        )


def test_someone_with_a_grant_who_becomes_owner_holds_one_way_in_through_the_16th_birthday(
    ctx: Context, clock
) -> None:
    sanne, marieke, dossier, story = youth_and_guardian(ctx, age=15)
    jan = person(ctx, "jan@example.nl", "parent")
    shared = sharing.share(
        ctx,
        sanne,
        dossier.id,
        grantee_email="jan@example.nl",
        section_ids=[section(dossier, "care")],
        permission="read",
    )
    sharing.approve(ctx, marieke, dossier.id, shared.grant_id)
    ticket = ownership.invite_owner(ctx, marieke, dossier.id, "guardian")
    assert ownership.join(ctx, jan, ticket.code).status == "pending"
    [change] = sharing.overview(ctx, sanne, dossier.id).changes
    assert ownership.approve(ctx, sanne, dossier.id, change.id).status == "done"
    with ctx.unit_of_work() as db:
        from dossier.models import Grant

        assert db.scalar(select(Grant.status).where(Grant.id == shared.grant_id)) == "revoked"
    clock.advance(days=400)  # past her 16th birthday: guardians become grantees
    assert entries.read_entry(ctx, sanne, dossier.id, story).body == "Van mij"
    with ctx.unit_of_work() as db:
        from dossier.models import Grant

        live = db.scalars(
            select(Grant).where(
                Grant.grantee_id == jan.user_id, Grant.status.in_(("pending", "active"))
            )
        ).all()
        assert len(live) == 1 and live[0].basis == "ownership"
