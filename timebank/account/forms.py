from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from timebank.forms import (
    Form,
    MultiCheckboxField,
    NoControlCharacters,
    TickToConfirmForm,
)
from timebank.second_factor import CodeOrRecoveryCode, one_time_code_field, recovery_code_field


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


class TwoFactorCodeForm(Form):
    """A code from the app: to turn two-factor sign-in on, or for new recovery codes."""

    code = one_time_code_field()


class TwoFactorDisableForm(CodeOrRecoveryCode, Form):
    """Turning two-factor sign-in off takes the password and a code (or a recovery code)."""

    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=1024)],
    )
    code = one_time_code_field(required=False)
    recovery_code = recovery_code_field()


class ApiTokenForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=80), NoControlCharacters()],
        description=_l(
            "What the token is for, e.g. \u201cMy phone\u201d or \u201cThe kiosk\u201d."
        ),
    )
    scopes = MultiCheckboxField(
        _l("Permissions"),
        choices=[
            SelectChoice(
                "read", _l("Read my profile, balance, statement and the community's offers")
            ),
            SelectChoice("exchanges:write", _l("Record and confirm exchanges as me")),
            SelectChoice("listings:write", _l("Create and change my offers and requests")),
            SelectChoice("coordinate", _l("Coordinate (only where I am a coordinator)")),
        ],
        validators=[DataRequired(message=_l("Choose at least one permission."))],
    )
    expires_on = DateField(
        _l("Expires on (optional)"),
        validators=[Optional()],
        description=_l("Leave empty for a token that works until you revoke it."),
    )
