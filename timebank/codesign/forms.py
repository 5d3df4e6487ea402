"""Forms of the co-design board."""

import re
from datetime import time

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from timebank.forms import (
    Form,
    GroupFields,
    KeyedForm,
    MultiCheckboxField,
    NoControlCharacters,
    int_or_none,
    options,
    reason_field,
    weekday_or_none,
)
from timebank.services.codesign import activities, proposals
from timebank.services.codesign.activities import ActivityInput
from timebank.services.codesign.proposals import ProposalInput
from timebank.services.companionship import schedule
from timebank.services.companionship.safeguarding import CHECK_LABELS
from timebank.services.identifiers import latin_digits


def _line(label, limit, description=None):
    return StringField(
        label, description=description, validators=[Length(max=limit), NoControlCharacters()]
    )


def _text(label, limit, description=None):
    return TextAreaField(
        label,
        description=description,
        validators=[Length(max=limit), NoControlCharacters(multiline=True)],
    )


def _hours(label):
    return StringField(label, description=_l("For example 1 or 1.5."), validators=[Length(max=10)])


class ProposalForm(Form):
    member_id = SelectField(
        _l("Who proposes it?"), coerce=int_or_none, validate_choice=False, choices=[]
    )
    title_en = _line(_l("Title in English"), proposals.MAX_TITLE)
    title_ar = _line(_l("Title in Arabic"), proposals.MAX_TITLE)
    description_en = _text(_l("Description in English"), proposals.MAX_TEXT)
    description_ar = _text(_l("Description in Arabic"), proposals.MAX_TEXT)
    need = _text(_l("What need does it answer?"), proposals.MAX_TEXT)
    audience = _line(
        _l("Who is it for?"),
        proposals.MAX_AUDIENCE,
        _l("For example “older neighbours living alone”."),
    )
    frequency = SelectField(
        _l("How often?"),
        choices=options([("", _l("Choose…")), *proposals.FREQUENCIES.items()]),
        validate_choice=False,
    )
    volunteers = _line(
        _l("What volunteers does it need? (optional)"),
        proposals.MAX_VOLUNTEERS,
        _l("For example “two drivers and someone to make tea”."),
    )
    checks = MultiCheckboxField(
        _l("Safeguarding checks its volunteers would need"),
        choices=options(CHECK_LABELS.items()),
        validate_choice=False,
    )

    def to_input(self) -> ProposalInput:
        return ProposalInput(
            title_en=self.title_en.data or "",
            title_ar=self.title_ar.data or "",
            description_en=self.description_en.data or "",
            description_ar=self.description_ar.data or "",
            need=self.need.data or "",
            audience=self.audience.data or "",
            frequency=self.frequency.data or "",
            volunteers=self.volunteers.data or "",
            checks=list(self.checks.data or []),
        )

    def fill(self, revision) -> None:
        for name in (
            "title_en",
            "title_ar",
            "description_en",
            "description_ar",
            "need",
            "audience",
            "frequency",
            "volunteers",
        ):
            getattr(self, name).data = getattr(revision, name)
        self.checks.data = revision.check_list


class CommentForm(Form):
    body = _text(_l("Your comment"), proposals.MAX_COMMENT)


class VolunteerForm(Form):
    hours = _hours(_l("Hours a week you would give"))

    def minutes(self) -> int | None:
        return hours_to_minutes(self.hours.data)


def hours_to_minutes(typed: str | None) -> int | None:
    """Hours typed as 1, 1.5 or ١٫٥ (Latin or Arabic-Indic digits) as minutes; else None."""
    text = latin_digits((typed or "").strip()).replace("٫", ".")
    if not re.fullmatch(r"\d{1,2}(\.\d{1,2})?", text):
        return None
    return round(float(text) * 60)


class DeclineForm(Form):
    reason = reason_field(_l("Why is it declined? The proposer sees this."))


class AdoptForm(Form):
    name_en = _line(_l("Category name in English"), 80)
    name_ar = _line(_l("Category name in Arabic"), 80)


class HoursForm(KeyedForm):
    member_id = SelectField(
        _l("Who did the design work?"), coerce=int_or_none, validate_choice=False, choices=[]
    )
    hours = _hours(_l("Hours"))
    reason = reason_field(_l("What was the work?"))


def _weekday_choices():
    return [
        ("", _l("Choose…")),
        *((str(n), name) for n, name in enumerate(schedule.WEEKDAY_LABELS)),
    ]


class ActivityForm(Form):
    category_key = SelectField(
        _l("Category its hours are recorded in"), validate_choice=False, choices=[]
    )
    name_en = _line(_l("Or a new category: name in English"), 80)
    name_ar = _line(_l("New category: name in Arabic"), 80)
    frequency = SelectField(
        _l("How often?"),
        choices=options([("", _l("Choose…")), *activities.SCHEDULES.items()]),
        validate_choice=False,
    )
    weekday = SelectField(
        _l("Day of the week"),
        choices=options(_weekday_choices()),
        coerce=weekday_or_none,
        validate_choice=False,
    )
    starts_at = StringField(
        _l("Starts at"),
        description=_l("For example 17:00."),
        validators=[Length(max=5)],
        render_kw={"type": "time"},
    )
    hours = _hours(_l("How long, in hours"))
    first_date = DateField(
        _l("Starting from (optional)"), validators=[Optional()], render_kw={"type": "date"}
    )
    checks = MultiCheckboxField(
        _l("Checks whoever gives the hours must hold"),
        choices=options(CHECK_LABELS.items()),
        validate_choice=False,
    )

    def to_input(self) -> ActivityInput:
        return ActivityInput(
            frequency=self.frequency.data or "",
            weekday=self.weekday.data,
            starts_at=clock_time(self.starts_at.data),
            minutes=hours_to_minutes(self.hours.data),
            first_date=self.first_date.data,
            category_key=self.category_key.data or "",
            name_en=self.name_en.data or "",
            name_ar=self.name_ar.data or "",
            checks=list(self.checks.data or []),
        )


def clock_time(typed: str | None) -> time | None:
    """17:00 or ١٧:٠٠ as a time of day; else None."""
    text = latin_digits((typed or "").strip())
    found = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        return None
    return time(int(found[1]), int(found[2]))


class SessionForm(GroupFields, KeyedForm):
    """A session of a group activity: who gave and who received (member numbers), how long
    and when; the category is the activity's."""

    hours = _hours(_l("How long, in hours"))
    service_date = DateField(
        _l("Date of the service"),
        validators=[DataRequired(message=_l("Enter the date of the service."))],
        render_kw={"type": "date"},
    )
    description = TextAreaField(
        _l("Description (optional)"),
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
    )
