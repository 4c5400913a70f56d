"""The authorization matrix: every dossier page and API endpoint, asked by every relation.

Relations: the youth who owns the dossier (14), her guardian, a grantee who may read, a grantee
who may contribute, a grantee whose grant expired, one whose grant was revoked, a stranger, an
auditor, an admin, and an anonymous visitor. Bodies are valid, so each answer is about who may,
not about what was sent. Routes not about one dossier are in test_guards.py; together they must
cover every route.

Each (relation, row) is a test of its own, named by relation, method and path, so one wrong answer
hides no other. And each row is asked in the world as built, or as only reads and refusals have
left it: a row that ends something (revoke, destroy, step down, remove an owner) cannot change
another row's answer, whichever runs first, alone or with the rest. Building that world through
the services takes about half a second, too long for each of some 1,200 rows; one world per
relation with the ending rows last would make a row's answer depend on the rows before it. So
the world is built once per database, with every relation logged in, and its rows are kept
(`tests.support.BuiltWorlds`). After any request that may have changed something (anything but a
read or a refusal) the next test first puts the database back to exactly those rows (`restore`,
milliseconds). Every visitor gets a new client holding the cookies it had when the world was
built.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from dossier.services import access_requests, dossiers, entries, ownership, plans, sharing
from dossier.services.context import Context
from dossier.services.entries import drafts, withholding
from tests.conftest import login_actor
from tests.support import (
    CARE_WORKER,
    GUARDIAN,
    YOUTH,
    BuiltWorld,
    BuiltWorlds,
    person,
    youth_world,
)

OWNERS_READERS = ("youth", "guardian", "reader", "writer")
# Ilse, a trusted helper on Care: she answers as the reader does, except where a row gives her
# answer as a fifth one (her suggestions)
HELPER = "helper"
# "approver": Ilse, asked by the youth to approve only; she reads nothing of the dossier
ELSEWHERE = ("approver", "expired", "revoked", "stranger", "auditor", "admin")
RELATIONS = (*OWNERS_READERS, HELPER, *ELSEWHERE, "anonymous")

TEXT = {
    "body": "words",
    "reason": "words",
    "name": "Renamed",
    "outcome": "declined",
    "message": "words",
    "sure": "y",
}
ALL4 = (200, 200, 200, 200)
PLAN_DRAFT = {
    "strengths": "",
    "network": [],
    "goals": [{"text": "Naar school", "proposed_by": "", "actions": []}],
}
OWNERS = (200, 200, 403, 403)

# (method, path, body, answers for youth, guardian, reader, writer). Everyone in ELSEWHERE gets 404;
# anonymous visitors are sent to the login page (pages) or get 401 (API).
PAGES = [
    ("get", "/dossiers/{d}", None, ALL4),
    ("get", "/dossiers/{d}/entries/new", None, (200, 200, 403, 200)),
    ("get", "/dossiers/{d}/entries/{e}", None, ALL4),
    ("get", "/dossiers/{d}/entries/{e}/edit", None, (200, 403, 403, 403)),
    ("get", "/dossiers/{d}/entries/{e}/history", None, ALL4),
    ("get", "/dossiers/{d}/entries/{e}/attachments/{a}", None, ALL4),
    ("get", "/dossiers/{d}/plan", None, ALL4),
    ("get", "/dossiers/{d}/plan/versions/{n}", None, ALL4),
    ("get", "/dossiers/{d}/plan.pdf", None, ALL4),
    ("get", "/dossiers/{d}/plan.fhir.json", None, ALL4),
    # a helper writes a suggestion with the same form; it waits for the owners
    ("get", "/dossiers/{d}/plan/new", None, (200, 200, 403, 200, 200)),
    ("get", "/dossiers/{d}/plan/versions/{n}/evaluate", None, (200, 200, 403, 200)),
    ("get", "/dossiers/{d}/settings", None, OWNERS),
    ("get", "/dossiers/{d}/sections", None, OWNERS),
    ("get", "/dossiers/{d}/invite", None, OWNERS),
    ("get", "/dossiers/{d}/export", None, OWNERS),
    ("get", "/dossiers/{d}/destroy", None, OWNERS),
    ("get", "/dossiers/{d}/access", None, OWNERS),
    ("get", "/dossiers/{d}/log", None, OWNERS),
    ("get", "/dossiers/{d}/share", None, OWNERS),
    ("get", "/dossiers/{d}/grants/{g}/revoke", None, OWNERS),
    ("get", "/dossiers/{d}/owners/{o}/remove", None, OWNERS),
    ("get", "/dossiers/{d}/approvers/new", None, OWNERS),
    (
        "post",
        "/dossiers/{d}/entries/new",
        {"section_id": "{c}", "kind": "note", "title": "T", "body": "B"},
        (302, 302, 403, 302),
    ),
    ("post", "/dossiers/{d}/entries/{e}/edit", {"title": "T", "body": "B"}, (302, 403, 403, 403)),
    ("post", "/dossiers/{d}/entries/{r}/views", TEXT, (302, 302, 403, 422)),
    ("post", "/dossiers/{d}/entries/{e}/attachments", "file", (302, 403, 403, 403)),
    ("post", "/dossiers/{d}/entries/{s}/corrections", TEXT, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/entries/{r}/corrections/{k}/answer", TEXT, (403, 403, 403, 302)),
    ("post", "/dossiers/{d}/entries/{e}/outdated", {}, (302, 302, 403, 403)),
    (
        "post",
        "/dossiers/{d}/plan/new",
        {"goals-0-text": "Naar school"},
        (302, 302, 403, 302, 302),
    ),
    ("post", "/dossiers/{d}/plan/drafts/{pd}/send", {}, (302, 302, 403, 403, 403)),
    ("post", "/dossiers/{d}/plan/drafts/{pd}/discard", {}, (302, 302, 403, 403, 302)),
    # a helper suggests; she does not say yes or no to the plan herself
    (
        "post",
        "/dossiers/{d}/plan/versions/{n}/mark",
        {"agrees": "yes"},
        (302, 302, 302, 302, 403),
    ),
    ("post", "/dossiers/{d}/plan/actions/{t}", {"done": "yes"}, (302, 302, 403, 302)),
    ("post", "/dossiers/{d}/plan/versions/{n}/evaluate", {}, (200, 200, 403, 200)),
    ("post", "/dossiers/{d}/sections", TEXT, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/sections/{c}/rename", TEXT, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/sections/{x}/archive", {}, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/invite", {"relation": "guardian"}, (200, 200, 403, 403)),
    (
        "post",
        "/dossiers/{d}/share",
        {"grantee_email": "new@example.nl", "section_ids": "{c}", "permission": "read"},
        (302, 302, 403, 403),
    ),
    ("post", "/dossiers/{d}/grants/{p}/approve", {}, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/grants/{g}/change", {"section_ids": "{c}"}, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/destroy", {"confirm": "not the name"}, (200, 200, 403, 403)),
    ("post", "/dossiers/{d}/grants/{g}/revoke", {}, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/entries/{e}/archive", TEXT, (302, 403, 403, 403)),
    # the youth's yes is the one the new owner waits for; the guardian asked, so may withdraw
    ("post", "/dossiers/{d}/ownership-changes/{h}/approval", {}, (302, 403, 403, 403)),
    ("post", "/dossiers/{d}/ownership-changes/{h}/cancel", {}, (302, 302, 403, 403)),
    # the youth asks (it waits for a guardian); the guardian steps down
    ("post", "/dossiers/{d}/owners/{o}/remove", {}, (302, 302, 403, 403)),
    # only the young person asks a guardian to approve only; whoever decides may end it
    ("post", "/dossiers/{d}/approvers/new", {"email": "dad@example.nl"}, (302, 403, 403, 403)),
    ("post", "/dossiers/{d}/approvers/{v}/end", {}, (302, 302, 403, 403)),
    # asking for access: the owners who decide answer a request and make the code
    ("post", "/dossiers/{d}/requests/{w}/no", {}, (302, 302, 403, 403)),
    ("post", "/dossiers/{d}/request-code", {}, (302, 302, 403, 403)),
    # keeping a part back: only the care worker who wrote the entry; only the one it is kept
    # from (here the reader) objects
    ("get", "/dossiers/{d}/entries/{r}/withhold", None, (403, 403, 403, 200)),
    (
        "post",
        "/dossiers/{d}/entries/{r}/withhold",
        {"text": "T", "reason": "R", "kept_from": "{u}"},
        (403, 403, 403, 302),
    ),
    (
        "post",
        "/dossiers/{d}/entries/{r}/passages/{y}/objection",
        {"text": "T"},
        (403, 403, 302, 403, 403),
    ),
    # a helper's suggestions: only she writes them; the owners send or throw them away, and she
    # may take her own back
    (
        "post",
        "/dossiers/{d}/entries/{r}/drafts",
        {"kind": "view", "body": "B"},
        (403, 403, 403, 403, 302),
    ),
    ("post", "/dossiers/{d}/entries/{r}/drafts/{z}/send", {}, (302, 302, 403, 403, 403)),
    ("post", "/dossiers/{d}/entries/{r}/drafts/{z}/discard", {}, (302, 302, 403, 403, 302)),
]
API = [
    ("get", "/api/v1/dossiers/{d}", None, ALL4),
    ("get", "/api/v1/dossiers/{d}/sections", None, ALL4),
    ("post", "/api/v1/dossiers/{d}/sections", {"name": "Extra"}, (201, 201, 403, 403)),
    ("patch", "/api/v1/dossiers/{d}/sections/{c}", {"name": "Zorg"}, (204, 204, 403, 403)),
    ("post", "/api/v1/dossiers/{d}/invitations", {}, (201, 201, 403, 403)),
    ("get", "/api/v1/dossiers/{d}/export", None, OWNERS),
    ("get", "/api/v1/dossiers/{d}/entries", None, ALL4),
    (
        "post",
        "/api/v1/dossiers/{d}/entries",
        {"section_id": "{c}", "title": "T", "body": "B", "kind": "note"},
        (201, 201, 403, 201),
    ),
    ("get", "/api/v1/dossiers/{d}/entries/{e}", None, ALL4),
    ("patch", "/api/v1/dossiers/{d}/entries/{e}", {"title": "New"}, (200, 403, 403, 403)),
    ("get", "/api/v1/dossiers/{d}/entries/{e}/history", None, ALL4),
    ("post", "/api/v1/dossiers/{d}/entries/{r}/perspectives", {"body": "B"}, (201, 201, 403, 422)),
    ("post", "/api/v1/dossiers/{d}/entries/{e}/attachments", "file", (201, 403, 403, 403)),
    ("get", "/api/v1/dossiers/{d}/entries/{e}/attachments/{a}", None, ALL4),
    (
        "post",
        "/api/v1/dossiers/{d}/entries/{s}/correction-requests",
        {"reason": "R"},
        (201, 201, 403, 403),
    ),
    (
        "post",
        "/api/v1/dossiers/{d}/entries/{r}/correction-requests/{k}/answer",
        {"outcome": "declined", "message": "M"},
        (403, 403, 403, 200),
    ),
    ("get", "/api/v1/dossiers/{d}/grants", None, OWNERS),
    ("get", "/api/v1/dossiers/{d}/access-log", None, OWNERS),
    (
        "post",
        "/api/v1/dossiers/{d}/grants",
        {"grantee_email": "new@example.nl", "section_ids": ["{c}"], "permission": "read"},
        (201, 201, 403, 403),
    ),
    ("post", "/api/v1/dossiers/{d}/grants/{p}/approval", None, OWNERS),
    ("patch", "/api/v1/dossiers/{d}/grants/{g}", {"section_ids": ["{c}"]}, (204, 204, 403, 403)),
    ("delete", "/api/v1/dossiers/{d}/grants/{g}", None, (204, 204, 403, 403)),
    ("delete", "/api/v1/dossiers/{d}?confirm=wrong", None, (422, 422, 403, 403)),
    ("delete", "/api/v1/dossiers/{d}/entries/{e}", None, (204, 403, 403, 403)),
    ("post", "/api/v1/dossiers/{d}/ownership-changes/{h}/approval", None, (200, 403, 403, 403)),
    ("delete", "/api/v1/dossiers/{d}/ownership-changes/{h}", None, (204, 204, 403, 403)),
    ("delete", "/api/v1/dossiers/{d}/owners/{o}", None, (202, 204, 403, 403)),
    # the family's plan lives in Care: whoever may write there makes it; professionals mark it too
    ("get", "/api/v1/dossiers/{d}/plan", None, ALL4),
    ("get", "/api/v1/dossiers/{d}/plan/versions/{n}", None, ALL4),
    ("get", "/api/v1/dossiers/{d}/plan/pdf", None, ALL4),
    ("get", "/api/v1/dossiers/{d}/plan/fhir", None, ALL4),
    ("post", "/api/v1/dossiers/{d}/plan/versions", PLAN_DRAFT, (201, 201, 403, 201)),
    (
        "post",
        "/api/v1/dossiers/{d}/plan/versions/{n}/marks",
        {"agrees": True},
        (200, 200, 200, 200, 403),
    ),
    ("put", "/api/v1/dossiers/{d}/plan/actions/{t}", {"done": True}, (204, 204, 403, 204)),
    (
        "post",
        "/api/v1/dossiers/{d}/plan/versions/{n}/evaluations",
        {"goals": [{"ref": "{q}", "outcome": "reached"}]},
        (201, 201, 403, 201),
    ),
    # asking for access: the owners read the requests and the code; those who decide answer
    ("get", "/api/v1/dossiers/{d}/access-requests", None, OWNERS),
    (
        "post",
        "/api/v1/dossiers/{d}/access-requests/{w}/decision",
        {"approve": False},
        (200, 200, 403, 403),
    ),
    ("get", "/api/v1/dossiers/{d}/request-code", None, OWNERS),
    ("post", "/api/v1/dossiers/{d}/request-code", None, (201, 201, 403, 403)),
]
# Routes that are not about one dossier; test_guards.py and the journeys test them.
OTHER_ROUTES = [
    "/dossiers/new",
    "/join",
    "/notices/read",
    "/api/v1/dossiers",
    "/api/v1/invitations/acceptance",
    "/api/v1/notices",
    "/api/v1/access-requests",  # one's own requests: test_api_access_requests.py
    "/requests",  # the approver's own page: test_approver_decides_only_what_she_was_asked
    "/requests/{p}/{answer}",
    "/dossiers/{d}/requests/{w}/{answer}",  # yes and no share a route; PAGES asks the no
]


# Who each relation is in the world `youth_world` builds; the others are named after what they are.
EMAIL = {"youth": YOUTH, "guardian": GUARDIAN, "writer": CARE_WORKER}


def email_of(who: str) -> str:
    return EMAIL.get(who, f"{who}@example.nl")


def build(ctx, clock) -> dict[str, Any]:
    """The world every row is asked in: Sanne (14), Marieke her guardian, Anne who may contribute
    to Care, a grantee for each other state a grant can be in, a stranger, staff, and one of each
    thing a row can point at."""
    world = youth_world(ctx)
    world.staff()
    world.care_worker()
    for name in ("reader", "expired", "revoked"):
        world.care_worker(email_of(name), name.title(), organisation="Jeugdteam")
    for name in ("stranger", "new", "someone"):
        person(ctx, email_of(name), "parent")
    youth, guardian, dossier = world.youth, world.guardian, world.dossier.id
    world.share(email_of("reader"), "read")
    writer_grant = world.share(email_of("writer"), "contribute")
    world.share(email_of("expired"), "contribute", expires_at=ctx.now() + timedelta(minutes=5))
    sharing.revoke(ctx, guardian, dossier, world.share(email_of("revoked"), "contribute"))
    pending = world.share(email_of("someone"), "read", approved=False)
    entry = world.write(youth, "care", "Mine", "My words")
    writer = login_actor(ctx, email_of("writer"))
    report = world.write(writer, "care", "Report", "Theirs", "report")
    # someone asks to look, with the code the youth made
    code = access_requests.new_request_code(ctx, youth, dossier)
    asked = access_requests.ask(
        ctx,
        login_actor(ctx, email_of("new")),
        code=code,
        owner_email=None,
        sections=["school"],
        permission="read",
        months=3,
        purpose="Om te helpen",
    )
    # Ilse helps Sanne with Care until next month, and drafted a view on the report
    person(ctx, email_of(HELPER), "parent", "Ilse")
    world.share(email_of(HELPER), "help", expires_at=ctx.now() + timedelta(days=30))
    ilse = login_actor(ctx, email_of(HELPER))
    draft = drafts.write_draft(ctx, ilse, dossier, report, "view", "Voor Sanne")
    # a part of the report kept from the reader, to protect someone else
    reader = login_actor(ctx, email_of("reader")).user_id
    passage = withholding.withhold(ctx, writer, dossier, report, "Adres", "Veilig", [reader])
    # the family's plan, agreed by the youth and her guardian, with an action for someone else
    step = plans.Step(uuid.uuid4(), "Bellen", "Oma")
    goal = plans.Goal(uuid.uuid4(), "Naar school", "Sanne", (step,))
    plan = plans.propose_plan(ctx, youth, dossier, plans.PlanDocument(goals=(goal,)))
    for owner in (youth, guardian):
        plans.mark_plan(ctx, owner, dossier, plan, True)
    # Ilse suggests a change of the plan, which waits for the owners
    suggested = plans.PlanDocument(goals=(plans.Goal(uuid.uuid4(), "Zwemmen", "Ilse", ()),))
    plan_draft = plans.write_plan_draft(ctx, ilse, dossier, suggested)
    correction = entries.request_correction(ctx, youth, dossier, report, "Please fix")
    # one request waits at a time per entry: new requests are asked about another report
    second = world.write(writer, "care", "Second report", "Theirs too", "report")
    attachment = entries.attach(ctx, youth, dossier, entry, "note.txt", b"plain text")
    # a new owner, named by using the code, waits for the youth
    ticket = ownership.invite_owner(ctx, guardian, dossier, "guardian")
    ownership.join(ctx, login_actor(ctx, email_of("new")), ticket.code)
    [change] = sharing.overview(ctx, youth, dossier).changes
    # Ilse may only approve: asked by the youth, she used her code (the pending grant waits)
    approver = _approver(ctx, youth, dossier)
    clock.advance(minutes=10)  # the expired grantee's end has passed
    return {
        "d": dossier,
        "e": entry,
        "r": report,
        "c": world.section("care"),
        "x": world.section("health"),
        "a": attachment.id,
        "k": correction.id,
        "s": second,
        "g": writer_grant,
        "p": pending,
        "h": change.id,
        "o": guardian.user_id,
        "v": approver,
        "n": plan,
        "q": goal.ref,
        "t": step.ref,
        "w": asked,
        "u": reader,
        "y": passage,
        "z": draft,
        "pd": plan_draft,
    }


def _approver(ctx, youth, dossier):
    from dossier.services import approvals

    codes: list[str] = []
    approvals.ask(ctx, youth, dossier, email_of("approver"), lambda code: codes.append(code) or "")
    person(ctx, email_of("approver"), "parent", "Ilse")
    sharing.accept_code(ctx, login_actor(ctx, email_of("approver")), codes[0])
    from dossier.services import pages

    [shown] = pages.access_page(ctx, youth, dossier).approvers
    return shown.id


def fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value


def expected(row_answers: tuple[int, ...], who: str, anonymous: int) -> int:
    if who == "anonymous":
        return anonymous
    if who in ELSEWHERE:
        return 404
    if who == HELPER:
        return row_answers[4] if len(row_answers) > 4 else row_answers[2]
    return row_answers[OWNERS_READERS.index(who)]


@dataclass
class World:
    """The world as built, put back for one test, which notes whether the test may change it."""

    app: Any
    built: BuiltWorld
    changed: bool = False

    @property
    def ids(self) -> dict[str, Any]:
        return self.built.things

    @property
    def ctx(self) -> Context:
        """The services' way in, to check what the world holds; whoever takes it may change
        anything, so the next test gets the rows back."""
        self.changed = True
        state = self.app.extensions["dossier"]
        return Context(state["sessions"], state["settings"], clock=state["clock"])

    def page(self, who: str, method: str, path: str, body: Any = None) -> Any:
        """Ask as `who` in a browser, with the cookies and form token it had when built."""
        client = self.built.browser(self.app, who)
        url, token = fill(path, self.ids), self.built.csrf[who]
        if method == "get":
            return self._ask(method, lambda: client.get(url))
        if body == "file":
            data = {"csrf_token": token, "file": (io.BytesIO(b"text"), "n.txt")}
        else:
            data = {"csrf_token": token, **fill(body, self.ids)}
        return self._ask(method, lambda: client.post(url, data=data))

    def api(self, who: str, method: str, path: str, body: Any = None) -> Any:
        client, url = self.app.test_client(), fill(path, self.ids)
        headers = self.built.bearer.get(who, {})
        if body == "file":
            file = {"file": (io.BytesIO(b"text"), "n.txt")}
            return self._ask(method, lambda: client.post(url, headers=headers, data=file))
        send = getattr(client, method)
        return self._ask(
            method, lambda: send(url, headers=headers, json=fill(body or {}, self.ids))
        )

    def _ask(self, method: str, send: Callable[[], Any]) -> Any:
        """A read or a refusal leaves nothing another row could notice (a log line, a touched
        session); anything else may have ended something, so the next test gets the rows back."""
        if method == "get":
            return send()
        changed, self.changed = self.changed, True  # also if the request stops halfway
        response = send()
        if response.status_code >= 400:
            self.changed = changed
        return response


@pytest.fixture(scope="module")
def built_worlds(apps, clock) -> BuiltWorlds:
    return BuiltWorlds(apps, clock, build, {who: _address(who) for who in RELATIONS})


def _address(who: str) -> str | None:
    return None if who == "anonymous" else email_of(who)


@pytest.fixture
def world(apps, backend: str, built_worlds: BuiltWorlds) -> Iterator[World]:
    asked = World(apps[backend], built_worlds.put_back(backend))
    yield asked
    asked.built.as_built = not asked.changed


def _cases(rows: list[tuple[Any, ...]]) -> list[Any]:
    return [
        pytest.param(who, row, id=f"{who}-{row[0]} {row[1]}") for who in RELATIONS for row in rows
    ]


@pytest.mark.parametrize(("who", "row"), _cases(PAGES))
def test_pages(world: World, who: str, row: tuple[Any, ...]) -> None:
    method, path, body, answers = row
    response = world.page(who, method, path, body)
    assert response.status_code == expected(answers, who, 302)
    if who == "anonymous":
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("grant", "answer", "after"),
    [
        ("p", "approve", "active"),  # the waiting sharing she was asked about: her yes starts it
        ("p", "refuse", "revoked"),
        ("g", "approve", "active"),  # a running sharing is not hers to decide on: unchanged
        ("g", "refuse", "active"),
    ],
)
def test_approver_decides_only_what_she_was_asked(
    world: World, grant: str, answer: str, after: str
) -> None:
    response = world.page("approver", "post", f"/requests/{{{grant}}}/{answer}", {})
    assert response.status_code == 302 and response.headers["Location"].endswith("/requests")
    youth = login_actor(world.ctx, YOUTH)
    statuses = {g.id: g.status for g in sharing.overview(world.ctx, youth, world.ids["d"]).grants}
    assert statuses[world.ids[grant]] == after


@pytest.mark.parametrize("who", [w for w in RELATIONS if w != "approver"])
def test_only_the_approver_decides_on_her_page(world: World, who: str) -> None:
    response = world.page(who, "post", "/requests/{p}/approve", {})
    assert response.status_code == (302 if who == "anonymous" else 404)
    assert world.page(who, "get", "/requests").status_code == (302 if who == "anonymous" else 200)


def test_an_approver_finds_no_made_up_sharing(world: World) -> None:
    made_up = "/requests/00000000-0000-4000-8000-000000000000/approve"
    assert world.page("approver", "post", made_up, {}).status_code == 404


@pytest.mark.parametrize(("who", "row"), _cases(API))
def test_api(world: World, who: str, row: tuple[Any, ...]) -> None:
    method, path, body, answers = row
    response = world.api(who, method, path, body)
    assert response.status_code == expected(answers, who, 401)
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


def test_strangers_get_the_same_answer_for_real_and_made_up_dossiers(world: World) -> None:
    made_up = "00000000-0000-4000-8000-000000000000"
    for method, path, _body, _answers in API:
        if method != "get":
            continue
        real = world.api("stranger", method, path)
        fake = world.api("stranger", method, path.replace("{d}", made_up))
        assert real.status_code == fake.status_code == 404
        assert real.get_json() == fake.get_json()


def test_today_is_the_day_it_matters(world: World) -> None:
    """The world really is what the rows assume: the subject is 14, two owners, grants as named."""
    youth = login_actor(world.ctx, YOUTH)
    overview = sharing.overview(world.ctx, youth, world.ids["d"])
    statuses = {g.grantee.name: g.status for g in overview.grants}
    assert statuses == {
        "Ilse": "active",
        "Reader": "active",
        "Anne": "active",
        "Expired": "expired",
        "Revoked": "revoked",
        "Someone": "pending",
    }
    assert {o.relation for o in overview.owners} == {"subject", "guardian"}
    assert dossiers.get_dossier(world.ctx, youth, world.ids["d"]).subject_birth_date < date.today()
