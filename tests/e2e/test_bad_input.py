"""Bad input gets a clear 4xx, over HTTP, on pages and in the API, on SQLite and PostgreSQL: never
a 500, never a hang, never half a change, never a logged read that nobody received."""

from __future__ import annotations

import base64
import importlib
import io
import json
import re
import urllib.request
import uuid
from html import unescape
from typing import Any
from urllib.parse import quote, unquote

import pytest
from sqlalchemy import func, select

from dossier.api.blueprint import OPERATIONS
from dossier.edge.inputs import JSON_MAX_BYTES, JSON_MAX_DEPTH
from dossier.edge.security import ATTACHMENT_POLICY
from dossier.models import AuditEvent, User
from dossier.services import entries
from dossier.services.validation import DISGUISED_NAME, UNUSABLE_TEXT
from tests.conftest import PASSWORD
from tests.support import api_login, api_register, csrf_token, post_form

PROBLEM = "application/problem+json"
PDF = b"%PDF-1.4\n% letter\n%%EOF\n"
# A lone surrogate, NUL, an escape and a C1 control: each breaks storage, encoding or display.
UNUSABLE = ["\ud800", "\udfff", "\x00", "\x1b", "\x85"]
DISGUISES = ["\u202e", "\u2066", "\u200f", "\u061c", "\u200b", "\u200d", "\u2060", "\ufeff"]


def send_json(client, method: str, path: str, body: Any, headers: dict | None = None):
    """As an attacker sends it: surrogates travel as `\\ud800` escapes, which is valid JSON."""
    return client.open(
        path,
        method=method,
        data=body if isinstance(body, str | bytes) else json.dumps(body),
        content_type="application/json",
        headers=headers or {},
    )


def refused(response, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.get_json()


def english(app) -> Any:
    client = app.test_client()
    client.get("/language/en")
    return client


def page_login(app, email: str):
    client = english(app)
    assert post_form(client, "/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def field_message(html: str, field: str) -> str:
    """The text of the message shown under a form field."""
    match = re.search(rf'id="{field}-error"[^>]*>(.*?)</', html, re.S)
    assert match, f"no message under {field}"
    return unescape(match.group(1))


@pytest.fixture
def youth(client) -> dict[str, Any]:
    """Sanne, 14, with her own dossier, through the API."""
    api_register(client, "sanne@example.nl")
    headers = api_login(client, "sanne@example.nl")
    dossier = client.post("/api/v1/dossiers", headers=headers, json={"for_self": True})
    assert dossier.status_code == 201
    body = dossier.get_json()
    return {
        "headers": headers,
        "base": f"/api/v1/dossiers/{body['id']}",
        "page": f"/dossiers/{body['id']}",
        "section": body["sections"][0]["id"],
    }


def sections_of(client, youth) -> list[str]:
    listed = client.get(youth["base"] + "/sections", headers=youth["headers"]).get_json()
    return [section["name"] for section in listed["items"]]


# --- one text rule for every field --------------------------------------------------------------


@pytest.mark.parametrize("bad", UNUSABLE)
def test_unusable_text_at_login_is_a_clear_422_without_logging_in(client, bad: str) -> None:
    body = refused(
        send_json(
            client, "POST", "/api/v1/sessions", {"email": f"a{bad}@example.nl", "password": "x"}
        )
    )
    assert list(body["errors"]) == ["email"]


@pytest.mark.parametrize("bad", UNUSABLE)
@pytest.mark.parametrize("field", ["email", "display_name", "password"])
def test_unusable_text_when_registering_is_refused_and_no_account_is_made(
    client, engine, bad: str, field: str
) -> None:
    account = {
        "email": "sanne@example.nl",
        "password": PASSWORD,
        "display_name": "Sanne",
        "role": "parent",
    }
    account[field] = account[field][:3] + bad + account[field][3:]
    body = refused(send_json(client, "POST", "/api/v1/accounts", account))
    assert list(body["errors"]) == [field]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("bad", UNUSABLE)
@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/sections", {"name": "Sport{}"}, "name"),
        ("POST", "/entries", {"title": "Plan{}", "body": "x", "kind": "plan"}, "title"),
        ("POST", "/entries", {"title": "Plan", "body": "one\n{}two", "kind": "plan"}, "body"),
        ("POST", "/grants", {"section_ids": ["{}"], "permission": "read"}, "section_ids.0"),
        ("POST", "/sections", {"name{}": "Sport"}, "_"),
    ],
)
def test_unusable_text_anywhere_in_a_body_is_refused_and_changes_nothing(
    client, youth, bad: str, method: str, path: str, body: dict, field: str
) -> None:
    filled = json.loads(json.dumps(body).replace("{}", json.dumps(bad)[1:-1]))
    if "section_id" not in filled and path == "/entries":
        filled["section_id"] = youth["section"]
    before = sections_of(client, youth)
    answer = refused(send_json(client, method, youth["base"] + path, filled, youth["headers"]))
    assert answer["errors"] == {field: [answer["errors"][field][0]]}
    assert sections_of(client, youth) == before
    listed = client.get(youth["base"] + "/entries", headers=youth["headers"]).get_json()
    assert listed["items"] == []


# Percent-encoded surrogates are not UTF-8: a query keeps them as the text "%ED%A0%80".
@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x85"])
def test_unusable_text_in_a_query_is_refused(client, youth, bad: str) -> None:
    response = client.get(youth["base"] + "/entries?q=" + quote(bad), headers=youth["headers"])
    assert list(refused(response)["errors"]) == ["q"]


def test_multi_line_text_keeps_its_line_breaks_tabs_and_emoji(client, youth) -> None:
    text = "First line\r\n\tindented\n\nlast 😀"  # the emoji travels as a surrogate pair
    created = client.post(
        youth["base"] + "/entries",
        headers=youth["headers"],
        json={"section_id": youth["section"], "title": "Plan", "body": text, "kind": "plan"},
    )
    assert created.status_code == 201
    read = client.get(
        f"{youth['base']}/entries/{created.get_json()['id']}", headers=youth["headers"]
    )
    assert read.get_json()["body"] == "First line\n\tindented\n\nlast 😀"


def test_a_page_form_says_which_field_holds_the_bad_character(app, client, engine) -> None:
    browser = english(app)
    response = post_form(
        browser,
        "/register/parent",
        {
            "display_name": "Mari\x00eke",
            "email": "marieke@example.nl",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert field_message(response.get_data(as_text=True), "display_name") == UNUSABLE_TEXT
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(User)) == 0


def test_a_nul_byte_in_the_login_form_is_a_message_not_a_500(app) -> None:
    browser = english(app)
    response = post_form(browser, "/login", {"email": "sanne\x00@example.nl", "password": "x"})
    assert response.status_code == 401
    assert field_message(response.get_data(as_text=True), "email") == UNUSABLE_TEXT


def test_a_section_name_with_a_control_character_stays_on_the_page_with_a_message(
    app, client, youth
) -> None:
    browser = page_login(app, "sanne@example.nl")
    path = youth["page"] + "/sections"
    response = post_form(browser, path, {"name": "Sport\x00"})
    assert response.status_code == 200
    assert field_message(response.get_data(as_text=True), "name") == UNUSABLE_TEXT
    assert "Sport" not in sections_of(client, youth)


# --- JSON: a size and a depth limit before parsing ----------------------------------------------


# Each API module documents its operations in OPERATIONS as it is imported.
API_MODULES = (
    "accounts",
    "admin",
    "audit",
    "dossiers",
    "entries",
    "plans",
    "requests",
    "sessions",
    "sharing",
)
for module in API_MODULES:
    importlib.import_module(f"dossier.api.{module}")
BODY_OPERATIONS = [operation for operation in OPERATIONS if operation.body is not None]


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    "operation", BODY_OPERATIONS, ids=[f"{o.method} {o.path}" for o in BODY_OPERATIONS]
)
def test_json_nested_a_thousand_deep_is_refused_on_every_endpoint(client, youth, operation) -> None:
    made_up = {"number": "1"}  # a version number; every other parameter is an id
    path = "/api/v1" + re.sub(
        r"{(\w+)}", lambda m: made_up.get(m.group(1), str(uuid.uuid4())), operation.path
    )
    headers = youth["headers"] if operation.authenticated else {}
    body = refused(send_json(client, operation.method, path, deep(1000), headers), 400)
    assert body["detail"] == "De JSON is te diep genest."


@pytest.mark.parametrize("path", ["/api/v1/sessions", "/api/v1/accounts"])
@pytest.mark.parametrize("opener", ["[", '{"email":'])
def test_deep_json_is_refused_without_logging_in(client, path: str, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = opener * 1000 + "1" + closer * 1000
    refused(send_json(client, "POST", path, text), 400)


def test_the_depth_limit_is_where_it_is_stated(client, youth) -> None:
    path = youth["base"] + "/sections"
    at_limit = '{"name": ' + deep(JSON_MAX_DEPTH - 1) + "}"
    assert "name" in refused(send_json(client, "POST", path, at_limit, youth["headers"]))["errors"]
    over = '{"name": ' + deep(JSON_MAX_DEPTH) + "}"
    refused(send_json(client, "POST", path, over, youth["headers"]), 400)


def test_json_over_the_size_limit_is_refused_unread(client) -> None:
    text = json.dumps({"email": "a" * JSON_MAX_BYTES, "password": "x"})
    refused(send_json(client, "POST", "/api/v1/sessions", text), 413)


def test_json_that_is_not_utf8_is_malformed(client) -> None:
    raw = b'{"email": "\xed\xa0\x80@example.nl", "password": "x"}'  # an encoded surrogate
    refused(send_json(client, "POST", "/api/v1/sessions", raw), 400)


# --- page cursors -------------------------------------------------------------------------------


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


NAIVE = b64(f'["2026-03-14T12:30:00", "{uuid.uuid4()}"]')
BAD_CURSORS = [NAIVE, "not-a-cursor", b64("{}"), b64('["2026-03-14T12:30:00+00:00", 1]')]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
@pytest.mark.parametrize("listing", ["/entries", "/access-log"])
def test_a_bad_cursor_is_a_clear_422_in_the_api(client, youth, listing: str, cursor: str) -> None:
    response = client.get(f"{youth['base']}{listing}?cursor={cursor}", headers=youth["headers"])
    assert list(refused(response)["errors"]) == ["cursor"]


@pytest.mark.parametrize("listing", ["", "/log"])
def test_a_cursor_without_a_time_zone_sends_a_page_back_to_its_start(
    app, client, youth, listing
) -> None:
    browser = page_login(app, "sanne@example.nl")
    response = browser.get(f"{youth['page']}{listing}?cursor={NAIVE}")
    assert response.status_code == 302
    assert response.headers["Location"] == youth["page"] + listing
    assert "This page link is not valid" in browser.get(response.headers["Location"]).get_data(
        as_text=True
    )


# --- names that cannot pose as someone else -----------------------------------------------------


@pytest.mark.parametrize("disguise", DISGUISES)
@pytest.mark.parametrize("field", ["display_name", "email", "organisation"])
def test_invisible_characters_in_a_name_or_address_are_refused(client, disguise, field) -> None:
    account = {
        "email": "anne@example.nl",
        "password": PASSWORD,
        "display_name": "Anne",
        "role": "professional",
        "organisation": "Jeugdteam Zuid",
        "registration_number": "SKJ 100012345",
    }
    account[field] = account[field][:2] + disguise + account[field][2:]
    body = refused(client.post("/api/v1/accounts", json=account))
    assert body["errors"] == {field: [body["errors"][field][0]]}
    assert "invisible" in body["errors"][field][0] or "onzichtbare" in body["errors"][field][0]


@pytest.mark.parametrize("disguise", ["\u202e", "\u200b"])
def test_section_and_subject_names_refuse_them_too(client, youth, disguise) -> None:
    section = client.post(
        youth["base"] + "/sections", headers=youth["headers"], json={"name": f"Sp{disguise}ort"}
    )
    assert "name" in refused(section)["errors"]
    api_register(client, "marieke@example.nl", role="parent")
    parent = api_login(client, "marieke@example.nl")
    child = client.post(
        "/api/v1/dossiers",
        headers=parent,
        json={
            "subject_name": f"Lo{disguise}tte",
            "subject_birth_date": "2016-05-01",
            "for_self": False,
        },
    )
    assert "subject_name" in refused(child)["errors"]


def test_the_register_page_explains_a_disguised_name(app) -> None:
    browser = english(app)
    response = post_form(
        browser,
        "/register/parent",
        {
            "display_name": "Anne\u202e",
            "email": "marieke@example.nl",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
        },
    )
    message = field_message(response.get_data(as_text=True), "display_name")
    assert message == DISGUISED_NAME


def test_names_and_addresses_are_kept_in_one_normal_form(client) -> None:
    decomposed = "ame\u0301lie@example.nl"
    api_register(client, decomposed, role="parent", display_name="Ame\u0301lie")
    for typed in (decomposed, "amélie@example.nl", "AMÉLIE@example.nl"):
        headers = api_login(client, typed)
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["display_name"] == "Amélie" and me["email"] == "amélie@example.nl"


# --- downloads ----------------------------------------------------------------------------------

NAMES = ["plan.pdf", "brief — juni.pdf", "rekening €12.pdf", "日本.pdf"]


def attach(client, youth, name: str) -> str:
    entry = client.post(
        youth["base"] + "/entries",
        headers=youth["headers"],
        json={
            "section_id": youth["section"],
            "title": "Letter",
            "body": "See file",
            "kind": "letter",
        },
    ).get_json()["id"]
    upload = client.post(
        f"{youth['base']}/entries/{entry}/attachments",
        headers=youth["headers"],
        data={"file": (io.BytesIO(PDF), name)},
    )
    assert upload.status_code == 201 and upload.get_json()["filename"] == name
    return f"/entries/{entry}/attachments/{upload.get_json()['id']}"


def downloaded_name(response) -> str:
    header = response.headers["Content-Disposition"]
    assert header.isascii(), header
    assert re.match(r'attachment; filename="[ -~]+"; ', header)
    return unquote(re.search(r"filename\*=UTF-8''(\S+)$", header).group(1))


def reads_logged(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "attachment.read", AuditEvent.outcome == "success")
        )


@pytest.mark.parametrize("name", NAMES)
def test_any_file_name_downloads_by_its_own_name_from_the_api(client, youth, engine, name) -> None:
    download = client.get(youth["base"] + attach(client, youth, name), headers=youth["headers"])
    assert download.status_code == 200 and download.data == PDF
    assert downloaded_name(download) == name
    assert download.headers["Content-Security-Policy"] == ATTACHMENT_POLICY
    assert reads_logged(engine) == 1


@pytest.mark.parametrize("name", NAMES)
def test_any_file_name_downloads_by_its_own_name_from_the_page(app, client, youth, name) -> None:
    browser = page_login(app, "sanne@example.nl")
    download = browser.get(youth["page"] + attach(client, youth, name))
    assert download.status_code == 200 and download.data == PDF
    assert downloaded_name(download) == name
    assert download.headers["Content-Security-Policy"] == ATTACHMENT_POLICY
    assert download.headers["Cache-Control"] == "no-store"


def test_a_download_over_a_real_socket_arrives_and_is_logged_once(
    client, youth, engine, base_url: str
) -> None:
    path = youth["base"] + attach(client, youth, "日本.pdf")
    request = urllib.request.Request(base_url + path, headers=youth["headers"])  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        assert answer.status == 200 and answer.read() == PDF
        assert downloaded_name(answer) == "日本.pdf"
    assert reads_logged(engine) == 1


def test_a_download_whose_answer_cannot_be_built_is_not_logged_as_read(
    client, youth, engine, monkeypatch
) -> None:
    path = youth["base"] + attach(client, youth, "plan.pdf")

    def broken(_filename: str) -> str:
        raise UnicodeEncodeError("latin-1", "日本", 0, 1, "cannot be sent")

    monkeypatch.setattr("dossier.edge.downloads.content_disposition", broken)
    assert client.get(path, headers=youth["headers"]).status_code == 500
    assert reads_logged(engine) == 0
    monkeypatch.undo()
    assert client.get(path, headers=youth["headers"]).status_code == 200
    assert reads_logged(engine) == 1


def an_entry(client, youth) -> str:
    created = client.post(
        youth["base"] + "/entries",
        headers=youth["headers"],
        json={"section_id": youth["section"], "title": "Plan", "body": "x", "kind": "plan"},
    )
    return created.get_json()["id"]


def test_a_file_name_with_a_control_character_is_refused_by_the_api(client, youth) -> None:
    upload = client.post(
        f"{youth['base']}/entries/{an_entry(client, youth)}/attachments",
        headers=youth["headers"],
        data={"file": (io.BytesIO(PDF), "plan\x1b.pdf")},
    )
    assert list(refused(upload)["errors"]) == ["file"]


def test_a_file_name_with_a_control_character_gets_a_message_on_the_page(
    app, client, youth
) -> None:
    browser = page_login(app, "sanne@example.nl")
    entry = f"{youth['page']}/entries/{an_entry(client, youth)}"
    upload = browser.post(
        entry + "/attachments",
        data={"csrf_token": csrf_token(browser, entry), "file": (io.BytesIO(PDF), "plan\x1b.pdf")},
    )
    assert upload.status_code == 422
    assert field_message(upload.get_data(as_text=True), "file") == UNUSABLE_TEXT


@pytest.mark.parametrize(
    ("action", "field", "typed"),
    [("/views", "body", "I see it \x1b differently"), ("/corrections", "reason", "Wrong\x00 date")],
)
def test_a_view_or_correction_with_a_control_character_keeps_what_was_typed_and_says_why(
    app, shared_world, action: str, field: str, typed: str
) -> None:
    world = shared_world
    care = world["dossier_sections"][1]
    report, _version = entries.write_entry(
        world["ctx"], world["anne"], world["dossier"], care, "Report", "Text", "report"
    )
    browser = page_login(app, "sanne@example.nl")
    entry = f"/dossiers/{world['dossier']}/entries/{report}"
    answer = post_form(browser, entry + action, {field: typed}, entry)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert field_message(html, field) == UNUSABLE_TEXT
    assert typed.split()[0] in html
    assert entries.read_entry(world["ctx"], world["sanne"], world["dossier"], report).views == []


def test_the_api_document_names_what_bad_input_gets(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            expected = {"422"} | ({"400", "413"} if "requestBody" in operation else set())
            assert expected <= set(operation["responses"]), (method, path)
