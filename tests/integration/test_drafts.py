"""A trusted helper (issue 17, part 2): Sanne lets her mentor Ilse help with Care until a date;
Ilse reads Care and drafts a view and a correction request for her; they count only when Sanne
sends them, as her own words, signed by her. Ilse never writes views herself, never shares and
never sees the access log."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from dossier.actions import Action
from dossier.errors import AccessDenied, Conflict, InvalidInput, NotFound
from dossier.models import AuditEvent, Draft, EntryPerspective, Notice, Permission
from dossier.services import audit_views, entries, plans, sharing
from dossier.services.context import Context
from dossier.services.entries import drafts
from tests.conftest import login_actor
from tests.support import CARE_WORKER, World, person, youth_world

HELPER = "ilse@example.nl"


@pytest.fixture
def world(ctx: Context) -> World:
    world = youth_world(ctx, age=16)  # from 16 Sanne decides alone
    world.staff()
    world.care_worker()
    world.share(CARE_WORKER, "contribute", ("care",))
    person(ctx, HELPER, "parent", "Ilse")
    world.share(HELPER, Permission.HELP, ("care",), expires_at=ctx.now() + timedelta(days=90))
    return world


def _report(world: World) -> uuid.UUID:
    return world.write(
        login_actor(world.ctx, CARE_WORKER), "care", "Verslag", "Sanne wil niet naar school."
    )


def test_a_helper_needs_an_end_date(ctx: Context) -> None:
    world = youth_world(ctx, age=16)
    person(ctx, HELPER, "parent", "Ilse")
    with pytest.raises(InvalidInput) as refused:
        world.share(HELPER, Permission.HELP, ("care",))
    assert set(refused.value.errors) == {"expires_at"}


def test_her_helper_drafts_and_only_her_sending_makes_it_real(world: World) -> None:
    ctx = world.ctx
    report = _report(world)
    ilse = login_actor(ctx, HELPER)
    assert entries.read_entry(ctx, ilse, world.dossier.id, report).body.startswith("Sanne")

    drafted = drafts.write_draft(
        ctx, ilse, world.dossier.id, report, "view", "Ik wil wel, maar ik ben moe."
    )
    with ctx.reading() as db:
        assert db.scalar(select(EntryPerspective.id)) is None  # nothing real yet
        draft = db.get(Draft, drafted)
        assert draft is not None and b"moe" not in draft.body_sealed
        notified = list(db.scalars(select(Notice.kind).where(Notice.kind == "draft.waiting")))
    assert notified == ["draft.waiting"]  # Sanne alone owns it at 16

    view_id = drafts.send_draft(
        ctx, world.youth, world.dossier.id, drafted, "Ik wil wel, maar ik ben vaak moe."
    )
    [view] = entries.read_entry(ctx, world.youth, world.dossier.id, report).views
    assert view.id == view_id and view.body == "Ik wil wel, maar ik ben vaak moe."
    assert view.author.name == "Sanne" and view.trusted and view.mine
    with pytest.raises(Conflict):
        drafts.send_draft(ctx, world.youth, world.dossier.id, drafted)

    corrected = drafts.write_draft(
        ctx, ilse, world.dossier.id, report, "correction", "Ik wil wel naar school."
    )
    drafts.send_draft(ctx, world.youth, world.dossier.id, corrected)  # as it stands
    [asked] = entries.read_entry(ctx, world.youth, world.dossier.id, report).corrections
    assert asked.reason == "Ik wil wel naar school." and asked.requested_by.name == "Sanne"


def test_the_helper_never_writes_shares_or_reads_the_log(world: World) -> None:
    ctx = world.ctx
    report = _report(world)
    ilse = login_actor(ctx, HELPER)
    with pytest.raises(AccessDenied):
        entries.add_view(ctx, ilse, world.dossier.id, report, "Mijn mening")
    with pytest.raises(AccessDenied):
        entries.request_correction(ctx, ilse, world.dossier.id, report, "Klopt niet")
    with pytest.raises(AccessDenied):
        entries.write_entry(ctx, ilse, world.dossier.id, world.section("care"), "T", "B", "note")
    with pytest.raises(AccessDenied):
        sharing.share(
            ctx,
            ilse,
            world.dossier.id,
            grantee_email=CARE_WORKER,
            section_ids=[world.section("care")],
            permission="read",
        )
    with pytest.raises(AccessDenied):
        audit_views.timeline(ctx, ilse, world.dossier.id)
    school = world.write(world.youth, "school", "Rooster", "Maandag vrij")
    with pytest.raises(NotFound):  # not her section: as if it did not exist
        drafts.write_draft(ctx, ilse, world.dossier.id, school, "view", "Tekst")


@pytest.mark.parametrize("who", ["care worker", "guardian"])
def test_nobody_but_the_helper_drafts(world: World, who: str) -> None:
    ctx = world.ctx
    report = world.write(world.youth, "care", "Mijn week", "Goed")
    actor = login_actor(ctx, CARE_WORKER) if who == "care worker" else world.youth
    with pytest.raises(AccessDenied):
        drafts.write_draft(ctx, actor, world.dossier.id, report, "view", "Tekst")


def test_bad_drafts_are_refused_with_their_field(world: World) -> None:
    ctx = world.ctx
    report = _report(world)
    ilse = login_actor(ctx, HELPER)
    with pytest.raises(InvalidInput) as refused:
        drafts.write_draft(ctx, ilse, world.dossier.id, report, "poem", " ")
    assert set(refused.value.errors) == {"kind", "body"}


def test_a_draft_is_thrown_away_by_an_owner_or_taken_back_by_its_helper(world: World) -> None:
    ctx = world.ctx
    report = _report(world)
    ilse = login_actor(ctx, HELPER)
    first = drafts.write_draft(ctx, ilse, world.dossier.id, report, "view", "Een")
    second = drafts.write_draft(ctx, ilse, world.dossier.id, report, "view", "Twee")
    drafts.discard_draft(ctx, world.youth, world.dossier.id, first)
    drafts.discard_draft(ctx, ilse, world.dossier.id, second)
    third = drafts.write_draft(ctx, ilse, world.dossier.id, report, "view", "Drie")
    with pytest.raises(AccessDenied):  # the care worker is neither an owner nor its writer
        drafts.discard_draft(ctx, login_actor(ctx, CARE_WORKER), world.dossier.id, third)
    with pytest.raises(Conflict):
        drafts.send_draft(ctx, world.youth, world.dossier.id, first)
    with ctx.reading() as db:
        actions = list(
            db.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.dossier_id == world.dossier.id, AuditEvent.outcome == "success"
                )
            )
        )
    assert actions.count(Action.DRAFT_WRITE) == 3 and actions.count(Action.DRAFT_DISCARD) == 2
    # "Who looked?" names what the helper did in her words
    log = audit_views.timeline(ctx, world.youth, world.dossier.id)
    assert any(
        item.action == Action.DRAFT_WRITE and item.actor_name == "Ilse" for item in log.items
    )


def test_a_professional_helper_does_not_mark_the_plan(world: World) -> None:
    ctx = world.ctx
    world.care_worker("mentor@example.nl", "Mentor", organisation="MEE")
    world.share(
        "mentor@example.nl", Permission.HELP, ("care",), expires_at=ctx.now() + timedelta(days=30)
    )
    goal = plans.Goal(uuid.uuid4(), "Naar school", "Sanne", ())
    version = plans.propose_plan(
        ctx, world.youth, world.dossier.id, plans.PlanDocument(goals=(goal,))
    )
    with pytest.raises(AccessDenied):
        plans.mark_plan(
            ctx, login_actor(ctx, "mentor@example.nl"), world.dossier.id, version, False, "Nee"
        )


def test_no_draft_on_a_withdrawn_entry(world: World) -> None:
    ctx = world.ctx
    anne = login_actor(ctx, CARE_WORKER)
    report = world.write(anne, "care", "Verslag", "Tekst", "report")
    entries.archive_entry(ctx, anne, world.dossier.id, report)
    with pytest.raises(Conflict):
        drafts.write_draft(ctx, login_actor(ctx, HELPER), world.dossier.id, report, "view", "Voor")
    with ctx.reading() as db:
        assert db.scalar(select(Draft.id)) is None


def test_her_helper_suggests_a_plan_change_that_only_her_sending_proposes(world: World) -> None:
    ctx = world.ctx
    ilse = login_actor(ctx, HELPER)
    step = plans.Step(uuid.uuid4(), "Rooster bespreken", "Sanne")
    goal = plans.Goal(uuid.uuid4(), "Drie dagen naar school", "Sanne", (step,))
    drafted = plans.write_plan_draft(ctx, ilse, world.dossier.id, plans.PlanDocument(goals=(goal,)))
    page = plans.read_plan(ctx, world.youth, world.dossier.id)
    assert page.proposals == [] and page.current is None  # nothing stands yet
    [shown] = page.drafts
    assert shown.card.author_name == "Ilse" and shown.document is not None
    assert [g.text for g in shown.document.goals] == ["Drie dagen naar school"]
    assert plans.read_plan(ctx, ilse, world.dossier.id).drafts[0].card.mine
    with pytest.raises(AccessDenied):  # only an owner sends it
        plans.send_plan_draft(ctx, ilse, world.dossier.id, drafted)

    number = plans.send_plan_draft(ctx, world.youth, world.dossier.id, drafted)
    [proposal] = plans.read_plan(ctx, world.youth, world.dossier.id).proposals
    assert proposal.number == number and proposal.author.name == "Sanne"
    assert [g.text for g in proposal.document.goals] == ["Drie dagen naar school"]
    assert plans.read_plan(ctx, world.youth, world.dossier.id).drafts == []
    with pytest.raises(Conflict):
        plans.send_plan_draft(ctx, world.youth, world.dossier.id, drafted)
    # the plan form's one save: a suggestion from the helper, a version from an owner
    written = plans.propose_or_suggest(
        ctx, ilse, world.dossier.id, plans.PlanDocument(goals=(goal,))
    )
    assert written.number is None and written.draft_id is not None
    own = plans.propose_or_suggest(
        ctx, world.youth, world.dossier.id, plans.PlanDocument(goals=(goal,))
    )
    assert own.number == number + 1 and own.draft_id is None
