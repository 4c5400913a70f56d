"""Asking for access through the JSON API, on SQLite and PostgreSQL: Joris, a verified mentor,
asks Sanne (14) and her mother Marieke for School, by the dossier's request code or by an owner's
address; they read the request, say yes or no, and make the code. Asking tells nothing about who
has a dossier."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from dossier.actions import Action
from dossier.models import AuditEvent
from dossier.services import accounts
from tests.conftest import login_actor
from tests.support import api_login, person

PROBLEM = "application/problem+json"
MENTOR = "joris@example.nl"
WHY = "Ik ben mentor van Sanne. Ik wil haar rooster afstemmen."
MADE_UP = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def w(shared_world: dict[str, Any], client: Any) -> dict[str, Any]:
    """The sharing scenario, Joris verified, and a bearer token for each of them."""
    ctx = shared_world["ctx"]
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
    dossier = shared_world["dossier"]
    return {
        **shared_world,
        "requests": f"/api/v1/dossiers/{dossier}/access-requests",
        "code": f"/api/v1/dossiers/{dossier}/request-code",
        "as_joris": api_login(client, MENTOR),
        "as_sanne": api_login(client, "sanne@example.nl"),
        "as_marieke": api_login(client, "marieke@example.nl"),
        "as_anne": api_login(client, "anne@example.nl"),
    }


def ask(client: Any, w: dict[str, Any], who: str = "as_joris", **given: Any) -> Any:
    body = {"sections": ["school"], "permission": "read", "months": 3, "purpose": WHY, **given}
    return client.post("/api/v1/access-requests", json=body, headers=w[who])


def new_code(client: Any, w: dict[str, Any]) -> str:
    made = client.post(w["code"], headers=w["as_sanne"])
    assert made.status_code == 201, made.get_json()
    code: str = made.get_json()["code"]
    return code


def decide(client: Any, w: dict[str, Any], who: str, request_id: str, approve: bool) -> Any:
    path = f"{w['requests']}/{request_id}/decision"
    return client.post(path, json={"approve": approve}, headers=w[who])


def listed(client: Any, w: dict[str, Any], who: str) -> list[dict[str, Any]]:
    response = client.get(w["requests"], headers=w[who])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["next_cursor"] is None
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def mine(client: Any, w: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get("/api/v1/access-requests", headers=w["as_joris"])
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def events(w: dict[str, Any], action: Action) -> list[AuditEvent]:
    with w["ctx"].unit_of_work() as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_asked_by_code_both_owners_read_it_and_say_yes(client, w) -> None:
    assert client.get(w["code"], headers=w["as_sanne"]).get_json() == {"code": None}
    code = new_code(client, w)
    assert client.get(w["code"], headers=w["as_marieke"]).get_json() == {"code": code}

    asked = ask(client, w, code=code.lower())
    assert asked.status_code == 202 and set(asked.get_json()) == {"id"}
    request_id = asked.get_json()["id"]
    [own] = mine(client, w)
    assert own["id"] == request_id and own["status"] == "waiting"
    assert (own["sections"], own["permission"], own["months"]) == (["school"], "read", 3)
    assert own["purpose"] == WHY and own["purpose_trusted"] is True
    assert "asker" not in own and "by_code" not in own  # nothing about whom it reached

    before = len(events(w, Action.REQUEST_LIST))
    [waiting] = listed(client, w, "as_marieke")
    assert len(events(w, Action.REQUEST_LIST)) == before + 1
    assert waiting["id"] == request_id and waiting["status"] == "waiting"
    assert waiting["asker"] == {
        "id": str(login_actor(w["ctx"], MENTOR).user_id),
        "name": "Joris",
        "role": "professional",
        "organisation": "Het College",
    }
    assert waiting["purpose"] == WHY and waiting["purpose_trusted"] is True
    assert waiting["by_code"] is True and waiting["months"] == 3
    assert [r["id"] for r in listed(client, w, "as_sanne")] == [request_id]

    # At 14 both must agree: Sanne's yes makes a sharing that waits for her mother's.
    said = decide(client, w, "as_sanne", request_id, True)
    assert said.status_code == 200, said.get_json()
    answer = said.get_json()
    assert answer["status"] == "approved" and answer["grant_status"] == "pending"
    approval = f"/api/v1/dossiers/{w['dossier']}/grants/{answer['grant_id']}/approval"
    assert client.post(approval, headers=w["as_marieke"]).get_json() == {"status": "active"}
    entries = client.get(f"/api/v1/dossiers/{w['dossier']}/entries", headers=w["as_joris"])
    assert entries.status_code == 200

    assert listed(client, w, "as_sanne") == []
    assert mine(client, w)[0]["status"] == "approved"
    again = decide(client, w, "as_marieke", request_id, False)
    assert again.status_code == 409 and again.mimetype == PROBLEM


def test_asked_by_address_only_that_owner_answers_and_says_no(client, w) -> None:
    request_id = ask(client, w, owner_email="Marieke@Example.nl").get_json()["id"]
    [waiting] = listed(client, w, "as_marieke")
    assert waiting["id"] == request_id and waiting["by_code"] is False
    assert listed(client, w, "as_sanne") == []
    assert decide(client, w, "as_sanne", request_id, False).status_code == 404

    said = decide(client, w, "as_marieke", request_id, False)
    assert said.status_code == 200
    assert said.get_json() == {"status": "refused", "grant_id": None, "grant_status": None}
    assert mine(client, w)[0]["status"] == "refused"
    assert decide(client, w, "as_marieke", request_id, True).status_code == 409


def test_asking_tells_nothing_about_who_has_a_dossier(client, w) -> None:
    real = new_code(client, w)
    tries = [
        {"code": real},
        {"code": "ABCD-EFGH-JKLM"},
        {"owner_email": "marieke@example.nl"},
        {"owner_email": "nobody@example.nl"},
        {"owner_email": "anne@example.nl"},  # an account without a dossier
    ]
    answers = [ask(client, w, **given) for given in tries]
    assert {(a.status_code, tuple(a.get_json())) for a in answers} == {(202, ("id",))}
    # His own list says the same of each: only the id and the times tell them apart.
    shown = mine(client, w)
    assert len(shown) == len(tries)
    apart = {"id", "created_at", "expires_at"}
    assert (
        len({tuple(sorted((k, str(v)) for k, v in r.items() if k not in apart)) for r in shown})
        == 1
    )
    assert len(listed(client, w, "as_sanne")) == 1
    assert len(listed(client, w, "as_marieke")) == 2  # by code, and by her address


def test_who_may_not_ask_is_refused(client, w) -> None:
    person(
        w["ctx"], "nieuw@example.nl", "professional", "Nieuw", organisation="X",
        registration_number="654321",
    )  # fmt: skip
    w["as_unchecked"] = api_login(client, "nieuw@example.nl")
    w["as_auditor"] = api_login(client, "auditor@example.nl")
    for who in ("as_sanne", "as_unchecked", "as_auditor"):
        refused = ask(client, w, who, owner_email="marieke@example.nl")
        assert refused.status_code == 403 and refused.mimetype == PROBLEM, who
    anonymous = client.post("/api/v1/access-requests", json={})
    assert anonymous.status_code == 401
    assert client.get("/api/v1/access-requests").status_code == 401
    assert listed(client, w, "as_marieke") == []


@pytest.mark.parametrize(
    ("given", "fields"),
    [
        ({"code": "kort"}, {"code"}),
        ({"code": "ABCD-EFGH-JKLM", "owner_email": "marieke@example.nl"}, {"code"}),
        ({}, {"code"}),
        ({"owner_email": "geen adres"}, {"owner_email"}),
        ({"owner_email": "marieke@example.nl", "sections": ["attic"]}, {"sections.0"}),
        ({"owner_email": "marieke@example.nl", "sections": []}, {"sections"}),
        ({"owner_email": "marieke@example.nl", "permission": "own"}, {"permission"}),
        ({"owner_email": "marieke@example.nl", "months": 7}, {"months"}),
        ({"owner_email": "marieke@example.nl", "months": "3"}, {"months"}),
        ({"owner_email": "marieke@example.nl", "purpose": "  "}, {"purpose"}),
        ({"owner_email": "marieke@example.nl", "purpose": "x" * 2001}, {"purpose"}),
        ({"owner_email": "marieke@example.nl", "purpose": "a\x1bb"}, {"purpose"}),
        ({"owner_email": "marieke@example.nl", "extra": 1}, {"extra"}),
    ],
)
def test_bad_fields_are_a_422_naming_each_and_nothing_is_asked(client, w, given, fields) -> None:
    refused = ask(client, w, **given)
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert set(refused.get_json()["errors"]) == fields
    assert mine(client, w) == []


def test_only_owners_read_requests_and_the_code_and_strangers_learn_nothing(client, w) -> None:
    code = new_code(client, w)
    request_id = ask(client, w, code=code).get_json()["id"]
    made_up = w["requests"].replace(str(w["dossier"]), MADE_UP)
    # Anne may look in Care, so she may know the dossier is there: 403.
    assert client.get(w["requests"], headers=w["as_anne"]).status_code == 403
    assert client.get(w["code"], headers=w["as_anne"]).status_code == 403
    assert client.post(w["code"], headers=w["as_anne"]).status_code == 403
    assert decide(client, w, "as_anne", request_id, True).status_code == 403
    # Joris has no access: the dossier he asked about answers as one that does not exist.
    for path in (w["requests"], w["code"]):
        real = client.get(path, headers=w["as_joris"])
        fake = client.get(path.replace(str(w["dossier"]), MADE_UP), headers=w["as_joris"])
        assert real.status_code == fake.status_code == 404
        assert real.get_json() == fake.get_json()
    assert client.get(made_up, headers=w["as_sanne"]).status_code == 404
    assert decide(client, w, "as_joris", request_id, True).status_code == 404
    assert decide(client, w, "as_sanne", str(uuid.uuid4()), True).status_code == 404
    assert client.get(w["code"], headers=w["as_sanne"]).get_json() == {"code": code}


def test_a_new_code_stops_the_old_one(client, w) -> None:
    old = new_code(client, w)
    new = new_code(client, w)
    assert old != new
    assert client.get(w["code"], headers=w["as_sanne"]).get_json() == {"code": new}
    assert ask(client, w, code=old).status_code == 202
    assert listed(client, w, "as_sanne") == []
    assert ask(client, w, code=new).status_code == 202
    assert len(listed(client, w, "as_sanne")) == 1


def test_a_request_nobody_answered_ends_and_cannot_be_answered(client, w, clock) -> None:
    request_id = ask(client, w, owner_email="marieke@example.nl").get_json()["id"]
    clock.advance(days=14, seconds=1)
    w["as_joris"] = api_login(client, MENTOR)  # tokens of 14 days ago have ended
    w["as_marieke"] = api_login(client, "marieke@example.nl")
    assert listed(client, w, "as_marieke") == []
    assert mine(client, w)[0]["status"] == "expired"
    ended = decide(client, w, "as_marieke", request_id, True)
    assert ended.status_code == 409 and ended.mimetype == PROBLEM


def test_each_read_logs_one_event(client, w) -> None:
    new_code(client, w)
    ask(client, w, owner_email="marieke@example.nl")
    for path, action in (
        (w["requests"], Action.REQUEST_LIST),
        (w["code"], Action.REQUEST_CODE_READ),
    ):
        with w["ctx"].unit_of_work() as db:
            before = set(db.scalars(select(AuditEvent.id)))
        assert client.get(path, headers=w["as_marieke"]).status_code == 200
        with w["ctx"].unit_of_work() as db:
            new = [e for e in db.scalars(select(AuditEvent)) if e.id not in before]
        assert [(e.action, e.dossier_id, e.outcome) for e in new] == [
            (action, w["dossier"], "success")
        ]


def test_the_document_lists_every_path_with_its_schemas(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths["/access-requests"]) >= {"get", "post"}
    assert set(paths["/dossiers/{id}/access-requests"]) >= {"get"}
    assert set(paths["/dossiers/{id}/access-requests/{request_id}/decision"]) >= {"post"}
    assert set(paths["/dossiers/{id}/request-code"]) >= {"get", "post"}
    assert "202" in paths["/access-requests"]["post"]["responses"]
    assert (
        "409" in paths["/dossiers/{id}/access-requests/{request_id}/decision"]["post"]["responses"]
    )
    asked = document["components"]["schemas"]["AccessRequestCreate"]["properties"]
    assert asked["months"]["enum"] == [1, 3, 6, 12]
    assert asked["purpose"]["maxLength"] == 2000
    assert asked["sections"]["items"]["enum"] == ["care", "family", "school", "health"]
