from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from timebank.forms import Form, NoControlCharacters


class DecisionForm(Form):
    """Approve needs nothing but the CSRF token."""


class DeclineForm(Form):
    reason = TextAreaField(
        _l("Reason (the applicant will see it)"),
        validators=[
            DataRequired(message=_l("Give the applicant a reason.")),
            Length(max=1000),
            NoControlCharacters(multiline=True),
        ],
    )


class DetailsForm(Form):
    """The community's name and tagline in both languages (coordinators). The service
    checks the lengths too; these give the message next to the field before it."""

    name = StringField(
        _l("Name in English"),
        validators=[
            DataRequired(message=_l("Enter the name of the time bank.")),
            Length(max=120),
            NoControlCharacters(),
        ],
    )
    name_ar = StringField(
        _l("Name in Arabic"), validators=[Optional(), Length(max=120), NoControlCharacters()]
    )
    tagline = TextAreaField(
        _l("Tagline in English"),
        validators=[Optional(), Length(max=300), NoControlCharacters(multiline=True)],
    )
    tagline_ar = TextAreaField(
        _l("Tagline in Arabic"),
        validators=[Optional(), Length(max=300), NoControlCharacters(multiline=True)],
    )
    public_offers = BooleanField(
        _l("Show visitors a few open offers on the home page"),
        description=_l("Their title, category and date only, never who offers them."),
    )
