"""The Dutch texts keep to the word list (dossier/translations/nl/words.toml): one word for each
thing, no office words, no English codes, roles in lower case, and short, easy sentences for
what a young person reads. Run with `-s` to see the readability score."""

from __future__ import annotations

import ast
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import textstat
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.unit.test_translations import CATALOG, KEYWORDS, ROOT

WORDS = ROOT / "dossier" / "translations" / "nl" / "words.toml"
# Pages and messages only staff or programs read: the auditor's console, the administrator's
# check of professionals, and the API. Every other message may reach a young person.
STAFF_ONLY = (
    "templates/admin/",
    "templates/audit/console.html",
    "dossier/web/admin.py",
    "dossier/web/audit.py",
    "dossier/services/audit_views.py",
    "dossier/api/",
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
SENTENCE_END = re.compile(r"(?<=[.?!:…])\s+")


@cache
def word_list() -> dict[str, Any]:
    with WORDS.open("rb") as handle:
        return tomllib.load(handle)


@cache
def catalog() -> dict[str, tuple[str, ...]]:
    """English message id -> its Dutch texts (both forms of a plural)."""
    with (CATALOG / "messages.po").open("rb") as handle:
        messages = read_po(handle)
    return {
        message.id if isinstance(message.id, str) else message.id[0]: (
            tuple(message.string) if isinstance(message.string, tuple) else (message.string,)
        )
        for message in messages
        if message.id
    }


@cache
def english_texts() -> dict[str, tuple[str, ...]]:
    """English message id -> its English texts (both forms of a plural)."""
    with (CATALOG / "messages.po").open("rb") as handle:
        messages = read_po(handle)
    return {
        message.id if isinstance(message.id, str) else message.id[0]: (
            tuple(message.id) if isinstance(message.id, tuple) else (message.id,)
        )
        for message in messages
        if message.id
    }


@cache
def young_persons_messages() -> frozenset[str]:
    """Message ids used anywhere outside the staff-only pages and the API."""
    places: dict[str, set[str]] = defaultdict(set)
    for path, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=[("dossier/**.py", "python"), ("templates/**.html", "jinja2")],
        options_map={"templates/**.html": {"extensions": "jinja2.ext.do"}},
        keywords=KEYWORDS,
    ):
        places[message if isinstance(message, str) else message[0]].add(path)
    return frozenset(
        message
        for message, paths in places.items()
        if any(not path.startswith(STAFF_ONLY) for path in paths)
    )


def has(text: str, phrase: str) -> bool:
    """A whole word or phrase, in any case: 'kant' is not in 'kantoor', 'eigenaar' not in
    'mede-eigenaar'."""
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text, re.IGNORECASE) is not None


def readable(text: str) -> str:
    """A Dutch text as a reader sees it: a name where a placeholder stands."""
    return PLACEHOLDER.sub("Sam", text).strip()


def sentences_for_a_young_person() -> Iterator[tuple[str, str]]:
    """(message id, sentence) for every sentence a young person may read. Labels and buttons
    ("Opslaan", "Mijn kant") are not sentences: a text counts when it ends like one."""
    for message, texts in catalog().items():
        if message not in young_persons_messages():
            continue
        for text in map(readable, texts):
            if re.search(r"[.?!]$", text):
                for sentence in SENTENCE_END.split(text):
                    yield message, sentence


def words_in(sentence: str) -> int:
    return sum(1 for word in sentence.split() if re.search(r"\w", word))


def dutch_in_the_code() -> Iterator[tuple[str, str]]:
    """(place, text) for every string written in the package's Python: the e-mails, the
    notice subjects and any other Dutch text that does not go through the catalog."""
    for path in sorted((ROOT / "dossier").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node.value


def test_the_word_list_has_what_the_tests_read() -> None:
    words = word_list()
    assert len(words["term"]) >= 10 and len(words["banned"]) >= 10
    for term in words["term"]:
        assert term["english"] and term["dutch"] and term["why"], term
        assert all(message in catalog() for message in term.get("except", [])), term
    for banned in words["banned"]:
        assert banned["words"] and banned["use"] and banned["why"], banned
    # A word cannot be both the word for a thing and a banned one.
    allowed = {word.lower() for term in words["term"] for word in term["dutch"]}
    banned_words = {word.lower() for banned in words["banned"] for word in banned["words"]}
    assert allowed & banned_words == set()


def test_every_message_has_a_dutch_text() -> None:
    empty = sorted(message for message, texts in catalog().items() if not all(texts))
    assert empty == [], "no Dutch text yet:\n" + "\n".join(empty)


def test_no_office_word_in_the_catalog() -> None:
    found = [
        f"{word!r} (write: {banned['use']}) in {message!r}: {text!r}"
        for banned in word_list()["banned"]
        for word in banned["words"]
        for message, texts in catalog().items()
        for text in texts
        if has(text, word)
    ]
    assert found == [], "\n".join(found)


def test_no_office_word_in_the_dutch_of_the_code() -> None:
    """E-mails and notice subjects are written in Dutch in the code; they follow the same list.
    English code and comments never hold these Dutch words, so every string is checked."""
    found = [
        f"{place}: {word!r} (write: {banned['use']}) in {text!r}"
        for place, text in dutch_in_the_code()
        for banned in word_list()["banned"]
        for word in banned["words"]
        if has(text, word)
    ]
    assert found == [], "\n".join(found)


def test_no_english_code_left_in_a_dutch_text() -> None:
    found = [
        f"{word!r} in {message!r}: {text!r}"
        for word in word_list()["english"]["words"]
        for message, texts in catalog().items()
        for text in texts
        if has(text, word)
    ]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("term", word_list()["term"], ids=lambda term: term["english"][0])
def test_each_thing_has_one_dutch_word(term: dict[str, Any]) -> None:
    """Where the English names the thing, the Dutch names it with the word on the list."""
    found = []
    for message, texts in catalog().items():
        if message in term.get("except", []):
            continue
        english = [readable(text) for text in english_texts()[message]]
        said = any(has(text, word) for text in english for word in term["english"])
        other = any(has(text, word) for text in english for word in term.get("never_for", []))
        for text in map(readable, texts):
            says = any(has(text, word) for word in term["dutch"])
            if said and not says:
                found.append(f"say {' / '.join(term['dutch'])} in {message!r}: {text!r}")
            elif other and says:
                found.append(f"not {' / '.join(term['dutch'])} in {message!r}: {text!r}")
    assert found == [], "\n".join(found)


def test_roles_are_lower_case_in_the_middle_of_a_sentence() -> None:
    roles = word_list()["roles"]["words"]
    found = []
    for message, texts in catalog().items():
        for text in texts:
            for role in roles:
                for match in re.finditer(rf"(?<![\w-]){role.capitalize()}(?![\w-])", text):
                    before = text[: match.start()].rstrip(" '\"“")
                    if before and not re.search(r"[.?!:]$", before):
                        found.append(f"{role!r} in {message!r}: {text!r}")
    assert found == [], "\n".join(found)


def test_sentences_for_a_young_person_are_short() -> None:
    limit = word_list()["sentences"]["max_words"]
    long = [
        f"{words_in(sentence)} words: {sentence!r} (in {message!r})"
        for message, sentence in sentences_for_a_young_person()
        if words_in(sentence) > limit
    ]
    assert long == [], f"split these in sentences of at most {limit} words:\n" + "\n".join(long)


def test_what_a_young_person_reads_is_easy_to_read(capsys: pytest.CaptureFixture[str]) -> None:
    """Flesch-Douma over every sentence she may read, as one text: it falls when sentences grow
    long or words grow heavy."""
    text = " ".join(sentence for _message, sentence in sentences_for_a_young_person())
    textstat.set_lang("nl")
    score = textstat.flesch_reading_ease(text)
    floor = word_list()["readability"]["min_score"]
    with capsys.disabled():
        print(f"\nFlesch-Douma of what a young person reads: {score:.1f} (floor {floor})")
    assert score >= floor, f"reading ease {score:.1f} fell below {floor}: shorten sentences"
