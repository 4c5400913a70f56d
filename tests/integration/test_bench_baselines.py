"""The baselines `make bench` divides by do the same work as the real thing, on a tiny dossier:
a baseline that skipped part of it would flatter nothing but itself."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, text, update

from bench import apps
from bench.audit import skeleton_verify
from bench.reencrypt import skeleton_reencrypt
from bench.skeleton import skeleton as request_skeleton
from bench.world import BODY, CARE_WORKER, PLAN_GOALS, World, browser_login, build, entries_on_page
from dossier.audit import verify
from dossier.db import unit_of_work
from dossier.models import (
    AuditChainHead,
    AuditEvent,
    Entry,
    EntryVersion,
    Grant,
    Notice,
    Section,
    UserSession,
)
from dossier.services.content import Place, Untrusted, open_text
from tests.conftest import PASSWORD
from tests.support import as_database_owner


@pytest.fixture
def world(app: Flask) -> World:
    return build(app, entries=3, views=2, password=PASSWORD)


@pytest.fixture
def minimal(app: Flask, world: World) -> Iterator[Flask]:
    url = app.extensions["dossier"]["settings"].database_url
    baseline = apps.minimal(url, world.section_key, world.dossier_id)
    yield baseline
    baseline.extensions["bench"]["engine"].dispose()


def test_the_minimal_page_opens_the_titles_the_api_lists(
    app: Flask, world: World, minimal: Flask
) -> None:
    listed = app.test_client().get(world.api_page, headers=world.auth).get_json()["items"]
    answer = minimal.test_client().get("/page?limit=50")
    assert answer.status_code == 200
    assert answer.get_json()["items"] == [item["title"] for item in listed]
    assert len(listed) == 4  # the owner's three and the care worker's one


def test_the_minimal_entry_opens_the_texts_and_views_the_api_shows(
    app: Flask, world: World, minimal: Flask
) -> None:
    shown = app.test_client().get(world.api_entry, headers=world.auth).get_json()
    answer = minimal.test_client().get(f"/entry/{world.entry_id}").get_json()
    assert answer["title"] == shown["entry"]["title"] == "Verslag"
    assert answer["body"] == shown["body"]
    assert answer["views"] == [view["body"] for view in shown["perspectives"]]
    assert len(answer["views"]) == 2


def test_the_minimal_plan_opens_the_plan_the_api_shows(
    app: Flask, world: World, minimal: Flask
) -> None:
    shown = app.test_client().get(world.api_plan, headers=world.auth).get_json()["current"]
    answer = minimal.test_client().get("/plan").get_json()
    goals = [goal["text"] for goal in answer["plan"]["goals"]]
    assert goals == [goal["text"] for goal in shown["goals"]] and len(goals) == PLAN_GOALS
    assert sorted(answer["notes"]) == ["Gelukt"] * PLAN_GOALS
    assert len(answer["reasons"]) == len(shown["marks"]) == 2


@pytest.fixture
def skeleton(app: Flask, world: World) -> Iterator[Flask]:
    baseline = request_skeleton(app.extensions["dossier"]["settings"], world.dossier_id)
    baseline.testing = True  # a failed check raises here instead of becoming a bare 500
    yield baseline
    baseline.extensions["bench"]["engine"].dispose()


def _chain(app: Flask, world: World) -> list[tuple[object, ...]]:
    """The dossier's events as everything they say but when, which request and their links."""
    with unit_of_work(app.extensions["dossier"]["sessions"]) as db:
        rows = db.execute(
            select(
                AuditEvent.action,
                AuditEvent.object_type,
                AuditEvent.object_id,
                AuditEvent.actor_id,
                AuditEvent.actor_role,
                AuditEvent.on_behalf_of,
                AuditEvent.basis,
                AuditEvent.outcome,
                AuditEvent.reason,
                AuditEvent.client_address,
            )
            .where(AuditEvent.dossier_id == world.dossier_id)
            .order_by(AuditEvent.seq)
        ).all()
    return [tuple(row) for row in rows]


def test_the_request_skeleton_lists_the_titles_the_api_lists_and_logs_it(
    app: Flask, world: World, skeleton: Flask
) -> None:
    listed = app.test_client().get(world.api_page, headers=world.auth).get_json()["items"]
    answer = skeleton.test_client().get("/page?limit=50", headers=world.auth)
    assert answer.status_code == 200
    assert answer.get_json()["items"] == [
        {"id": item["id"], "title": item["title"]} for item in listed
    ]
    by_app, by_skeleton = _chain(app, world)[-2:]
    assert by_app == by_skeleton and by_app[:3] == ("entry.list", "dossier", str(world.dossier_id))


def test_the_request_skeleton_renders_the_cards_escaped(
    app: Flask, world: World, skeleton: Flask
) -> None:
    owner = app.test_client()
    made = owner.post(
        world.api_write,
        headers=world.auth,
        json={**world.write_body(), "title": "<b>vet</b>"},
    )
    assert made.status_code == 201
    page = skeleton.test_client().get("/html", headers=world.auth)
    assert page.status_code == 200
    html = page.get_data()
    assert entries_on_page(html, world.dossier_id) == 5
    assert b"&lt;b&gt;vet&lt;/b&gt;" in html and b"<b>vet" not in html
    assert _chain(app, world)[-1][:3] == ("dossier.open", "dossier", str(world.dossier_id))


def test_the_request_skeleton_opens_and_checks_the_entry_the_api_shows(
    app: Flask, world: World, skeleton: Flask
) -> None:
    shown = app.test_client().get(world.api_entry, headers=world.auth).get_json()
    answer = skeleton.test_client().get(f"/entry/{world.entry_id}", headers=world.auth)
    assert answer.get_json() == {
        "title": shown["entry"]["title"],
        "body": shown["body"],
        "views": [view["body"] for view in shown["perspectives"]],
    }
    by_app, by_skeleton = _chain(app, world)[-2:]
    assert by_app == by_skeleton and by_app[:3] == ("entry.read", "entry", str(world.entry_id))
    engine = app.extensions["dossier"]["engine"]
    with engine.begin() as connection:  # someone else's signature on the care worker's words
        connection.execute(
            update(EntryVersion)
            .where(EntryVersion.entry_id == world.entry_id)
            .values(signature=bytes(64))
        )
    with pytest.raises(Untrusted):
        skeleton.test_client().get(f"/entry/{world.entry_id}", headers=world.auth)


def test_the_request_skeleton_writes_an_entry_the_app_reads_on_an_unbroken_chain(
    app: Flask, world: World, skeleton: Flask
) -> None:
    written = skeleton.test_client().post("/write", headers=world.auth, json=world.write_body())
    assert written.status_code == 201
    entry_id = written.get_json()["id"]
    shown = app.test_client().get(f"{world.api_write}/{entry_id}", headers=world.auth)
    assert shown.status_code == 200
    assert shown.get_json()["entry"]["title"] == world.write_body()["title"]
    assert shown.get_json()["entry"]["trusted"] is True
    assert shown.get_json()["body"] == world.write_body()["body"]
    assert _chain(app, world)[-2][:3] == ("entry.create", "entry", entry_id)
    by_app = app.test_client().post(world.api_write, headers=world.auth, json=world.write_body())
    ids = {"skeleton": entry_id, "app": by_app.get_json()["id"]}
    with unit_of_work(app.extensions["dossier"]["sessions"]) as db:
        told = {
            who: [
                (row.user_id, row.kind, json.loads(row.data) | {"entry": "E"})
                for row in db.execute(
                    select(Notice.user_id, Notice.kind, Notice.data).where(
                        Notice.event_key == f"entry:{made}"
                    )
                )
            ]
            for who, made in ids.items()
        }
    # The care worker hears of both in the same words, the writer of neither.
    assert told["skeleton"] == told["app"] and len(told["app"]) == 1
    assert told["app"][0][2]["sections"] and told["app"][0][2]["person"]
    with unit_of_work(app.extensions["dossier"]["sessions"]) as db:
        report = verify(db)
    assert report.ok, report.first_broken


def test_the_request_skeleton_writes_only_where_the_app_writes(
    app: Flask, world: World, skeleton: Flask
) -> None:
    """Not in another dossier's section, nor in an archived one: both refuse, and neither
    writes a row."""
    elsewhere = {**world.write_body(), "section_id": str(uuid.uuid4())}
    for baseline, path in ((skeleton, "/write"), (app, world.api_write)):
        assert (
            baseline.test_client().post(path, headers=world.auth, json=elsewhere).status_code == 404
        )
    engine = app.extensions["dossier"]["engine"]
    with engine.begin() as connection:
        connection.execute(update(Section).values(archived_at=datetime.now(UTC)))
        before = connection.scalar(select(func.count()).select_from(Entry))
    for baseline, path in ((skeleton, "/write"), (app, world.api_write)):
        refused = baseline.test_client().post(path, headers=world.auth, json=world.write_body())
        assert refused.status_code == 422
    with engine.begin() as connection:
        assert connection.scalar(select(func.count()).select_from(Entry)) == before


def test_the_request_skeleton_lets_in_only_who_the_app_lets_in(
    app: Flask, world: World, skeleton: Flask
) -> None:
    client = skeleton.test_client()
    assert client.get("/page").status_code == 401
    wrong = {"Authorization": world.auth["Authorization"][:-4] + "AAAA"}
    assert client.get("/page", headers=wrong).status_code == 401
    stranger = app.test_client().post(
        "/api/v1/accounts",
        json={
            "email": "z@bench.nl",
            "password": world.password,
            "display_name": "Z",
            "role": "youth",
            "birth_date": "2008-01-01",
        },
    )
    assert stranger.status_code == 201
    token = (
        app.test_client()
        .post("/api/v1/sessions", json={"email": "z@bench.nl", "password": world.password})
        .get_json()["token"]
    )
    refused = client.get("/page", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 404
    engine = app.extensions["dossier"]["engine"]
    with engine.begin() as connection:  # the owner's session runs out
        connection.execute(update(UserSession).values(expires_at=datetime.now(UTC)))
    assert client.get("/page", headers=world.auth).status_code == 401


def test_the_request_skeleton_follows_a_grant_as_the_app_does(
    app: Flask, world: World, skeleton: Flask
) -> None:
    """The care worker reads on her grant's basis; once it has ended the skeleton would have to
    sweep first (it does not: it says so), and once revoked she is a stranger to both."""
    ticket = app.test_client().post(
        "/api/v1/sessions", json={"email": CARE_WORKER, "password": world.password}
    )
    worker = {"Authorization": f"Bearer {ticket.get_json()['token']}"}
    assert app.test_client().get(world.api_page, headers=worker).status_code == 200
    assert skeleton.test_client().get("/page", headers=worker).status_code == 200
    by_app, by_skeleton = _chain(app, world)[-2:]
    assert by_app == by_skeleton and str(by_app[6]).startswith("grant:")
    engine = app.extensions["dossier"]["engine"]
    with engine.begin() as connection:
        connection.execute(update(Grant).values(expires_at=datetime.now(UTC) - timedelta(days=1)))
    assert skeleton.test_client().get("/page", headers=worker).status_code == 503
    with engine.begin() as connection:
        connection.execute(
            update(Grant).values(expires_at=None, revoked_at=datetime.now(UTC), status="revoked")
        )
    assert skeleton.test_client().get("/page", headers=worker).status_code == 404
    assert app.test_client().get(world.api_page, headers=worker).status_code == 404


def test_the_html_baseline_opens_as_many_entries_as_the_page_lists(
    app: Flask, world: World
) -> None:
    browser = app.test_client()
    browser_login(browser, world)
    page = browser.get(world.html_page)
    assert page.status_code == 200
    assert entries_on_page(page.get_data(), world.dossier_id) == 4


def test_the_audit_skeleton_ends_each_chain_at_its_head(app: Flask, world: World) -> None:
    engine = app.extensions["dossier"]["engine"]
    with engine.connect() as connection:
        skeleton = skeleton_verify(connection)
    with unit_of_work(app.extensions["dossier"]["sessions"]) as db:
        report = verify(db)
        heads = {h.chain: h.hash for h in db.scalars(select(AuditChainHead)) if h.seq}
    assert report.ok and skeleton.ok
    assert skeleton.events == report.events > 0
    assert skeleton.ends == heads and len(heads) >= 2  # the account chain and the dossier's


def test_the_audit_skeleton_notices_an_edited_event(app: Flask, world: World) -> None:
    engine = app.extensions["dossier"]["engine"]
    with as_database_owner(engine) as connection:
        connection.execute(
            text("UPDATE audit_events SET body = replace(body, 'success', 'denied') WHERE seq = 2")
        )
    with engine.connect() as connection:
        assert not skeleton_verify(connection).ok


def test_the_reencryption_skeleton_leaves_rows_that_open_with_the_new_key(
    app: Flask, world: World
) -> None:
    engine = app.extensions["dossier"]["engine"]
    listed = app.test_client().get(world.api_page, headers=world.auth).get_json()["items"]
    titles = {item["id"]: item["title"] for item in listed}
    new_key, current = os.urandom(32), world.key_version + 1
    with engine.begin() as connection:
        rewritten = skeleton_reencrypt(
            connection,
            world.dossier_id,
            world.section_id,
            world.section_key,
            new_key,
            current,
            batch=3,
        )
    assert rewritten == len(titles) == 4
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                EntryVersion.entry_id,
                EntryVersion.version,
                EntryVersion.key_version,
                EntryVersion.title_sealed,
                EntryVersion.body_sealed,
                Entry.section_id,
            ).join(Entry, EntryVersion.entry_id == Entry.id)
        ).all()
    assert len(rows) == 4
    for row in rows:
        place = Place(world.dossier_id, row.section_id, "entry", row.entry_id, row.version, current)
        assert row.key_version == current
        assert open_text(new_key, row.title_sealed, place, "title") == titles[str(row.entry_id)]
        assert open_text(new_key, row.body_sealed, place, "body") == BODY.strip()
        with pytest.raises(Untrusted):
            open_text(world.section_key, row.title_sealed, place, "title")
