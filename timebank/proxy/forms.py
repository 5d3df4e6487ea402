"""Forms of the pages a proxy uses to act for a member."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from timebank.forms import KeyedForm, NoControlCharacters


class ProxyRecordForm(KeyedForm):
    direction = RadioField(
        _l("Who gave the help?"),
        choices=[
            SelectChoice("gave", _l("The member I act for gave the help")),
            SelectChoice("received", _l("The member I act for received the help")),
        ],
        default="received",
    )
    other_number = StringField(
        _l("Member number of the other person"),
        validators=[DataRequired(message=_l("Enter a member number.")), Length(max=12)],
    )
    service_date = DateField(_l("Date of the help"), validators=[DataRequired()])
    duration = StringField(
        _l("Duration"),
        description=_l("For example 1:30, 90 or 1.5"),
        validators=[
            DataRequired(message=_l("Enter a duration, for example 1:30.")),
            Length(max=12),
        ],
    )
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    description = TextAreaField(
        _l("What was done (optional)"),
        validators=[Length(max=2000), NoControlCharacters(multiline=True)],
    )
