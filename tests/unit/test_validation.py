"""Field rules that pages and API share."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.consent import age_on
from dossier.errors import InvalidInput
from dossier.services import validation


def errors_of(check) -> dict[str, list[str]]:
    errors = validation.Errors()
    check(errors)
    try:
        errors.raise_if_any()
    except InvalidInput as error:
        return error.errors
    return {}


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short one", "too short"),
        ("elevenchars", "too short"),
        ("aaaaaaaaaaaaaaa", "too easy"),
        ("x" * 513 + "abcd", "too long"),
        ("sanne@example.nl", "e-mail address"),
    ],
)
def test_passwords_are_refused_with_the_reason(password: str, fragment: str) -> None:
    found = errors_of(lambda e: validation.password(password, e, email_address="sanne@example.nl"))
    assert fragment in found["password"][0]


def test_twelve_characters_are_enough() -> None:
    assert errors_of(lambda e: validation.password("twelve chars", e)) == {}


@pytest.mark.parametrize(
    "address", ["", "sanne", "sanne@", "@example.nl", "sanne@example", "a b@c.nl"]
)
def test_bad_email_addresses(address: str) -> None:
    assert "email" in errors_of(lambda e: validation.email(address, e))


def test_email_is_trimmed_and_lowercased() -> None:
    errors = validation.Errors()
    assert validation.email("  Sanne@Example.NL ", errors) == "sanne@example.nl"


@pytest.mark.parametrize(
    ("born", "ok"),
    [
        (date(2014, 11, 23), False),  # 11, twelve tomorrow
        (date(2014, 11, 22), True),  # 12 today
        (date(2003, 11, 22), True),  # 23 today
        (date(2002, 11, 22), False),  # 24
        (date(2027, 1, 1), False),  # future
        (None, False),
    ],
)
def test_youth_age_band(born: date | None, ok: bool) -> None:
    today = date(2026, 11, 22)
    assert (errors_of(lambda e: validation.youth_birth_date(born, today, e)) == {}) is ok


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("SKJ 100012345", "SKJ 100012345"),
        ("skj100012345", "SKJ 100012345"),
        ("19012345601", "19012345601"),
        ("BIG 190-123-456-01", "BIG 19012345601"),
    ],
)
def test_registration_numbers_are_normalized(raw: str, stored: str) -> None:
    errors = validation.Errors()
    assert validation.registration_number(raw, errors) == stored
    assert not errors.fields


@pytest.mark.parametrize("raw", ["", "12345", "SKJ", "ABC 123456", "123456789012"])
def test_bad_registration_numbers(raw: str) -> None:
    assert "registration_number" in errors_of(lambda e: validation.registration_number(raw, e))


def test_age_on_birthday() -> None:
    assert age_on(date(2010, 3, 1), date(2026, 2, 28)) == 15
    assert age_on(date(2010, 3, 1), date(2026, 3, 1)) == 16


# --- the text rule every field obeys ------------------------------------------------------------

UNUSABLE = (
    [chr(code) for code in range(0x00, 0x20) if chr(code) not in "\t\n\r"]
    + [chr(code) for code in range(0x7F, 0xA0)]
    + ["\ud800", "\udbff", "\udc00", "\udfff"]
)
LIMITS = {"maximum": 100, "required_message": "Fill in a name."}
# Bidirectional controls and zero-width characters: invisible, yet they change how a name reads.
DISGUISES = [
    "\u061c",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2060",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\ufeff",
]
# Letters, digits, punctuation, symbols and spaces of every script, and the line breaks and tabs
# multi-line text keeps: no control characters (Cc) and no surrogates (Cs).
clean_text = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cc", "Cs")), st.sampled_from(["\t", "\n", "\r"])
    )
)


@given(before=clean_text, bad=st.sampled_from(UNUSABLE), after=clean_text)
def test_any_text_with_a_control_character_or_a_surrogate_is_unusable(
    before: str, bad: str, after: str
) -> None:
    assert not validation.usable(before + bad + after)


@given(clean_text)
def test_any_text_without_them_is_usable(value: str) -> None:
    assert validation.usable(value)


@pytest.mark.parametrize("bad", UNUSABLE)
@pytest.mark.parametrize(
    ("field", "check"),
    [
        ("email", lambda v, e: validation.email(f"sanne{v}@example.nl", e)),
        ("password", lambda v, e: validation.password(f"a long password{v}", e)),
        ("display_name", lambda v, e: validation.name(f"San{v}ne", e, "display_name", **LIMITS)),
        ("title", lambda v, e: validation.text(f"Plan{v}", e, "title", **LIMITS)),
    ],
)
def test_every_field_rule_refuses_unusable_text(bad: str, field: str, check) -> None:
    assert errors_of(lambda e: check(bad, e)) == {field: [validation.UNUSABLE_TEXT]}


@pytest.mark.parametrize("disguise", DISGUISES)
@pytest.mark.parametrize("where", ["Anne{}", "{}Anne", "An{}ne"])
def test_names_with_a_bidi_control_or_a_zero_width_character_are_refused(
    disguise: str, where: str
) -> None:
    value = where.format(disguise)
    found = errors_of(lambda e: validation.name(value, e, "display_name", **LIMITS))
    assert found == {"display_name": [validation.DISGUISED_NAME]}


@pytest.mark.parametrize("disguise", DISGUISES)
def test_email_addresses_with_them_are_refused(disguise: str) -> None:
    found = errors_of(lambda e: validation.email(f"anne{disguise}@example.nl", e))
    assert found == {"email": [validation.DISGUISED_NAME]}


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"))))
def test_a_name_has_one_form_however_it_is_typed(value: str) -> None:
    def stored(typed: str) -> str:
        errors = validation.Errors()
        return validation.name(typed, errors, "name", maximum=10_000, required_message="?")

    composed = stored(unicodedata.normalize("NFC", value))
    assert composed == stored(unicodedata.normalize("NFD", value))
    assert composed == unicodedata.normalize("NFC", composed)


def test_a_name_typed_decomposed_is_stored_composed() -> None:
    errors = validation.Errors()
    assert validation.name("Ame\u0301lie", errors, "display_name", **LIMITS) == "Amélie"
    assert not errors.fields


def test_an_email_address_has_one_form_however_it_is_typed() -> None:
    assert validation.email_key(" AME\u0301LIE@Example.NL ") == "amélie@example.nl"
    assert validation.email_key("amélie@example.nl") == "amélie@example.nl"


def test_one_line_fields_fold_line_breaks_and_tabs_into_spaces() -> None:
    errors = validation.Errors()
    assert validation.text("Plan\nfor\tMay", errors, "title", **LIMITS) == "Plan for May"
    assert not errors.fields
