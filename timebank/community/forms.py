from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

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
