from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from timebank.forms import Form, NoControlCharacters, new_key, options, time_spent_field
from timebank.models import Listing, ListingKind, Membership
from timebank.services.messaging import conversations


def exchange_key() -> str:
    """A fresh idempotency key for an exchange recorded from a conversation."""
    return f"conv-{new_key()}"


class ReportForm(Form):
    reason = TextAreaField(
        _l("What is wrong?"),
        description=_l("Only the coordinators read this."),
        validators=[
            DataRequired(message=_l("Say what is wrong.")),
            Length(max=conversations.MAX_REASON),
            NoControlCharacters(multiline=True),
        ],
    )


class ExchangeForm(Form):
    # Generated when the form is shown: submitting twice records one exchange.
    idempotency_key = HiddenField(default=exchange_key)
    direction = RadioField(
        _l("Who gave the help?"),
        choices=options([("gave", _l("I gave the help")), ("received", _l("I received it"))]),
        validators=[InputRequired(message=_l("Say who gave the help."))],
    )
    service_date = DateField(
        _l("Date"), validators=[InputRequired(message=_l("Enter the date of the service."))]
    )
    minutes = time_spent_field()
    description = TextAreaField(
        _l("What was done (optional)"),
        validators=[Length(max=2000), NoControlCharacters(multiline=True)],
    )

    def prefill(self, listing: Listing | None, me: Membership | None) -> None:
        """From the conversation's listing: who gave the help (the offer's owner, or the
        one who answered a request) and its title as the description."""
        if listing is None:
            return
        mine = me is not None and listing.owner_id == me.id
        offer = listing.kind == ListingKind.OFFER
        self.direction.data = "gave" if mine == offer else "received"
        self.description.data = listing.title
