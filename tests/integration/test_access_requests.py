"""Asking for access, through the use cases on SQLite and PostgreSQL: Joris, a verified mentor,
asks Sanne (14) and her mother Marieke for School, by the dossier's request code or by an owner's
address; they say yes (as a share, by the consent rules) or no, and he is told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dossier import crypto
from dossier.actions import Action
from dossier.errors import AccessDenied, Conflict, InvalidInput, NotFound
from dossier.models import AccessRequest, AccessRequestMessage, AuditEvent, Notice
from dossier.services import access_requests, dossiers, entries, pages, sharing
from dossier.services.notices import NoticeKind
from tests.support import person

MENTOR = "joris@example.nl"
WHY = "Ik ben mentor van Sanne. Ik wil haar rooster afstemmen."


@pytest.fixture
def asking(shared_world: dict[str, Any]) -> dict[str, Any]:
    ctx = shared_world["ctx"]
    world = shared_world
    from dossier.services import accounts
    from tests.conftest import login_actor

    person(
        ctx,
        MENTOR,
        "professional",
        "Joris",
        organisation="Het College",
        registration_number="123456",
    )
    accounts.verify_professional(
        ctx, login_actor(ctx, "admin@example.nl"), login_actor(ctx, MENTOR).user_id
    )
    return {**world, "joris": login_actor(ctx, MENTOR)}


def _ask(w: dict[str, Any], **given: Any) -> Any:
    fields: dict[str, Any] = {
        "code": None,
        "owner_email": None,
        "sections": ["school"],
        "permission": "read",
        "months": 3,
        "purpose": WHY,
        **given,
    }
    return access_requests.ask(w["ctx"], w["joris"], **fields)


def _notices(ctx: Any, kind: str) -> list[Notice]:
    with ctx.unit_of_work() as db:
        return list(db.scalars(select(Notice).where(Notice.kind == kind)))


def test_asked_by_code_both_owners_say_yes_and_he_reads_school(asking: dict[str, Any]) -> None:
    w = asking
    ctx, sanne, marieke, dossier = w["ctx"], w["sanne"], w["marieke"], w["dossier"]
    code = access_requests.new_request_code(ctx, sanne, dossier)
    assert pages.access_page(ctx, marieke, dossier).request_code == code
    summary = dossiers.get_dossier(ctx, sanne, dossier)
    school = next(s for s in summary.sections if s.default_name == "school")
    entries.write_entry(ctx, sanne, dossier, school.id, "Rooster", "Maandag vrij", "note")

    request_id = _ask(w, code=code.lower().replace("-", " "))  # as people retype it
    told = {n.user_id for n in _notices(ctx, NoticeKind.REQUEST_WAITING)}
    assert told == {sanne.user_id, marieke.user_id}
    [waiting] = pages.access_page(ctx, sanne, dossier).requests
    assert waiting.id == request_id and waiting.asker.name == "Joris"
    assert waiting.asker.organisation == "Het College"
    assert (waiting.sections, waiting.permission, waiting.months) == (["school"], "read", 3)
    assert waiting.purpose.text == WHY and waiting.purpose.signed

    # At 14 both must agree: Sanne's yes makes a sharing that waits for her mother.
    shared = access_requests.decide(ctx, sanne, dossier, request_id, approve=True)
    assert shared is not None and shared.status == "pending"
    with pytest.raises(NotFound):
        entries.list_entries(ctx, w["joris"], dossier, entries.Filters())
    assert sharing.approve(ctx, marieke, dossier, shared.grant_id) == "active"
    page = entries.list_entries(ctx, w["joris"], dossier, entries.Filters())
    assert [card.title for card in page.items] == ["Rooster"]  # School only
    assert pages.access_page(ctx, sanne, dossier).requests == []
    [answer] = _notices(ctx, NoticeKind.REQUEST_DECIDED)
    assert answer.user_id == w["joris"].user_id and '"approved"' in answer.data
    [mine] = access_requests.my_requests(ctx, w["joris"])
    assert mine.status == "approved" and mine.purpose.text == WHY
    with pytest.raises(Conflict):
        access_requests.decide(ctx, marieke, dossier, request_id, approve=False)


def test_asked_by_address_the_owner_says_no(asking: dict[str, Any]) -> None:
    w = asking
    ctx, marieke, dossier = w["ctx"], w["marieke"], w["dossier"]
    request_id = _ask(w, owner_email="Marieke@Example.nl")
    assert {n.user_id for n in _notices(ctx, NoticeKind.REQUEST_WAITING)} == {marieke.user_id}
    # The address reached Marieke only: on Sanne's page it is not hers to answer.
    assert [r.id for r in pages.access_page(ctx, marieke, dossier).requests] == [request_id]
    assert pages.access_page(ctx, w["sanne"], dossier).requests == []
    assert access_requests.decide(ctx, marieke, dossier, request_id, approve=False) is None
    [mine] = access_requests.my_requests(ctx, w["joris"])
    assert mine.status == "refused"
    [answer] = _notices(ctx, NoticeKind.REQUEST_DECIDED)
    assert '"refused"' in answer.data and WHY not in answer.data


def test_asking_tells_nothing_about_who_has_a_dossier(asking: dict[str, Any]) -> None:
    w = asking
    ctx = w["ctx"]
    real = access_requests.new_request_code(ctx, w["sanne"], w["dossier"])
    made_up = "ABCD-EFGH-JKLM"
    assert made_up != real
    for given in (
        {"code": made_up},
        {"owner_email": "nobody@example.nl"},
        {"owner_email": "anne@example.nl"},  # an account without a dossier
    ):
        _ask(w, **given)  # no error, nothing said
    mine = access_requests.my_requests(ctx, w["joris"])
    assert [r.status for r in mine] == ["waiting"] * 3
    assert _notices(ctx, NoticeKind.REQUEST_WAITING) == []


def test_a_new_code_replaces_the_old_one_and_requests_end_after_14_days(
    asking: dict[str, Any], clock
) -> None:
    w = asking
    ctx, sanne, dossier = w["ctx"], w["sanne"], w["dossier"]
    old = access_requests.new_request_code(ctx, sanne, dossier)
    new = access_requests.new_request_code(ctx, sanne, dossier)
    assert old != new
    _ask(w, code=old)
    assert pages.access_page(ctx, sanne, dossier).requests == []  # the old code reaches nobody
    request_id = _ask(w, code=new)
    clock.advance(days=14, seconds=1)
    assert pages.access_page(ctx, sanne, dossier).requests == []
    assert access_requests.my_requests(ctx, w["joris"])[0].status == "expired"
    with pytest.raises(Conflict):
        access_requests.decide(ctx, sanne, dossier, request_id, approve=True)


def test_who_may_ask_and_what_is_refused(asking: dict[str, Any]) -> None:
    w = asking
    ctx = w["ctx"]
    unchecked = person(
        ctx,
        "nieuw@example.nl",
        "professional",
        "Nieuw",
        organisation="X",
        registration_number="654321",
    )
    with pytest.raises(AccessDenied):
        access_requests.ask(
            ctx,
            unchecked,
            code=None,
            owner_email="marieke@example.nl",
            sections=["school"],
            permission="read",
            months=3,
            purpose=WHY,
        )
    with pytest.raises(AccessDenied):
        access_requests.ask(
            ctx,
            w["auditor"],
            code=None,
            owner_email="marieke@example.nl",
            sections=["school"],
            permission="read",
            months=3,
            purpose=WHY,
        )
    with pytest.raises(InvalidInput) as bad:
        _ask(
            w, code="kort", sections=["my_story", "attic"], permission="own", months=7, purpose=" "
        )
    assert {"code", "sections", "permission", "months", "purpose"} <= set(bad.value.errors)
    with pytest.raises(InvalidInput) as both:
        _ask(w, code="ABCD-EFGH-JKLM", owner_email="marieke@example.nl")
    assert "code" in both.value.errors
    request_id = _ask(w, owner_email="marieke@example.nl")
    # Only an owner it reached answers it, and only for a dossier she owns.
    with pytest.raises((NotFound, AccessDenied)):
        access_requests.decide(ctx, w["anne"], w["dossier"], request_id, approve=True)
    with pytest.raises(NotFound):
        access_requests.decide(ctx, w["sanne"], w["dossier"], request_id, approve=True)


def test_why_someone_asks_is_sealed_and_the_log_shows_that_they_asked(
    asking: dict[str, Any],
) -> None:
    w = asking
    ctx, sanne, dossier = w["ctx"], w["sanne"], w["dossier"]
    code = access_requests.new_request_code(ctx, sanne, dossier)
    request_id = _ask(w, code=code)
    with ctx.unit_of_work() as db:
        sealed = b"".join(db.scalars(select(AccessRequestMessage.sealed)))
        assert len(list(db.scalars(select(AccessRequestMessage.user_id)))) == 3  # him, both owners
        assert WHY.encode() not in sealed and b"rooster" not in sealed
        row = db.get(AccessRequest, request_id)
        assert row is not None and row.dossier_id == dossier
        [asked] = db.scalars(select(AuditEvent).where(AuditEvent.action == Action.REQUEST_CREATE))
        assert asked.dossier_id == dossier and asked.reason is None
    assert crypto.request_code_lookup(code) != crypto.request_code_lookup("ABCD-EFGH-JKLM")
    assert timedelta(days=access_requests.WAITING_DAYS) == timedelta(days=14)
