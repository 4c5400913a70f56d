"""Field rules shared by every use case that takes them, so pages and API refuse alike."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from dossier.consent import age_on
from dossier.errors import N_, InvalidInput

PASSWORD_MIN = 12
PASSWORD_MAX = 512
NAME_MAX = 100
ORGANISATION_MAX = 200
YOUTH_MIN_AGE = 12
YOUTH_MAX_AGE = 23

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_REGISTRATION = re.compile(r"^(?:(SKJ|BIG)\s*)?(\d{6,11})$")

# No field takes these: NUL and the other control characters (tab, newline and carriage return
# aside, so multi-line text keeps its lines), and lone surrogates, which are not text at all:
# PostgreSQL refuses NUL, and a surrogate cannot be encoded to be sealed, stored or sent.
_UNUSABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
UNUSABLE_TEXT = N_(
    "This contains a character that cannot be used, such as an invisible control character. "
    "Remove it and try again."
)
# Invisible in a name, yet they change how it reads: bidirectional controls (U+061C, U+200E,
# U+200F, U+202A-U+202E, U+2066-U+2069) and zero-width characters (U+200B-U+200D, U+2060,
# U+FEFF). With them, "Anne" could be shown where someone else's name is meant, in "Who looked?".
_DISGUISING = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
DISGUISED_NAME = N_(
    "This contains invisible characters, such as direction marks or zero-width spaces. "
    "Remove them: they can make a name look like someone else's."
)


class Errors:
    """Collects messages per field so a person sees every problem at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise InvalidInput(self.fields)


def usable(value: str) -> bool:
    """The one rule every text that comes in obeys, in every field, on pages and in the API."""
    return _UNUSABLE.search(value) is None


def email_key(value: str) -> str:
    """An address as it is stored and looked up: the same for every way it can be typed."""
    return unicodedata.normalize("NFC", (value or "").strip()).lower()


def email(value: str, errors: Errors, field: str = "email") -> str:
    cleaned = email_key(value)
    if not usable(cleaned):
        errors.add(field, UNUSABLE_TEXT)
    elif not cleaned:
        errors.add(field, N_("Fill in your e-mail address."))
    elif _DISGUISING.search(cleaned):
        errors.add(field, DISGUISED_NAME)
    elif len(cleaned) > 254 or not _EMAIL.match(cleaned):
        errors.add(
            field, N_("This does not look like an e-mail address, for example name@example.nl.")
        )
    return cleaned


def password(value: str, errors: Errors, field: str = "password", email_address: str = "") -> str:
    value = value or ""
    length = len(unicodedata.normalize("NFC", value))
    if not usable(value):
        errors.add(field, UNUSABLE_TEXT)
    elif length < PASSWORD_MIN:
        errors.add(
            field,
            N_(
                "This password is too short. "
                "Use at least 12 characters, a short sentence works well."
            ),
        )
    elif length > PASSWORD_MAX:
        errors.add(field, N_("This password is too long. Use at most 512 characters."))
    elif email_address and value.strip().lower() == email_address:
        errors.add(field, N_("Do not use your e-mail address as your password."))
    elif len(set(value)) < 4:
        errors.add(field, N_("This password is too easy to guess. Use more different characters."))
    return value


def text(value: str, errors: Errors, field: str, *, maximum: int, required_message: str) -> str:
    """One line of text: runs of white space, line breaks included, become one space."""
    cleaned = " ".join((value or "").split())
    if not usable(value or ""):
        errors.add(field, UNUSABLE_TEXT)
    elif not cleaned:
        errors.add(field, required_message)
    elif len(cleaned) > maximum:
        errors.add(field, N_("This is too long."))
    return cleaned


def name(value: str, errors: Errors, field: str, *, maximum: int, required_message: str) -> str:
    """A name people recognise someone by (a person, a dossier's subject, an organisation, a
    section): one line, in one normal form, and without characters that disguise it."""
    cleaned = text(
        unicodedata.normalize("NFC", value or ""),
        errors,
        field,
        maximum=maximum,
        required_message=required_message,
    )
    if _DISGUISING.search(cleaned):
        errors.add(field, DISGUISED_NAME)
    return cleaned


def youth_birth_date(value: date | None, today: date, errors: Errors) -> date | None:
    if value is None:
        errors.add("birth_date", N_("Fill in your date of birth."))
        return None
    if value > today:
        errors.add("birth_date", N_("This date is in the future."))
        return None
    age = age_on(value, today)
    if age < YOUTH_MIN_AGE:
        errors.add(
            "birth_date",
            N_(
                "You are younger than 12. "
                "A parent or guardian can make an account for your dossier."
            ),
        )
    elif age > YOUTH_MAX_AGE:
        errors.add(
            "birth_date",
            N_("Youth accounts are for people up to 23 years old. Register as a parent instead."),
        )
    return value


def registration_number(value: str, errors: Errors) -> str:
    cleaned = " ".join((value or "").upper().split())
    match = _REGISTRATION.match(cleaned.replace("-", ""))
    if not cleaned:
        errors.add("registration_number", N_("Fill in your SKJ or BIG registration number."))
        return cleaned
    if match is None:
        errors.add(
            "registration_number",
            N_("A registration number has 6 to 11 digits, for example SKJ 100012345."),
        )
        return cleaned
    register, digits = match.groups()
    return f"{register} {digits}" if register else digits
