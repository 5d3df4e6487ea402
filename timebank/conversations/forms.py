from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from timebank.forms import Form, NoControlCharacters, options
from timebank.services.messaging import conversations


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
    idempotency_key = HiddenField()
    direction = RadioField(
        _l("Who gave the help?"),
        choices=options([("gave", _l("I gave the help")), ("received", _l("I received it"))]),
        validators=[InputRequired(message=_l("Say who gave the help."))],
    )
    service_date = DateField(
        _l("Date"), validators=[InputRequired(message=_l("Enter the date of the service."))]
    )
    minutes = IntegerField(
        _l("How long, in minutes?"),
        description=_l("For example 60 for one hour."),
        validators=[
            InputRequired(message=_l("Enter the number of minutes.")),
            NumberRange(min=1, max=100000, message=_l("Enter a whole number of minutes.")),
        ],
    )
    description = TextAreaField(
        _l("What was done (optional)"),
        validators=[Length(max=2000), NoControlCharacters(multiline=True)],
    )
