"""Demo accounts, so a newcomer can log in as each kind of person at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict

from sqlalchemy import func, select

from dossier.errors import Conflict
from dossier.models import SessionKind, User
from dossier.services import accounts, demo_content, sessions
from dossier.services.context import Actor, Context


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    display_name: str
    role: str
    description: str


class _Details(TypedDict, total=False):
    """What a registration adds for some roles (the optional fields of NewAccount)."""

    birth_date: date
    organisation: str
    registration_number: str


def _born(today: date, age: int, days_since_birthday: int = 60) -> date:
    """A birth date that makes someone `age` today, and still for the next ten months."""
    try:
        anniversary = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - age, day=28)
    return anniversary - timedelta(days=days_since_birthday)


def create_demo(ctx: Context) -> list[DemoAccount]:
    """Fill an empty database; refuses when any account exists, so it never mixes with real data."""
    with ctx.unit_of_work() as db:
        if db.scalar(select(func.count()).select_from(User)):
            raise Conflict("The database already has accounts; the demo only fills an empty one.")
    today = ctx.now().date()
    people: list[tuple[DemoAccount, _Details]] = [
        (
            DemoAccount(
                "sanne@demo.eigendossier.nl",
                "sanne-demo-wachtwoord",
                "Sanne de Vries",
                "youth",
                "youth, 14",
            ),
            {"birth_date": _born(today, 14)},
        ),
        (
            DemoAccount(
                "marieke@demo.eigendossier.nl",
                "marieke-demo-wachtwoord",
                "Marieke de Vries",
                "parent",
                "Sanne's mother",
            ),
            {},
        ),
        (
            DemoAccount(
                "daan@demo.eigendossier.nl",
                "daan-demo-wachtwoord",
                "Daan Bakker",
                "youth",
                "youth, 17",
            ),
            {"birth_date": _born(today, 17)},
        ),
        (
            DemoAccount(
                "anne@demo.eigendossier.nl",
                "anne-demo-wachtwoord",
                "Anne Jansen",
                "professional",
                "care worker at Jeugdteam Zuid, verified",
            ),
            {"organisation": "Jeugdteam Zuid", "registration_number": "SKJ 100012345"},
        ),
    ]
    staff = [
        DemoAccount(
            "auditor@demo.eigendossier.nl",
            "auditor-demo-wachtwoord",
            "Pieter Smit",
            "auditor",
            "privacy officer",
        ),
        DemoAccount(
            "admin@demo.eigendossier.nl",
            "admin-demo-wachtwoord",
            "Fatima El Amrani",
            "admin",
            "verifies professionals",
        ),
    ]
    created: dict[str, accounts.Registration] = {}
    for person, extra in people:
        created[person.role + person.email] = accounts.register(
            ctx,
            accounts.NewAccount(
                person.email, person.password, person.display_name, person.role, **extra
            ),
        )
    for person in staff:
        created[person.role] = accounts.create_staff(
            ctx,
            accounts.NewAccount(person.email, person.password, person.display_name, person.role),
        )
    admin = created["admin"]
    care_worker = created["professional" + people[3][0].email]
    acting_admin = Actor(
        user_id=admin.user_id,
        role="admin",
        display_name=staff[1].display_name,
        email=staff[1].email,
        verified=True,
        session_id=uuid.uuid4(),
        session_kind="cli",
        session_secret=b"",
    )
    accounts.verify_professional(ctx, acting_admin, care_worker.user_id)
    actors = {person.role + person.email: _logged_in(ctx, person) for person, _ in people}
    demo_content.fill(
        ctx,
        sanne=actors["youth" + people[0][0].email],
        marieke=actors["parent" + people[1][0].email],
        daan=actors["youth" + people[2][0].email],
        anne=actors["professional" + people[3][0].email],
    )
    for actor in actors.values():
        sessions.log_out(ctx, actor)
    return [person for person, _ in people] + staff


def _logged_in(ctx: Context, person: DemoAccount) -> Actor:
    ticket = sessions.log_in(ctx, person.email, person.password, SessionKind.WEB)
    actor = sessions.authenticate(ctx, ticket.token, SessionKind.WEB)
    assert actor is not None
    return actor
