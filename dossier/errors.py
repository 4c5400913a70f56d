"""Domain exceptions, raised by services and translated once at the edge.

Messages are English message ids; the edge translates them for the reader. `N_` marks them for
extraction without importing any i18n machinery here.
"""

from __future__ import annotations

from collections.abc import Mapping


def N_(message: str) -> str:
    """Mark a message for translation; the edge translates it when it is shown."""
    return message


class DomainError(Exception):
    """Base of everything a service may raise on purpose."""

    status = 400
    title = N_("The request could not be handled.")

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


class InvalidInput(DomainError):
    """One or more fields are wrong; `errors` maps each field to its messages."""

    status = 422
    title = N_("Some fields need another look.")

    def __init__(self, errors: Mapping[str, list[str]], detail: str | None = None) -> None:
        super().__init__(detail)
        self.errors = {name: list(messages) for name, messages in errors.items()}


class MalformedRequest(DomainError):
    """The request cannot be read as sent, whatever its fields say: for instance JSON nested
    deeper than any of our requests ever is."""

    status = 400
    title = N_("The request is malformed.")


class InvalidCredentials(DomainError):
    """Wrong e-mail, password or recovery code: one message that reveals nothing more."""

    status = 401
    title = N_("That e-mail address and password do not match an account.")


class SecondFactorNeeded(DomainError):
    """The password was right; a second step is needed. `token` continues this login only."""

    status = 401
    title = N_("Your password is right. Now give the code from your app, or use your passkey.")

    def __init__(self, token: str, kinds: tuple[str, ...], detail: str | None = None) -> None:
        super().__init__(detail)
        self.token = token
        self.kinds = kinds


class SecondFactorSetupNeeded(DomainError):
    """Someone who must log in in two steps has no second step yet: only setting one up works."""

    status = 403
    title = N_("First set up a second step for logging in, on your account page.")


class NotAuthenticated(DomainError):
    status = 401
    title = N_("Please log in first.")


class AccessDenied(DomainError):
    """Logged in, and the caller may know the object exists, but may not do this."""

    status = 403
    title = N_("You are not allowed to do this.")


class NotFound(DomainError):
    """Absent, or present but not for this caller's eyes."""

    status = 404
    title = N_("This could not be found.")


class Conflict(DomainError):
    status = 409
    title = N_("This conflicts with what is already there.")


class Gone(DomainError):
    """Something that worked once and never will again, such as a used or expired link."""

    status = 410
    title = N_("This link no longer works.")


class DossierKeyGone(DomainError):
    """The dossier's secret outside the database is gone: it was destroyed, and what is left of
    it (an old backup, say) can never be opened again."""

    status = 410
    title = N_("This dossier was destroyed. It can no longer be opened.")


class Unavailable(DomainError):
    """A passing state: nothing was changed, and the same request may well succeed in a moment
    (the edge says when, with `Retry-After`)."""

    status = 503
    title = N_("It is busy right now. Try again in a moment.")


class DatabaseUnavailable(Unavailable):
    """The database is locked past the timeout, read-only, full or out of reach; the unit of
    work was rolled back whole."""

    title = N_(
        "Nothing can be saved or read right now. Nothing was changed. Try again in a few minutes."
    )


class ServerKeysMissing(RuntimeError):
    """The server keys in keys/ are absent or unreadable; the app refuses to start."""
