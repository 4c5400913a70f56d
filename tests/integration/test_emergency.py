"""Emergency access: the emergency key follows every key version, and only k officers together
open exactly the requested sections, for exactly the requested hours (issue 16, part 2)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dossier import crypto
from dossier.actions import Action
from dossier.errors import AccessDenied, Conflict, InvalidInput, NotFound
from dossier.keys import load_keys
from dossier.models import (
    AuditEvent,
    EmergencyApproval,
    EmergencyKey,
    EmergencyOfficer,
    Grant,
    KeyVersion,
    SealedKey,
    User,
)
from dossier.services import accounts, emergency, entries, plans, sharing
from dossier.services.context import Context
from dossier.services.keychain import emergency_recipient, seal_info
from dossier.services.lifecycle import sweep_everywhere
from tests.conftest import PASSWORD, login_actor
from tests.support import ADMIN, AUDITOR, CARE_WORKER, World, person, youth_world

LEAD = "lead@example.nl"  # a crisis team lead: a checked professional, and an officer
CRISIS = "crisis@example.nl"  # the crisis worker who asks at night


@pytest.fixture
def jobs(ctx: Context, keys_dir: Path) -> Context:
    """The context of a server with its keys loaded: approvals hold shares under the job key."""
    return Context(ctx.sessions, ctx.settings, clock=ctx.clock, job_key=load_keys(keys_dir).job_key)


def _staff(ctx: Context) -> None:
    for email, name, role in ((ADMIN, "Admin", "admin"), (AUDITOR, "Pieter", "auditor")):
        accounts.create_staff(ctx, accounts.NewAccount(email, PASSWORD, name, role))


def _professional(ctx: Context, email: str, name: str) -> Any:
    person(
        ctx,
        email,
        "professional",
        name,
        organisation="Crisisdienst",
        registration_number="SKJ 100012345",
    )
    accounts.verify_professional(ctx, login_actor(ctx, ADMIN), login_actor(ctx, email).user_id)
    return login_actor(ctx, email)


@pytest.fixture
def world(jobs: Context) -> World:
    """Staff and a team lead as officers (2 of 3), then Sanne's dossier with a note in Health
    and one in School, and a crisis worker who has never had access."""
    _staff(jobs)
    _professional(jobs, LEAD, "Lead")
    emergency.create_key(jobs, [ADMIN, AUDITOR, LEAD], threshold=2)
    made = youth_world(jobs)
    _professional(jobs, CRISIS, "Cris")
    return made


def _seals(ctx: Context, dossier_id: uuid.UUID) -> dict[tuple[str, int], int]:
    """Per key version of the dossier: how many copies the emergency key holds."""
    with ctx.reading() as db:
        rows = db.execute(
            select(KeyVersion.scope, KeyVersion.version, func.count(SealedKey.id))
            .outerjoin(
                SealedKey,
                (SealedKey.key_version_id == KeyVersion.id)
                & SealedKey.emergency_key_id.is_not(None),
            )
            .where(KeyVersion.dossier_id == dossier_id)
            .group_by(KeyVersion.scope, KeyVersion.version)
        )
        return {(scope, version): count for scope, version, count in rows}


def _actions(ctx: Context, dossier_id: uuid.UUID) -> list[tuple[str, str]]:
    with ctx.reading() as db:
        return [
            (action, outcome)
            for action, outcome in db.execute(
                select(AuditEvent.action, AuditEvent.outcome)
                .where(AuditEvent.dossier_id == dossier_id)
                .order_by(AuditEvent.seq)
            )
        ]


# --- the seal follows every key version ---------------------------------------------------------


def test_every_key_version_of_a_new_dossier_is_sealed_to_the_emergency_key(world: World) -> None:
    seals = _seals(world.ctx, world.dossier.id)
    assert len(seals) == 6  # the dossier key and five sections
    assert set(seals.values()) == {1}


def test_a_new_section_is_sealed_to_the_emergency_key(world: World) -> None:
    from dossier.services import dossiers

    added = dossiers.add_section(world.ctx, world.youth, world.dossier.id, "Sport")
    assert _seals(world.ctx, world.dossier.id)[(str(added.id), 1)] == 1


def test_after_a_revocation_the_new_key_version_is_sealed_to_the_emergency_key(
    world: World,
) -> None:
    world.care_worker()
    grant = world.share(CARE_WORKER, sections=("health",))
    health = str(world.section("health"))
    sharing.revoke(world.ctx, world.youth, world.dossier.id, grant)
    seals = _seals(world.ctx, world.dossier.id)
    assert seals[(health, 2)] == 1
    assert seals[("dossier", 2)] == 1
    assert (health, 1) not in seals  # re-encrypted, and the old version went with its seals


def test_a_dossier_from_before_the_key_gets_its_seal_at_the_next_owner_change(
    jobs: Context,
) -> None:
    made = youth_world(jobs)
    _staff(jobs)
    assert set(_seals(jobs, made.dossier.id).values()) == {0}
    emergency.create_key(jobs, [ADMIN, AUDITOR], threshold=2)
    made.care_worker()
    made.share(CARE_WORKER, sections=("care",))  # an owner's write: `settle` seals what lacks it
    assert set(_seals(jobs, made.dossier.id).values()) == {1}


def test_a_dossier_not_sealed_yet_is_refused_with_the_reason_until_its_owners_change_it(
    jobs: Context,
) -> None:
    made = youth_world(jobs)
    _staff(jobs)
    _professional(jobs, LEAD, "Lead")
    emergency.create_key(jobs, [ADMIN, AUDITOR, LEAD], threshold=2)
    crisis = _professional(jobs, CRISIS, "Cris")
    health = [made.section("health")]
    with pytest.raises(Conflict) as refused:
        emergency.file_request(jobs, crisis, made.dossier.id, health, "Crisis vannacht", 12)
    assert refused.value.detail == emergency.NOT_SEALED_YET  # not an emergency that opens nothing
    made.care_worker()
    made.share(CARE_WORKER, sections=("care",))  # the owners' next change seals what lacks it
    filed = emergency.file_request(jobs, crisis, made.dossier.id, health, "Crisis vannacht", 12)
    assert filed.status == "waiting"


# --- the key and its officers -------------------------------------------------------------------


def test_each_officer_holds_one_share_sealed_to_their_own_key(world: World) -> None:
    current = emergency.current_key(world.ctx)
    assert current is not None and current.threshold == 2
    assert [o.email for o in current.officers] == [ADMIN, AUDITOR, LEAD]
    with world.ctx.reading() as db:
        rows = list(db.scalars(select(EmergencyOfficer)))
        key_row = db.scalars(select(EmergencyKey)).one()
    keyring = _keyring(world.ctx, ADMIN)
    admin = next(row for row in rows if row.user_id == keyring[0])
    others = [row for row in rows if row is not admin]
    share = crypto.open_from_public_key(
        admin.share_sealed,
        keyring[1].exchange,
        emergency.share_info(key_row.id, admin.user_id, admin.share_index),
    )
    assert len(share) == crypto.SHARE_BYTES
    for row in others:  # another officer's share is not hers to open
        with pytest.raises(crypto.CryptoError):
            crypto.open_from_public_key(
                row.share_sealed,
                keyring[1].exchange,
                emergency.share_info(key_row.id, row.user_id, row.share_index),
            )


@pytest.mark.parametrize(
    ("officers", "threshold", "field"),
    [
        ([ADMIN], 1, "threshold"),
        ([ADMIN, AUDITOR], 3, "officers"),
        ([ADMIN, "nobody@example.nl"], 2, "officers"),
        ([ADMIN, "sanne@example.nl"], 2, "officers"),  # a youth is no officer
    ],
)
def test_the_key_needs_at_least_two_real_officers(
    jobs: Context, officers: list[str], threshold: int, field: str
) -> None:
    _staff(jobs)
    youth_world(jobs)
    with pytest.raises(InvalidInput) as refused:
        emergency.create_key(jobs, officers, threshold)
    assert field in refused.value.errors
    assert emergency.current_key(jobs) is None


def test_there_is_one_emergency_key(world: World) -> None:
    with pytest.raises(Conflict):
        emergency.create_key(world.ctx, [ADMIN, AUDITOR], threshold=2)


# --- requests -----------------------------------------------------------------------------------


def _request(world: World, sections: tuple[str, ...] = ("health",), hours: int = 12) -> Any:
    return emergency.file_request(
        world.ctx,
        login_actor(world.ctx, CRISIS),
        world.dossier.id,
        [world.section(name) for name in sections],
        "Sanne is in crisis tonight; I need her medication list.",
        hours,
    )


def test_k_officers_open_exactly_the_requested_sections_for_the_requested_time(
    world: World,
) -> None:
    ctx = world.ctx
    health = world.write(world.youth, "health", "Medicijnen", "Elke avond 10 mg")
    school = world.write(world.youth, "school", "Rapport", "Goed gedaan")
    crisis = login_actor(ctx, CRISIS)
    filed = _request(world)
    assert filed.status == "waiting" and filed.threshold == 2

    first = emergency.approve_request(ctx, login_actor(ctx, ADMIN), filed.id)
    assert first.status == "waiting" and first.grant_id is None
    with pytest.raises(NotFound):  # one officer alone opens nothing
        entries.read_entry(ctx, crisis, world.dossier.id, health)

    opened = emergency.approve_request(ctx, login_actor(ctx, LEAD), filed.id)
    assert opened.status == "opened" and opened.grant_id is not None
    assert entries.read_entry(ctx, crisis, world.dossier.id, health).body == "Elke avond 10 mg"
    with pytest.raises((AccessDenied, NotFound)):
        entries.read_entry(ctx, crisis, world.dossier.id, school)

    with ctx.reading() as db:
        grant = db.get(Grant, opened.grant_id)
        assert grant is not None and grant.basis == "emergency" and grant.permission == "read"
        assert grant.expires_at == grant.activated_at + timedelta(hours=12)
        assert db.scalar(select(func.count()).where(EmergencyApproval.share_held.is_not(None))) == 0
        held = {
            scope
            for (scope,) in db.execute(
                select(KeyVersion.scope)
                .join(SealedKey, SealedKey.key_version_id == KeyVersion.id)
                .where(SealedKey.holder_id == crisis.user_id)
            )
        }
    assert held == {"dossier", str(world.section("health"))}
    assert [a for a, _ in _actions(ctx, world.dossier.id) if a.startswith("emergency.")] == [
        Action.EMERGENCY_REQUEST,
        Action.EMERGENCY_APPROVE,
        Action.EMERGENCY_APPROVE,
        Action.EMERGENCY_OPEN,
    ]

    world.ctx.clock.advance(hours=12, seconds=1)
    with pytest.raises(NotFound):
        entries.read_entry(ctx, crisis, world.dossier.id, health)
    sweep_everywhere(ctx)
    with ctx.reading() as db:
        assert db.scalar(select(func.count()).where(SealedKey.holder_id == crisis.user_id)) == 0


def test_a_request_that_waits_too_long_ends_and_drops_its_shares(world: World) -> None:
    ctx = world.ctx
    filed = _request(world)
    emergency.approve_request(ctx, login_actor(ctx, ADMIN), filed.id)
    ctx.clock.advance(hours=25)
    with pytest.raises(Conflict):
        emergency.approve_request(ctx, login_actor(ctx, AUDITOR), filed.id)
    with ctx.reading() as db:
        assert db.scalar(select(func.count()).where(EmergencyApproval.share_held.is_not(None))) == 0
    assert (Action.EMERGENCY_EXPIRE, "success") in _actions(ctx, world.dossier.id)


@pytest.mark.parametrize(
    ("who", "hours", "error"),
    [
        ("youth", 12, AccessDenied),
        ("unchecked", 12, AccessDenied),
        ("crisis", 73, InvalidInput),
        ("crisis", 0, InvalidInput),
    ],
)
def test_who_may_file_a_request_and_for_how_long(
    world: World, who: str, hours: int, error: type[Exception]
) -> None:
    ctx = world.ctx
    if who == "unchecked":
        actor = person(
            ctx,
            "new@example.nl",
            "professional",
            "New",
            organisation="X",
            registration_number="SKJ 100012346",
        )
    else:
        actor = world.youth if who == "youth" else login_actor(ctx, CRISIS)
    with pytest.raises(error):
        emergency.file_request(
            ctx, actor, world.dossier.id, [world.section("health")], "Crisis", hours
        )
    if error is AccessDenied:
        assert (Action.EMERGENCY_REQUEST, "denied") in _actions(ctx, world.dossier.id)


def test_sections_must_be_of_the_dossier(world: World) -> None:
    with pytest.raises(InvalidInput):
        emergency.file_request(
            world.ctx, login_actor(world.ctx, CRISIS), world.dossier.id, [uuid.uuid4()], "Crisis", 4
        )


@pytest.mark.parametrize("who", ["twice", "not an officer", "own request"])
def test_who_may_approve(world: World, who: str) -> None:
    ctx = world.ctx
    if who == "own request":
        filed = emergency.file_request(
            ctx, login_actor(ctx, LEAD), world.dossier.id, [world.section("health")], "Crisis", 4
        )
        approver, error = login_actor(ctx, LEAD), AccessDenied
    elif who == "twice":
        filed = _request(world)
        emergency.approve_request(ctx, login_actor(ctx, ADMIN), filed.id)
        approver, error = login_actor(ctx, ADMIN), Conflict
    else:
        filed = _request(world)
        approver, error = world.guardian, AccessDenied
    with pytest.raises(error):
        emergency.approve_request(ctx, approver, filed.id)
    assert (Action.EMERGENCY_APPROVE, "denied") in _actions(ctx, world.dossier.id)
    with ctx.reading() as db:
        assert (
            db.scalar(select(func.count()).select_from(Grant).where(Grant.basis == "emergency"))
            == 0
        )


# --- what a copy of the database, keys/ and one officer's password open -------------------------


def _keyring(ctx: Context, email: str) -> tuple[uuid.UUID, crypto.Keyring]:
    """What someone with the database and one officer's password has: that officer's keys."""
    with ctx.reading() as db:
        user = db.scalars(select(User).where(User.email == email)).one()
        cost = crypto.KdfCost(user.kdf_time_cost, user.kdf_memory_kib, user.kdf_lanes)
        kek = crypto.derive_password_keys(PASSWORD, user.kdf_salt, cost).kek
        keyring = crypto.open_keyring(
            user.keyring_by_password, kek, kind=crypto.Kind.KEYRING_BY_PASSWORD, owner=str(user.id)
        )
        return user.id, keyring


def _what_one_officer_opens(ctx: Context, keys_dir: Path, email: str) -> int:
    """Every emergency seal of the database tried with everything one officer's password, the
    database and keys/ give: her own share, any share held under the job key, combined. Returns
    how many seals opened."""
    officer_id, keyring = _keyring(ctx, email)
    job_key = load_keys(keys_dir).job_key
    with ctx.reading() as db:
        key_row = db.scalars(select(EmergencyKey)).one()
        shares = []
        for row in db.scalars(select(EmergencyOfficer)):
            try:
                value = crypto.open_from_public_key(
                    row.share_sealed,
                    keyring.exchange,
                    emergency.share_info(key_row.id, row.user_id, row.share_index),
                )
            except crypto.CryptoError:
                continue
            shares.append(crypto.Share(row.share_index, value))
        for approval in db.scalars(select(EmergencyApproval)):
            if approval.share_held is None or approval.officer_id == officer_id:
                continue
            shares.append(
                crypto.Share(
                    approval.share_index,
                    crypto.open_sealed(
                        job_key,
                        approval.share_held,
                        kind=crypto.Kind.HELD_SHARE,
                        purpose=emergency.HELD_PURPOSE,
                        context={
                            "request": str(approval.request_id),
                            "officer": str(approval.officer_id),
                            "index": approval.share_index,
                        },
                    ),
                )
            )
        assert len(shares) == 1  # her own
        guessed = crypto.exchange_key(crypto.combine_shares(shares))
        assert crypto.public_bytes(guessed) != key_row.public_key
        assert db.scalar(select(func.count()).where(SealedKey.holder_id == officer_id)) == 0
        opened = 0
        for sealed, key_version in db.execute(
            select(SealedKey.sealed, KeyVersion)
            .join(KeyVersion, KeyVersion.id == SealedKey.key_version_id)
            .where(SealedKey.emergency_key_id.is_not(None))
        ):
            info = seal_info(
                key_version.dossier_id,
                key_version.scope,
                key_version.version,
                emergency_recipient(key_row.id),
            )
            for private in (guessed, keyring.exchange):
                try:
                    crypto.open_from_public_key(sealed, private, info)
                    opened += 1
                except crypto.CryptoError:
                    pass
        return opened


def test_the_database_keys_and_one_officers_password_open_nothing(
    world: World, keys_dir: Path
) -> None:
    assert _what_one_officer_opens(world.ctx, keys_dir, AUDITOR) == 0


def test_after_an_emergency_opened_no_share_is_left_to_combine(
    world: World, keys_dir: Path
) -> None:
    ctx = world.ctx
    filed = _request(world)
    emergency.approve_request(ctx, login_actor(ctx, ADMIN), filed.id)
    emergency.approve_request(ctx, login_actor(ctx, LEAD), filed.id)
    assert _what_one_officer_opens(ctx, keys_dir, AUDITOR) == 0


# --- a new group of officers --------------------------------------------------------------------


def test_a_new_group_of_officers_gets_new_shares_of_the_same_key(world: World) -> None:
    ctx = world.ctx
    health = world.write(world.youth, "health", "Medicijnen", "Elke avond 10 mg")
    _professional(ctx, "nieuw@example.nl", "Nieuw")
    waiting = _request(world)
    emergency.approve_request(ctx, login_actor(ctx, ADMIN), waiting.id)  # holds an old share
    before = emergency.current_key(ctx)
    assert before is not None

    with pytest.raises(InvalidInput):  # one current officer alone cannot do it
        emergency.reshare(ctx, [(ADMIN, PASSWORD)], [ADMIN, LEAD, "nieuw@example.nl"])
    with pytest.raises(InvalidInput):  # a wrong password opens nothing
        emergency.reshare(
            ctx, [(ADMIN, PASSWORD), (AUDITOR, "wrong")], [ADMIN, LEAD, "nieuw@example.nl"]
        )
    with pytest.raises(InvalidInput):  # one officer twice is still one
        emergency.reshare(
            ctx, [(ADMIN, PASSWORD), (ADMIN, PASSWORD)], [ADMIN, LEAD, "nieuw@example.nl"]
        )
    assert emergency.current_key(ctx) == before  # nothing changed

    after = emergency.reshare(
        ctx, [(ADMIN, PASSWORD), (AUDITOR, PASSWORD)], [ADMIN, LEAD, "nieuw@example.nl"]
    )
    assert after.id == before.id and after.threshold == 2
    assert {o.email for o in after.officers} == {ADMIN, LEAD, "nieuw@example.nl"}
    with ctx.reading() as db:
        stale = db.get(EmergencyApproval, (waiting.id, login_actor(ctx, ADMIN).user_id))
        assert stale is not None and stale.share_held is None  # the old split's share is gone
    # The auditor is no officer any more; the new group opens a new request with the old seals.
    with pytest.raises(AccessDenied):
        emergency.waiting_for_officer(ctx, login_actor(ctx, AUDITOR))
    filed = _request(world)
    emergency.approve_request(ctx, login_actor(ctx, LEAD), filed.id)
    opened = emergency.approve_request(ctx, login_actor(ctx, "nieuw@example.nl"), filed.id)
    assert opened.grant_id is not None
    crisis = login_actor(ctx, CRISIS)
    assert entries.read_entry(ctx, crisis, world.dossier.id, health).body == "Elke avond 10 mg"


def test_who_looks_in_an_emergency_does_not_mark_the_familys_plan(world: World) -> None:
    ctx = world.ctx
    goal = plans.Goal(uuid.uuid4(), "Naar school", "Sanne", ())
    version = plans.propose_plan(
        ctx, world.youth, world.dossier.id, plans.PlanDocument(goals=(goal,))
    )
    filed = _request(world, ("care",))
    emergency.approve_request(ctx, login_actor(ctx, ADMIN), filed.id)
    emergency.approve_request(ctx, login_actor(ctx, LEAD), filed.id)
    crisis = login_actor(ctx, CRISIS)
    assert plans.read_plan(ctx, crisis, world.dossier.id).proposals  # she reads it
    with pytest.raises(AccessDenied):
        plans.mark_plan(ctx, crisis, world.dossier.id, version, False, "Niet mee eens")
