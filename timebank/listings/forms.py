from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from timebank.forms import Form, NoControlCharacters
from timebank.services import listings
from timebank.services.languages import SPOKEN_LANGUAGES


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs (WTForms no longer takes tuples)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def int_or_none(value):
    """Select values arrive as text; anything that is not a whole number means "none"."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class ListingForm(Form):
    kind = SelectField(
        _l("Type"),
        choices=options(
            [("offer", _l("Offer: I can help with this")), ("request", _l("Request: I need this"))]
        ),
    )
    title = StringField(
        _l("Title"),
        description=_l("A few words, for example “Lift to the clinic on Tuesdays”."),
        validators=[
            DataRequired(message=_l("Enter a title.")),
            Length(max=listings.MAX_TITLE),
            NoControlCharacters(),
        ],
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("Plain text. Say what, where and anything a neighbour should know."),
        validators=[Length(max=listings.MAX_DESCRIPTION), NoControlCharacters(multiline=True)],
    )
    category_id = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False, choices=[])
    neighbourhood = StringField(
        _l("Neighbourhood (optional)"),
        validators=[Length(max=listings.MAX_NEIGHBOURHOOD), NoControlCharacters()],
    )
    when_text = StringField(
        _l("When (optional)"),
        description=_l("For example “weekday mornings” or “Saturday 12 December”."),
        validators=[Length(max=listings.MAX_WHEN), NoControlCharacters()],
    )
    language = SelectField(
        _l("Language of this listing"),
        choices=options(SPOKEN_LANGUAGES.items()),
        validate_choice=False,
    )
    is_group = BooleanField(_l("This is a group activity (several people can take part)"))

    def to_input(self) -> listings.ListingInput:
        return listings.ListingInput(
            kind=self.kind.data or "",
            title=self.title.data or "",
            description=self.description.data or "",
            category_id=self.category_id.data,
            neighbourhood=self.neighbourhood.data,
            when_text=self.when_text.data,
            language=self.language.data or "",
            is_group=bool(self.is_group.data),
        )


class ConfirmForm(Form):
    """Buttons that change a listing's state carry nothing but the CSRF token."""
