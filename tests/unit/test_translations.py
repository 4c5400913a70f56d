"""Every text a person can see has a Dutch translation; the catalog in use is the compiled one."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "dossier" / "translations" / "nl" / "LC_MESSAGES"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "_l": None,
    "lazy_gettext": None,
}


def _key(value: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


def source_messages() -> set[str]:
    method_map = [("dossier/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.do"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_in_the_code_has_a_dutch_translation() -> None:
    with (CATALOG / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(source_messages() - translated)
    assert missing == [], "untranslated (run `make messages`, then translate):\n" + "\n".join(
        missing
    )


def test_the_compiled_catalog_matches_the_source_catalog() -> None:
    with (CATALOG / "messages.po").open("rb") as handle:
        source = {_key(m.id): _key(m.string) for m in read_po(handle) if m.id}
    with (CATALOG / "messages.mo").open("rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source, "messages.mo is stale: `make translations` compiles it"


def test_a_request_chooses_its_language_in_one_place() -> None:
    """Texts and dates come from the language a request looked up once (`dossier.edge.i18n`).
    Flask-Babel's own `gettext` would look it up again per text, and its `force_locale` or
    `refresh` would switch the language under that look-up: `speaking` is the way to do it."""
    import ast

    banned = {"gettext", "ngettext", "force_locale", "refresh"}
    found = []
    for path in sorted((ROOT / "dossier").rglob("*.py")):
        if path == ROOT / "dossier" / "edge" / "i18n.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask_babel":
                used = banned & {alias.name for alias in node.names}
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                used = banned & {node.attr} if node.value.id == "flask_babel" else set()
            else:
                continue
            found += [f"{path.relative_to(ROOT)}: {name}" for name in sorted(used)]
    assert found == []
