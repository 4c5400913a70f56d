"""The family's plan through the JSON API: Sanne (14) proposes, her mother Marieke and Anne, the
care worker, mark it; on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from tests.support import api_login, api_register

PROBLEM = "application/problem+json"
GOAL = "Naar school zonder buikpijn"
STEP = "Elke ochtend samen ontbijten"


@pytest.fixture
def plan(shared_world: dict[str, Any], client: Any) -> dict[str, Any]:
    """The sharing scenario with a bearer token for each of the three, and the plan's address."""
    w = shared_world
    return {
        **w,
        "url": f"/api/v1/dossiers/{w['dossier']}/plan",
        "as_sanne": api_login(client, "sanne@example.nl"),
        "as_marieke": api_login(client, "marieke@example.nl"),
        "as_anne": api_login(client, "anne@example.nl"),
    }


def draft(w: dict[str, Any], goal: str = GOAL, **extra: Any) -> dict[str, Any]:
    """A first version, without refs: the server gives each goal and action one."""
    soon = w["ctx"].now().date() + timedelta(days=2)
    return {
        "strengths": "Ik kan goed tekenen. Oma helpt.",
        "network": [{"name": "Oma Els", "how": "Haalt me op op woensdag"}],
        "goals": [
            {
                "text": goal,
                "proposed_by": "Sanne",
                "actions": [
                    {
                        "what": STEP,
                        "who": "Sanne",
                        "who_id": str(w["sanne"].user_id),
                        "by": soon.isoformat(),
                    }
                ],
            }
        ],
        "next_evaluation": (soon + timedelta(days=60)).isoformat(),
        **extra,
    }


def propose(client: Any, w: dict[str, Any], headers: dict[str, str], body: Any) -> Any:
    return client.post(w["url"] + "/versions", json=body, headers=headers)


def mark(
    client: Any, w: dict[str, Any], who: str, number: int, agrees: bool, reason: str = ""
) -> Any:
    body: dict[str, Any] = {"agrees": agrees} | ({"reason": reason} if reason else {})
    return client.post(f"{w['url']}/versions/{number}/marks", json=body, headers=w[who])


def page(client: Any, w: dict[str, Any], who: str = "as_marieke") -> dict[str, Any]:
    response = client.get(w["url"], headers=w[who])
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_a_proposal_shows_who_agrees_with_what(client, plan) -> None:
    created = propose(client, plan, plan["as_sanne"], draft(plan))
    assert created.status_code == 201 and created.get_json() == {"number": 1}

    assert mark(client, plan, "as_marieke", 1, True).get_json() == {"agreement": "waiting"}
    assert mark(client, plan, "as_anne", 1, True).get_json() == {"agreement": "waiting"}
    no_reason = mark(client, plan, "as_sanne", 1, False)
    assert no_reason.status_code == 422 and no_reason.mimetype == PROBLEM
    assert set(no_reason.get_json()["errors"]) == {"reason"}
    refused = mark(client, plan, "as_sanne", 1, False, "Niet elke dag")
    assert refused.status_code == 200 and refused.get_json() == {"agreement": "not agreed"}

    shown = page(client, plan)
    assert shown["current"] is None and shown["may_write"] and shown["may_mark"]
    [proposal] = shown["proposals"]
    assert (proposal["number"], proposal["status"], proposal["author"]["name"]) == (
        1,
        "proposed",
        "Sanne",
    )
    assert proposal["agreement"] == "not agreed" and proposal["trusted"]
    assert [
        (m["person"]["name"], m["person"]["relation"], m["agrees"], m["reason"])
        for m in proposal["marks"]
    ] == [
        ("Marieke", "guardian", True, ""),
        ("Anne", "other", True, ""),
        ("Sanne", "subject", False, "Niet elke dag"),
    ]
    assert proposal["network"] == [{"name": "Oma Els", "how": "Haalt me op op woensdag"}]
    [goal] = proposal["goals"]
    [action] = goal["actions"]
    assert (goal["text"], action["what"], action["who_id"]) == (
        GOAL,
        STEP,
        str(plan["sanne"].user_id),
    )
    assert uuid.UUID(goal["ref"]) != uuid.UUID(action["ref"])  # each given a ref of its own
    assert not action["done"] and not action["mine"]  # Marieke asks; the action is Sanne's
    assert [(p["name"], p["relation"]) for p in shown["people"]] == [
        ("Sanne", "subject"),
        ("Marieke", "guardian"),
        ("Anne", "other"),
    ]
    assert [(line["number"], line["status"], line["author_name"]) for line in shown["history"]] == [
        (1, "proposed", "Sanne")
    ]


def test_an_agreed_version_becomes_the_plan_is_ticked_off_and_evaluated(client, plan) -> None:
    propose(client, plan, plan["as_sanne"], draft(plan))
    first = page(client, plan)["proposals"][0]
    goal = first["goals"][0]
    changed = draft(plan, "Drie dagen per week naar school", based_on=1)
    changed["goals"][0] |= {"ref": goal["ref"]}
    changed["goals"][0]["actions"][0] |= {"ref": goal["actions"][0]["ref"]}
    assert propose(client, plan, plan["as_anne"], changed).get_json() == {"number": 2}
    for who, answer in (("as_anne", "waiting"), ("as_sanne", "waiting"), ("as_marieke", "agreed")):
        assert mark(client, plan, who, 2, True).get_json() == {"agreement": answer}

    shown = page(client, plan, "as_sanne")
    assert shown["current"]["number"] == 2 and shown["current"]["based_on"] == 1
    assert shown["current"]["goals"][0]["ref"] == goal["ref"]
    assert shown["proposals"] == []
    assert [(line["number"], line["status"]) for line in shown["history"]] == [
        (2, "current"),
        (1, "set_aside"),
    ]
    old = client.get(plan["url"] + "/versions/1", headers=plan["as_sanne"])
    assert old.status_code == 200 and old.get_json()["status"] == "set_aside"
    assert mark(client, plan, "as_sanne", 1, True).status_code == 422  # no longer open

    ref = goal["actions"][0]["ref"]
    ticked = client.put(
        f"{plan['url']}/actions/{ref}",
        json={"done": True, "note": "Gelukt!"},
        headers=plan["as_sanne"],
    )
    assert ticked.status_code == 204
    action = page(client, plan, "as_sanne")["current"]["goals"][0]["actions"][0]
    assert (action["done"], action["note"], action["done_by"], action["mine"]) == (
        True,
        "Gelukt!",
        "Sanne",
        True,
    )

    evaluations = plan["url"] + "/versions/2/evaluations"
    missing = client.post(evaluations, json={"goals": []}, headers=plan["as_anne"])
    assert missing.status_code == 422 and "goals-0-outcome" in missing.get_json()["errors"]
    outcome = {"ref": goal["ref"], "outcome": "partly", "words": "Twee van de drie dagen"}
    done = client.post(evaluations, json={"goals": [outcome]}, headers=plan["as_anne"])
    assert done.status_code == 201 and done.get_json() == {"number": 2}
    current = page(client, plan)["current"]
    assert (current["goals"][0]["outcome"], current["goals"][0]["outcome_words"]) == (
        "partly",
        "Twee van de drie dagen",
    )
    assert current["evaluated_by"] == "Anne" and current["evaluated_at"]


def test_a_bad_draft_is_refused_with_each_field_named_as_the_service_names_it(client, plan) -> None:
    bad = draft(plan, next_evaluation="2000-01-01")
    bad["goals"][0] |= {"text": " "}
    bad["goals"][0]["actions"][0] |= {"what": "", "who": "Iemand", "who_id": str(uuid.uuid4())}
    refused = propose(client, plan, plan["as_sanne"], bad)
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert {
        "goals-0-text",
        "goals-0-actions-0-what",
        "goals-0-actions-0-who_id",
        "next_evaluation",
    } <= set(refused.get_json()["errors"])

    typed = draft(plan)
    typed["goals"][0]["actions"][0]["by"] = "morgen"
    typed["network"][0]["name"] = 7
    wrong_types = propose(client, plan, plan["as_sanne"], typed)
    assert wrong_types.status_code == 422
    assert set(wrong_types.get_json()["errors"]) == {"goals-0-actions-0-by", "network-0-name"}
    assert (
        propose(client, plan, plan["as_sanne"], {**draft(plan), "owner": "me"}).status_code == 422
    )
    assert propose(client, plan, plan["as_sanne"], draft(plan, based_on=7)).status_code == 404
    for body in (b"not json", b"[1, 2]"):
        malformed = client.post(
            plan["url"] + "/versions",
            data=body,
            content_type="application/json",
            headers=plan["as_sanne"],
        )
        assert malformed.status_code == 400 and malformed.mimetype == PROBLEM
    assert page(client, plan)["history"] == []  # nothing was made of any of it


def test_a_stranger_finds_no_plan_and_nobody_gets_in_without_a_token(client, plan) -> None:
    propose(client, plan, plan["as_sanne"], draft(plan))
    api_register(client, "vreemde@example.nl", role="parent")
    stranger = api_login(client, "vreemde@example.nl")
    made_up = f"/api/v1/dossiers/{uuid.uuid4()}/plan"
    for url in (plan["url"], made_up):
        asked = [
            client.get(url, headers=stranger),
            client.get(url + "/versions/1", headers=stranger),
            client.post(url + "/versions", json=draft(plan), headers=stranger),
            client.post(url + "/versions/1/marks", json={"agrees": True}, headers=stranger),
        ]
        assert [r.status_code for r in asked] == [404, 404, 404, 404]
        assert all(r.mimetype == PROBLEM for r in asked)
    assert (
        client.get(plan["url"], headers=stranger).get_json()
        == client.get(made_up, headers=stranger).get_json()
    )
    assert client.get(plan["url"]).status_code == 401
    assert page(client, plan, "as_sanne")["proposals"][0]["marks"] == []  # the stranger left none


@pytest.mark.parametrize("number", ["0", "2", "99999999999999999999", "-1", "een"])
def test_a_version_that_is_not_there_is_not_found(client, plan, number: str) -> None:
    propose(client, plan, plan["as_sanne"], draft(plan))
    response = client.get(f"{plan['url']}/versions/{number}", headers=plan["as_sanne"])
    assert response.status_code == 404 and response.mimetype == PROBLEM
    marked = client.post(
        f"{plan['url']}/versions/{number}/marks", json={"agrees": True}, headers=plan["as_sanne"]
    )
    assert marked.status_code == 404


def test_the_openapi_document_describes_the_plan(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    expected = {
        "/dossiers/{id}/plan": {"get"},
        "/dossiers/{id}/plan/versions": {"post"},
        "/dossiers/{id}/plan/versions/{number}": {"get"},
        "/dossiers/{id}/plan/versions/{number}/marks": {"post"},
        "/dossiers/{id}/plan/versions/{number}/evaluations": {"post"},
        "/dossiers/{id}/plan/actions/{ref}": {"put"},
    }
    assert {path: set(paths.get(path, {})) for path in expected} == expected
    version = paths["/dossiers/{id}/plan/versions/{number}"]["get"]
    number = next(p for p in version["parameters"] if p["name"] == "number")
    assert number["schema"]["type"] == "integer" and number["schema"]["minimum"] == 1
    proposal = paths["/dossiers/{id}/plan/versions"]["post"]
    body = proposal["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schemas = document["components"]["schemas"]
    assert set(schemas[body.rsplit("/", 1)[1]]["required"]) >= {"goals", "strengths", "network"}
    assert "201" in proposal["responses"] and "422" in proposal["responses"]
    page_schema = paths["/dossiers/{id}/plan"]["get"]["responses"]["200"]["content"]
    shown = schemas[page_schema["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"current", "proposals", "history", "people", "may_write", "may_mark"} <= set(
        shown["properties"]
    )
