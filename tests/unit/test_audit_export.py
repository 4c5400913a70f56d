"""The auditor's CSV export never hands a spreadsheet a formula (OWASP CSV injection); the JSON
export keeps every value as it is."""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from dossier.services.audit_views import EXPORT_FIELDS, EventRow, render_export

ROW = EventRow(
    id=uuid.uuid4(),
    at=datetime(2026, 3, 14, 12, 0, tzinfo=UTC),
    chain="account",
    seq=1,
    actor_id=uuid.uuid4(),
    actor_name="Anne",
    actor_role="professional",
    on_behalf_of=None,
    action="entry.read",
    dossier_id=uuid.uuid4(),
    object_type="entry",
    object_id="x",
    outcome="success",
    reason=None,
    basis="grant:x",
    client_address="127.0.0.1",
    request_id="abc",
    hash="00",
)
TEXT_FIELDS = ("actor_name", "reason", "client_address", "request_id", "object_id", "action")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_a_cell_that_starts_a_formula_is_shown_as_text(start: str, name: str) -> None:
    value = start + "cmd|' /C calc'!A0"
    record = replace(ROW, **{name: value})
    [row] = csv.DictReader(io.StringIO(render_export([record], "csv").decode(), newline=""))
    assert row[name] == "'" + value
    assert json.loads(render_export([record], "json"))[0][name] == value


def test_ordinary_cells_are_left_alone() -> None:
    [row] = csv.DictReader(io.StringIO(render_export([ROW], "csv").decode(), newline=""))
    assert row["actor_name"] == "Anne" and row["at"] == "2026-03-14T12:00:00+00:00"
    assert list(row) == list(EXPORT_FIELDS)
    assert row["reason"] == ""


def test_every_event_says_its_action_in_words_beside_the_code() -> None:
    [row] = csv.DictReader(io.StringIO(render_export([ROW], "csv").decode(), newline=""))
    assert (row["action"], row["what"]) == ("entry.read", "read an entry")
    shouted = json.loads(render_export([ROW], "json", say=str.upper))[0]
    assert shouted["what"] == "READ AN ENTRY"
    unknown = json.loads(render_export([replace(ROW, action="entry.peek")], "json"))[0]
    assert unknown["what"] == "entry.peek"  # a code this version does not know, as stored
