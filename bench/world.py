"""The dossier the request benchmarks read and write, made through the JSON API as a client would.

A youth owns a dossier with `entries` entries of her own in one section, shared (contribute) with
a verified care worker who wrote one more entry there; the owner put `views` views beside it.
Only what the API cannot do is done through the services: making the admin who verifies the care
worker (the command line's job), and reading the section key that the minimal app is given.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask

from dossier import create_app, migrations
from dossier.config import Settings
from dossier.db import make_engine
from dossier.models import SessionKind
from dossier.services import accounts, sessions
from dossier.services.context import Context
from dossier.services.keychain import keychain

PASSWORD = "a bench password long enough"
OWNER = "y@bench.nl"
CARE_WORKER = "p@bench.nl"
ADMIN = "a@bench.nl"
ENTRIES = 200
VIEWS = 3
BODY = "Een tekst van gemiddelde lengte. " * 20
VIEW = "Zo zie ik het zelf: het ging beter dan hier staat. " * 4
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class World:
    dossier_id: uuid.UUID
    section_id: uuid.UUID
    entry_id: uuid.UUID  # the care worker's entry, with the owner's views beside it
    token: str = field(repr=False)  # the owner's API token
    section_key: bytes = field(repr=False)
    key_version: int = 1  # of `section_key`, the one every entry is sealed under
    plan_version_id: uuid.UUID | None = None  # the agreed plan, in the same section
    owner_email: str = OWNER
    password: str = field(default=PASSWORD, repr=False)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def api_page(self) -> str:
        return f"/api/v1/dossiers/{self.dossier_id}/entries?limit=50"

    @property
    def api_entry(self) -> str:
        return f"/api/v1/dossiers/{self.dossier_id}/entries/{self.entry_id}"

    @property
    def api_plan(self) -> str:
        return f"/api/v1/dossiers/{self.dossier_id}/plan"

    @property
    def html_page(self) -> str:
        return f"/dossiers/{self.dossier_id}"

    @property
    def api_write(self) -> str:
        return f"/api/v1/dossiers/{self.dossier_id}/entries"

    def write_body(self) -> dict[str, str]:
        return {
            "section_id": str(self.section_id),
            "title": "Nieuw",
            "body": "Tekst " * 50,
            "kind": "note",
        }


def environment(database_url: str, keys_dir: Path) -> dict[str, str]:
    """The app's settings as environment variables: one source for gunicorn and in-process."""
    return {
        "DOSSIER_DATABASE_URL": database_url,
        "DOSSIER_KEYS_DIR": str(keys_dir),
        "DOSSIER_ENV": "development",
        "DOSSIER_LOGIN_LIMITS": "100000 per minute",
        "DOSSIER_ADDRESS_LIMITS": "100000 per minute",
        "DOSSIER_KDF_TIME_COST": "1",
        "DOSSIER_KDF_MEMORY_KIB": "8",
    }


def _call(client: Any, method: str, path: str, expect: int, **kwargs: Any) -> Any:
    response = client.open(path, method=method, **kwargs)
    if response.status_code != expect:
        raise RuntimeError(
            f"{method} {path}: {response.status_code}, expected {expect}: "
            f"{response.get_data(as_text=True)[:300]}"
        )
    return response.get_json(silent=True)


def _log_in(client: Any, email: str, password: str) -> str:
    return _call(
        client, "POST", "/api/v1/sessions", 201, json={"email": email, "password": password}
    )["token"]


def build(
    app: Flask, entries: int = ENTRIES, views: int = VIEWS, password: str = PASSWORD
) -> World:
    client = app.test_client()
    state = app.extensions["dossier"]
    ctx = Context(state["sessions"], state["settings"])
    _call(
        client,
        "POST",
        "/api/v1/accounts",
        201,
        json={
            "email": OWNER,
            "password": password,
            "display_name": "Y",
            "role": "youth",
            "birth_date": "2008-01-01",
        },
    )
    worker_id = _call(
        client,
        "POST",
        "/api/v1/accounts",
        201,
        json={
            "email": CARE_WORKER,
            "password": password,
            "display_name": "P",
            "role": "professional",
            "organisation": "Jeugdteam",
            "registration_number": "123456",
        },
    )["id"]
    accounts.create_staff(ctx, accounts.NewAccount(ADMIN, password, "A", "admin"))
    admin = {"Authorization": f"Bearer {_log_in(client, ADMIN, password)}"}
    _call(
        client, "POST", f"/api/v1/admin/professionals/{worker_id}/verification", 200, headers=admin
    )
    token = _log_in(client, OWNER, password)
    owner = {"Authorization": f"Bearer {token}"}
    dossier = _call(
        client,
        "POST",
        "/api/v1/dossiers",
        201,
        headers=owner,
        json={"subject_name": "Y", "for_self": True},
    )
    dossier_id, section_id = dossier["id"], dossier["sections"][1]["id"]
    grant = _call(
        client,
        "POST",
        f"/api/v1/dossiers/{dossier_id}/grants",
        201,
        headers=owner,
        json={
            "grantee_email": CARE_WORKER,
            "section_ids": [section_id],
            "permission": "contribute",
        },
    )
    if grant["status"] != "active":
        raise RuntimeError(f"the care worker's grant is {grant['status']}, not active")
    worker = {"Authorization": f"Bearer {_log_in(client, CARE_WORKER, password)}"}
    entries_path = f"/api/v1/dossiers/{dossier_id}/entries"
    entry_id = _call(
        client,
        "POST",
        entries_path,
        201,
        headers=worker,
        json={"section_id": section_id, "title": "Verslag", "body": BODY, "kind": "report"},
    )["id"]
    for number in range(views):
        _call(
            client,
            "POST",
            f"{entries_path}/{entry_id}/perspectives",
            201,
            headers=owner,
            json={"body": f"{number}. {VIEW}"},
        )
    for number in range(entries):
        _call(
            client,
            "POST",
            entries_path,
            201,
            headers=owner,
            json={
                "section_id": section_id,
                "title": f"Bericht {number}",
                "body": BODY,
                "kind": "note",
            },
        )
    plan_version_id = _plan(client, dossier_id, owner, worker)
    actor = sessions.authenticate(ctx, token, SessionKind.API)
    if actor is None:
        raise RuntimeError("the owner's token opens no session")
    with ctx.unit_of_work() as db:
        version, key = keychain(db, actor, uuid.UUID(dossier_id)).current(uuid.UUID(section_id))
    return World(
        uuid.UUID(dossier_id),
        uuid.UUID(section_id),
        uuid.UUID(entry_id),
        token,
        key,
        version,
        password=password,
        plan_version_id=plan_version_id,
    )


PLAN_GOALS = 20
PLAN_ACTIONS = 3  # per goal


def _plan(client: Any, dossier_id: str, owner: dict[str, str], worker: dict[str, str]) -> uuid.UUID:
    """The family's plan: 20 goals of 3 actions each, agreed by the owner (18: her yes alone
    counts) and the care worker, with one action in three ticked off with a note."""
    path = f"/api/v1/dossiers/{dossier_id}/plan"
    goals = [
        {
            "text": f"Doel {g}: " + "iets wat we samen willen bereiken. " * 3,
            "proposed_by": "Y",
            "actions": [
                {"what": f"Stap {g}.{a}: wat er moet gebeuren, door wie", "who": "Oma"}
                for a in range(PLAN_ACTIONS)
            ],
        }
        for g in range(PLAN_GOALS)
    ]
    draft = {"strengths": BODY, "network": [{"name": "Oma", "how": "Helpt"}], "goals": goals}
    number = _call(client, "POST", f"{path}/versions", 201, headers=worker, json=draft)["number"]
    for who in (owner, worker):
        _call(
            client,
            "POST",
            f"{path}/versions/{number}/marks",
            200,
            headers=who,
            json={"agrees": True},
        )
    page = _call(client, "GET", path, 200, headers=owner)
    for goal in page["current"]["goals"]:
        ref = goal["actions"][0]["ref"]
        _call(
            client,
            "PUT",
            f"{path}/actions/{ref}",
            204,
            headers=owner,
            json={"done": True, "note": "Gelukt"},
        )
    return uuid.UUID(page["current"]["id"])


def make(url: str, keys_dir: Path) -> tuple[World, dict[str, str]]:
    """A migrated database holding the benchmark dossier; the settings to serve it with."""
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    env = environment(url, keys_dir)
    app = create_app(Settings.from_env(env))
    try:
        made = build(app)
    finally:
        app.extensions["dossier"]["engine"].dispose()
    return made, {
        **env,
        "BENCH_SECTION_KEY": made.section_key.hex(),
        "BENCH_DOSSIER_ID": str(made.dossier_id),
    }


def entries_on_page(html: bytes, dossier_id: uuid.UUID) -> int:
    """How many entries the dossier page lists (by their links): its baseline opens as many."""
    links = set(re.findall(rf"/dossiers/{dossier_id}/entries/([0-9a-f-]{{36}})\"".encode(), html))
    if not links:
        raise RuntimeError("the dossier page links to no entry: its baseline would open none")
    return len(links)


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    if match is None:
        raise RuntimeError("no CSRF token on the login page")
    return match.group(1)


def browser_login(client: Any, world: World) -> None:
    """Log in through the login form, as a browser does: its page first, then the form with
    its CSRF token; the client keeps both cookies (the session and Flask's CSRF cookie)."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": world.owner_email, "password": world.password},
    )
    if response.status_code != 302:
        raise RuntimeError(f"login form answered {response.status_code}")
