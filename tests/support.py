"""Small helpers for driving the pages and the API like a browser or client would, the world
most tests start from (`youth_world`), and a database snapshot to hand one world to many tests
(`BuiltWorlds`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, select, text
from sqlalchemy.engine import make_url

from dossier.db import make_engine, make_session_factory
from dossier.edge.auth import COOKIE_NAME
from dossier.edge.limits import limiter
from dossier.models import Base, User
from dossier.services.context import Context
from tests.conftest import PASSWORD, Clock, login_actor, make_settings, wipe

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_CODE = re.compile(r"<code>([A-Z2-7]{4}(?:-[A-Z2-7]{2,4}){6})</code>")


def csrf_token(client: Any, path: str) -> str:
    page = client.get(path)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: Any, path: str, data: dict[str, str], form_page: str | None = None) -> Any:
    token = csrf_token(client, form_page or path)
    return client.post(path, data={"csrf_token": token, **data})


def recovery_code_in(html: str) -> str:
    match = _CODE.search(html)
    assert match, "no recovery code on the page"
    return match.group(1)


def register_youth(client: Any, email: str = "sanne@example.nl", password: str = PASSWORD) -> str:
    response = post_form(
        client,
        "/register/youth",
        {
            "display_name": "Sanne",
            "email": email,
            "birth_date": "2012-01-05",
            "password": password,
            "password_repeat": password,
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return recovery_code_in(response.get_data(as_text=True))


def api_register(client: Any, email: str, role: str = "youth", **extra: Any) -> dict[str, Any]:
    body = {"email": email, "password": PASSWORD, "display_name": email.split("@")[0], "role": role}
    if role == "youth":
        body["birth_date"] = "2012-01-05"
    if role == "professional":
        body.update(organisation="Jeugdteam Zuid", registration_number="SKJ 100012345")
    body.update(extra)
    response = client.post("/api/v1/accounts", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def api_login(client: Any, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/sessions", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def grant_access(
    ctx: Any,
    owner: Any,
    dossier_id: Any,
    grantee_email: str,
    section_ids: list[Any] | None = None,
    permission: str = "contribute",
) -> Any:
    """Share sections with someone, straight through the service layer's building blocks:
    the owner's section keys are sealed to the grantee and a grant row records it."""
    import uuid

    from sqlalchemy import select

    from dossier.models import Grant, GrantSection, KeyVersion, Section, User
    from dossier.services.keychain import keychain, seal_to_user

    dossier_id = uuid.UUID(str(dossier_id))
    with ctx.unit_of_work() as db:
        grantee = db.scalar(select(User).where(User.email == grantee_email))
        sections = section_ids or list(
            db.scalars(select(Section.id).where(Section.dossier_id == dossier_id))
        )
        keys = keychain(db, owner, dossier_id)
        grant = Grant(
            id=uuid.uuid4(),
            dossier_id=dossier_id,
            grantee_id=grantee.id,
            permission=permission,
            status="active",
            created_by=owner.user_id,
            created_at=ctx.now(),
        )
        db.add(grant)
        db.flush()
        for section_id in sections:
            db.add(GrantSection(grant_id=grant.id, section_id=section_id, dossier_id=dossier_id))
        for key_version in db.scalars(
            select(KeyVersion).where(
                KeyVersion.dossier_id == dossier_id,
                (KeyVersion.section_id.in_(sections)) | (KeyVersion.section_id.is_(None)),
            )
        ):
            seal_to_user(
                db, key_version, keys.key(key_version.section_id, key_version.version), grantee
            )
        return grant.id


# --- the world most tests start from -------------------------------------------------------------

YOUTH, GUARDIAN, CARE_WORKER = "sanne@example.nl", "marieke@example.nl", "anne@example.nl"
ADMIN, AUDITOR = "admin@example.nl", "auditor@example.nl"


def years_ago(ctx: Context, years: int, days: int = 30) -> date:
    """A birth date `years` years and `days` days back: that age, and not near a birthday."""
    today = ctx.now().date()
    return today.replace(year=today.year - years) - timedelta(days=days)


def cli_env(app: Any, keys_dir: Path) -> dict[str, str]:
    """What `dossier` on the command line needs to work on the test app's database and keys,
    with the cheap key derivation of the tests."""
    return {
        "DOSSIER_DATABASE_URL": app.extensions["dossier"]["settings"].database_url,
        "DOSSIER_KEYS_DIR": str(keys_dir),
        "DOSSIER_KDF_TIME_COST": "1",
        "DOSSIER_KDF_MEMORY_KIB": "8",
        "DOSSIER_ENV": "test",
    }


def person(ctx: Context, email: str, role: str, name: str | None = None, **extra: Any) -> Any:
    """Someone registered and logged in, named after their address unless a name is given."""
    from dossier.services import accounts

    display_name = name or email.split("@")[0].title()
    accounts.register(ctx, accounts.NewAccount(email, PASSWORD, display_name, role, **extra))
    return login_actor(ctx, email)


@dataclass
class World:
    """Sanne, who made her own dossier, and her mother Marieke, its guardian owner while Sanne is
    under 16 (`youth_world`); or Marieke alone, owner of the dossier she made for a child too
    young for an account (`child_world`). What a test needs besides (staff, care workers, grants,
    entries) it adds by step, so each test still says what its world holds."""

    ctx: Context
    youth: Any  # None in a young child's world: the child has no account
    guardian: Any
    dossier: Any  # the dossier as its creation returned it, with its five sections

    @property
    def owner(self) -> Any:
        """Who decides: Sanne in her own world, Marieke for a young child."""
        return self.youth if self.youth is not None else self.guardian

    def section(self, default_name: str) -> uuid.UUID:
        return next(s.id for s in self.dossier.sections if s.default_name == default_name)

    def staff(self) -> None:
        """An admin, who checks care workers, and Pieter, the auditor."""
        from dossier.services import accounts

        for email, name, role in ((ADMIN, "Admin", "admin"), (AUDITOR, "Pieter", "auditor")):
            accounts.create_staff(self.ctx, accounts.NewAccount(email, PASSWORD, name, role))

    def care_worker(
        self, email: str = CARE_WORKER, name: str = "Anne", organisation: str = "Jeugdteam Zuid"
    ) -> Any:
        """A professional whose registration the admin has checked (call `staff` first)."""
        from dossier.services import accounts

        person(
            self.ctx,
            email,
            "professional",
            name,
            organisation=organisation,
            registration_number="SKJ 100012345",
        )
        accounts.verify_professional(
            self.ctx, login_actor(self.ctx, ADMIN), login_actor(self.ctx, email).user_id
        )
        return login_actor(self.ctx, email)

    def share(
        self,
        email: str,
        permission: str = "contribute",
        sections: tuple[str, ...] = ("care",),
        *,
        approved: bool = True,
        **extra: Any,
    ) -> uuid.UUID:
        """Sanne (or, for a young child, Marieke) shares sections; Marieke approves when the
        sharing waits for her."""
        from dossier.services import sharing

        shared = sharing.share(
            self.ctx,
            self.owner,
            self.dossier.id,
            grantee_email=email,
            section_ids=[self.section(name) for name in sections],
            permission=permission,
            **extra,
        )
        if approved and shared.status == "pending":
            sharing.approve(self.ctx, self.guardian, self.dossier.id, shared.grant_id)
        return shared.grant_id

    def write(
        self, author: Any, section: str, title: str, body: str, kind: str = "note"
    ) -> uuid.UUID:
        from dossier.services import entries

        entry_id, _ = entries.write_entry(
            self.ctx, author, self.dossier.id, self.section(section), title, body, kind
        )
        return entry_id


def youth_world(ctx: Context, age: int = 14) -> World:
    """The world at its smallest: Sanne (`age`) with her own dossier, Marieke her guardian owner
    when Sanne is under 16 (from 16 a guardian is no longer an owner), and nothing in it yet."""
    from dossier.services import dossiers, ownership

    youth = person(ctx, YOUTH, "youth", birth_date=years_ago(ctx, age))
    guardian = person(ctx, GUARDIAN, "parent")
    dossier = dossiers.create_dossier(ctx, youth, "Sanne", None, for_self=True)
    if age < 16:
        ticket = ownership.invite_owner(ctx, youth, dossier.id, "guardian")
        assert ticket.status == "approved"  # nobody else speaks for the guardians yet
        assert ownership.join(ctx, guardian, ticket.code).status == "done"
    return World(ctx, youth, guardian, dossier)


def child_world(ctx: Context, name: str = "Lotte", age: int = 9) -> World:
    """Marieke with the dossier she made for her child (`age`), who has no account: she alone
    owns it and decides, and nothing is in it yet."""
    from dossier.services import dossiers

    guardian = person(ctx, GUARDIAN, "parent")
    dossier = dossiers.create_dossier(ctx, guardian, name, years_ago(ctx, age), for_self=False)
    return World(ctx, None, guardian, dossier)


@contextmanager
def as_database_owner(engine: Any) -> Iterator[Any]:
    """A connection that bypasses the append-only triggers, as a database owner could."""
    from sqlalchemy import text

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        yield connection


Snapshot = list[tuple[Any, list[dict[str, Any]]]]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table, to put back with `restore`: a world built once through the
    services can then be handed, as built, to many tests."""
    with engine.connect() as connection:
        return [
            (table, [dict(row) for row in connection.execute(select(table)).mappings()])
            for table in Base.metadata.sorted_tables
        ]


def restore(engine: Engine, rows: Snapshot) -> None:
    """Make the database hold exactly the snapshot's rows again, whatever happened since."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # The append-only triggers refuse this to everyone; tests start over as a superuser.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:  # rows that point at rows of their own table (verified_by) are checked at commit
            connection.execute(text("PRAGMA defer_foreign_keys = ON"))
        for table, _ in reversed(rows):
            connection.execute(delete(table))
        for table, records in rows:
            if records:
                connection.execute(table.insert(), records)


# --- one world, built once per database and handed to many tests ---------------------------------

Build = Callable[[Context, Clock], dict[str, Any]]


@dataclass
class BuiltWorld:
    """A world as built on one database: the things its build named, its rows, the clock, and
    each person's way in (a browser's cookies with its form token, an API client's headers) as
    it was right after building."""

    things: dict[str, Any]
    rows: Snapshot
    clock_offset: timedelta
    users: dict[str, uuid.UUID]  # account ids, by person
    cookies: dict[str, dict[str, str]]  # a browser's cookies, by person (anonymous too)
    csrf: dict[str, str]  # the form token that goes with those cookies
    bearer: dict[str, dict[str, str]]  # an API client's headers, by person with an account
    as_built: bool = True  # the database holds these rows, or only what no test could notice

    def browser(self, app: Any, who: str) -> Any:
        """A new client holding the cookies `who` had when the world was built."""
        client = app.test_client()
        for name, value in self.cookies[who].items():
            client.set_cookie(name, value)
        return client


class BuiltWorlds:
    """The world `build` makes, built through the services once per database, with every one of
    `people` (name: address, or None for an anonymous visitor) logged in, and put back before
    each test. Building takes about half a second; putting the rows back takes milliseconds, and
    only when the test before may have changed them: whoever lends the world sets `as_built`
    afterwards to say whether the rows are still as built."""

    def __init__(
        self,
        apps: Mapping[str, Any],
        clock: Clock,
        build: Build,
        people: Mapping[str, str | None],
    ) -> None:
        self.apps, self.clock, self.build, self.people = apps, clock, build, people
        self.built: dict[str, BuiltWorld] = {}

    def put_back(self, backend: str) -> BuiltWorld:
        """The world on `backend`'s database as built: its rows, its clock, no requests counted
        against anyone's limits."""
        app = self.apps[backend]
        if backend not in self.built:
            self.built[backend] = self._build(app)
        built = self.built[backend]
        if not built.as_built:
            restore(app.extensions["dossier"]["engine"], built.rows)
        self.clock.offset = built.clock_offset
        with app.app_context():
            limiter.reset()
        return built

    def _build(self, app: Any) -> BuiltWorld:
        state = app.extensions["dossier"]
        wipe(state["engine"])
        self.clock.offset = timedelta()
        ctx = Context(
            state["sessions"],
            state["settings"],
            clock=self.clock,
            audit_key=state["server_keys"].audit_signing_key,  # as the app's own requests have
        )
        things = self.build(ctx, self.clock)
        users, cookies, csrf, bearer = {}, {}, {}, {}
        for who, email in self.people.items():
            client = app.test_client()
            if email is not None:
                users[who] = _user_id(ctx, email)
                credentials = {"email": email, "password": PASSWORD}
                assert post_form(client, "/login", credentials).status_code == 302
                bearer[who] = api_login(app.test_client(), email)
            csrf[who] = csrf_token(client, "/forgot-password")
            cookies[who] = {
                name: cookie.value
                for name in (COOKIE_NAME, app.config["SESSION_COOKIE_NAME"])
                if (cookie := client.get_cookie(name)) is not None
            }
        rows = snapshot(state["engine"])
        return BuiltWorld(things, rows, self.clock.offset, users, cookies, csrf, bearer)


def _user_id(ctx: Context, email: str) -> uuid.UUID:
    with ctx.unit_of_work() as db:
        found = db.scalar(select(User.id).where(User.email == email))
    assert found is not None, f"nobody in the world has the address {email}"
    return found


class Databases:
    """Empty PostgreSQL databases made on demand, and contexts on them; all gone afterwards."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []
        self.engines: list[Engine] = []

    def new(self) -> str:
        name = f"dossier_own_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def context(self, url: str, keys_dir: Path) -> Context:
        engine = make_engine(url)
        self.engines.append(engine)
        return Context(make_session_factory(engine), make_settings(url, keys_dir))

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()
        with self.admin.connect() as connection:
            for name in self.names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()
