"""The log's actions are one vocabulary: every action says itself in plain words, in English and
in Dutch; a stored code keeps its action; and nothing writes an action that is not in it."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from dossier.actions import READS, Action
from dossier.audit import Event

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "dossier" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")

# Every code an earlier version wrote. The hash chains hold them, so none may go or change.
STORED_CODES = {
    "account.create_staff",
    "account.login",
    "account.logout",
    "account.logout_everywhere",
    "account.password_change",
    "account.password_reset",
    "account.register",
    "admin.professionals",
    "admin.verify_professional",
    "attachment.create",
    "attachment.read",
    "audit.checkpoints",
    "audit.export",
    "audit.search",
    "audit.timeline",
    "audit.verify",
    "content.untrusted",
    "correction.answer",
    "correction.create",
    "dossier.create",
    "dossier.destroy",
    "dossier.destroy_preview",
    "dossier.destroy_request",
    "dossier.export",
    "dossier.list",
    "dossier.manage",
    "dossier.open",
    "entry.archive",
    "entry.authors",
    "entry.create",
    "entry.current",
    "entry.edit",
    "entry.history",
    "entry.list",
    "entry.outdated",
    "entry.read",
    "grant.accept",
    "grant.activate",
    "grant.approve",
    "grant.change",
    "grant.create",
    "grant.expire",
    "grant.list",
    "grant.message_read",
    "grant.revoke",
    "grant.waiting",
    "invitation.accept",
    "invitation.create",
    "owner.added",
    "owner.remove",
    "owner.removed",
    "ownership.approve",
    "ownership.cancel",
    "ownership.list",
    "ownership.to_grant",
    "ownership.waiting",
    "perspective.create",
    "section.archive",
    "section.create",
    "section.rename",
    "section.restore",
}


@cache
def dutch() -> dict[str, str]:
    with CATALOG.open("rb") as handle:
        return {
            message.id: message.string
            for message in read_po(handle)
            if isinstance(message.id, str) and message.id and not message.fuzzy
        }


def _words(action: Action) -> list[str]:
    return [action.label, *([action.titled] if action.titled else [])]


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_every_action_has_plain_words(action: Action) -> None:
    assert action.label.strip(), f"{action.name} has no label"
    assert not PLACEHOLDER.search(action.label), "auditors read the label without a title"
    assert action.titled is None or PLACEHOLDER.findall(action.titled) == ["%(title)s"]


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_every_action_has_dutch_words(action: Action) -> None:
    for words in _words(action):
        translated = dutch().get(words)
        assert translated, f"no Dutch for {words!r}: run `make messages`, then translate"
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(words))
        assert translated != words, f"{words!r} is English in the Dutch catalog"


CODE = re.compile(r"\b[a-z]+\.[a-z_]+\b")


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_no_action_is_said_as_a_code(action: Action) -> None:
    """A code such as "audit.timeline" is not a word: no label, English or Dutch, shows one."""
    for words in _words(action):
        for said in (words, dutch().get(words, "")):
            assert not CODE.search(said), f"{action.name} says a code: {said!r}"


def test_a_stored_code_keeps_its_action() -> None:
    codes = [action.value for action in Action]
    assert len(codes) == len(set(codes))
    assert STORED_CODES - set(codes) == set(), "codes in the log that lost their action"
    assert all(re.fullmatch(r"[a-z]+\.[a-z_]+", code) and len(code) <= 60 for code in codes)


def test_looking_is_the_reading_of_content_or_names() -> None:
    assert {str(action) for action in READS} == {
        "dossier.open",
        "dossier.list",
        "dossier.export",
        "entry.list",
        "entry.read",
        "entry.history",
        "attachment.read",
        "plan.read",
        "plan.download",
    }


def test_the_log_takes_only_actions_of_the_vocabulary() -> None:
    assert Event(action=Action.ENTRY_READ).action == "entry.read"
    with pytest.raises(TypeError):
        Event(action="entry.read")  # a plain string, not an Action: the point of the test


def _enum_bodies(tree: ast.AST) -> set[int]:
    """Nodes inside other vocabularies (a notice kind may share a code with an action)."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            getattr(base, "id", None) in {"StrEnum", "Enum"} for base in node.bases
        ):
            inside |= {id(child) for child in ast.walk(node)}
    return inside


def test_no_action_is_written_as_a_literal() -> None:
    codes = {action.value for action in Action}
    found = []
    for path in sorted([*(ROOT / "dossier").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]):
        if path == ROOT / "dossier" / "actions.py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        skip = _enum_bodies(tree)
        found += [
            f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in codes and id(node) not in skip
        ]
    # In templates, a code next to `action` (notice kinds are a vocabulary of their own).
    quoted = re.compile(r"""['"]([a-z]+\.[a-z_]+)['"]""")
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            found += [
                f"{path.relative_to(ROOT)}:{number}: {code}"
                for code in quoted.findall(line)
                if code in codes and "action" in line
            ]
    assert found == [], "use the Action member instead:\n" + "\n".join(found)
