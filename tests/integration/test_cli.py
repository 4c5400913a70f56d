"""The `dossier` command, run as an operator would, against the test databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from dossier.cli import main
from dossier.db import make_engine
from dossier.migrations import alembic_config
from dossier.models import SessionKind
from dossier.services import sessions
from dossier.services.context import Context
from tests.conftest import PASSWORD


@pytest.fixture
def run(app, keys_dir: Path):  # type: ignore[no-untyped-def]
    env = {
        "DOSSIER_DATABASE_URL": app.extensions["dossier"]["settings"].database_url,
        "DOSSIER_KEYS_DIR": str(keys_dir),
        "DOSSIER_KDF_TIME_COST": "1",
        "DOSSIER_KDF_MEMORY_KIB": "8",
        "DOSSIER_ENV": "test",
    }

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, list(args), env=env, input=input)

    return invoke


def test_keys_init_and_db_upgrade_on_a_fresh_machine(tmp_path: Path) -> None:
    env = {
        "DOSSIER_KEYS_DIR": str(tmp_path / "keys"),
        "DOSSIER_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
    }
    runner = CliRunner()
    first = runner.invoke(main, ["keys", "init"], env=env)
    assert first.exit_code == 0 and first.output.count("created") == 3
    again = runner.invoke(main, ["keys", "init"], env=env)
    assert "already present" in again.output
    upgraded = runner.invoke(main, ["db", "upgrade"], env=env)
    head = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://"))).get_current_head()
    assert upgraded.exit_code == 0 and f"revision {head}" in upgraded.output


def test_users_create_admin_and_auditor(run, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "users",
        "create",
        "--role",
        "admin",
        "--email",
        "Admin@Example.nl",
        "--password",
        PASSWORD,
        "--name",
        "Fatima",
    )
    assert result.exit_code == 0, result.output
    assert "created admin admin@example.nl" in result.output
    assert "recovery code" in result.output
    prompted = run(
        "users",
        "create",
        "--role",
        "auditor",
        "--email",
        "aud@example.nl",
        "--name",
        "Pieter",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert prompted.exit_code == 0, prompted.output
    for email, role in [("admin@example.nl", "admin"), ("aud@example.nl", "auditor")]:
        ticket = sessions.log_in(ctx, email, PASSWORD, SessionKind.WEB)
        actor = sessions.authenticate(ctx, ticket.token, SessionKind.WEB)
        assert actor is not None and actor.role == role


def test_users_create_explains_what_is_wrong(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "users",
        "create",
        "--role",
        "admin",
        "--email",
        "nope",
        "--password",
        "short",
        "--name",
        "X",
    )
    assert result.exit_code != 0
    assert "email:" in result.output and "password:" in result.output
    wrong_role = run(
        "users",
        "create",
        "--role",
        "youth",
        "--email",
        "a@example.nl",
        "--password",
        PASSWORD,
        "--name",
        "X",
    )
    assert wrong_role.exit_code != 0


def test_demo_fills_an_empty_database_and_every_account_logs_in(run, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    result = run("demo")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines() if "@demo.eigendossier.nl" in line]
    assert len(lines) == 6
    roles = set()
    for email, password, *_rest in lines:
        ticket = sessions.log_in(ctx, email, password, SessionKind.WEB)
        actor = sessions.authenticate(ctx, ticket.token, SessionKind.WEB)
        assert actor is not None and actor.verified
        roles.add(actor.role)
    assert roles == {"youth", "parent", "professional", "auditor", "admin"}
    again = run("demo")
    assert again.exit_code != 0 and "empty" in again.output


def test_demo_ages_are_14_and_17(run, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from dossier.consent import age_on
    from dossier.models import User

    run("demo")
    with ctx.unit_of_work() as db:
        ages = sorted(
            age_on(user.birth_date, ctx.now().date())
            for user in db.scalars(select(User).where(User.role == "youth"))
        )
    assert ages == [14, 17]


def test_demo_refuses_production(run, app, keys_dir: Path) -> None:  # type: ignore[no-untyped-def]
    env = {
        "DOSSIER_ENV": "production",
        "DOSSIER_KEYS_DIR": str(keys_dir),
        "DOSSIER_DATABASE_URL": app.extensions["dossier"]["settings"].database_url,
    }
    result = CliRunner().invoke(main, ["demo"], env=env)
    assert result.exit_code != 0 and "production" in result.output


def test_run_refuses_a_database_that_is_not_migrated(tmp_path: Path, keys_dir: Path) -> None:
    env = {
        "DOSSIER_KEYS_DIR": str(keys_dir),
        "DOSSIER_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    result = CliRunner().invoke(main, ["run", "--port", "0"], env=env)
    assert result.exit_code != 0 and "dossier db upgrade" in result.output


def test_run_refuses_without_keys(tmp_path: Path) -> None:
    env = {
        "DOSSIER_KEYS_DIR": str(tmp_path / "nokeys"),
        "DOSSIER_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    result = CliRunner().invoke(main, ["run", "--port", "0"], env=env)
    assert result.exit_code != 0 and "dossier keys init" in result.output


def test_demo_dossiers_read_like_real_ones(run, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    from dossier.services import dossiers, entries

    run("demo")

    def actor(email: str, password: str):  # type: ignore[no-untyped-def]
        ticket = sessions.log_in(ctx, email, password, SessionKind.WEB)
        return sessions.authenticate(ctx, ticket.token, SessionKind.WEB)

    sanne = actor("sanne@demo.eigendossier.nl", "sanne-demo-wachtwoord")
    [own] = dossiers.list_dossiers(ctx, sanne)
    assert own.subject_name == "Sanne de Vries"
    assert {o.relation for o in own.owners} == {"subject", "guardian"}
    current = entries.list_entries(ctx, sanne, own.id, entries.Filters()).items
    older = entries.list_entries(ctx, sanne, own.id, entries.Filters(older=True)).items
    assert [e.title for e in older] == ["Verslag intakegesprek"] and older[0].kind == "report"
    plan = next(e for e in current if e.kind == "plan")
    assert entries.read_entry(ctx, sanne, own.id, plan.id).views[0].author.name == "Sanne de Vries"
    letter = next(e for e in current if e.kind == "letter")
    [pdf] = entries.read_entry(ctx, sanne, own.id, letter.id).attachments
    assert pdf.media_type == "application/pdf"
    got = entries.download(ctx, sanne, own.id, letter.id, pdf.id)
    assert got.content.startswith(b"%PDF-") and got.content.rstrip().endswith(b"%%EOF")
    years = {e.created_at.year for e in current + older}
    assert len(years) >= 3 and all(e.trusted for e in current + older)
    anne = actor("anne@demo.eigendossier.nl", "anne-demo-wachtwoord")
    shared = {d.subject_name: d for d in dossiers.list_dossiers(ctx, anne)}
    assert set(shared) == {"Sanne de Vries", "Daan Bakker"}
    sections = {s.default_name for s in shared["Sanne de Vries"].sections}
    assert sections == {"care", "family", "school"}
    assert shared["Daan Bakker"].permission == "read"
    assert {
        e.title
        for e in entries.list_entries(
            ctx, anne, shared["Sanne de Vries"].id, entries.Filters()
        ).items
    } >= {"Plan van aanpak"}
    daan = actor("daan@demo.eigendossier.nl", "daan-demo-wachtwoord")
    [daans] = dossiers.list_dossiers(ctx, daan)
    assert len(entries.list_entries(ctx, daan, daans.id, entries.Filters()).items) == 2


def test_prepare_makes_keys_only_when_allowed_then_migrates(tmp_path: Path) -> None:
    env = {
        "DOSSIER_KEYS_DIR": str(tmp_path / "keys"),
        "DOSSIER_DATABASE_URL": f"sqlite:///{tmp_path / 'prepared.sqlite3'}",
    }
    runner = CliRunner()
    refused = runner.invoke(main, ["prepare"], env=env)
    assert refused.exit_code != 0 and "DOSSIER_CREATE_KEYS=true" in refused.output
    assert not (tmp_path / "prepared.sqlite3").exists()
    prepared = runner.invoke(main, ["prepare"], env={**env, "DOSSIER_CREATE_KEYS": "true"})
    assert prepared.exit_code == 0, prepared.output
    assert prepared.output.count("created") == 3 and "database at revision" in prepared.output
    again = runner.invoke(main, ["prepare"], env={**env, "DOSSIER_CREATE_KEYS": "true"})
    assert again.exit_code == 0 and "created" not in again.output
