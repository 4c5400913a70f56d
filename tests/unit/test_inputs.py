"""What comes in at the edge: how deep JSON nests (counted, never parsed), which fields of a body
break the text rule, page cursors, and the file name a download carries."""

from __future__ import annotations

import base64
import importlib
import json
import pkgutil
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.edge.downloads import content_disposition
from dossier.edge.inputs import JSON_MAX_DEPTH, nesting, unusable_fields
from dossier.errors import InvalidInput
from dossier.services import paging

# JSON values whose strings are full of what could fool a bracket counter: brackets, quotes and
# backslashes.
tricky_text = st.text(alphabet=st.sampled_from('[]{}"\\ ax\n\u00e9'))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | tricky_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky_text, inner, max_size=3),
    max_leaves=30,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(item) for item in value.values()), default=0)
    return 0


@given(json_values, st.booleans())
def test_nesting_is_the_depth_of_the_json(value: Any, ascii_only: bool) -> None:
    assert nesting(json.dumps(value, ensure_ascii=ascii_only)) == depth(value)


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_a_thousand_deep_is_counted_without_recursion(opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = opener * 100_000 + "1" + closer * 100_000
    assert nesting(text) == 100_000 > JSON_MAX_DEPTH


def test_brackets_after_a_string_that_never_closes_are_counted_like_json_reads_them() -> None:
    # An unclosed string swallows the rest, as JSON would; escapes do not close it.
    assert nesting('["a\\"[[[[') == 1
    assert nesting('[["\\\\", [[[]]]]]') == 5


def test_every_bad_string_in_a_body_is_named_by_its_path() -> None:
    body = {
        "title": "ok",
        "body": "fine\n\twith lines",
        "name": "a\x00b",
        "section_ids": ["ok", "\ud800"],
        "nested": {"deeper": [{"x": "\x1b"}]},
        "bad\udc00key": "ok",
    }
    assert sorted(unusable_fields(body)) == [
        "_",
        "name",
        "nested.deeper.0.x",
        "section_ids.1",
    ]
    assert list(unusable_fields("\x00")) == ["_"]
    assert list(unusable_fields({"ok": [1, None, True, "text"]})) == []


# --- page cursors -------------------------------------------------------------------------------


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


ROW = "0b5c7e4e-55b5-4b8e-9a39-0f3c6a7b9d11"


def test_a_cursor_decodes_to_the_position_it_was_made_from() -> None:
    at = datetime(2026, 3, 14, 12, 30, tzinfo=UTC)
    row = uuid.UUID(ROW)
    assert paging.decode(paging.encode(at, row)) == (at, row)
    amsterdam = timezone(timedelta(hours=1))
    assert paging.decode(paging.encode(at.astimezone(amsterdam), row)) == (at, row)


@pytest.mark.parametrize(
    "cursor",
    [
        b64(f'["2026-03-14T12:30:00", "{ROW}"]'),  # a time without its zone
        b64(f'["2026-03-14", "{ROW}"]'),  # a date is midnight without a zone
        "not a cursor!",
        "é",
        b64("{}"),
        b64("[]"),
        b64("null"),
        b64('"2026-03-14T12:30:00+00:00"'),
        b64(f'["2026-03-14T12:30:00+00:00", "{ROW}", 3]'),
        b64('["2026-03-14T12:30:00+00:00", "not an id"]'),
        b64(f'[1, "{ROW}"]'),
        b64('["2026-03-14T12:30:00+00:00", 7]'),
        b64(f'["yesterday", "{ROW}"]'),
        b64("[" * 150),
        b64("\udcff".encode("utf-8", "surrogatepass").decode("latin-1")),
        "A" * (paging.CURSOR_MAX + 1),
    ],
)
def test_a_cursor_we_did_not_make_is_a_clear_422(cursor: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        paging.decode(cursor)
    assert list(refused.value.errors) == ["cursor"]


@given(st.text(max_size=300))
def test_no_cursor_text_escapes_as_anything_but_invalid_input(cursor: str) -> None:
    try:
        at, _row = paging.decode(cursor)
    except InvalidInput:
        return
    assert at.utcoffset() is not None


# --- the name a download carries ----------------------------------------------------------------

_FILENAME_STAR = re.compile(r"filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]+)$")
_FALLBACK = re.compile(r'^attachment; filename="([ -~]+)"; ')


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("brief — juni.pdf", "brief _ juni.pdf"),
        ("rekening €12.pdf", "rekening _12.pdf"),
        ("日本.pdf", "_.pdf"),
        ("Amélie.txt", "Amelie.txt"),
        ('say "hi" \\ bye.txt', "say _hi_ _ bye.txt"),
        ("plan.pdf", "plan.pdf"),
    ],
)
def test_a_download_names_the_file_in_utf8_with_an_ascii_fallback(name: str, fallback: str) -> None:
    header = content_disposition(name)
    assert header.isascii()
    assert _FALLBACK.match(header).group(1) == fallback
    assert unquote(_FILENAME_STAR.search(header).group(1)) == name


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_any_name_gives_a_header_that_can_be_sent_and_reads_back(name: str) -> None:
    header = content_disposition(name)
    assert header.isascii() and "\n" not in header and "\r" not in header
    assert _FALLBACK.match(header)
    assert unquote(_FILENAME_STAR.search(header).group(1)) == name


def test_every_page_form_applies_the_text_rule() -> None:
    from flask_wtf import FlaskForm

    import dossier.web
    from dossier.web.forms import Form

    for module in pkgutil.iter_modules(dossier.web.__path__, "dossier.web."):
        importlib.import_module(module.name)

    def subclasses(cls: type) -> list[type]:
        return [cls, *(sub for direct in cls.__subclasses__() for sub in subclasses(direct))]

    ours = [cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("dossier.")]
    assert len(ours) > 20
    assert [cls.__name__ for cls in ours if not issubclass(cls, Form)] == []
