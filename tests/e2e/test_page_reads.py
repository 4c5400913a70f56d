"""A page is one use case: one unit of work for what it shows, one event for what was read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from dossier.models import AuditEvent, Entry, EntryVersion, RotationDue
from dossier.services import rotation, sharing
from tests.e2e.test_sharing_pages import login
from tests.support import CARE_WORKER, GUARDIAN, YOUTH, youth_world


@contextmanager
def counted(engine) -> Iterator[dict[str, int]]:
    """How many transactions begin while the block runs."""
    seen = {"transactions": 0}

    def begin(_connection) -> None:
        seen["transactions"] += 1

    event.listen(engine, "begin", begin)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", begin)


def new_events(ctx, before: int) -> list[tuple[str, str]]:
    with ctx.unit_of_work() as db:
        rows = db.execute(
            select(AuditEvent.action, AuditEvent.outcome).order_by(AuditEvent.at, AuditEvent.seq)
        ).all()
    return [tuple(row) for row in rows[before:]]


def count_events(ctx) -> int:
    with ctx.unit_of_work() as db:
        return len(db.scalars(select(AuditEvent.id)).all())


def test_the_entry_page_reads_in_one_unit_of_work_and_logs_one_read(app, engine, ctx) -> None:
    world = youth_world(ctx)
    entry = world.write(world.youth, "my_story", "Mijn verhaal", "Van mij")
    browser = login(app, "sanne@example.nl")
    url = f"/dossiers/{world.dossier.id}/entries/{entry}"
    for path in (url, url + "/edit"):
        before = count_events(ctx)
        with counted(engine) as seen:
            page = browser.get(path)
        assert page.status_code == 200 and "Mijn verhaal" in page.get_data(as_text=True)
        assert new_events(ctx, before) == [("entry.read", "success")], path
        # one for the login session that the request carries, one for the page itself
        assert seen["transactions"] == 2, path


def test_the_history_page_reads_in_one_unit_of_work_and_logs_one_read(app, engine, ctx) -> None:
    world = youth_world(ctx)
    entry = world.write(world.youth, "my_story", "Mijn verhaal", "Van mij")
    browser = login(app, "sanne@example.nl")
    before = count_events(ctx)
    with counted(engine) as seen:
        page = browser.get(f"/dossiers/{world.dossier.id}/entries/{entry}/history")
    assert page.status_code == 200 and "Van mij" in page.get_data(as_text=True)
    assert new_events(ctx, before) == [("entry.history", "success")]
    assert seen["transactions"] == 2


def test_the_revoke_question_reads_in_one_unit_of_work_and_logs_one_read(app, engine, ctx) -> None:
    world = youth_world(ctx)
    world.staff()
    world.care_worker()
    grant = world.share("anne@example.nl", "read")
    browser = login(app, "sanne@example.nl")
    before = count_events(ctx)
    with counted(engine) as seen:
        page = browser.get(f"/dossiers/{world.dossier.id}/grants/{grant}/revoke")
    assert page.status_code == 200 and "Anne" in page.get_data(as_text=True)
    assert new_events(ctx, before) == [("grant.list", "success")]
    assert seen["transactions"] == 2


def test_the_dossier_page_is_one_visit_with_one_event(app, engine, ctx) -> None:
    world = youth_world(ctx)
    world.staff()
    world.care_worker()
    world.share("anne@example.nl", "read", message="Welkom")
    world.write(world.youth, "care", "Plan", "Stappen")
    for email, title in (("sanne@example.nl", "Plan"), ("anne@example.nl", "Welkom")):
        browser = login(app, email)
        before = count_events(ctx)
        with counted(engine) as seen:
            page = browser.get(f"/dossiers/{world.dossier.id}")
        assert page.status_code == 200 and title in page.get_data(as_text=True), email
        assert new_events(ctx, before) == [("dossier.open", "success")], email
        assert seen["transactions"] == 2, email


def test_stopping_a_sharing_is_one_unit_of_work_and_one_event(app, engine, ctx) -> None:
    from tests.support import csrf_token

    world = youth_world(ctx, age=17)
    world.staff()
    world.care_worker()
    grant = world.share("anne@example.nl", "read")
    browser = login(app, "sanne@example.nl")
    path = f"/dossiers/{world.dossier.id}/grants/{grant}/revoke"
    token = csrf_token(browser, path)
    before = count_events(ctx)
    with counted(engine) as seen:
        done = browser.post(path, data={"csrf_token": token})
    assert done.status_code == 302
    assert new_events(ctx, before) == [("grant.revoke", "success")]
    assert seen["transactions"] == 2
    assert "Anne has no access any more" in browser.get(done.headers["Location"]).get_data(
        as_text=True
    )


def key_versions_in_use(ctx, dossier_id, section_id) -> set[int]:
    """The key versions the section's entry texts are sealed under."""
    with ctx.unit_of_work() as db:
        return set(
            db.scalars(
                select(EntryVersion.key_version)
                .join(Entry, Entry.id == EntryVersion.entry_id)
                .where(Entry.dossier_id == dossier_id, Entry.section_id == section_id)
            )
        )


def rotations_due(ctx, dossier_id) -> int:
    with ctx.unit_of_work() as db:
        return len(
            db.scalars(select(RotationDue).where(RotationDue.dossier_id == dossier_id)).all()
        )


def test_who_may_look_only_reads_and_the_next_owner_write_re_encrypts(
    app, engine, ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = youth_world(ctx, age=17)
    world.staff()
    world.care_worker()
    care, dossier = world.section("care"), world.dossier.id
    for number in range(3):
        world.write(world.youth, "care", f"Plan {number}", "Stappen")
    grant = world.share(CARE_WORKER, "read")
    monkeypatch.setattr(rotation, "DEFAULT_BUDGET_SECONDS", 0.0)  # nothing fits in the request
    assert sharing.revoke(ctx, world.youth, dossier, grant).remaining > 0
    assert key_versions_in_use(ctx, dossier, care) == {1}
    monkeypatch.undo()

    browser = login(app, YOUTH)
    before = count_events(ctx)
    with counted(engine) as seen:
        page = browser.get(f"/dossiers/{dossier}/access")
    assert page.status_code == 200
    assert "still locking older texts" in page.get_data(as_text=True)
    assert new_events(ctx, before) == [("grant.list", "success")]
    assert seen["transactions"] == 2
    # the look re-encrypted nothing and rotated nothing
    assert key_versions_in_use(ctx, dossier, care) == {1}
    assert rotations_due(ctx, dossier) > 0

    world.share(GUARDIAN, "read", sections=("family",))  # the next change to who may look
    assert key_versions_in_use(ctx, dossier, care) == {2}
    assert rotations_due(ctx, dossier) == 0
    page = browser.get(f"/dossiers/{dossier}/access")
    assert "still locking older texts" not in page.get_data(as_text=True)
