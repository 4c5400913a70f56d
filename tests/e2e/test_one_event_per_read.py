"""Every page and API endpoint that a GET reaches writes the audit events a person would expect:
one for each read of something of a dossier (its content, or its names and who may look), none
for a page that shows nothing of a dossier. And each does its reading in one unit of work.

`READS` holds one row for every GET route of the app, saying who asks, with which path arguments
and which events the request must write; a GET route without a row fails
`test_every_get_route_has_a_row`, so a new route cannot slip by. Each row is a test of its own,
asked in one world built once per database and put back before each row
(`tests.support.BuiltWorlds`): Sanne, 16, owns her dossier with entries, a view, a file and a
correction request in it; Anne, a care worker, may contribute to Care; an auditor and an admin;
and Marieke, who owns the dossier of her son Daan (10) together with his father Johan, whom she
may take away as owner; Johan asked to look in Sanne's dossier, by the code she made.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from dossier.actions import Action
from dossier.models import AuditEvent
from dossier.services import (
    access_requests,
    accounts,
    audit_views,
    dossiers,
    emergency,
    entries,
    ownership,
    plans,
)
from dossier.services.context import Context
from tests.conftest import PASSWORD, Clock
from tests.support import (
    ADMIN,
    AUDITOR,
    CARE_WORKER,
    GUARDIAN,
    YOUTH,
    BuiltWorld,
    BuiltWorlds,
    person,
    years_ago,
    youth_world,
)

FATHER = "johan@example.nl"
COUNCIL = "raad@example.nl"
PEOPLE = {
    "youth": YOUTH,
    "care worker": CARE_WORKER,
    "guardian": GUARDIAN,
    "auditor": AUDITOR,
    "admin": ADMIN,
    "council": COUNCIL,
}


@dataclass(frozen=True)
class Read:
    """One GET, and what it must log: `events` holds one action per thing read."""

    rule: str
    who: str  # a key of PEOPLE, or "anonymous"
    events: tuple[str, ...] = ()
    args: dict[str, str] = field(default_factory=dict)  # path argument: a thing in the world
    status: int = 200
    why: str = ""  # for anything a person might not guess
    units: int = 1  # transactions of its own, besides checking the session


D = {"dossier_id": "dossier"}
STORY = {**D, "entry_id": "story"}  # Sanne's own entry, with a file
REPORT = {**D, "entry_id": "report"}  # Anne's report, with Sanne's view and correction request
FILE = {**STORY, "attachment_id": "attachment"}
NOTHING = "shows nothing of a dossier"

READS = [
    # --- pages ---------------------------------------------------------------------------------
    Read("/", "anonymous", why=NOTHING),
    Read("/login", "anonymous", why=NOTHING),
    Read("/register", "anonymous", why=NOTHING),
    Read("/register/<role>", "anonymous", args={"role": "=youth"}, why=NOTHING),
    Read("/forgot-password", "anonymous", why=NOTHING),
    Read("/login/code", "anonymous", status=302, why="no password given first: back to login"),
    Read("/login/recovery", "anonymous", status=302, why="no password given first"),
    Read("/language/<code>", "anonymous", args={"code": "=en"}, status=302, why=NOTHING),
    Read("/static/<path:filename>", "anonymous", args={"filename": "=dossier.css"}, why=NOTHING),
    Read("/healthz", "anonymous", why=NOTHING),
    Read(
        "/readyz",
        "anonymous",
        why="a probe, not a use case: it tries the database (on SQLite a write it rolls back)"
        " and its migrations, each apart",
        units=3,
    ),
    Read("/account", "youth", why="her own account: nothing of a dossier"),
    Read("/account/password", "youth", why=NOTHING),
    Read("/account/name", "youth", why="her own name: nothing of a dossier"),
    Read("/account/email", "youth", why=NOTHING),
    Read(
        "/account/email/confirm/<code>",
        "youth",
        args={"code": "email link"},
        why="the new address her own link would set: nothing of a dossier",
    ),
    Read("/account/sessions", "youth", why="where she is logged in: nothing of a dossier"),
    Read(
        "/account/remove",
        "youth",
        why="counts what depends on her account (her dossier does), naming nothing of it",
    ),
    Read("/account/mail", "youth", why="which news she gets by e-mail: nothing of a dossier"),
    Read("/account/second-step", "youth", why="her own second steps: nothing of a dossier"),
    Read(
        "/account/second-step/app/<uuid:factor_id>",
        "youth",
        args={"factor_id": "=00000000-0000-4000-8000-000000000000"},
        status=404,
        why="an app she is adding; none here",
    ),
    Read(
        "/account/second-step/<uuid:factor_id>/remove",
        "youth",
        args={"factor_id": "=00000000-0000-4000-8000-000000000000"},
        status=404,
        why="asks before removing one of her second steps; none here",
    ),
    Read(
        "/join",
        "youth",
        why="a form for a code: nothing of a dossier yet; with a code it names the inviter "
        "and what the code offers (test_phone_pages), still nothing of a dossier",
    ),
    Read("/dossiers/new", "guardian", why=NOTHING),
    Read("/ask", "care worker", why="a form: nothing of a dossier"),
    Read(
        "/ask/sent",
        "care worker",
        why="his own requests and his own words: nothing of a dossier he has not been let in",
    ),
    Read(
        "/start",
        "youth",
        (Action.DOSSIER_LIST,),
        why="one event per listed dossier, since each name is opened: it lands in that "
        "dossier's own chain, so every owner sees in 'Who looked?' who saw it in a list",
    ),
    Read("/start", "care worker", (Action.DOSSIER_LIST,), why="the dossier shared with her"),
    Read("/start", "admin", why="professionals waiting for a check: nothing of a dossier"),
    Read("/admin/professionals", "admin", why="professionals' accounts, not dossiers"),
    Read("/admin/second-step-resets", "admin", why="staff accounts waiting for a reset"),
    Read(
        "/audit", "auditor", (Action.AUDIT_SEARCH,), why="a search of the log, in the account chain"
    ),
    Read("/audit/export", "auditor", (Action.AUDIT_EXPORT,)),
    Read(
        "/audit/emergencies",
        "auditor",
        (Action.EMERGENCY_QUEUE,),
        why="every emergency access with its reason: one event, like a search of the log",
    ),
    Read(
        "/emergency/new",
        "care worker",
        why="a form; it names the young people whose dossiers were shared with her, by the"
        " display names stored in clear, and opens nothing of a dossier",
    ),
    Read(
        "/emergency",
        "care worker",
        why="her own emergency requests and her own words: nothing of a dossier",
    ),
    Read(
        "/emergency/approvals",
        "admin",
        (Action.EMERGENCY_WAITING,),
        why="an officer reads who asks for what and why: one event for the list",
    ),
    Read(
        "/audit/passages",
        "auditor",
        (Action.PASSAGE_QUEUE,),
        why="every objection to a part kept back, with its words: one event, like a search",
    ),
    Read("/legal/new", "admin", why="an officer's form: nothing of a dossier"),
    Read(
        "/council",
        "council",
        (Action.COUNCIL_FIGURES,),
        why="figures counted from the log, naming no person: one event in her own chain",
    ),
    Read("/council/report.pdf", "council", (Action.COUNCIL_REPORT,)),
    Read(
        "/legal",
        "admin",
        (Action.LEGAL_WAITING,),
        why="an officer reads who gets access on which basis: one event for the list",
    ),
    Read(
        "/audit/legal",
        "auditor",
        (Action.LEGAL_AUDIT,),
        why="every access by law with its reference: one event, like a search of the log",
    ),
    Read("/dossiers/<uuid:dossier_id>", "youth", (Action.DOSSIER_OPEN,), D),
    Read("/dossiers/<uuid:dossier_id>", "care worker", (Action.DOSSIER_OPEN,), D),
    Read(
        "/dossiers/<uuid:dossier_id>/entries/new",
        "youth",
        (Action.DOSSIER_OPEN,),
        D,
        why="the form shows the dossier's and its sections' names",
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>",
        "youth",
        (Action.ENTRY_READ,),
        REPORT,
        why="one event for the entry with its views and correction requests",
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>",
        "care worker",
        (Action.ENTRY_READ,),
        REPORT,
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/edit",
        "youth",
        (Action.ENTRY_READ,),
        STORY,
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/withhold",
        "care worker",
        (Action.ENTRY_READ,),
        REPORT,
        why="the author's form shows the entry's title and who reads it: one read of the entry",
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/history",
        "youth",
        (Action.ENTRY_HISTORY,),
        REPORT,
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/attachments/<uuid:attachment_id>",
        "youth",
        (Action.ATTACHMENT_READ,),
        FILE,
    ),
    Read("/dossiers/<uuid:dossier_id>/sections", "youth", (Action.DOSSIER_OPEN,), D),
    Read("/dossiers/<uuid:dossier_id>/share", "youth", (Action.DOSSIER_OPEN,), D),
    Read("/dossiers/<uuid:dossier_id>/invite", "youth", (Action.DOSSIER_OPEN,), D),
    Read(
        "/dossiers/<uuid:dossier_id>/approvers/new",
        "youth",
        (Action.DOSSIER_OPEN,),
        D,
        why="the form names the dossier, as the share page does",
    ),
    Read(
        "/requests",
        "guardian",
        why="nobody asked her to approve a sharing: nothing shown; each sharing shown is one "
        "approver.requests event (test_approvers)",
    ),
    Read("/dossiers/<uuid:dossier_id>/export", "youth", (Action.DOSSIER_EXPORT,), D),
    Read(
        "/dossiers/<uuid:dossier_id>/destroy",
        "youth",
        (Action.DOSSIER_OPEN,),
        D,
        why="the confirmation names the dossier and counts what would go",
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/settings",
        "youth",
        (Action.DOSSIER_OPEN,),
        D,
        why="'Dossier beheren' names the dossier, as the other pages that manage it",
    ),
    Read("/dossiers/<uuid:dossier_id>/access", "youth", (Action.GRANT_LIST,), D),
    Read(
        "/dossiers/<uuid:dossier_id>/grants/<uuid:grant_id>/revoke",
        "youth",
        (Action.GRANT_LIST,),
        {**D, "grant_id": "grant"},
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/owners/<uuid:user_id>/remove",
        "guardian",
        (Action.GRANT_LIST,),
        {"dossier_id": "sons dossier", "user_id": "father"},
        why="who owns the dossier was read, about the owner asked after",
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/plan",
        "care worker",
        (Action.PLAN_READ,),
        D,
        why="the plan with its proposals, marks and history, and the dossier's names: one event",
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/plan/versions/<number:number>",
        "youth",
        (Action.PLAN_READ,),
        {**D, "number": "=1"},
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/plan.pdf",
        "care worker",
        (Action.PLAN_DOWNLOAD,),
        D,
        why="the plan to print, with who stands behind it: one event, no read besides",
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/plan.fhir.json",
        "youth",
        (Action.PLAN_DOWNLOAD,),
        D,
        why="the same plan as FHIR: one event",
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/plan/new",
        "youth",
        (Action.PLAN_READ,),
        D,
        why="the form starts from the plan as it stands",
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/plan/versions/<number:number>/evaluate",
        "youth",
        (Action.PLAN_READ,),
        {**D, "number": "=1"},
        why="the form names the version's goals",
    ),
    Read(
        "/dossiers/<uuid:dossier_id>/log",
        "youth",
        (Action.AUDIT_TIMELINE,),
        D,
        why="reading the log shows titles of what was read: one event, not one per line",
    ),
    # --- the API --------------------------------------------------------------------------------
    Read("/api/v1/openapi.json", "anonymous", why=NOTHING),
    Read("/api/v1/me", "youth", why=NOTHING),
    Read("/api/v1/notices", "youth", why="notices say that something changed, never content"),
    Read("/api/v1/admin/professionals", "admin", why=NOTHING),
    Read("/api/v1/audit/events", "auditor", (Action.AUDIT_SEARCH,)),
    Read("/api/v1/audit/export", "auditor", (Action.AUDIT_EXPORT,)),
    Read(
        "/api/v1/audit/checkpoints",
        "auditor",
        why="signed public statements over chain heads: nothing of a dossier or an event",
    ),
    Read("/api/v1/dossiers", "youth", (Action.DOSSIER_LIST,), why="as on the start page"),
    Read("/api/v1/dossiers", "care worker", (Action.DOSSIER_LIST,)),
    Read("/api/v1/dossiers/<uuid:dossier_id>", "youth", (Action.DOSSIER_OPEN,), D),
    Read(
        "/api/v1/dossiers/<uuid:dossier_id>/sections",
        "youth",
        (Action.DOSSIER_OPEN,),
        D,
        why="section names are sealed like the rest: reading them opens the dossier",
    ),
    Read("/api/v1/dossiers/<uuid:dossier_id>/entries", "youth", (Action.ENTRY_LIST,), D),
    Read("/api/v1/dossiers/<uuid:dossier_id>/entries", "care worker", (Action.ENTRY_LIST,), D),
    Read(
        "/api/v1/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>",
        "youth",
        (Action.ENTRY_READ,),
        REPORT,
    ),
    Read(
        "/api/v1/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/history",
        "youth",
        (Action.ENTRY_HISTORY,),
        REPORT,
    ),
    Read(
        "/api/v1/dossiers/<uuid:dossier_id>/entries/<uuid:entry_id>/attachments/<uuid:attachment_id>",
        "youth",
        (Action.ATTACHMENT_READ,),
        FILE,
    ),
    Read("/api/v1/dossiers/<uuid:dossier_id>/grants", "youth", (Action.GRANT_LIST,), D),
    Read("/api/v1/dossiers/<uuid:dossier_id>/access-log", "youth", (Action.AUDIT_TIMELINE,), D),
    Read("/api/v1/dossiers/<uuid:dossier_id>/export", "youth", (Action.DOSSIER_EXPORT,), D),
    Read(
        "/api/v1/dossiers/<uuid:dossier_id>/plan",
        "care worker",
        (Action.PLAN_READ,),
        D,
        why="one event for the plan with its proposals, marks and history",
    ),
    Read(
        "/api/v1/dossiers/<uuid:dossier_id>/plan/versions/<number:number>",
        "youth",
        (Action.PLAN_READ,),
        {**D, "number": "=1"},
    ),
    Read("/api/v1/dossiers/<uuid:dossier_id>/plan/pdf", "youth", (Action.PLAN_DOWNLOAD,), D),
    Read("/api/v1/dossiers/<uuid:dossier_id>/plan/fhir", "care worker", (Action.PLAN_DOWNLOAD,), D),
    Read(
        "/api/v1/access-requests",
        "care worker",
        why="his own requests and his own words, as on /ask/sent: nothing of a dossier",
    ),
    Read(
        "/api/v1/dossiers/<uuid:dossier_id>/access-requests",
        "youth",
        (Action.REQUEST_LIST,),
        D,
        why="who asks to look and why: one event for the list",
    ),
    Read(
        "/api/v1/dossiers/<uuid:dossier_id>/request-code",
        "youth",
        (Action.REQUEST_CODE_READ,),
        D,
        why="the code only owners give out",
    ),
]


def test_every_get_route_has_a_row(apps: dict[str, Any]) -> None:
    app = apps["sqlite"]
    routes = {rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    listed = {read.rule for read in READS}
    assert sorted(routes - listed) == [], "GET routes without a row in READS"
    assert sorted(listed - routes) == [], "rows in READS for routes the app does not have"


# --- the world -------------------------------------------------------------------------------


def build(ctx: Context, clock: Clock) -> dict[str, Any]:
    """The world every row is asked in (see the module's docstring); returns its things by name."""
    world = youth_world(ctx, age=16)
    world.staff()
    accounts.create_staff(ctx, accounts.NewAccount(COUNCIL, PASSWORD, "Raad", "council"))
    anne = world.care_worker()
    youth, dossier = world.youth, world.dossier.id
    grant = world.share(CARE_WORKER, "contribute")
    story = world.write(youth, "my_story", "Mijn verhaal", "Van mij")
    attachment = entries.attach(ctx, youth, dossier, story, "brief.txt", b"platte tekst")
    report = world.write(anne, "care", "Verslag", "Tekst van Anne", "report")
    entries.add_view(ctx, youth, dossier, report, "Mijn kijk")
    entries.request_correction(ctx, youth, dossier, report, "Dit klopt niet")
    plans.propose_plan(
        ctx, youth, dossier, plans.PlanDocument(goals=(plans.Goal(uuid.uuid4(), "Naar school"),))
    )
    sons = dossiers.create_dossier(ctx, world.guardian, "Daan", years_ago(ctx, 10), False)
    father = person(ctx, FATHER, "parent", "Johan")
    invited = ownership.invite_owner(ctx, world.guardian, sons.id, "guardian")
    assert ownership.join(ctx, father, invited.code).status == "done"
    # Johan asks to look in Sanne's dossier, by the code she made
    code = access_requests.new_request_code(ctx, youth, dossier)
    access_requests.ask(
        ctx,
        father,
        code=code,
        owner_email=None,
        sections=["school"],
        permission="read",
        months=3,
        purpose="Om te helpen",
    )
    links: list[str] = []

    def keep(code: str) -> str:
        links.append(code)
        return code

    accounts.request_email_change(ctx, youth, "sanne.nieuw@example.nl", PASSWORD, keep)
    emergency.create_key(ctx, [ADMIN, AUDITOR], threshold=2)  # the admin is an officer
    audit_views.checkpoint(ctx)
    return {
        "email link": links[0],
        "dossier": dossier,
        "story": story,
        "report": report,
        "attachment": attachment.id,
        "grant": grant,
        "sons dossier": sons.id,
        "father": father.user_id,
    }


@pytest.fixture(scope="module")
def built_worlds(apps: dict[str, Any], clock: Clock) -> BuiltWorlds:
    return BuiltWorlds(apps, clock, build, PEOPLE)


@pytest.fixture
def world(apps, backend: str, built_worlds: BuiltWorlds):
    """The app with the world as built, put back before each row."""
    built = built_worlds.put_back(backend)
    yield apps[backend], built
    built.as_built = False  # each row may write audit events, which the next row counts


# --- asking ----------------------------------------------------------------------------------


def path_of(read: Read, things: dict[str, Any]) -> str:
    """The rule with each argument filled in: a thing of the world, or a literal after `=`."""

    def value(match: re.Match[str]) -> str:
        named = read.args[match.group(1)]
        return named[1:] if named.startswith("=") else str(things[named])

    return re.sub(r"<(?:[a-z]+:)?(\w+)>", value, read.rule)


@contextmanager
def counted(engine: Engine) -> Iterator[dict[str, int]]:
    """How many transactions begin while the block runs."""
    seen = {"transactions": 0}

    def begin(_connection: object) -> None:
        seen["transactions"] += 1

    event.listen(engine, "begin", begin)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", begin)


def log_of(engine: Engine) -> dict[Any, tuple[str, str, Any]]:
    """Every event in the log by id: its action, outcome and actor."""
    with engine.connect() as connection:
        return {
            row.id: (row.action, row.outcome, row.actor_id)
            for row in connection.execute(
                select(AuditEvent.id, AuditEvent.action, AuditEvent.outcome, AuditEvent.actor_id)
            )
        }


def ask(app: Any, built: BuiltWorld, read: Read, path: str) -> Any:
    if read.who == "anonymous":
        return app.test_client().get(path)
    if path.startswith("/api/"):
        return app.test_client().get(path, headers=built.bearer[read.who])
    return built.browser(app, read.who).get(path)


@pytest.mark.parametrize("read", [pytest.param(r, id=f"{r.who} GET {r.rule}") for r in READS])
def test_a_read_writes_the_events_a_person_expects(world, read: Read) -> None:
    app, built = world
    engine = app.extensions["dossier"]["engine"]
    path = path_of(read, built.things)
    before = log_of(engine)
    with counted(engine) as seen:
        response = ask(app, built, read, path)
    response.close()
    assert response.status_code == read.status, response.get_data(as_text=True)[:500]
    new = [line for key, line in log_of(engine).items() if key not in before]
    assert sorted(action for action, _outcome, _actor in new) == sorted(read.events)
    # each one a read that succeeded, by whoever asked: nothing written on anyone else's name
    assert {(outcome, actor) for _action, outcome, actor in new} <= {
        ("success", built.users.get(read.who))
    }
    # one unit of work for what the page shows, and one for the session the request carries
    assert seen["transactions"] <= read.units + (read.who != "anonymous"), seen
