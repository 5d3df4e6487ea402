"""The console's neighbourhood forms: a name in both languages."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import Length

from timebank.forms import Form, NoControlCharacters
from timebank.services.listings.neighbourhoods import MAX_NAME_LENGTH


def _name(label):
    return StringField(label, validators=[Length(max=MAX_NAME_LENGTH), NoControlCharacters()])


class NeighbourhoodForm(Form):
    name_en = _name(_l("Name in English"))
    name_ar = _name(_l("Name in Arabic"))


def _id_or_none(value: object) -> int | None:
    """A submitted entry id; anything else is None (the service says what is missing)."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class MergeForm(Form):
    """Merge one entry into another: the entry kept, then (after the confirmation page)
    ``confirmed``."""

    into = SelectField(_l("Merge into"), coerce=_id_or_none, validate_choice=False)
    confirmed = HiddenField()
