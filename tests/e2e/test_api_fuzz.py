"""A bounded schemathesis run against the live API: every operation, every check.

The app is served on loopback (the `servers` fixture) and its own `GET /api/v1/openapi.json` is the
contract. Each operation runs twice: once as a stranger (no token, or a made-up one) and once with
the real token of a youth who owns a dossier with entries, a file, a grant and a correction
request, whose ids are offered as examples so the operations reach past "not found". A fixed seed,
derandomised generation and a fixed number of examples keep the run the same on every machine.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import schemathesis
from schemathesis.auths import AuthContext

from dossier.models import SessionKind
from dossier.services import entries, sessions
from dossier.services.context import Context
from tests.conftest import PASSWORD

SEED = 20_240_312
EXAMPLES_PER_OPERATION = 8

# positive_data_acceptance expects a request the document allows to be taken (or refused for who
# asks: 401, 403, 404, 409). These operations also refuse a well-formed request with 422 for a
# rule JSON Schema cannot state, so there, and only there, 422 is an answer too.
RULES_BEYOND_THE_SCHEMA = {
    # which fields a role needs, an age of 12 to 23 on the day, a password's strength, one
    # account per address
    "POST /accounts",
    # a password's strength: enough different characters, not the e-mail address
    "POST /password-resets",
    "POST /me/password",
    # one's own dossier (once) or a child's (under 18 on the day)
    "POST /dossiers",
    # `confirm` must be the subject's name
    "DELETE /dossiers/{id}",
    # `section_id` must be a section of this dossier the writer may write in
    "POST /dossiers/{id}/entries",
    # a file's type is sniffed from its bytes: PDF, PNG, JPEG or UTF-8 text
    "POST /dossiers/{id}/entries/{entry_id}/attachments",
    # not on one's own entry
    "POST /dossiers/{id}/entries/{entry_id}/correction-requests",
    # sections of this dossier, an existing account, an end in the future
    "POST /dossiers/{id}/grants",
    "PATCH /dossiers/{id}/grants/{grant_id}",
    # `code` must be one handed out, unused and unexpired
    "POST /invitations/acceptance",
    # the young person joins once, from 12; a guardian is invited while they are under 16
    "POST /dossiers/{id}/invitations",
    # the plan: at least one goal with words, a row's `what` or name once it has anything, an
    # action's `who_id` one of the plan's people, an evaluation date from today, refs unique
    "POST /dossiers/{id}/plan/versions",
    # a reason when one does not agree; the version still open
    "POST /dossiers/{id}/plan/versions/{number}/marks",
    # only the plan everyone agreed to, with an outcome for each of its goals
    "POST /dossiers/{id}/plan/versions/{number}/evaluations",
    # one of `code` and `owner_email`; a code has 12 letters and digits (for whoever may ask)
    "POST /access-requests",
    # a yes needs at least one of the sections asked for still in the dossier
    "POST /dossiers/{id}/access-requests/{request_id}/decision",
    # `cursor` is opaque: only one the server handed out as `next_cursor` is valid
    "GET /dossiers/{id}/entries",
    "GET /dossiers/{id}/access-log",
    "GET /audit/events",
}
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

CONFIG: dict[str, Any] = {
    "seed": SEED,
    "wait-for-schema": 5,
    "generation": {
        "max-examples": EXAMPLES_PER_OPERATION,
        "deterministic": True,
        # No example database: a run never replays what an earlier run happened to find.
        "database": "none",
    },
    # Test accounts only; a failure shows the exact request to replay.
    "output": {"sanitization": {"enabled": False}},
    "operations": [
        {
            "include-name": name,
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        }
        for name in sorted(RULES_BEYOND_THE_SCHEMA)
    ],
}


@pytest.fixture(params=["stranger", "owner"])
def caller(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def world(shared_world: dict[str, Any]) -> dict[str, Any]:
    """The sharing scenario plus a file on the plan and a correction request the care worker must
    answer, so every id in a path has a real value."""
    ctx, sanne, anne = shared_world["ctx"], shared_world["sanne"], shared_world["anne"]
    dossier, care = shared_world["dossier"], shared_world["dossier_sections"][1]
    attachment = entries.attach(ctx, sanne, dossier, shared_world["plan"], "plan.txt", b"Stappen")
    report, _ = entries.write_entry(ctx, anne, dossier, care, "Verslag", "Gesprek", "report")
    correction = entries.request_correction(ctx, sanne, dossier, report, "Dit klopt niet")
    return {
        **shared_world,
        "attachment": attachment.id,
        "report": report,
        "correction": correction.id,
    }


def _real_ids(world: dict[str, Any]) -> dict[tuple[str, str], uuid.UUID]:
    """Which real id fits which path parameter; `{id}` is a dossier except under /admin."""
    return {
        ("dossier", "id"): world["dossier"],
        ("dossier", "section_id"): world["dossier_sections"][1],
        ("dossier", "entry_id"): world["report"],
        ("dossier", "grant_id"): world["grant"],
        ("dossier", "attachment_id"): world["attachment"],
        ("dossier", "correction_id"): world["correction"],
        ("admin", "id"): world["anne"].user_id,
    }


def _with_real_ids(document: dict[str, Any], world: dict[str, Any]) -> dict[str, Any]:
    """Give each path parameter the matching real id as its example; the served document stays
    generic, and fuzzing still draws random ids besides."""
    real = _real_ids(world)
    for path, operations in document["paths"].items():
        owner = "admin" if path.startswith("/admin/") else "dossier"
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                value = real.get((owner, parameter["name"]))
                if parameter["in"] == "path" and value is not None:
                    parameter["example"] = str(value)
    return document


def owner_token(ctx: Context, email: str) -> type:
    """An auth provider with the owner's bearer token. schemathesis keeps it and asks for a new one
    when an answer is 401, since the run itself ends tokens (log out, log out everywhere)."""

    class OwnerToken:
        def get(self, case: schemathesis.Case, context: AuthContext) -> str:
            return sessions.log_in(ctx, email, PASSWORD, SessionKind.API).token

        def set(self, case: schemathesis.Case, data: str, context: AuthContext) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return OwnerToken


@pytest.fixture
def api_schema(base_url: str, caller: str, world: dict[str, Any]) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict({**CONFIG, "base-url": f"{base_url}/api/v1"})
    served = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", config=config)
    schema = schemathesis.openapi.from_dict(_with_real_ids(served.raw_schema, world), config=config)
    if caller == "owner":
        schema.auth()(owner_token(world["ctx"], "sanne@example.nl"))
    return schema


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis (4.32) reads and renames `Item._nodeid`, which pytest 9.2 no longer has; the
    per-operation subtests still carry the operation in their label."""
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_operation_keeps_its_contract(case: schemathesis.Case) -> None:
    case.call_and_validate()
