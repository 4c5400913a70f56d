"""Field rules that pages and API share."""

from __future__ import annotations

from datetime import date

import pytest

from dossier.consent import age_on
from dossier.errors import InvalidInput
from dossier.services import validation


def errors_of(check) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
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
