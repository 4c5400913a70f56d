"""A place's associated data, written out for speed, is exactly the canonical JSON of its context:
otherwise content sealed one way would not open the other, or two places could share bytes."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier import crypto
from dossier.services import sealed
from dossier.services.content import Place, Untrusted, open_text, seal_text

KEY = bytes(range(32))
OBJECT_TYPES = sorted(
    {kind.object_type for kind in vars(sealed).values() if isinstance(kind, sealed.SealedObject)}
)


@given(
    dossier_id=st.uuids(),
    section_id=st.none() | st.uuids(),
    object_type=st.sampled_from(OBJECT_TYPES),
    object_id=st.uuids(),
    version=st.integers(min_value=1, max_value=2**31),
    key_version=st.integers(min_value=0, max_value=2**31),
)
def test_the_written_out_place_is_the_canonical_context(
    dossier_id: uuid.UUID,
    section_id: uuid.UUID | None,
    object_type: str,
    object_id: uuid.UUID,
    version: int,
    key_version: int,
) -> None:
    place = Place(dossier_id, section_id, object_type, object_id, version, key_version)
    assert place.canonical == crypto.canonical(place.context())


def test_content_sealed_under_the_context_opens_at_its_place_and_nowhere_else() -> None:
    place = Place(uuid.uuid4(), uuid.uuid4(), "entry", uuid.uuid4(), 2, 3)
    blob = crypto.seal(
        KEY,
        b"Mijn tekst",
        kind=crypto.Kind.CONTENT,
        purpose="content/body",
        context=place.context(),
    )
    assert open_text(KEY, blob, place, "body") == "Mijn tekst"
    assert open_text(KEY, seal_text(KEY, "Terug", place, "title"), place, "title") == "Terug"
    moved = Place(place.dossier_id, place.section_id, "entry", place.object_id, 2, 4)
    with pytest.raises(Untrusted):
        open_text(KEY, blob, moved, "body")
