from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from timebank.forms import (
    Form,
    NoControlCharacters,
)
from timebank.second_factor import CodeOrRecoveryCode, one_time_code_field, recovery_code_field


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class RegisterForm(Form):
    community = SelectField(
        _l("Community you want to join"), coerce=int, validators=[DataRequired()]
    )
    display_name = StringField(
        _l("Your name"), validators=[DataRequired(), Length(min=2, max=80), NoControlCharacters()]
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(),
            Length(max=254),
            Email(message=_l("Enter a valid e-mail address.")),
            NoControlCharacters(),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters. A short sentence is easy to remember."),
    )
    motivation = TextAreaField(
        _l("What would you like to offer or ask for? (optional)"),
        validators=[Optional(), Length(max=1000), NoControlCharacters(multiline=True)],
    )

    def applicant(self) -> dict[str, Any]:
        """What the applicant typed, as ``register`` takes it (without the community)."""
        return {
            "email": self.email.data,
            "display_name": self.display_name.data,
            "password": self.password.data,
            "motivation": self.motivation.data,
        }


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(),
            Length(max=254),
            Email(message=_l("Enter a valid e-mail address.")),
        ],
    )


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters. A short sentence is easy to remember."),
    )


class SecondFactorForm(CodeOrRecoveryCode, Form):
    """The second step of signing in: a code from the app, or a recovery code."""

    code = one_time_code_field(required=False)
    recovery_code = recovery_code_field()
    remember = BooleanField(_l("Remember this device"))
