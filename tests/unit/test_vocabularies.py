"""Each vocabulary is defined once; what shows or accepts its words derives from it, or is held
complete against it here, so a new word cannot reach a page without a label or the API without
being accepted."""

from __future__ import annotations

from dossier.models import ChangeKind, EntryKind, Permission, Relation, Role
from dossier.schemas import (
    AccountCreate,
    ChangeOut,
    Decision,
    EntryCreate,
    GrantCreate,
    InvitationCreate,
)
from dossier.services import accounts
from dossier.web.blueprint import KIND_LABELS, RELATION_LABELS, ROLE_LABELS


def _accepted(schema: type, field: str) -> set[str]:
    return set(schema().fields[field].validate.choices)


def test_every_word_has_a_label_on_the_pages() -> None:
    assert set(KIND_LABELS) == set(EntryKind)
    assert set(ROLE_LABELS) == set(Role)
    assert set(RELATION_LABELS) == set(Relation)
    assert all(KIND_LABELS.values()) and all(ROLE_LABELS.values()) and all(RELATION_LABELS.values())


def test_the_api_accepts_exactly_the_words_of_each_vocabulary() -> None:
    assert _accepted(EntryCreate, "kind") == set(EntryKind)
    assert _accepted(GrantCreate, "permission") == set(Permission)
    assert _accepted(InvitationCreate, "relation") == set(Relation)
    assert _accepted(AccountCreate, "role") == set(accounts.SELF_REGISTERED_ROLES)
    for schema in (Decision, ChangeOut):
        described = schema().fields["kind"].metadata["description"].replace(",", " ").split()
        assert set(ChangeKind) <= set(described)
