"""A stranger cannot tell from the work a request does, and so from its time, whether a dossier
id exists: an unknown id and someone else's dossier cost the same statements and the same
secret-store lookups, through the API and through the pages."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from dossier.keys import DossierSecrets
from dossier.services.context import Context
from tests.conftest import PASSWORD
from tests.support import api_login, person, post_form, youth_world

STRANGER = "pieter@example.nl"


@contextmanager
def work_done(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """Every SQL statement the app sends, and every dossier secret it looks up, meanwhile."""
    done: dict[str, list[str]] = {"statements": [], "secret lookups": []}
    engine = app.extensions["dossier"]["engine"]

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        done["statements"].append(sql)

    for name in ("get", "get_or_create"):
        original = getattr(DossierSecrets, name)

        def counted(
            store: DossierSecrets, dossier_id: uuid.UUID, _o: Any = original, _n: str = name
        ) -> Any:
            done["secret lookups"].append(_n)
            return _o(store, dossier_id)

        monkeypatch.setattr(DossierSecrets, name, counted)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield done
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        monkeypatch.undo()


@pytest.fixture
def worlds(ctx: Context, client: Any) -> dict[str, Any]:
    """Sanne's dossier (`youth_world`), and Pieter, who has nothing to do with it."""
    world = youth_world(ctx)
    person(ctx, STRANGER, "parent", "Pieter")
    browser = client.application.test_client()
    logged_in = post_form(browser, "/login", {"email": STRANGER, "password": PASSWORD})
    assert logged_in.status_code == 302
    return {
        "dossier": str(world.dossier.id),
        "section": str(world.section("care")),
        "api": api_login(client, STRANGER),
        "browser": browser,
    }


def ask(client: Any, worlds: dict[str, Any], how: str, dossier_id: str) -> Any:
    api = worlds["api"]
    if how == "api read":
        return client.get(f"/api/v1/dossiers/{dossier_id}", headers=api)
    if how == "api write":
        body = {"section_id": worlds["section"], "title": "t", "body": "b", "kind": "note"}
        return client.post(f"/api/v1/dossiers/{dossier_id}/entries", json=body, headers=api)
    if how == "api log":
        return client.get(f"/api/v1/dossiers/{dossier_id}/access-log", headers=api)
    return worlds["browser"].get(f"/dossiers/{dossier_id}")


@pytest.mark.parametrize("how", ["api read", "api write", "api log", "page"])
def test_an_unknown_id_and_someone_elses_dossier_cost_the_same(
    app: Any, client: Any, worlds: dict[str, Any], how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask(client, worlds, how, str(uuid.uuid4()))  # the first request of a session may touch it
    with work_done(app, monkeypatch) as unknown:
        assert ask(client, worlds, how, str(uuid.uuid4())).status_code == 404
    with work_done(app, monkeypatch) as someone_elses:
        assert ask(client, worlds, how, worlds["dossier"]).status_code == 404
    assert someone_elses["statements"] == unknown["statements"]
    assert someone_elses["secret lookups"] == unknown["secret lookups"]
