"""The API keeps the contract its OpenAPI document states: 405 names what is allowed, problem
bodies keep their declared shape, and the document states the limits the services enforce."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from dossier.api import (  # noqa: F401  (each module records its operations)
    accounts,
    admin,
    audit,
    dossiers,
    entries,
    plans,
    requests,
    sessions,
    sharing,
)
from dossier.api.blueprint import OPERATIONS
from dossier.models import SessionKind
from dossier.services import dossiers as dossier_service
from dossier.services import entries as entry_service
from dossier.services import sessions as session_service
from dossier.services import sharing as sharing_service
from dossier.services import validation
from dossier.services.paging import PAGE_MAX
from tests.conftest import PASSWORD

PROBLEM = "application/problem+json"
API_PATHS = sorted({operation.path for operation in OPERATIONS})


def _concrete(path: str) -> str:
    """Made-up values that fit each parameter: a version number, or else an id."""
    return re.sub(r"{(\w+)}", lambda m: "1" if m.group(1) == "number" else str(uuid.uuid4()), path)


@pytest.mark.parametrize("path", API_PATHS)
def test_every_405_of_the_api_says_what_is_allowed(client, path: str) -> None:
    documented = {op.method.upper() for op in OPERATIONS if op.path == path}
    probe = "PATCH" if "PUT" in documented else "PUT"
    response = client.open("/api/v1" + _concrete(path), method=probe)
    assert response.status_code == 405 and response.mimetype == PROBLEM
    allowed = {method.strip() for method in response.headers.get("Allow", "").split(",")}
    assert documented <= allowed and probe not in allowed


@pytest.mark.parametrize("path", ["/login", "/register/youth", "/account", "/logout"])
def test_every_405_of_a_page_says_what_is_allowed(client, path: str) -> None:
    response = client.put(path)
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert response.headers.get("Allow") and "PUT" not in response.headers["Allow"]


def _document(client) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").get_json()


# (component, field, the limit the service enforces)
TEXT_LIMITS = [
    ("AccountCreate", "display_name", validation.NAME_MAX),
    ("AccountCreate", "organisation", validation.ORGANISATION_MAX),
    ("AccountCreate", "password", validation.PASSWORD_MAX),
    ("PasswordResetCreate", "new_password", validation.PASSWORD_MAX),
    ("PasswordChange", "new_password", validation.PASSWORD_MAX),
    ("DossierCreate", "subject_name", validation.NAME_MAX),
    ("SectionCreate", "name", dossier_service.SECTION_NAME_MAX),
    ("SectionChange", "name", dossier_service.SECTION_NAME_MAX),
    ("EntryCreate", "title", entry_service.TITLE_MAX),
    ("EntryCreate", "body", entry_service.BODY_MAX),
    ("EntryChange", "title", entry_service.TITLE_MAX),
    ("EntryChange", "body", entry_service.BODY_MAX),
    ("PerspectiveCreate", "body", entry_service.VIEW_MAX),
    ("CorrectionCreate", "reason", entry_service.REASON_MAX),
    ("CorrectionAnswer", "message", entry_service.REASON_MAX),
    ("CorrectionAnswer", "title", entry_service.TITLE_MAX),
    ("CorrectionAnswer", "body", entry_service.BODY_MAX),
    ("GrantCreate", "message", sharing_service.MESSAGE_MAX),
]


@pytest.mark.parametrize(("component", "field", "limit"), TEXT_LIMITS)
def test_the_document_states_each_text_limit_of_the_services(
    client, component: str, field: str, limit: int
) -> None:
    stated = _document(client)["components"]["schemas"][component]["properties"][field]
    assert stated["maxLength"] == limit


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("AccountCreate", "password"),
        ("PasswordResetCreate", "new_password"),
        ("PasswordChange", "new_password"),
    ],
)
def test_the_document_states_the_shortest_password(client, component: str, field: str) -> None:
    stated = _document(client)["components"]["schemas"][component]["properties"][field]
    assert stated["minLength"] == validation.PASSWORD_MIN


@pytest.mark.parametrize(
    "path", ["/dossiers/{id}/entries", "/dossiers/{id}/access-log", "/audit/events"]
)
def test_the_document_states_the_page_size_limit(client, path: str) -> None:
    parameters = _document(client)["paths"][path]["get"]["parameters"]
    limit = next(p for p in parameters if p["name"] == "limit")
    assert limit["in"] == "query"
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, PAGE_MAX)


def _token(ctx, email: str) -> dict[str, str]:
    token = session_service.log_in(ctx, email, PASSWORD, SessionKind.API).token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def owner(shared_world: dict[str, Any]) -> dict[str, Any]:
    return {**shared_world, "headers": _token(shared_world["ctx"], "sanne@example.nl")}


def _section_name(client, owner, value: str):
    return client.post(
        f"/api/v1/dossiers/{owner['dossier']}/sections",
        json={"name": value},
        headers=owner["headers"],
    )


def _entry_title(client, owner, value: str):
    body = {"section_id": str(owner["dossier_sections"][1]), "title": value, "body": "Tekst"}
    return client.post(
        f"/api/v1/dossiers/{owner['dossier']}/entries",
        json={**body, "kind": "note"},
        headers=owner["headers"],
    )


def _view_body(client, owner, value: str):
    return client.post(
        f"/api/v1/dossiers/{owner['dossier']}/entries/{owner['plan']}/perspectives",
        json={"body": value},
        headers=_token(owner["ctx"], "anne@example.nl"),
    )


@pytest.mark.parametrize(
    ("send", "component", "field"),
    [
        (_section_name, "SectionCreate", "name"),
        (_entry_title, "EntryCreate", "title"),
        (_view_body, "PerspectiveCreate", "body"),
    ],
    ids=["section name", "entry title", "view"],
)
def test_a_text_as_long_as_the_document_allows_is_taken_and_one_more_is_not(
    client, owner, send, component: str, field: str
) -> None:
    limit = _document(client)["components"]["schemas"][component]["properties"][field]["maxLength"]
    assert send(client, owner, "x" * limit).status_code == 201
    refused = send(client, owner, "x" * (limit + 1))
    assert refused.status_code == 422 and field in refused.get_json()["errors"]


def test_a_nested_field_error_is_named_by_its_path(client, owner) -> None:
    response = client.post(
        f"/api/v1/dossiers/{owner['dossier']}/grants",
        json={"section_ids": [str(owner["dossier_sections"][1]), {}], "permission": "read"},
        headers=owner["headers"],
    )
    body = response.get_json()
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert set(body["errors"]) == {"section_ids.1"}
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in body["errors"].values()
    )


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
def test_a_yes_or_no_field_takes_only_true_or_false(client, owner, value: object) -> None:
    section = owner["dossier_sections"][4]
    response = client.patch(
        f"/api/v1/dossiers/{owner['dossier']}/sections/{section}",
        json={"archived": value},
        headers=owner["headers"],
    )
    assert response.status_code == 422 and "archived" in response.get_json()["errors"]


@pytest.mark.parametrize("value", ["maybe", "TRUE", "1", "yes"])
def test_a_yes_or_no_query_argument_takes_only_true_or_false(client, owner, value: str) -> None:
    response = client.get(
        f"/api/v1/dossiers/{owner['dossier']}/entries?has_my_view={value}",
        headers=owner["headers"],
    )
    assert response.status_code == 422 and "has_my_view" in response.get_json()["errors"]


@pytest.mark.parametrize("value", ["a\x00b", "a\x1bb", "a\x85b", "a\u200bb", "a\u202eb"])
def test_a_name_with_a_control_or_invisible_character_is_refused(client, owner, value: str) -> None:
    response = _section_name(client, owner, value)
    assert response.status_code == 422 and "name" in response.get_json()["errors"]


def test_marking_an_entry_outdated_answers_as_documented(client, owner) -> None:
    response = client.patch(
        f"/api/v1/dossiers/{owner['dossier']}/entries/{owner['plan']}",
        json={"outdated": True},
        headers=owner["headers"],
    )
    assert response.status_code == 200 and response.get_json()["version"] is None
    answer = _document(client)["paths"]["/dossiers/{id}/entries/{entry_id}"]["patch"]
    schema_ref = answer["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    version = _document(client)["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert "null" in version["properties"]["version"]["type"]


@pytest.mark.parametrize("component", ["SectionChange", "EntryChange", "GrantChange"])
def test_the_document_says_a_change_needs_a_field(client, component: str) -> None:
    assert _document(client)["components"]["schemas"][component]["minProperties"] == 1


def test_an_attachment_is_documented_as_a_multipart_file(client) -> None:
    operation = _document(client)["paths"]["/dossiers/{id}/entries/{entry_id}/attachments"]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"] and form["properties"]["file"]["format"] == "binary"


def test_approving_a_grant_that_no_longer_waits_is_a_conflict(client, owner) -> None:
    response = client.post(
        f"/api/v1/dossiers/{owner['dossier']}/grants/{owner['grant']}/approval",
        headers=_token(owner["ctx"], "marieke@example.nl"),
    )
    assert response.status_code == 409 and response.mimetype == PROBLEM
    documented = _document(client)["paths"]["/dossiers/{id}/grants/{grant_id}/approval"]["post"]
    assert "409" in documented["responses"]
