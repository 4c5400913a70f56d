"""Response bodies from service results, by the response schemas, without marshmallow's cost.

marshmallow's `dump` sends every value of every field through generic machinery, which is most
of the time a page of 50 entries spends in the API layer. The response schemas use a handful of
plain field types, so each schema is compiled once into a list of getters and converters with the
same results; a schema using anything else is dumped by marshmallow itself. The schemas stay the
single description of the API (OpenAPI is built from them), and a test holds both ways of
dumping to the same output for every response schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from marshmallow import Schema, fields

Convert = Callable[[Any], Any]
_MISSING = object()
_DATES = (fields.DateTime, fields.Date)


@cache
def dumper(schema: type[Schema]) -> Callable[[Any], dict[str, Any]]:
    """A function with the result of `schema().dump(obj)`."""
    instance = schema()
    compiled: list[tuple[str, str, Convert, Convert]] = []
    for name, field in instance.dump_fields.items():
        if isinstance(field, fields.Constant):
            compiled.append((field.data_key or name, "", _always(field.constant), _identity))
            continue
        convert = _converter(field)
        if convert is None:
            return instance.dump
        path = field.attribute or name
        compiled.append((field.data_key or name, path, _getter(path), convert))

    def by_getters(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, _path, get, convert in compiled:
            value = get(obj)
            if value is _MISSING:
                continue
            out[key] = None if value is None else convert(value)
        return out

    return _written_out(schema.__name__, compiled, by_getters)


def _written_out(
    name: str,
    compiled: list[tuple[str, str, Convert, Convert]],
    by_getters: Callable[[Any], dict[str, Any]],
) -> Callable[[Any], dict[str, Any]]:
    """The same dump as straight-line code for objects with attributes, which is what services
    return: a page of 50 entries dumps 50 cards and their authors, and a loop over getters spent
    most of its time finding out, field by field, what kind of object it had. Mappings, and
    attributes reached through dots, keep to the getters."""
    names: dict[str, Any] = {"MISSING": _MISSING, "Mapping": Mapping, "by_getters": by_getters}
    lines = [
        "def dump(obj):",
        "    if isinstance(obj, Mapping):",
        "        return by_getters(obj)",
        "    out = {}",
    ]
    for index, (key, path, get, convert) in enumerate(compiled):
        names[f"get{index}"], names[f"convert{index}"] = get, convert
        if not path or "." in path:
            lines.append(f"    value = get{index}(obj)")
        else:
            lines.append(f"    value = getattr(obj, {path!r}, MISSING)")
        lines.append("    if value is not MISSING:")
        if convert is _identity:
            lines.append(f"        out[{key!r}] = value")
        else:
            lines.append(f"        out[{key!r}] = None if value is None else convert{index}(value)")
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<dumper {name}>", "exec"), names)  # noqa: S102 - our own source
    dump: Callable[[Any], dict[str, Any]] = names["dump"]
    return dump


def _identity(value: Any) -> Any:
    return value


def _always(constant: Any) -> Convert:
    return lambda _obj: constant


def _getter(path: str) -> Callable[[Any], Any]:
    names = path.split(".")

    def get(obj: Any) -> Any:
        for name in names:
            if obj is None:
                return None
            if isinstance(obj, Mapping):
                obj = obj.get(name, _MISSING)
            else:
                obj = getattr(obj, name, _MISSING)
            if obj is _MISSING:
                return _MISSING
        return obj

    return get


def _converter(field: fields.Field) -> Convert | None:
    """How marshmallow serialises a value that is not None, or None when not one of ours."""
    kind = type(field)
    if kind in (fields.String, fields.UUID):
        return str
    if type(field) is fields.Integer and not field.strict:
        return int
    if isinstance(field, fields.Boolean) and kind._serialize is fields.Boolean._serialize:
        truthy, falsy = field.truthy, field.falsy
        return lambda value: True if value in truthy else False if value in falsy else bool(value)
    if kind in (fields.AwareDateTime, fields.DateTime, fields.NaiveDateTime, fields.Date):
        if isinstance(field, _DATES) and field.format in (None, "iso"):
            if kind is fields.NaiveDateTime:
                return None
            return lambda value: value.isoformat()
        return None
    if type(field) is fields.Nested:
        nested = field.nested
        if not (isinstance(nested, type) and issubclass(nested, Schema)):
            return None
        if field.many or field.only or field.exclude:
            return None
        return dumper(nested)
    if type(field) is fields.List:
        inner = _converter(field.inner)
        if inner is None:
            return None
        return lambda values: [None if value is None else inner(value) for value in values]
    return None
