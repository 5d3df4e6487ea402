from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from timebank.forms import Form, NoControlCharacters


class CommunityForm(Form):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=120), NoControlCharacters()]
    )
    name_ar = StringField(
        _l("Name in Arabic"), validators=[Optional(), Length(max=120), NoControlCharacters()]
    )
    slug = StringField(
        _l("Web address"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("Lowercase letters, digits and hyphens, e.g. east-side."),
    )
    # Each language is named in itself, marked with its own ``lang`` for screen readers.
    locale = SelectField(
        _l("Main language"),
        choices=[
            SelectChoice("en", "English", render_kw={"lang": "en"}),
            SelectChoice("ar", "العربية", render_kw={"lang": "ar"}),
        ],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
    )


class AppointForm(Form):
    email = EmailField(
        _l("E-mail address of an existing account"),
        validators=[
            DataRequired(),
            Length(max=254),
            Email(message=_l("Enter a valid e-mail address.")),
        ],
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("coordinator", _l("Coordinator")),
            SelectChoice("admin", _l("Community admin")),
        ],
    )
