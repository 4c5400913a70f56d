"""Every way in checks who may come in: share links, second shares, races, ended grants."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dossier.errors import Conflict, DomainError, InvalidInput, NotFound
from dossier.models import AuditEvent, Grant, KeyVersion, SealedKey
from dossier.services import accounts, dossiers, entries, sharing
from dossier.services.context import Context
from dossier.services.keychain import scope_of
from tests.conftest import PASSWORD
from tests.integration.test_dossiers import person, section, verified_professional


def owned_by_a_17_year_old(ctx: Context):
    today = ctx.now().date()
    daan = person(ctx, "daan@example.nl", "youth", birth_date=today.replace(year=today.year - 17))
    dossier = dossiers.create_dossier(ctx, daan, "Daan", None, for_self=True)
    return daan, dossier, section(dossier, "care")


def link(ctx: Context, owner, dossier_id, care, permission: str = "read") -> str:
    shared = sharing.share(
        ctx, owner, dossier_id, grantee_email=None, section_ids=[care], permission=permission
    )
    assert shared.invitation_code
    return shared.invitation_code


def staff(ctx: Context, email: str, role: str):
    from tests.conftest import login_actor

    accounts.create_staff(ctx, accounts.NewAccount(email, PASSWORD, role.title(), role))
    return login_actor(ctx, email)


@pytest.mark.parametrize(
    ("who", "permission", "says"),
    [
        ("auditor", "read", "administrators, auditors or client council"),
        ("admin", "read", "administrators, auditors or client council"),
        ("council", "read", "administrators, auditors or client council"),
        ("unverified", "contribute", "not checked yet"),
        ("unverified", "read", "not checked yet"),
    ],
)
def test_a_share_link_reaches_only_whom_a_share_by_e_mail_could(
    ctx: Context, who: str, permission: str, says: str
) -> None:
    daan, dossier, care = owned_by_a_17_year_old(ctx)
    code = link(ctx, daan, dossier.id, care, permission)
    if who == "unverified":
        taker = person(
            ctx,
            "new@example.nl",
            "professional",
            organisation="Wijkteam",
            registration_number="SKJ 100099999",
        )
    else:
        taker = staff(ctx, f"{who}@example.nl", who)
    with pytest.raises(InvalidInput) as refused:
        sharing.accept_code(ctx, taker, code)
    assert says in refused.value.errors["code"][0]
    with ctx.unit_of_work() as db:
        grant = db.scalar(select(Grant).where(Grant.dossier_id == dossier.id))
        assert grant is not None and grant.grantee_id is None  # still open for the right person
        denied = db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "grant.accept", AuditEvent.outcome == "denied"
            )
        )
        assert denied is not None and denied.actor_id == taker.user_id
    anne = verified_professional(ctx)
    assert sharing.accept_code(ctx, anne, code).dossier_id == dossier.id


def test_one_person_holds_one_grant_whichever_way_the_second_comes(ctx: Context) -> None:
    daan, dossier, care = owned_by_a_17_year_old(ctx)
    anne = verified_professional(ctx)
    sharing.share(
        ctx,
        daan,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[care],
        permission="read",
    )
    with pytest.raises(InvalidInput) as by_mail:
        sharing.share(
            ctx,
            daan,
            dossier.id,
            grantee_email="anne@example.nl",
            section_ids=[section(dossier, "school")],
            permission="read",
        )
    assert "access already" in by_mail.value.errors["grantee_email"][0]
    with pytest.raises(InvalidInput) as by_link:
        sharing.accept_code(ctx, anne, link(ctx, daan, dossier.id, section(dossier, "school")))
    assert "access already" in by_link.value.errors["code"][0]
    with ctx.unit_of_work() as db:
        grants = db.scalars(select(Grant).where(Grant.grantee_id == anne.user_id)).all()
    assert len(grants) == 1


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; each result or the domain error it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except DomainError as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_a_form_sent_twice_at_once_makes_one_grant(ctx: Context) -> None:
    daan, dossier, care = owned_by_a_17_year_old(ctx)
    anne = verified_professional(ctx)

    def share() -> object:
        return sharing.share(
            ctx,
            daan,
            dossier.id,
            grantee_email="anne@example.nl",
            section_ids=[care],
            permission="read",
        )

    results = at_once(share, share)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and isinstance(refused[0], InvalidInput)
    with ctx.unit_of_work() as db:
        assert len(db.scalars(select(Grant).where(Grant.grantee_id == anne.user_id)).all()) == 1


def test_two_revocations_at_once_one_wins_one_event_one_rotation(ctx: Context) -> None:
    daan, dossier, care = owned_by_a_17_year_old(ctx)
    verified_professional(ctx)
    shared = sharing.share(
        ctx,
        daan,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[care],
        permission="read",
    )
    with ctx.unit_of_work() as db:
        before = db.scalar(
            select(func.max(KeyVersion.version)).where(KeyVersion.scope == scope_of(care))
        )
    results = at_once(
        lambda: sharing.revoke(ctx, daan, dossier.id, shared.grant_id),
        lambda: sharing.revoke(ctx, daan, dossier.id, shared.grant_id),
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Revoked"]
    assert any(isinstance(r, Conflict) and r.status == 409 for r in results)
    with ctx.unit_of_work() as db:
        revocations = db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "grant.revoke", AuditEvent.outcome == "success")
        )
        after = db.scalar(
            select(func.max(KeyVersion.version)).where(KeyVersion.scope == scope_of(care))
        )
    assert revocations == 1
    assert after == before + 1


def test_an_ended_grant_loses_its_keys_even_when_the_request_that_noticed_is_refused(
    ctx: Context, clock
) -> None:
    daan, dossier, care = owned_by_a_17_year_old(ctx)
    anne = verified_professional(ctx)
    entry, _ = entries.write_entry(ctx, daan, dossier.id, care, "Plan", "Stappen", "plan")
    sharing.share(
        ctx,
        daan,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[care],
        permission="read",
        expires_at=ctx.now() + timedelta(days=1),
    )
    with ctx.unit_of_work() as db:
        assert db.scalar(
            select(func.count()).select_from(SealedKey).where(SealedKey.holder_id == anne.user_id)
        )
    clock.advance(days=1, seconds=1)
    with pytest.raises(NotFound):
        entries.read_entry(ctx, anne, dossier.id, entry)
    with ctx.unit_of_work() as db:
        assert db.scalar(select(Grant.status).where(Grant.grantee_id == anne.user_id)) == "expired"
        assert not db.scalar(
            select(func.count()).select_from(SealedKey).where(SealedKey.holder_id == anne.user_id)
        )
        assert (
            db.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "grant.expire", AuditEvent.dossier_id == dossier.id)
            )
            == 1
        )


def test_writing_in_a_section_one_cannot_see_is_refused_as_absent_and_logged(
    ctx: Context,
) -> None:
    daan, dossier, care = owned_by_a_17_year_old(ctx)
    anne = verified_professional(ctx)
    sharing.share(
        ctx,
        daan,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[care],
        permission="contribute",
    )
    school = section(dossier, "school")
    with pytest.raises(NotFound):
        entries.write_entry(ctx, anne, dossier.id, school, "Verslag", "Tekst", "report")
    with ctx.unit_of_work() as db:
        denied = db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "entry.create", AuditEvent.outcome == "denied"
            )
        )
        assert denied is not None and denied.object_id == str(school)
    assert entries.write_entry(ctx, anne, dossier.id, care, "Verslag", "Tekst", "report")


def test_the_database_refuses_a_second_live_grant_for_one_person(ctx: Context) -> None:
    import uuid

    from sqlalchemy.exc import IntegrityError

    daan, dossier, care = owned_by_a_17_year_old(ctx)
    anne = verified_professional(ctx)
    sharing.share(
        ctx,
        daan,
        dossier.id,
        grantee_email="anne@example.nl",
        section_ids=[care],
        permission="read",
    )
    second = Grant(
        id=uuid.uuid4(),
        dossier_id=dossier.id,
        grantee_id=anne.user_id,
        permission="read",
        status="pending",
        created_by=daan.user_id,
        created_at=ctx.now(),
    )
    with pytest.raises(IntegrityError), ctx.unit_of_work() as db:
        db.add(second)
        db.flush()
    second.status = "revoked"  # an ended grant beside a live one is history, not a second way in
    with ctx.unit_of_work() as db:
        db.merge(second)
