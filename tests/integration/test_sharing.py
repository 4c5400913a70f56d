"""Sharing on a real database: consent by age, links, changes, expiry, birthdays, and revocation
that holds against the grantee's own keys and a copy of the database."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from dossier import crypto
from dossier.audit import chain_for, verify_chain
from dossier.errors import AccessDenied, InvalidInput, NotFound
from dossier.models import AuditEvent, KeyVersion, Notice, SealedKey, SessionKind
from dossier.services import accounts, dossiers, entries, ownership, sessions, sharing
from dossier.services.content import SignedText, Trust
from dossier.services.context import Context
from dossier.services.keychain import keychain
from dossier.services.rotation import continue_rotation
from tests.conftest import PASSWORD
from tests.integration.test_secrets_at_rest import dump_database
from tests.support import person, years_ago, youth_world


def login(ctx: Context, email: str):
    ticket = sessions.log_in(ctx, email, PASSWORD, SessionKind.WEB)
    found = sessions.authenticate(ctx, ticket.token, SessionKind.WEB)
    assert found is not None
    return found


def professional(ctx: Context, email: str = "anne@example.nl"):
    person(
        ctx,
        email,
        "professional",
        organisation="Jeugdteam Zuid",
        registration_number="SKJ 100012345",
    )
    accounts.create_staff(ctx, accounts.NewAccount(f"admin.{email}", PASSWORD, "Admin", "admin"))
    accounts.verify_professional(ctx, login(ctx, f"admin.{email}"), login(ctx, email).user_id)
    return login(ctx, email)


def key_versions(ctx: Context, dossier_id, section_id) -> list[int]:
    """The versions of a section's key that still exist."""
    with ctx.unit_of_work() as db:
        return list(
            db.scalars(
                select(KeyVersion.version).where(
                    KeyVersion.dossier_id == dossier_id, KeyVersion.scope == str(section_id)
                )
            )
        )


def section(dossier, name: str):
    return next(s.id for s in dossier.sections if s.default_name == name)


def readable(ctx: Context, who, dossier_id) -> bool:
    try:
        entries.list_entries(ctx, who, dossier_id, entries.Filters())
    except NotFound:
        return False
    return True


def test_a_youth_of_14_and_her_parent_share_care_then_the_parent_revokes(ctx: Context) -> None:
    world = youth_world(ctx, 14)
    youth, parent, dossier = world.youth, world.guardian, world.dossier
    care = section(dossier, "care")
    mine, _ = entries.write_entry(
        ctx, youth, dossier.id, section(dossier, "my_story"), "Privé", "Alleen voor mij", "note"
    )
    anne = professional(ctx)
    shared = sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[care],
        permission="contribute",
        message="Fijn dat je meekijkt",
    )
    assert shared.status == "pending"
    assert not readable(ctx, anne, dossier.id)
    assert [w.grantee_name for w in sharing.waiting_for_me(ctx, parent)] == ["Anne"]
    assert sharing.waiting_for_me(ctx, youth) == []
    assert sharing.approve(ctx, parent, dossier.id, shared.grant_id) == "active"
    assert sharing.message_for_me(ctx, anne, shared.grant_id) == SignedText(
        "Fijn dat je meekijkt", Trust.TRUSTED
    )

    [seen] = dossiers.list_dossiers(ctx, anne)
    assert [s.id for s in seen.sections] == [care] and seen.permission == "contribute"
    with pytest.raises(NotFound):
        entries.read_entry(ctx, anne, dossier.id, mine)
    report, _ = entries.write_entry(ctx, anne, dossier.id, care, "Verslag", "Wat ik zag", "report")
    entries.add_view(ctx, youth, dossier.id, report, "Zo zie ik het")
    assert entries.read_entry(ctx, anne, dossier.id, report).views[0].body == "Zo zie ik het"

    sharing.revoke(ctx, parent, dossier.id, shared.grant_id)
    assert not readable(ctx, anne, dossier.id)
    assert dossiers.list_dossiers(ctx, anne) == []
    with pytest.raises(NotFound):
        entries.write_entry(ctx, anne, dossier.id, care, "Nog eentje", "Mag niet meer", "report")
    detail = entries.read_entry(ctx, youth, dossier.id, report)
    assert detail.body == "Wat ik zag" and detail.card.trusted and detail.views[0].trusted
    kinds = {n.kind for n in _notices(ctx, anne)}
    assert {"grant.active", "grant.ended"} <= kinds
    with ctx.unit_of_work() as db:
        actions = db.scalars(
            select(AuditEvent.action).where(AuditEvent.dossier_id == dossier.id)
        ).all()
        assert {"grant.create", "grant.approve", "grant.activate", "grant.revoke"} <= set(actions)
        assert verify_chain(db, chain_for(dossier.id)) is None


def _notices(ctx: Context, who):
    with ctx.unit_of_work() as db:
        return db.scalars(select(Notice).where(Notice.user_id == who.user_id)).all()


def test_a_youth_of_17_shares_family_with_her_aunt_for_a_month(ctx: Context, clock) -> None:
    world = youth_world(ctx, 17)
    youth, dossier = world.youth, world.dossier
    family = section(dossier, "family")
    note, _ = entries.write_entry(
        ctx, youth, dossier.id, family, "Thuis", "Hoe het thuis gaat", "note"
    )
    aunt = person(ctx, "tante@example.nl", "parent")
    end = ctx.now() + timedelta(days=30)
    shared = sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email="tante@example.nl",
        section_ids=[family],
        permission="contribute",
        expires_at=end,
    )
    assert shared.status == "active"  # 17: the youth alone decides
    entries.add_view(ctx, aunt, dossier.id, note, "Ik ben trots op je")
    with pytest.raises(AccessDenied):
        entries.write_entry(ctx, aunt, dossier.id, family, "Van tante", "Geen verslag", "note")
    clock.advance(seconds=(end - ctx.now()).total_seconds() - 1)
    assert readable(ctx, aunt, dossier.id)
    clock.advance(seconds=1)  # to the second
    assert not readable(ctx, aunt, dossier.id)
    info = sharing.overview(ctx, youth, dossier.id).grants[0]
    assert info.status == "expired"
    with ctx.unit_of_work() as db:
        held = db.scalars(select(SealedKey).where(SealedKey.holder_id == aunt.user_id)).all()
        assert held == []  # expiry deletes the keys at once
        assert "grant.expire" in db.scalars(select(AuditEvent.action)).all()


def test_consent_by_age(ctx: Context) -> None:
    parent = person(ctx, "marieke@example.nl", "parent")
    small = dossiers.create_dossier(ctx, parent, "Kleintje", years_ago(ctx, 10), for_self=False)
    person(ctx, "oma@example.nl", "parent")
    alone = sharing.share(
        ctx,
        parent,
        small.id,
        grantee_email="oma@example.nl",
        section_ids=[section(small, "family")],
        permission="read",
    )
    assert alone.status == "active"  # under 12: one guardian decides
    teen = dossiers.create_dossier(ctx, parent, "Tiener", years_ago(ctx, 14), for_self=False)
    both = sharing.share(
        ctx,
        parent,
        teen.id,
        grantee_email="oma@example.nl",
        section_ids=[section(teen, "family")],
        permission="read",
    )
    assert both.status == "pending"  # 12-15: the youth must approve too
    assert sharing.approve(ctx, parent, teen.id, both.grant_id) == "pending"  # once is enough


def test_at_16_the_guardian_becomes_a_grantee_the_youth_controls(ctx: Context, clock) -> None:
    youth = person(
        ctx, "sanne@example.nl", "youth", birth_date=years_ago(ctx, 16, days=-2)
    )  # 16 in 2 days
    parent = person(ctx, "marieke@example.nl", "parent")
    dossier = dossiers.create_dossier(ctx, youth, "Sanne", None, for_self=True)
    ownership.join(ctx, parent, ownership.invite_owner(ctx, youth, dossier.id, "guardian").code)
    assert dossiers.get_dossier(ctx, parent, dossier.id).my_relation == "guardian"
    clock.advance(days=2)
    seen = dossiers.get_dossier(ctx, parent, dossier.id)
    assert seen.my_relation == "grantee" and seen.permission == "contribute"
    assert {n.kind for n in _notices(ctx, youth)} >= {"birthday.sixteen"}
    assert {n.kind for n in _notices(ctx, parent)} >= {"birthday.guardian"}
    [grant] = sharing.overview(ctx, youth, dossier.id).grants
    assert grant.basis == "ownership" and grant.status == "active"
    with pytest.raises(AccessDenied):
        sharing.share(
            ctx,
            parent,
            dossier.id,
            grantee_email="sanne@example.nl",
            section_ids=[section(dossier, "care")],
            permission="read",
        )
    sharing.revoke(ctx, youth, dossier.id, grant.id)
    assert not readable(ctx, parent, dossier.id)


def test_a_sharing_the_youth_approved_before_16_waits_for_her_yes_and_not_for_a_look(
    ctx: Context, clock
) -> None:
    youth = person(ctx, "sanne@example.nl", "youth", birth_date=years_ago(ctx, 16, days=-2))
    parent = person(ctx, "marieke@example.nl", "parent")
    dossier = dossiers.create_dossier(ctx, youth, "Sanne", None, for_self=True)
    ownership.join(ctx, parent, ownership.invite_owner(ctx, youth, dossier.id, "guardian").code)
    pro = professional(ctx)
    shared = sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[section(dossier, "care")],
        permission="read",
    )
    assert shared.status == "pending"  # waits for a guardian while Sanne is 15
    clock.advance(days=2)
    grants = sharing.overview(ctx, youth, dossier.id).grants
    looked = next(g for g in grants if g.basis == "consent")
    # her yes is enough now, but only she can start it: the page asks her, a look does not
    assert looked.status == "pending" and looked.waiting_for == ["subject"] and looked.can_approve
    assert [w.grant_id for w in sharing.waiting_for_me(ctx, youth)] == [shared.grant_id]
    assert not readable(ctx, pro, dossier.id)
    assert sharing.approve(ctx, youth, dossier.id, shared.grant_id) == "active"
    assert readable(ctx, pro, dossier.id)


def test_12_to_15_waits_for_the_youth_to_join_and_approve(ctx: Context) -> None:
    parent = person(ctx, "marieke@example.nl", "parent")
    birth = years_ago(ctx, 13)
    dossier = dossiers.create_dossier(ctx, parent, "Daan", birth, for_self=False)
    pro = professional(ctx)
    shared = sharing.share(
        ctx,
        parent,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[section(dossier, "care")],
        permission="read",
    )
    assert shared.status == "pending" and not readable(ctx, pro, dossier.id)
    invitation = ownership.invite_owner(ctx, parent, dossier.id)
    daan = person(ctx, "daan@example.nl", "youth", birth_date=birth)
    ownership.join(ctx, daan, invitation.code)
    assert [w.grant_id for w in sharing.waiting_for_me(ctx, daan)] == [shared.grant_id]
    assert sharing.approve(ctx, daan, dossier.id, shared.grant_id) == "active"
    assert readable(ctx, pro, dossier.id)


def test_the_setting_lets_a_youth_of_12_to_15_decide_alone(ctx: Context) -> None:
    alone_ctx = Context(
        ctx.sessions, ctx.settings.with_overrides(youth_alone_12_15=True), clock=ctx.clock
    )
    world = youth_world(alone_ctx, 13)
    youth, parent, dossier = world.youth, world.guardian, world.dossier
    professional(alone_ctx)
    shared = sharing.share(
        alone_ctx,
        youth,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[section(dossier, "care")],
        permission="read",
    )
    assert shared.status == "active"
    with pytest.raises(AccessDenied):  # in that setting the guardian no longer decides
        sharing.revoke(alone_ctx, parent, dossier.id, shared.grant_id)


def test_share_with_someone_new_by_link(ctx: Context, clock) -> None:
    world = youth_world(ctx, 17)
    youth, dossier = world.youth, world.dossier
    school = section(dossier, "school")
    entries.write_entry(ctx, youth, dossier.id, school, "Rooster", "Maandag wiskunde", "note")
    shared = sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email=None,
        section_ids=[school],
        permission="read",
        message="Voor de mentor",
    )
    assert shared.status == "active" and shared.invitation_code
    mentor = person(ctx, "mentor@example.nl", "parent")
    assert sharing.accept_code(ctx, mentor, shared.invitation_code.lower()).dossier_id == dossier.id
    assert [
        c.title for c in entries.list_entries(ctx, mentor, dossier.id, entries.Filters()).items
    ] == ["Rooster"]
    assert sharing.message_for_me(ctx, mentor, shared.grant_id) == SignedText(
        "Voor de mentor", Trust.TRUSTED
    )
    other = person(ctx, "other@example.nl", "parent")
    with pytest.raises(InvalidInput):
        sharing.accept_code(ctx, other, shared.invitation_code)  # single use
    late = sharing.share(
        ctx, youth, dossier.id, grantee_email=None, section_ids=[school], permission="read"
    )
    clock.advance(days=7, seconds=1)
    with pytest.raises(InvalidInput):
        sharing.accept_code(ctx, other, late.invitation_code)


def test_refusals_when_sharing(ctx: Context) -> None:
    world = youth_world(ctx, 17)
    youth, dossier = world.youth, world.dossier
    care = section(dossier, "care")
    person(
        ctx,
        "pro.unchecked@example.nl",
        "professional",
        organisation="X",
        registration_number="123456",
    )
    accounts.create_staff(
        ctx, accounts.NewAccount("audit@example.nl", PASSWORD, "Audit", "auditor")
    )
    # Only someone already in the dossier is refused by address; an unknown, staff or unchecked
    # address is answered like any other and hears by e-mail (tests/e2e/test_share_by_email.py).
    with pytest.raises(InvalidInput) as raised:
        sharing.share(
            ctx,
            youth,
            dossier.id,
            grantee_email="sanne@example.nl",
            section_ids=[care],
            permission="read",
        )
    assert "grantee_email" in raised.value.errors
    for email in ("nobody@example.nl", "pro.unchecked@example.nl", "audit@example.nl"):
        shared = sharing.share(
            ctx, youth, dossier.id, grantee_email=email, section_ids=[care], permission="read"
        )
        assert shared.invitation_code is None  # the code went to the address only
    with pytest.raises(InvalidInput) as raised:
        sharing.share(
            ctx,
            youth,
            dossier.id,
            grantee_email=None,
            section_ids=[],
            permission="admin",
            expires_at=ctx.now() - timedelta(days=1),
        )
    assert set(raised.value.errors) == {"section_ids", "permission", "expires_at"}


def test_narrowing_a_grant_takes_a_section_away_at_once(ctx: Context) -> None:
    world = youth_world(ctx, 17)
    youth, dossier = world.youth, world.dossier
    care, school = section(dossier, "care"), section(dossier, "school")
    in_school, _ = entries.write_entry(ctx, youth, dossier.id, school, "School", "Tekst", "note")
    pro = professional(ctx)
    shared = sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[care, school],
        permission="read",
    )
    assert entries.read_entry(ctx, pro, dossier.id, in_school).body == "Tekst"
    sharing.change(ctx, youth, dossier.id, shared.grant_id, section_ids=[care])
    with pytest.raises(NotFound):
        entries.read_entry(ctx, pro, dossier.id, in_school)
    assert readable(ctx, pro, dossier.id)
    with pytest.raises(InvalidInput):
        sharing.change(ctx, youth, dossier.id, shared.grant_id, section_ids=[care, school])
    sharing.change(
        ctx, youth, dossier.id, shared.grant_id, expires_at=ctx.now() + timedelta(days=3)
    )
    with pytest.raises(InvalidInput):
        sharing.change(
            ctx, youth, dossier.id, shared.grant_id, expires_at=ctx.now() + timedelta(days=30)
        )


def test_after_revocation_the_grantees_keys_open_nothing_they_lost(ctx: Context, engine) -> None:
    world = youth_world(ctx, 17)
    youth, dossier = world.youth, world.dossier
    care = section(dossier, "care")
    texts = ["Eerste geheim", "Tweede geheim", "Derde geheim"]
    ids = [
        entries.write_entry(ctx, youth, dossier.id, care, t, t + " uitgeschreven", "note")[0]
        for t in texts
    ]
    pro = professional(ctx)
    shared = sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[care],
        permission="contribute",
    )
    report, _ = entries.write_entry(
        ctx, pro, dossier.id, care, "Verslag van Anne", "Haar eigen woorden", "report"
    )
    entries.attach(ctx, youth, dossier.id, ids[0], "bijlage.txt", b"geheime bijlage")
    # What a grantee could have kept: her private keys and every plain key she opened.
    with ctx.unit_of_work() as db:
        keys = keychain(db, pro, dossier.id)
        keyring = keys.keyring
        kept = [keys.key(care, 1), keys.key(None, 1)]
    sharing.revoke(ctx, youth, dossier.id, shared.grant_id)
    with ctx.unit_of_work() as db:
        assert db.scalars(select(SealedKey).where(SealedKey.holder_id == pro.user_id)).all() == []
    # The old version is gone once everything moved to the new one.
    assert key_versions(ctx, dossier.id, care) == [2]
    # A copy of the database from after the revocation, tried with everything she held.
    blobs = []
    with engine.connect() as connection:
        for table in [
            "sealed_keys",
            "entry_versions",
            "entry_perspectives",
            "attachments",
            "correction_requests",
            "dossiers",
            "sections",
            "grants",
        ]:
            for row in connection.exec_driver_sql(f"SELECT * FROM {table}"):  # noqa: S608
                blobs.extend(bytes(v) for v in row if isinstance(v, bytes | memoryview))
    opened = 0
    for blob in blobs:
        try:
            crypto.open_from_public_key(blob, keyring.exchange, {})
            opened += 1
        except crypto.CryptoError:
            pass
        for key in kept:
            for field in ["title", "body", "filename", "content", "subject_name", "section_name"]:
                try:
                    crypto.open_sealed(
                        key, blob, kind=crypto.Kind.CONTENT, purpose=f"content/{field}", context={}
                    )
                    opened += 1
                except crypto.CryptoError:
                    pass
    assert opened == 0
    # Re-encrypted content carries the new version, opens for the owner and still verifies.
    for entry_id, title in zip(ids, texts, strict=True):
        detail = entries.read_entry(ctx, youth, dossier.id, entry_id)
        assert detail.card.title == title and detail.card.trusted
    assert entries.read_entry(ctx, youth, dossier.id, report).card.trusted
    assert (
        entries.download(
            ctx,
            youth,
            dossier.id,
            ids[0],
            entries.read_entry(ctx, youth, dossier.id, ids[0]).attachments[0].id,
        ).content
        == b"geheime bijlage"
    )
    assert b"Eerste geheim" not in dump_database(engine)


def test_re_encryption_resumes_at_the_next_owner_write_and_never_at_a_look(ctx: Context) -> None:
    world = youth_world(ctx, 17)
    youth, dossier = world.youth, world.dossier
    care = section(dossier, "care")
    for number in range(5):
        entries.write_entry(ctx, youth, dossier.id, care, f"Nummer {number}", "Tekst", "note")
    professional(ctx)
    person(ctx, "oma@example.nl", "parent")
    shared = sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[care],
        permission="read",
    )
    with ctx.unit_of_work() as db:
        keys = keychain(db, youth, dossier.id)
        from dossier.models import Grant
        from dossier.services.rotation import rotate, scopes_of_grant

        grant = db.get(Grant, shared.grant_id)
        grant.status = "revoked"
        rotate(db, keys, scopes_of_grant(db, grant), ctx.now())
        first = continue_rotation(db, keys, budget_seconds=0)
    assert first.remaining > 0 and first.rewritten == 0
    assert [
        c.trusted for c in entries.list_entries(ctx, youth, dossier.id, entries.Filters()).items
    ] == [True] * 5
    # a look says how much is left, and leaves it so
    assert sharing.overview(ctx, youth, dossier.id).rotation_remaining > 0
    assert key_versions(ctx, dossier.id, care) == [1, 2]
    # an owner's next change to who may look carries it on
    sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email="oma@example.nl",
        section_ids=[section(dossier, "family")],
        permission="read",
    )
    assert sharing.overview(ctx, youth, dossier.id).rotation_remaining == 0
    assert key_versions(ctx, dossier.id, care) == [2]


def test_expiry_rotates_at_the_next_owner_write(ctx: Context, clock) -> None:
    world = youth_world(ctx, 17)
    youth, dossier = world.youth, world.dossier
    care = section(dossier, "care")
    entries.write_entry(ctx, youth, dossier.id, care, "Titel", "Tekst", "note")
    professional(ctx)
    person(ctx, "oma@example.nl", "parent")
    sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[care],
        permission="read",
        expires_at=ctx.now() + timedelta(hours=1),
    )
    clock.advance(hours=2)
    sharing.overview(ctx, youth, dossier.id)  # the grant ends; its rotation waits for an owner
    assert key_versions(ctx, dossier.id, care) == [1]
    sharing.share(
        ctx,
        youth,
        dossier.id,
        grantee_email="oma@example.nl",
        section_ids=[section(dossier, "family")],
        permission="read",
    )
    assert key_versions(ctx, dossier.id, care) == [2]


def test_notices_are_mailed_or_logged(ctx: Context, caplog) -> None:
    world = youth_world(ctx, 17)
    youth, dossier = world.youth, world.dossier
    professional(ctx)
    with caplog.at_level(logging.INFO, logger="dossier.services.mail"):
        sharing.share(
            ctx,
            youth,
            dossier.id,
            grantee_email="anne@example.nl",
            section_ids=[section(dossier, "care")],
            permission="read",
        )
    logged = [record.getMessage() for record in caplog.records]
    assert any("Er is een dossier met je gedeeld" in line for line in logged)
    # what was sent, never to whom nor whose dossier (tests/unit/test_mail.py)
    assert all("anne@example.nl" not in line and "Sanne" not in line for line in logged)
