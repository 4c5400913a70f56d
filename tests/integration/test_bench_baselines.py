"""The baselines `make bench` divides by do the same work as the real thing, on a tiny dossier:
a baseline that skipped part of it would flatter nothing but itself."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select, text

from bench import apps
from bench.audit import skeleton_verify
from bench.reencrypt import skeleton_reencrypt
from bench.world import BODY, PLAN_GOALS, World, browser_login, build, entries_on_page
from dossier.audit import verify
from dossier.db import unit_of_work
from dossier.models import AuditChainHead, Entry, EntryVersion
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
