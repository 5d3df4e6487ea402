from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from timebank.forms import Form, NoControlCharacters, int_or_none
from timebank.services.listings.categories import MAX_NAME_LENGTH


def _name(label):
    return StringField(
        label,
        validators=[
            DataRequired(message=_l("Enter a name.")),
            Length(max=MAX_NAME_LENGTH),
            NoControlCharacters(),
        ],
    )


class CategoryForm(Form):
    name_en = _name(_l("Name in English"))
    name_ar = _name(_l("Name in Arabic"))


class NewCategoryForm(CategoryForm):
    parent_id = SelectField(
        _l("Place it under (optional)"), coerce=int_or_none, validate_choice=False, choices=[]
    )


class MergeForm(Form):
    target_id = SelectField(
        _l("Move its listings to"), coerce=int_or_none, validate_choice=False, choices=[]
    )
