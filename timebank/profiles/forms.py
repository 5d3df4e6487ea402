from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from timebank.forms import Form, NoControlCharacters, int_or_none, options
from timebank.services.community import profiles
from timebank.services.languages import SPOKEN_LANGUAGES

NOT_LISTED = "other"

VISIBILITY_LABELS = {
    "bio": _l("About me"),
    "neighbourhood": _l("Neighbourhood"),
    "languages": _l("Languages I speak"),
    "availability": _l("When I am available"),
    "skills": _l("What I can offer"),
    "phone": _l("Phone number"),
    "email": _l("E-mail address"),
    "address": _l("Address"),
}

# How the history of a profile names the fields a save changed.
FIELD_LABELS = {
    "display_name": _l("Name"),
    "bio": _l("About me"),
    "neighbourhood": _l("Neighbourhood"),
    "languages": _l("Languages"),
    "availability": _l("Availability"),
    "skills": _l("What I can offer"),
    "phone": _l("Phone number"),
    "address": _l("Address"),
    "shown": _l("What other members may see"),
}


def _text(label, limit, *, multiline=False, description=None):
    field = TextAreaField if multiline else StringField
    return field(
        label,
        description=description,
        validators=[Length(max=limit), NoControlCharacters(multiline=multiline)],
    )


class ProfileForm(Form):
    display_name = StringField(
        _l("Your name as members see it"),
        validators=[
            DataRequired(message=_l("Enter the name other members will see.")),
            Length(max=profiles.MAX_NAME),
            NoControlCharacters(),
        ],
    )
    bio = _text(_l("About me"), profiles.LIMITS["bio"], multiline=True)
    # The community's list, "not given" and "not listed" (set by ``with_places``).
    neighbourhood_id = SelectField(_l("Neighbourhood"), choices=[], validate_choice=False)
    neighbourhood = _text(
        _l("If your neighbourhood is not listed, where do you live?"),
        profiles.LIMITS["neighbourhood"],
        description=_l("Choose “Not listed” above and write it here; a coordinator can add it "
                       "to the list."),
    )  # fmt: skip
    languages = SelectMultipleField(
        _l("Languages I speak"), choices=options(SPOKEN_LANGUAGES.items()), validate_choice=False
    )
    availability = _text(
        _l("When I am available"),
        profiles.LIMITS["availability"],
        description=_l("For example “weekday afternoons”."),
    )
    skills = _text(
        _l("What I can offer"),
        profiles.LIMITS["skills"],
        multiline=True,
        description=_l("Skills and kinds of help, in your own words. Members can search them."),
    )
    phone = _text(_l("Phone number"), profiles.LIMITS["phone"])
    address = _text(_l("Address"), profiles.LIMITS["address"], multiline=True)
    shown = SelectMultipleField(
        _l("Show to other members"),
        choices=options(VISIBILITY_LABELS.items()),
        validate_choice=False,
    )

    def with_places(self, places: list[tuple[int, str]]) -> ProfileForm:
        """Offer the community's neighbourhoods (id, name) in the select."""
        self.neighbourhood_id.choices = options(
            [("", _l("Not given")), *((str(i), name) for i, name in places),
             (NOT_LISTED, _l("Not listed (write it below)"))]
        )  # fmt: skip
        return self

    def validate_neighbourhood_id(self, field) -> None:
        value = field.data or ""
        if value not in ("", NOT_LISTED) and int_or_none(value) is None:
            raise ValidationError(_l("Choose a neighbourhood from the list."))

    def validate_neighbourhood(self, field) -> None:
        if self.neighbourhood_id.data == NOT_LISTED and not field.data:
            raise ValidationError(_l("Write where you live, or choose it from the list."))

    def to_input(self) -> profiles.ProfileInput:
        choice = self.neighbourhood_id.data or ""
        return profiles.ProfileInput(
            display_name=self.display_name.data or "",
            bio=self.bio.data,
            neighbourhood_id=None if choice == NOT_LISTED else int_or_none(choice),
            # Words typed without choosing "not listed" count as the place too.
            neighbourhood=self.neighbourhood.data if choice in (NOT_LISTED, "") else None,
            languages=tuple(self.languages.data or ()),
            availability=self.availability.data,
            skills=self.skills.data,
            phone=self.phone.data,
            address=self.address.data,
            shown=frozenset(self.shown.data or ()),
        )
