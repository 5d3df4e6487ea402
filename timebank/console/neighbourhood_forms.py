"""The console's neighbourhood forms: a name in both languages."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length

from timebank.forms import Form, NoControlCharacters
from timebank.services.listings.neighbourhoods import MAX_NAME_LENGTH


def _name(label):
    return StringField(label, validators=[Length(max=MAX_NAME_LENGTH), NoControlCharacters()])


class NeighbourhoodForm(Form):
    name_en = _name(_l("Name in English"))
    name_ar = _name(_l("Name in Arabic"))
