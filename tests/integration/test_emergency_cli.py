"""`dossier emergency init` and `dossier emergency officers`, run as an operator would."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dossier.cli import main
from dossier.models import EmergencyKey, EmergencyOfficer
from dossier.services import accounts
from dossier.services.context import Context
from tests.conftest import PASSWORD
from tests.support import cli_env


@pytest.fixture
def run(app, keys_dir: Path):
    env = cli_env(app, keys_dir)

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), env=env)

    invoke.env = env
    return invoke


def test_init_splits_the_key_among_the_officers_and_lists_them(run, ctx: Context) -> None:
    assert "no emergency key yet" in run("emergency", "officers").output
    emails = ["a@example.nl", "b@example.nl", "c@example.nl"]
    for email in emails:
        accounts.create_staff(ctx, accounts.NewAccount(email, PASSWORD, email[0].upper(), "admin"))
    made = run("emergency", "init", *(f"--officer={email}" for email in emails))
    assert made.exit_code == 0, made.output
    assert "2 of 3 officers" in made.output
    listed = run("emergency", "officers")
    assert all(email in listed.output for email in emails)
    with ctx.reading() as db:
        key = db.scalars(select(EmergencyKey)).one()
        assert key.threshold == 2 and len(key.public_key) == 32
        assert db.scalar(select(func.count()).select_from(EmergencyOfficer)) == 3
    again = run("emergency", "init", "--officer=a@example.nl", "--officer=b@example.nl")
    assert again.exit_code != 0 and "already" in again.output


def test_init_refuses_one_officer_alone(run, ctx: Context) -> None:
    accounts.create_staff(ctx, accounts.NewAccount("a@example.nl", PASSWORD, "A", "admin"))
    refused = run("emergency", "init", "--officer=a@example.nl", "--threshold=1")
    assert refused.exit_code != 0 and "threshold" in refused.output
    assert "no emergency key yet" in run("emergency", "officers").output


def test_reshare_asks_the_current_officers_passwords(run, ctx: Context) -> None:
    emails = ["a@example.nl", "b@example.nl", "c@example.nl", "d@example.nl"]
    for email in emails:
        accounts.create_staff(ctx, accounts.NewAccount(email, PASSWORD, email[0].upper(), "admin"))
    assert run("emergency", "init", *(f"--officer={e}" for e in emails[:3])).exit_code == 0
    wrong = CliRunner().invoke(
        main,
        ["emergency", "reshare", "--officer=b@example.nl", "--officer=d@example.nl",
         "--by=a@example.nl", "--by=b@example.nl"],
        input="wrong\nwrong\n",
        env=run.env,
    )  # fmt: skip
    assert wrong.exit_code != 0 and "password is wrong" in wrong.output
    done = CliRunner().invoke(
        main,
        ["emergency", "reshare", "--officer=b@example.nl", "--officer=d@example.nl",
         "--by=a@example.nl", "--by=b@example.nl"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env=run.env,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "2 of 2 officers" in done.output and "d@example.nl" in done.output
    listed = run("emergency", "officers").output
    assert "a@example.nl" not in listed and "c@example.nl" not in listed
