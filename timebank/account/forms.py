from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from timebank.forms import Form, NoControlCharacters, TickToConfirmForm


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1024)]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters. Other devices will be logged out."),
    )


class JoinForm(Form):
    community = SelectField(_l("Community"), coerce=int, validators=[DataRequired()])
    motivation = TextAreaField(
        _l("What would you like to offer or ask for? (optional)"),
        validators=[Optional(), Length(max=1000), NoControlCharacters(multiline=True)],
    )


class EraseSelfForm(TickToConfirmForm):
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(message=_l("Enter your password."))]
    )


class PasswordCheckForm(Form):
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(message=_l("Enter your password."))]
    )
    format = RadioField(
        _l("Format"),
        choices=[SelectChoice("json", "JSON"), SelectChoice("csv", "CSV")],
        default="json",
    )
