"""Access on a legal basis: k officers open exactly the chosen sections until the chosen day;
the owners are told at once and cannot stop it (issue 16, part 3)."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dossier.actions import Action
from dossier.days import LOCAL, start_of
from dossier.errors import AccessDenied, Conflict, InvalidInput, NotFound
from dossier.keys import load_keys
from dossier.models import (
    AuditEvent,
    Grant,
    LegalGrantApproval,
    LegalGrantRecord,
    Notice,
    SealedKey,
)
from dossier.services import accounts, emergency, entries, legal_basis, pages, sharing
from dossier.services.context import Context
from dossier.services.lifecycle import sweep_everywhere
from dossier.services.notices import NoticeKind, dutch, line
from tests.conftest import PASSWORD, login_actor
from tests.support import ADMIN, AUDITOR, World, person, youth_world

LEAD = "lead@example.nl"  # a team lead: a checked professional, and an officer
GUARDIAN_WORKER = "gi@example.nl"  # the certified institution's worker the court appointed
REFERENCE = "Rb. Utrecht C/16/512345 / JE RK 26-101"


@pytest.fixture
def jobs(ctx: Context, keys_dir: Path) -> Context:
    return Context(ctx.sessions, ctx.settings, clock=ctx.clock, job_key=load_keys(keys_dir).job_key)


def _professional(ctx: Context, email: str, name: str) -> Any:
    person(
        ctx,
        email,
        "professional",
        name,
        organisation="Gecertificeerde instelling",
        registration_number="SKJ 100054321",
    )
    accounts.verify_professional(ctx, login_actor(ctx, ADMIN), login_actor(ctx, email).user_id)
    return login_actor(ctx, email)


@pytest.fixture
def world(jobs: Context) -> World:
    """Staff and a team lead as officers (2 of 3), Sanne's dossier, and the worker of the
    certified institution who has never had access."""
    for email, name, role in ((ADMIN, "Admin", "admin"), (AUDITOR, "Pieter", "auditor")):
        accounts.create_staff(jobs, accounts.NewAccount(email, PASSWORD, name, role))
    _professional(jobs, LEAD, "Lead")
    emergency.create_key(jobs, [ADMIN, AUDITOR, LEAD], threshold=2)
    made = youth_world(jobs)
    _professional(jobs, GUARDIAN_WORKER, "Gea")
    return made


def _today(ctx: Context) -> date:
    return ctx.now().astimezone(LOCAL).date()


def _record(world: World, days: int = 30, **changes: Any) -> legal_basis.LegalView:
    ctx = world.ctx
    fields: dict[str, Any] = {
        "grantee_email": GUARDIAN_WORKER,
        "section_ids": [world.section("health")],
        "until": _today(ctx) + timedelta(days=days),
        "basis": "child_protection",
        "reference": REFERENCE,
        "password": PASSWORD,
        **changes,
    }
    who = fields.pop("who", LEAD)
    return legal_basis.record(ctx, login_actor(ctx, who), world.dossier.id, **fields)


def test_k_officers_open_exactly_the_chosen_sections_until_the_day(world: World) -> None:
    ctx = world.ctx
    health = world.write(world.youth, "health", "Medicijnen", "Elke avond 10 mg")
    school = world.write(world.youth, "school", "Rapport", "Goed gedaan")
    worker = login_actor(ctx, GUARDIAN_WORKER)
    recorded = _record(world, days=30)
    assert recorded.status == "waiting" and recorded.officers == ["Lead"]  # her record is a yes
    with pytest.raises(NotFound):  # one officer alone opens nothing
        entries.read_entry(ctx, worker, world.dossier.id, health)

    opened = legal_basis.approve(ctx, login_actor(ctx, ADMIN), recorded.id, password=PASSWORD)
    assert opened.status == "opened" and opened.live and opened.grant_id is not None
    assert entries.read_entry(ctx, worker, world.dossier.id, health).body == "Elke avond 10 mg"
    with pytest.raises((AccessDenied, NotFound)):
        entries.read_entry(ctx, worker, world.dossier.id, school)
    with ctx.reading() as db:
        grant = db.get(Grant, opened.grant_id)
        assert grant is not None and grant.basis == "legal" and grant.permission == "read"
        assert grant.expires_at is not None
        assert grant.expires_at.astimezone(LOCAL).date() == _today(ctx) + timedelta(days=31)
        assert (
            db.scalar(select(func.count()).where(LegalGrantApproval.share_held.is_not(None))) == 0
        )
        # every read under it is marked with its grant, the one that says "legal"
        reads = list(
            db.scalars(
                select(AuditEvent.basis).where(
                    AuditEvent.actor_id == worker.user_id,
                    AuditEvent.action == Action.ENTRY_READ,
                    AuditEvent.outcome == "success",
                )
            )
        )
        assert reads == [f"grant:{grant.id}"]
        actions = list(
            db.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("legal.%"))
                .order_by(AuditEvent.seq)
            )
        )
    assert actions == [
        Action.LEGAL_RECORD,
        Action.LEGAL_APPROVE,
        Action.LEGAL_APPROVE,
        Action.LEGAL_OPEN,
    ]

    ctx.clock.advance(days=31, seconds=1)
    with pytest.raises(NotFound):
        entries.read_entry(ctx, worker, world.dossier.id, health)
    sweep_everywhere(ctx)
    with ctx.reading() as db:
        assert db.scalar(select(func.count()).where(SealedKey.holder_id == worker.user_id)) == 0


def test_the_owners_are_told_at_once_with_the_basis_and_reference(world: World) -> None:
    ctx = world.ctx
    recorded = _record(world)
    legal_basis.approve(ctx, login_actor(ctx, AUDITOR), recorded.id, password=PASSWORD)
    with ctx.reading() as db:
        told = {
            notice.user_id: notice
            for notice in db.scalars(select(Notice).where(Notice.kind == NoticeKind.LEGAL_OPENED))
        }
    assert set(told) == {world.youth.user_id, world.guardian.user_id}
    data = json.loads(told[world.youth.user_id].data)
    said = line(NoticeKind.LEGAL_OPENED, data, dutch().gettext, lambda day: day.isoformat())
    assert "Gea" in said and REFERENCE in said and "een kinderbeschermingsmaatregel" in said
    assert said.startswith("Op grond van de wet mag Gea meekijken")
    # The day chosen is the last day it counts, said as such: not the midnight after it.
    assert f"tot en met {recorded.last_day.isoformat()}." in said
    assert recorded.last_day == _today(ctx) + timedelta(days=30)


def test_owners_cannot_stop_it_and_see_it_with_its_basis(world: World) -> None:
    ctx = world.ctx
    recorded = _record(world)
    opened = legal_basis.approve(ctx, login_actor(ctx, ADMIN), recorded.id, password=PASSWORD)
    assert opened.grant_id is not None
    with pytest.raises(Conflict) as refused:
        sharing.revoke(ctx, world.youth, world.dossier.id, opened.grant_id)
    assert refused.value.detail == legal_basis.NOT_REFUSABLE
    with ctx.reading() as db:
        grant = db.get(Grant, opened.grant_id)
        assert grant is not None and grant.status == "active"
    page = pages.access_page(ctx, world.youth, world.dossier.id)
    assert [(item.basis, item.reference, item.grantee_name) for item in page.legal] == [
        ("child_protection", REFERENCE, "Gea")
    ]
    listed = next(g for g in page.overview.grants if g.id == opened.grant_id)
    assert listed.basis == "legal" and not listed.can_revoke


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"who": GUARDIAN_WORKER}, AccessDenied),  # not an officer
        ({"basis": "because"}, InvalidInput),  # not on the list
        ({"reference": " "}, InvalidInput),
        ({"days": 367}, InvalidInput),  # more than a year
        ({"days": -1}, InvalidInput),
        ({"grantee_email": "nobody@example.nl"}, InvalidInput),
        ({"password": "not it at all"}, InvalidInput),
    ],
)
def test_what_a_record_needs(world: World, changes: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        _record(world, **changes)
    with world.ctx.reading() as db:
        assert db.scalar(select(func.count()).select_from(Grant).where(Grant.basis == "legal")) == 0


def test_no_yes_after_the_last_day_opens_an_access_that_has_ended(world: World) -> None:
    ctx = world.ctx
    recorded = _record(world, days=0)  # until the end of today, Dutch time
    ctx.clock.advance(
        seconds=(start_of(_today(ctx) + timedelta(days=1)) - ctx.now()).total_seconds()
    )
    assert ctx.now() - recorded.created_at < timedelta(hours=24)  # still within the usual wait
    with pytest.raises(Conflict):
        legal_basis.approve(ctx, login_actor(ctx, ADMIN), recorded.id, password=PASSWORD)
    assert legal_basis.waiting_for_officer(ctx, login_actor(ctx, ADMIN)) == []
    assert legal_basis.expire_overdue(ctx) == 1


def test_a_record_that_waits_longer_than_its_access_lasts_opens_nothing(world: World) -> None:
    """A record made before the wait was cut to its last day still waits a whole day: a yes
    after its last day is refused all the same."""
    ctx = world.ctx
    recorded = _record(world, days=0)
    with ctx.unit_of_work() as db:
        row = db.get(LegalGrantRecord, recorded.id)
        assert row is not None
        row.approve_before = row.created_at + timedelta(hours=24)
    ctx.clock.advance(
        seconds=(start_of(_today(ctx) + timedelta(days=1)) - ctx.now()).total_seconds()
    )
    with pytest.raises(Conflict):
        legal_basis.approve(ctx, login_actor(ctx, ADMIN), recorded.id, password=PASSWORD)


def test_an_officer_says_yes_once_and_only_while_it_waits(world: World) -> None:
    ctx = world.ctx
    recorded = _record(world)
    with pytest.raises(Conflict):  # the recording officer said yes already
        legal_basis.approve(ctx, login_actor(ctx, LEAD), recorded.id, password=PASSWORD)
    with pytest.raises(AccessDenied):
        legal_basis.approve(ctx, world.youth, recorded.id, password=PASSWORD)
    with pytest.raises(NotFound):
        legal_basis.approve(ctx, login_actor(ctx, ADMIN), uuid.uuid4(), password=PASSWORD)
    assert [v.id for v in legal_basis.waiting_for_officer(ctx, login_actor(ctx, ADMIN))] == [
        recorded.id
    ]
    assert legal_basis.waiting_for_officer(ctx, login_actor(ctx, LEAD)) == []
    ctx.clock.advance(hours=25)
    with pytest.raises(Conflict):
        legal_basis.approve(ctx, login_actor(ctx, ADMIN), recorded.id, password=PASSWORD)
    assert legal_basis.expire_overdue(ctx) == 1
    with ctx.reading() as db:
        assert (
            db.scalar(select(func.count()).where(LegalGrantApproval.share_held.is_not(None))) == 0
        )
