"""The fast response dumper gives exactly what marshmallow gives, for every response schema,
with values present, absent and None, and objects as well as dicts."""

from __future__ import annotations

import inspect
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from marshmallow import Schema, fields

from dossier import schemas
from dossier.api.serialize import dumper

SCHEMAS = [
    cls
    for _name, cls in inspect.getmembers(schemas, inspect.isclass)
    if issubclass(cls, Schema) and cls.__module__ == schemas.__name__
]


def sample(field: fields.Field, variant: int) -> Any:
    if variant == 1 and field.allow_none:
        return None
    if isinstance(field, fields.Nested):
        return build(field.nested, variant)
    if isinstance(field, fields.List):
        return [sample(field.inner, variant), sample(field.inner, 0)]
    if isinstance(field, fields.UUID):
        return uuid.uuid4() if variant != 2 else str(uuid.uuid4()).upper()
    if isinstance(field, fields.AwareDateTime | fields.DateTime):
        return datetime(2026, 11, 22, 10, 5, 7, 123456, tzinfo=UTC)
    if isinstance(field, fields.Date):
        return date(2012, 3, 14)
    if isinstance(field, fields.Dict):
        return Payload(veld=["melding"])
    if isinstance(field, fields.Boolean):
        return variant != 2
    if isinstance(field, fields.Integer):
        return 42 + variant
    return f"tekst {variant} é"


def build(schema: type[Schema], variant: int) -> Any:
    """An object shaped as the schema reads it, following dotted attributes."""
    root: dict[str, Any] = {}
    for index, (name, field) in enumerate(schema().dump_fields.items()):
        if variant == 3 and index % 3 == 0:
            continue  # absent attributes are left out of the output
        path = (field.attribute or name).split(".")
        target = root
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = sample(field, variant)
    return root if variant == 2 else _namespace(root)


class Payload(dict):
    """A value that is itself a mapping, not an object to build."""


def _namespace(value: Any) -> Any:
    if isinstance(value, dict) and not isinstance(value, Payload):
        return SimpleNamespace(**{key: _namespace(inner) for key, inner in value.items()})
    return value


@pytest.mark.parametrize("variant", [0, 1, 2, 3])
@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__name__)
def test_the_fast_dump_equals_marshmallow(schema: type[Schema], variant: int) -> None:
    obj = build(schema, variant)
    assert dumper(schema)(obj) == schema().dump(obj)


def test_only_schemas_with_free_form_fields_fall_back_to_marshmallow() -> None:
    fallen_back = {
        schema.__name__
        for schema in SCHEMAS
        if inspect.ismethod(dumper(schema)) and isinstance(dumper(schema).__self__, Schema)
    }
    assert fallen_back == {"Problem"}  # `errors` maps fields to messages
