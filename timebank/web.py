"""The one way a request runs (docs/architecture.md).

A route parses its input, loads what it needs, and hands **one** service call to ``run``:
``run`` opens the transaction and commits once (``database.transaction``, which also
delivers the mail the work queued, after the commit and only then); it flashes the
translated success, or puts the service's ``DomainError`` next to its form field (a flash
when no field fits) so the page re-renders with what the user typed. Services never see
the request: the route passes ``actor()``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import Flask, abort, current_app, flash, redirect, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from timebank.database import transaction
from timebank.extensions import MAX_PAGE, db, limiter
from timebank.forms import StatementPeriodForm, int_or_none
from timebank.models import Community, ListingKind, Membership, User
from timebank.services.exceptions import DomainError
from timebank.services.languages import SPOKEN_LANGUAGES
from timebank.services.ledger import member_statement
from timebank.services.listings import search
from timebank.services.messaging import mail

T = TypeVar("T")
MAX_QUERY_LENGTH = 200
_HIDDEN_FIELDS = ("HiddenField", "CSRFTokenField")


def actor() -> User:
    """The signed-in user, as the explicit ``actor`` every service takes."""
    return current_user._get_current_object()


def scoped_or_404(model: type[T], community: Community, object_id: int) -> T:
    """The object with this id in ``community``; 404 for another community's (DESIGN §3)."""
    item = db.session.get(model, object_id)
    if item is None or getattr(item, "community_id", None) != community.id:
        abort(404)
    return item


def page_number() -> int:
    """The ``page`` query argument (1 when absent or not a positive whole number; at most
    ``MAX_PAGE``, so no offset overflows the database's integers)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def place_error(form: Any, error: DomainError, aliases: Mapping[str, str] | None = None) -> None:
    """Put a service's message next to the field it names (``aliases`` maps a service's
    field name to the form's); a flash when no visible field fits."""
    name = (aliases or {}).get(error.field or "", error.field)
    field = getattr(form, name, None) if (form is not None and name) else None
    if field is None or field.type in _HIDDEN_FIELDS:
        flash(error.message, "error")
        return
    field.errors = [*list(field.errors or []), error.message]


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What ``run`` did: truthy when the work was committed."""

    value: T | None = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is None


def run(
    work: Callable[[], T],
    *,
    form: Any = None,
    success: str | Callable[[T], str] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> Outcome[T]:
    """Run ``work`` in one transaction (commit, then the mail it queued). On success flash
    ``success`` (a message, or a function of the result); on a ``DomainError`` nothing is
    saved and the message goes next to its field of ``form`` (or is flashed)."""
    try:
        value = transaction(work)
    except DomainError as error:
        place_error(form, error, aliases)
        return Outcome(error=error)
    if success is not None:
        flash(success(value) if callable(success) else success, "success")
    return Outcome(value=value)


def act(work: Callable[[], Any], success: str, back: str) -> Response:
    """A button that needs no form of its own: ``run`` it, then go back to ``back``."""
    run(work, success=success)
    return redirect(back)


def statement_page(community: Community, membership: Membership) -> tuple[str, int]:
    """A member's printable statement for the days in the query string (the console's and
    a proxy's page): the postings with the opening and closing balances; 400 with the
    field's message, and no postings, for dates that cannot be used."""
    form = StatementPeriodForm(formdata=request.args)
    period = form.period() if request.args else (None, None)
    page = render_template(
        "console/statement.html",
        community=community,
        m=membership,
        form=form,
        statement=(
            member_statement.statement(membership, start=period[0], end=period[1])
            if period
            else None
        ),
    )
    return page, 200 if period else 400


def init_app(app: Flask) -> None:
    """Let e-mail links written while serving a page name the address the site was reached
    at (``mail.site_address``), for installations without ``TIMEBANK_PUBLIC_URL`` (only
    in development: that address is then a loopback name or one of ``EXTRA_HOSTS``)."""

    @app.before_request
    def _site_address() -> None:
        mail.site_address.set(request.host_url)

    @app.teardown_request
    def _forget_site_address(_exc: BaseException | None) -> None:
        mail.site_address.set("")


def search_filters() -> search.Filters:
    """The search-and-filter form's values from the query string (browse and directory).
    A facet that is not one of the form's choices (a category that is not an id by the
    shared rule, an unknown type or language) is ``unreadable``: it matches nothing."""
    args = request.args
    kind, category, language = args.get("kind"), args.get("category"), args.get("language")
    unreadable = {
        name
        for name, wrong in (
            ("kind", kind and kind not in {k.value for k in ListingKind}),
            ("category", category and int_or_none(category) is None),
            ("language", language and language not in SPOKEN_LANGUAGES),
        )
        if wrong
    }
    return search.Filters(
        q=args.get("q", "")[:MAX_QUERY_LENGTH].strip(),
        kind=kind or None,
        category_id=int_or_none(category),
        neighbourhood=(args.get("neighbourhood", "")[:80].strip() or None),
        language=language if language in SPOKEN_LANGUAGES else None,
        unreadable=frozenset(unreadable),
    )


def limited_sending(view):
    """Sending messages is rate-limited per sender (proxies replying for a member too)."""
    return limiter.limit(
        _message_limit,
        methods=["POST"],
        key_func=_sender_key,
        deduct_when=lambda response: response.status_code == 302,
    )(view)


def _sender_key() -> str:
    return f"message-sender:{current_user.id}" if current_user.is_authenticated else "anonymous"


def _message_limit() -> str:
    return current_app.config["MESSAGE_RATE_LIMIT"]
