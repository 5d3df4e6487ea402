"""Domain errors. Each carries a translatable message a user can read, and optionally the
form field it belongs to."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    status_code = 400
    default_message = _l("This action could not be completed.")

    def __init__(self, message=None, *, field: str | None = None):
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))


class NotAllowed(DomainError):
    status_code = 403
    default_message = _l("You are not allowed to do this.")


class NotFound(DomainError):
    status_code = 404
    default_message = _l("This page does not exist.")


class InvalidInput(DomainError):
    default_message = _l("Please correct the highlighted fields.")


class AlreadyDecided(DomainError):
    status_code = 409
    default_message = _l("This has already been decided by someone else.")


class Conflict(DomainError):
    status_code = 503
    default_message = _l("The system is busy. Nothing was changed; please try again.")


class LoginFailed(DomainError):
    status_code = 200
    default_message = _l(
        "The e-mail address or password is not correct, or the account is "
        "temporarily locked. Please try again later."
    )


class LimitExceeded(DomainError):
    status_code = 409
    account_id: int | None = None  # the account whose limit would be crossed, when known
    default_message = _l(
        "This would take a balance beyond its limit. Nothing was changed; a coordinator "
        "can review the limits."
    )
