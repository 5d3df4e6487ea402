"""Form pieces every area shares: the base form (strips spaces, keeps what was typed), the
control-character validator, select options, the CSRF-only ``ConfirmForm``, idempotency
keys, and the forms and fields two areas use (a listing, a message, a group's members,
checkbox lists). An area's own forms live in its
blueprint's ``forms.py``."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from timebank.extensions import db
from timebank.i18n import current_language
from timebank.models import Community, Listing, Membership
from timebank.models.listing import MAX_DURATION, MIN_DURATION
from timebank.services import identifiers
from timebank.services.community import profiles
from timebank.services.exceptions import InvalidInput
from timebank.services.exchanges import lookups
from timebank.services.languages import SPOKEN_LANGUAGES, duration, in_readers_digits, join_list
from timebank.services.ledger import rules
from timebank.services.listings import listings, neighbourhoods
from timebank.services.messaging import conversations

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class NoControlCharacters:
    """Reject control and format characters other than newlines and tabs (multiline) —
    keeps NUL bytes, bidi overrides and terminal escapes out of the data."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        for ch in field.data or "":
            if ch in _ALLOWED_CONTROLS and self.multiline:
                continue
            category = unicodedata.category(ch)
            if category == "Cc" or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
                raise ValidationError(_l("Remove the invisible control characters."))


class Form(FlaskForm):
    """Base form: strips surrounding spaces from every text field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", []))
            if not issubclass(unbound_field.field_class, PasswordField):
                filters.append(strip_filter)
            return unbound_field.bind(form=form, filters=filters, **options)


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs (WTForms no longer takes tuples)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def int_or_none(value):
    """A generated choice's value (a select's, a hidden field's) as an id; anything that
    is not one by the shared rule (``identifiers.parse_id``) means "none"."""
    if value in (None, ""):
        return None
    return identifiers.parse_id(value)


def weekday_or_none(value):
    """A weekday select's value: 0 (Monday) to 6 (Sunday); anything else means none.
    (Not ``int_or_none``: Monday's 0 is a real choice, not an id.)"""
    text = str(value if value is not None else "")
    return int(text) if text.isdigit() and int(text) <= 6 else None


def new_key() -> str:
    """A fresh idempotency key for a form that creates something (DESIGN.md promise 6)."""
    return uuid.uuid4().hex


class ConfirmForm(Form):
    """A button that changes state carries nothing but the CSRF token (extra fields such
    as ``minutes`` are ignored)."""


class ListingForm(Form):
    """An offer or request, by its owner or by a proxy for the member."""

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
    # The community's list, "not given" (and the listing's own words, if it has any):
    # set by ``with_places``.
    neighbourhood_id = SelectField(_l("Neighbourhood"), choices=[], validate_choice=False)
    # How long the help takes (optional): hours and minutes, as on the exchange form.
    hours = StringField(_l("Hours"))
    minutes = StringField(_l("Minutes"))
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

    # A service's field → the form's (for ``web.run``'s ``aliases``).
    ERROR_FIELDS = {"duration_minutes": "hours", "neighbourhood": "neighbourhood_id"}
    KEEP_WORDS = "words"
    words: str | None = None  # the listing's own words for its place, if it has any

    @staticmethod
    def duration_hint() -> str:
        """The duration's hint, in the reader's language and digits (formatted here: Jinja
        would compute ``5|minutes`` once, when it compiles the template)."""
        return str(
            _l(
                "About how long the help takes, from %(min)s to %(max)s.",
                min=duration(MIN_DURATION),
                max=duration(MAX_DURATION),
            )
        )

    def validate_neighbourhood_id(self, field) -> None:
        value = field.data or ""
        if value not in ("", self.KEEP_WORDS) and int_or_none(value) is None:
            raise ValidationError(_l("Choose a neighbourhood from the list."))

    def validate_hours(self, field) -> None:
        try:
            self.duration_value()
        except InvalidInput as error:
            raise ValidationError(error.message) from None

    def duration_value(self) -> int | None:
        """Whole minutes from the hours and minutes fields; None when both are empty.
        Only parsed here: the service decides what is too short or too long."""
        if not (self.hours.data or "").strip() and not (self.minutes.data or "").strip():
            return None
        return rules.parse_duration_parts(
            self.hours.data, self.minutes.data, maximum=10**6, field="hours"
        )

    def to_input(self) -> listings.ListingInput:
        place = self.neighbourhood_id.data or ""
        return listings.ListingInput(
            kind=self.kind.data or "",
            title=self.title.data or "",
            description=self.description.data or "",
            category_id=self.category_id.data,
            neighbourhood_id=int_or_none(place),
            neighbourhood=self.words if place == self.KEEP_WORDS else None,
            duration_minutes=self.duration_value(),
            when_text=self.when_text.data,
            language=self.language.data or "",
            is_group=bool(self.is_group.data),
        )


def with_places(
    form: ListingForm,
    community: Community,
    *,
    owner: Membership | None,
    listing: Listing | None = None,
    fill: bool = False,
) -> ListingForm:
    """Offer the community's neighbourhoods in the reader's language, "not given", the
    listing's retired entry or own words if it has them. With ``fill`` (a GET), choose
    the listing's place, or for a new listing the owner's own neighbourhood, and show
    the listing's duration."""
    keep = listing.neighbourhood_id if listing is not None else None
    places = neighbourhoods.choices(community, current_language(), keep=keep)
    extra = []
    if listing is not None and listing.neighbourhood_id is None and listing.neighbourhood:
        form.words = listing.neighbourhood
        extra.append((form.KEEP_WORDS, listing.neighbourhood))
    form.neighbourhood_id.choices = options(
        [("", _l("Not given")), *((str(i), name) for i, name in places), *extra]
    )
    if not fill:
        return form
    if listing is not None:
        form.neighbourhood_id.data = (
            str(listing.neighbourhood_id) if listing.neighbourhood_id
            else form.KEEP_WORDS if listing.neighbourhood else ""
        )  # fmt: skip
        if listing.duration_minutes:
            hours, minutes = divmod(listing.duration_minutes, 60)
            form.hours.data = in_readers_digits(str(hours)) if hours else ""
            form.minutes.data = in_readers_digits(str(minutes)) if minutes else ""
        return form
    profile = profiles.profile_of(owner) if owner is not None else None
    own = neighbourhoods.get(community, profile.neighbourhood_id if profile else None)
    form.neighbourhood_id.data = str(own.id) if own is not None and own.active else ""
    return form


class MessageForm(Form):
    """A message in a conversation, by a member or a proxy answering for one."""

    body = TextAreaField(
        _l("Your message"),
        validators=[
            DataRequired(message=_l("Write a message.")),
            Length(max=conversations.MAX_MESSAGE),
            NoControlCharacters(multiline=True),
        ],
    )


class WholeNumberField(StringField):
    """A whole number 0 or more, typed with Latin or Arabic-Indic digits; keeps the text."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if self.raw.strip():
            self.data = lookups.member_number(self.raw)
            if self.data is None:
                raise ValueError(_l("Enter a whole number, for example 12."))

    def _value(self):
        return getattr(self, "raw", None) or ("" if self.data is None else str(self.data))


class IdField(StringField):
    """The number of a record (a member's user number, an object's id) typed into a form
    or a filter: a whole number by the rule every id follows (``identifiers.parse_id``;
    Arabic-Indic digits welcome). Anything else is the field's error, never "no filter".
    Keeps the text as typed."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if self.raw.strip():
            self.data = identifiers.parse_id(self.raw, typed=True)
            if self.data is None:
                raise ValueError(_l("Enter a whole number, for example 12."))

    def _value(self):
        return getattr(self, "raw", None) or ("" if self.data is None else str(self.data))


def reason_field(label, *, required=True):
    """A reason typed for a decision (required unless ``required=False``)."""
    checks = [Length(max=1000), NoControlCharacters(multiline=True)]
    if required:
        checks.insert(0, DataRequired(message=_l("Give a reason.")))
    else:
        checks.insert(0, Optional())
    return TextAreaField(label, validators=checks)


def minutes_field(label, description=None, *, optional=False):
    """A whole number of minutes (or days), Latin or Arabic-Indic digits."""
    checks = [Optional()] if optional else [InputRequired(message=_l("Enter a whole number."))]
    return WholeNumberField(label, description=description, validators=checks)


def time_spent_field() -> IntegerField:
    """How long a visit or a service took, in whole minutes (1 to 100,000)."""
    return IntegerField(
        _l("How long, in minutes?"),
        description=_l("For example 60 for one hour."),
        validators=[
            InputRequired(message=_l("Enter the number of minutes.")),
            NumberRange(min=1, max=100000, message=_l("Enter a whole number of minutes.")),
        ],
    )


class TickToConfirmForm(Form):
    """A destructive action needs the box ticked."""

    confirm = BooleanField(
        _l("I understand this cannot be undone"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class KeyedForm(Form):
    """A form that carries an idempotency key, so a resubmission creates nothing new."""

    idempotency_key = HiddenField(default=new_key)


class GroupFields:
    """Who took part in a group exchange or session, by member number: one member who gave
    help to several, or several who gave help to one (a form mixin; the exchanges' group
    form and the co-design board's activity sessions)."""

    shape = RadioField(
        _l("Who gave and who received?"),
        choices=options(
            [
                ("one_to_many", _l("One member gave help to several (for example a workshop)")),
                ("many_to_one", _l("Several members gave help to one")),
            ]
        ),
        default="one_to_many",
        validators=[DataRequired()],
    )
    one = WholeNumberField(
        _l("Member number of the one member"),
        validators=[DataRequired(message=_l("Enter a member number."))],
    )
    many = StringField(
        _l("Member numbers of the others"),
        description=_l("Separate the numbers with spaces or commas, for example 3, 7, 12."),
        validators=[
            DataRequired(message=_l("Enter at least one member number.")),
            Length(max=2000),
        ],
    )

    def many_numbers(self) -> list[int] | None:
        """The others' member numbers; None (the message on the field) when one is not."""
        text = (self.many.data or "").replace(",", " ").replace("،", " ")
        parts = text.split()
        numbers = [n for n in map(lookups.member_number, parts) if n is not None]
        if not parts or len(numbers) != len(parts):
            self.many.errors.append(_l("Use member numbers only, for example 3, 7, 12."))
            return None
        return numbers


def resolve_number(field: Any, community: Community) -> Membership | None:
    if field.data is None:
        return None
    found = lookups.find_members(community, str(field.data))
    if not found:
        field.errors.append(_("No member of this community has this number."))
        return None
    return db.session.get(Membership, found[0].membership_id)


def group_members(
    form: Any, community: Community
) -> tuple[Membership | None, list[Membership] | None]:
    """The members a group form (``timebank.forms.GroupFields``) names by number: the one
    member, and the others (None when a number is not a member's, with the message on
    ``form.many``). Group exchanges and the co-design board's activity sessions."""
    one = resolve_number(form.one, community)
    numbers = form.many_numbers()
    if numbers is None:
        return one, None
    found = {c.number: c for n in set(numbers) for c in lookups.find_members(community, str(n))}
    missing = [n for n in numbers if n not in found]
    if missing:
        form.many.errors.append(
            ngettext(
                "No member has the number %(n)s.",
                "No member has the numbers %(n)s.",
                len(missing),
                n=join_list(missing),
            )  # fmt: skip
        )
        return one, None
    return one, [db.get_or_404(Membership, found[n].membership_id) for n in numbers]


class StatementPeriodForm(Form):
    """The days a printable statement covers (both optional: the whole history)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()], render_kw={"type": "date"})
    end = DateField(_l("To"), validators=[Optional()], render_kw={"type": "date"})

    def period(self) -> tuple[date | None, date | None] | None:
        """(first day, last day), or None when the dates cannot be used (errors on the
        fields)."""
        if not self.validate():
            return None
        start, end = self.start.data, self.end.data
        if start and end and end < start:
            self.end.errors = [_l("The last day cannot be before the first.")]
            return None
        return start, end


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (WTForms' documented recipe)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
