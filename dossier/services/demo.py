"""Demo accounts, so a newcomer can log in as each kind of person at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict

from sqlalchemy import func, select

from dossier.errors import Conflict
from dossier.models import SessionKind, User
from dossier.services import accounts, demo_content, demo_history, emergency, sessions
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
        (
            DemoAccount(
                "marco@demo.eigendossier.nl",
                "marco-demo-wachtwoord",
                "Marco de Vries",
                "parent",
                "Sanne's father; reads Care, where a part is kept from him",
            ),
            {},
        ),
        (
            DemoAccount(
                "youssef@demo.eigendossier.nl",
                "youssef-demo-wachtwoord",
                "Youssef Ait Brahim",
                "professional",
                "school social worker at Samenwerkingsverband Utrecht, verified; "
                "asks to look in Sanne's dossier",
            ),
            {
                "organisation": "Samenwerkingsverband Utrecht",
                "registration_number": "SKJ 100023456",
            },
        ),
        (
            DemoAccount(
                "noor@demo.eigendossier.nl",
                "noor-demo-wachtwoord",
                "Noor Visser",
                "professional",
                "crisis worker at Crisisdienst Jeugd, verified; in Sanne's dossier in an emergency",
            ),
            {"organisation": "Crisisdienst Jeugd", "registration_number": "SKJ 100034567"},
        ),
        (
            DemoAccount(
                "henk@demo.eigendossier.nl",
                "henk-demo-wachtwoord",
                "Henk de Boer",
                "professional",
                "team lead at Crisisdienst Jeugd, verified; emergency officer",
            ),
            {"organisation": "Crisisdienst Jeugd", "registration_number": "SKJ 100045678"},
        ),
        (
            DemoAccount(
                "gea@demo.eigendossier.nl",
                "gea-demo-wachtwoord",
                "Gea Mulder",
                "professional",
                "family guardian at Gecertificeerde instelling, verified; access by law",
            ),
            {
                "organisation": "Gecertificeerde instelling",
                "registration_number": "SKJ 100056789",
            },
        ),
    ]
    staff = [
        DemoAccount(
            "auditor@demo.eigendossier.nl",
            "auditor-demo-wachtwoord",
            "Pieter Smit",
            "auditor",
            "privacy officer; emergency officer",
        ),
        DemoAccount(
            "raad@demo.eigendossier.nl",
            "raad-demo-wachtwoord",
            "Lotte Hendriks",
            "council",
            "client council member: figures of the demo's year, never a person",
        ),
        DemoAccount(
            "admin@demo.eigendossier.nl",
            "admin-demo-wachtwoord",
            "Fatima El Amrani",
            "admin",
            "verifies professionals; emergency officer",
        ),
    ]
    # Each person starts a session as they register, as on the page, and acts in it later.
    tickets = {
        person.email: accounts.register(
            ctx,
            accounts.NewAccount(
                person.email, person.password, person.display_name, person.role, **extra
            ),
            start_session=SessionKind.WEB,
        )
        for person, extra in people
    }
    admin, _council, auditor = (
        _at_the_command_line(
            accounts.create_staff(
                ctx,
                accounts.NewAccount(
                    person.email, person.password, person.display_name, person.role
                ),
            ),
            person,
        )
        for person in reversed(staff)
    )
    for person, _ in people:
        if person.role == "professional":
            accounts.verify_professional(ctx, admin, tickets[person.email].user_id)
    actors = {email: _session_of(ctx, made) for email, made in tickets.items()}
    # Before any dossier exists, so every key of the demo dossiers is sealed to it at birth.
    henk = actors["henk@demo.eigendossier.nl"]
    emergency.create_key(ctx, [admin.email, auditor.email, henk.email], threshold=2)
    marieke = actors["marieke@demo.eigendossier.nl"]
    sannes = demo_content.fill(
        ctx,
        sanne=actors["sanne@demo.eigendossier.nl"],
        marieke=marieke,
        daan=actors["daan@demo.eigendossier.nl"],
        anne=actors["anne@demo.eigendossier.nl"],
    )
    password = {person.email: person.password for person, _ in people} | {
        person.email: person.password for person in staff
    }
    demo_content.ways_in(
        ctx,
        sannes,
        marieke=marieke,
        asker=actors["youssef@demo.eigendossier.nl"],
        crisis_worker=actors["noor@demo.eigendossier.nl"],
        officers=[(henk, password[henk.email]), (admin, password[admin.email])],
        guardian_email="gea@demo.eigendossier.nl",
    )
    demo_content.kept_back(
        ctx,
        sannes,
        sanne=actors["sanne@demo.eigendossier.nl"],
        marieke=marieke,
        anne=actors["anne@demo.eigendossier.nl"],
        father=actors["marco@demo.eigendossier.nl"],
    )
    demo_history.fill_history(ctx, admin)
    for actor in actors.values():
        sessions.log_out(ctx, actor)
    return [person for person, _ in people] + staff


def _session_of(ctx: Context, registration: accounts.Registration) -> Actor:
    assert registration.ticket is not None
    actor = sessions.authenticate(ctx, registration.ticket.token, SessionKind.WEB)
    assert actor is not None
    return actor


def _at_the_command_line(registration: accounts.Registration, person: DemoAccount) -> Actor:
    """Staff act here as the command line does, without a session: what needs their keys (an
    officer's yes) asks for their password."""
    return Actor(
        user_id=registration.user_id,
        role=person.role,
        display_name=person.display_name,
        email=person.email,
        verified=True,
        session_id=uuid.uuid4(),
        session_kind="cli",
        session_secret=b"",
    )
