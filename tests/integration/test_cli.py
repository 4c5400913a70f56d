"""The `dossier` command, run as an operator would, against the test databases."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from dossier.cli import main
from dossier.db import make_engine
from dossier.migrations import alembic_config
from dossier.models import SessionKind
from dossier.services import demo_history, sessions
from dossier.services.context import Context
from tests.conftest import PASSWORD
from tests.support import cli_env


@pytest.fixture
def run(app, keys_dir: Path):
    env = cli_env(app, keys_dir)

    def invoke(*args: str, input: str | None = None):
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


def test_users_create_admin_and_auditor(run, ctx: Context) -> None:
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


def test_users_create_explains_what_is_wrong(run) -> None:
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


def test_demo_fills_an_empty_database_and_every_account_logs_in(run, ctx: Context) -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines() if "@demo.eigendossier.nl" in line]
    assert len(lines) == 12
    roles = set()
    for email, password, *_rest in lines:
        ticket = sessions.log_in(ctx, email, password, SessionKind.WEB)
        actor = sessions.authenticate(ctx, ticket.token, SessionKind.WEB)
        assert actor is not None and actor.verified
        roles.add(actor.role)
    assert roles == {"youth", "parent", "professional", "auditor", "admin", "council"}
    again = run("demo")
    assert again.exit_code != 0 and "empty" in again.output


def test_demo_gives_the_council_a_year_to_read(run, ctx: Context) -> None:
    from dossier.services import council
    from dossier.services.council.disclosure import WITHHELD

    assert run("demo").exit_code == 0
    ticket = sessions.log_in(
        ctx, "raad@demo.eigendossier.nl", "raad-demo-wachtwoord", SessionKind.WEB
    )
    member = sessions.authenticate(ctx, ticket.token, SessionKind.WEB)
    page = council.figures_page(ctx, member)  # the quarter that ended last
    figures = {f.code: f for block in page.topics for f in block.figures}
    for code in (
        "own_words_dossiers",
        "family_views",
        "professional_entries",
        "corrections_requested",
        "corrections_answered",
    ):
        assert figures[code].count is not None and (figures[code].count.value or 0) >= 10, code
    # Two dozen families spread over five scores: each score reads "fewer than 10", and beside
    # five of those no total of answers is safe to show. The mean and the comments are.
    assert page.feeling is not None
    assert all(count.value is None for count in page.feeling.scores.values())
    assert figures["check_ins"].count == page.feeling.answers == WITHHELD
    assert figures["views_per_100"].number is not None
    assert figures["median_days"].number is not None
    assert page.feeling is not None and page.feeling.mean is not None and page.feeling.comments
    year = council.figures_page(ctx, member, page.choices[1].code)  # the quarter before
    assert year.topics[0].chart is not None
    shown = [v for s in year.topics[0].chart.series for v in s.values]
    assert any(v.value for v in shown)


def test_demo_ages_are_14_and_17(run, ctx: Context) -> None:
    from sqlalchemy import select

    from dossier.consent import age_on
    from dossier.models import User

    run("demo")
    with ctx.unit_of_work() as db:
        ages = sorted(
            age_on(user.birth_date, ctx.now().date())
            for user in db.scalars(select(User).where(User.role == "youth"))
            if not user.display_name.endswith("(demo)")  # the year behind the council's figures
        )
    assert ages == [14, 17]


def test_demo_refuses_production(run, app, keys_dir: Path) -> None:
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


def test_demo_dossiers_read_like_real_ones(run, ctx: Context) -> None:
    from sqlalchemy import select

    from dossier.services import dossiers, entries

    run("demo")

    def actor(email: str, password: str):
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

    # Sanne's plan: version 1 by Anne, with Sanne's "no, because …"; version 2 is the plan.
    from datetime import timedelta

    from dossier.models import Notice, PlanStatus
    from dossier.services import plans

    page = plans.read_plan(ctx, sanne, own.id)
    assert [(line.number, line.status) for line in page.history] == [
        (2, PlanStatus.CURRENT),
        (1, PlanStatus.SET_ASIDE),
    ]
    first = plans.read_plan(ctx, sanne, own.id, number=1).shown
    assert first is not None and first.author_name == "Anne Jansen"
    said = {m.person.name: (m.agrees, m.reason) for m in first.marks}
    assert said["Marieke de Vries"][0] and said["Anne Jansen"][0]
    assert not said["Sanne de Vries"][0] and "drie dagen" in said["Sanne de Vries"][1]
    plan = page.current
    assert plan is not None and plan.trusted and plan.based_on == 1
    assert {m.person.name for m in plan.marks if m.agrees} == {
        "Sanne de Vries",
        "Marieke de Vries",
        "Anne Jansen",
    }
    assert plan.goals[0].text != first.goals[0].text  # the goal Sanne said no to changed
    actions = [action for goal in plan.goals for action in goal.actions]
    [done] = [a for a in actions if a.done]
    assert done.note and done.done_by == "Anne Jansen"
    assert any(a.overdue for a in actions)
    soon = [a for a in actions if not a.done and a.by and page.today <= a.by]
    assert any(a.by <= page.today + timedelta(days=3) for a in soon if a.by)
    assert plan.evaluated_at is not None and all(goal.outcome for goal in plan.goals)
    # The plan's news reached the family without a word of it.
    with ctx.unit_of_work() as db:
        stored = " ".join(n.data for n in db.scalars(select(Notice)))
        kinds = set(db.scalars(select(Notice.kind).where(Notice.user_id == sanne.user_id)))
    assert {"plan.new", "plan.agreed"} <= kinds
    for word in ("drie dagen", "wiskunde", "oma", "zwem", "weekrooster", "bedtijd"):
        assert word not in stored.lower()


def test_demo_shows_each_way_into_a_dossier(run, ctx: Context) -> None:
    """Besides the family's own sharing: a request that waits for the owners, an emergency
    access that two officers opened and the auditor has yet to judge, and access by law."""
    from datetime import timedelta

    from sqlalchemy import select

    from dossier.models import Grant, GrantBasis
    from dossier.services import dossiers, emergency, entries, pages
    from dossier.services.entries import withholding

    assert run("demo").exit_code == 0

    def actor(name: str):
        email = f"{name}@demo.eigendossier.nl"
        ticket = sessions.log_in(ctx, email, f"{name}-demo-wachtwoord", SessionKind.WEB)
        return sessions.authenticate(ctx, ticket.token, SessionKind.WEB)

    sanne, noor, gea = actor("sanne"), actor("noor"), actor("gea")
    [own] = dossiers.list_dossiers(ctx, sanne)
    page = pages.access_page(ctx, actor("marieke"), own.id)

    [asked] = page.requests
    assert asked.status == "waiting" and asked.asker.name == "Youssef Ait Brahim"
    assert asked.asker.organisation == "Samenwerkingsverband Utrecht"
    assert asked.sections == ["school"] and asked.purpose.trusted
    assert "school" in asked.purpose.text

    [opened] = page.emergencies
    assert opened.live and opened.requester.name == "Noor Visser" and opened.hours == 72
    assert opened.section_codes == ["health"] and "medicatie" in opened.reason
    assert opened.officers == ["Henk de Boer", "Fatima El Amrani"]
    with ctx.reading() as db:
        grant = db.scalar(select(Grant).where(Grant.grantee_id == noor.user_id))
    assert grant is not None and grant.basis == GrantBasis.EMERGENCY
    assert grant.expires_at is not None and grant.expires_at > ctx.now()
    shared = {d.subject_name: d for d in dossiers.list_dossiers(ctx, noor)}
    assert [s.default_name for s in shared["Sanne de Vries"].sections] == ["health"]
    [queued] = emergency.review_queue(ctx, actor("auditor"))
    assert queued.id == opened.id and queued.reviewed_at is None

    [legal] = page.legal
    assert legal.live and legal.grantee_id == gea.user_id and legal.basis == "child_protection"
    assert legal.reference == "C/16/512345 / JE RK 26-101"
    assert sorted(legal.section_codes) == ["care", "family"]
    assert legal.until > ctx.now() + timedelta(days=150)
    seen = {d.subject_name: d for d in dossiers.list_dossiers(ctx, gea)}
    assert {s.default_name for s in seen["Sanne de Vries"].sections} == {"care", "family"}

    # A part of Anne's home visit is kept from Sanne's father; he objected, the auditor waits.
    marco = actor("marco")
    visit = next(
        card
        for card in entries.list_entries(ctx, marco, own.id, entries.Filters()).items
        if card.title == "Huisbezoek"
    )
    [placeholder] = entries.read_entry(ctx, marco, own.id, visit.id).passages
    assert placeholder.kept_from_me and placeholder.objected and placeholder.text is None
    [kept] = entries.read_entry(ctx, sanne, own.id, visit.id).passages
    assert kept.kept_from == ["Marco de Vries"] and "Zeist" in (kept.text or "")
    [objection] = withholding.objection_queue(ctx, actor("auditor"))
    assert objection.objector == "Marco de Vries" and objection.verdict is None

    # The officers find their work from the start page; nobody else is sent there.
    assert pages.start_page(ctx, actor("henk")).emergencies == 0
    assert pages.start_page(ctx, actor("admin")).emergencies == 0
    assert pages.start_page(ctx, noor).emergencies is None


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


# --- a newcomer's first steps: `make run`, `make demo`, `make reset` ------------------------------


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The embedded setup of a checkout in tmp_path: SQLite in var/, keys in keys/."""
    monkeypatch.chdir(tmp_path)
    env = {
        "DOSSIER_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'dossier.sqlite3'}",
        "DOSSIER_KEYS_DIR": str(tmp_path / "keys"),
        "DOSSIER_KDF_TIME_COST": "1",
        "DOSSIER_KDF_MEMORY_KIB": "8",
        "DOSSIER_ENV": "test",
    }
    (tmp_path / "var").mkdir()

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), env=env, input=input)

    assert invoke("keys", "init").exit_code == 0
    assert invoke("db", "upgrade").exit_code == 0
    invoke.env = env
    return invoke


@contextmanager
def listening(address_file: Path) -> Iterator[str]:
    """Something answering on the address that `dossier run` wrote down."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        address = f"http://127.0.0.1:{server.getsockname()[1]}"
        address_file.write_text(address + "\n")
        yield address


def test_reset_says_what_it_removes_then_starts_over(embedded, tmp_path: Path) -> None:
    assert embedded("demo").exit_code == 0
    secrets = sorted((tmp_path / "keys" / "dossiers").glob("*.key"))
    server_keys = sorted(p.name for p in (tmp_path / "keys").iterdir() if p.is_file())
    # Sanne's and Daan's, and the families' behind the council's figures but the two destroyed
    assert len(secrets) == 2 + demo_history.FAMILIES - 2 and len(server_keys) == 3

    kept = embedded("reset", input="n\n")
    assert kept.exit_code != 0
    assert f"  {tmp_path / 'var' / 'dossier.sqlite3'}\n" in kept.output
    assert f"  {len(secrets)} dossier secrets in {tmp_path / 'keys' / 'dossiers'}/\n" in kept.output
    assert "keeps the server keys" in kept.output
    assert all(path.exists() for path in secrets)
    assert "already has accounts" in embedded("demo").output  # nothing was removed

    done = embedded("reset", input="y\n")
    assert done.exit_code == 0, done.output
    assert "database at revision" in done.output
    assert not any(path.exists() for path in secrets)
    assert sorted(p.name for p in (tmp_path / "keys").iterdir() if p.is_file()) == server_keys
    assert embedded("demo").exit_code == 0  # an empty, migrated database again
    assert "Nothing to remove" not in embedded("reset", "--yes").output


def test_reset_touches_only_the_embedded_database(embedded, keys_dir: Path) -> None:
    postgres = {**embedded.env, "DOSSIER_DATABASE_URL": "postgresql+psycopg://u:secret@db/x"}
    refused = CliRunner().invoke(main, ["reset", "--yes"], env=postgres)
    assert refused.exit_code != 0 and "only removes the embedded SQLite database" in refused.output
    assert "secret" not in refused.output  # the password is not printed
    production = CliRunner().invoke(
        main, ["reset", "--yes"], env={**embedded.env, "DOSSIER_ENV": "production"}
    )
    assert production.exit_code != 0 and "production" in production.output


def test_reset_waits_for_the_server_to_stop(embedded, tmp_path: Path) -> None:
    with listening(tmp_path / "var" / "address"):
        refused = embedded("reset", "--yes")
    assert refused.exit_code != 0 and "stop `make run` first" in refused.output
    assert (tmp_path / "var" / "dossier.sqlite3").exists()
    # A server that was killed leaves its address behind; it no longer answers, so reset goes on.
    assert embedded("reset", "--yes").exit_code == 0


def test_demo_names_the_address_the_server_listens_on(embedded, tmp_path: Path) -> None:
    with listening(tmp_path / "var" / "address") as address:
        shown = embedded("demo")
    assert shown.exit_code == 0 and f"log in at {address}/login" in shown.output
    assert embedded("reset", "--yes").exit_code == 0
    alone = embedded("demo")
    assert "127.0.0.1" not in alone.output
    assert "The server is not running yet. Start it with `make run`" in alone.output
    again = embedded("demo")
    assert again.exit_code != 0 and "To start over: `make reset`." in again.output


def test_run_writes_down_the_port_it_really_got_and_clears_it_when_stopped(
    embedded, tmp_path: Path
) -> None:
    address_file = tmp_path / "var" / "address"
    server = subprocess.Popen(
        [sys.executable, "-m", "dossier.cli", "run", "--port", "0"],
        cwd=tmp_path,
        env={**os.environ, **embedded.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        said = server.stdout.readline()  # the server says where it runs once it listens
        address = address_file.read_text().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", address) and not address.endswith(":0")
        assert said == f"Eigen Dossier runs on {address}/ (stop it with Ctrl+C)\n"
        with urllib.request.urlopen(f"{address}/login") as page:  # noqa: S310 - http, checked
            assert page.status == 200
        shown = embedded("demo")
        assert f"log in at {address}/login" in shown.output
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()
    assert server.returncode == 0  # stopped as by Ctrl+C, not killed
    assert not address_file.exists()


ROOT = Path(__file__).resolve().parents[2]


def _make(*args: str) -> str:
    """What make would do, without doing it, for a checkout with nothing installed yet."""
    # Under `make test` this runs inside a make of its own, whose level and flags would make the
    # inner one announce the directory it enters: the answer must not depend on who asks.
    outer = ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")
    environment = {name: value for name, value in os.environ.items() if name not in outer}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "VENV=/nonexistent/.venv", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_make_run_installs_only_what_running_needs() -> None:
    run = _make("run")
    assert "install -e .\n" in run and ".[dev]" not in run
    assert "dossier run --port 5000" in run
    assert ".[dev]" in _make("test") and ".[dev]" in _make("install")
    assert "dossier demo" in _make("demo") and ".[dev]" not in _make("demo")


def test_make_reset_starts_over_without_reinstalling() -> None:
    reset = _make("reset")
    assert reset.rstrip().endswith("/nonexistent/.venv/bin/dossier reset")
    assert ".[dev]" not in reset
    assert "rm " not in reset  # the command names what it removes, and asks first


def test_the_quick_start_names_only_what_make_can_do() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start")[1].split("\n## ")[0]
    commands = re.findall(r"^(make [a-z-]+(?: PORT=\d+)?)", quick, re.M)
    assert [c.split()[1] for c in commands] == ["run", "demo", "reset", "run", "test"]
    for command in commands:
        _make(*command.split()[1:])  # make -n fails on a target that does not exist
    assert "Keep `make run` running. In a second terminal" in quick
