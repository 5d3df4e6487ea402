from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, Optional

from timebank.forms import (
    Form,
    KeyedForm,
    MultiCheckboxField,
    NoControlCharacters,
    int_or_none,
    options,
    time_spent_field,
    weekday_or_none,
)
from timebank.services.companionship import contact, safeguarding, schedule
from timebank.services.companionship import requests as companionship
from timebank.services.languages import SPOKEN_LANGUAGES


class RequestForm(Form):
    member_id = SelectField(
        _l("Who is the companionship for?"), coerce=int_or_none, validate_choice=False, choices=[]
    )
    kind = SelectField(
        _l("What kind of company?"),
        choices=options(companionship.KIND_LABELS.items()),
        validate_choice=False,
    )
    frequency = SelectField(
        _l("How often?"),
        choices=options(companionship.FREQUENCY_LABELS.items()),
        validate_choice=False,
    )
    preferred_times = StringField(
        _l("Preferred days and times (optional)"),
        description=_l("For example “Tuesday or Thursday mornings”."),
        validators=[Length(max=companionship.MAX_TIMES), NoControlCharacters()],
    )
    language = SelectField(
        _l("Language"), choices=options(SPOKEN_LANGUAGES.items()), validate_choice=False
    )
    coordinator_notes = TextAreaField(
        _l("Notes for the coordinators (optional)"),
        description=_l("Only coordinators see this, for example health needs or how to get in."),
        validators=[Length(max=companionship.MAX_NOTES), NoControlCharacters(multiline=True)],
    )

    access_notes = TextAreaField(
        _l("How to get in (optional)"),
        description=_l(
            "For example a door code or “ring twice”. Only the matched volunteer sees this, "
            "with the address and phone, while the visits go on."
        ),
        validators=[Length(max=contact.MAX_ACCESS_NOTES), NoControlCharacters(multiline=True)],
    )

    def to_input(self) -> companionship.RequestInput:
        return companionship.RequestInput(
            kind=self.kind.data or "",
            frequency=self.frequency.data or "",
            preferred_times=self.preferred_times.data,
            language=self.language.data or "",
            coordinator_notes=self.coordinator_notes.data,
            access_notes=self.access_notes.data,
        )


class AccessNotesForm(Form):
    access_notes = TextAreaField(
        _l("How to get in"),
        description=_l(
            "For example a door code or “ring twice”. Only the matched volunteer sees this, "
            "with the address and phone, while the visits go on."
        ),
        validators=[Length(max=contact.MAX_ACCESS_NOTES), NoControlCharacters(multiline=True)],
    )


class VisitForm(KeyedForm):
    # The idempotency key is generated when the form is shown: submitting twice records
    # one visit.
    service_date = DateField(
        _l("Date of the visit"),
        validators=[InputRequired(message=_l("Enter the date of the visit."))],
    )
    minutes = time_spent_field()
    wellbeing = RadioField(
        _l("How was the person you visited?"),
        choices=options([("all_well", _l("All well")), ("concern", _l("I have a concern"))]),
        validators=[InputRequired(message=_l("Say how the visit went."))],
    )
    concern_note = TextAreaField(
        _l("Your concern (if any)"),
        description=_l("The coordinators are told at once. Only they can read this."),
        validators=[Length(max=companionship.MAX_NOTES), NoControlCharacters(multiline=True)],
    )


class CheckForm(Form):
    check_type = SelectField(
        _l("Type of check"),
        choices=options(safeguarding.CHECK_LABELS.items()),
        validate_choice=False,
    )
    checked_on = DateField(
        _l("Date of the check"),
        validators=[InputRequired(message=_l("Enter the date of the check."))],
    )
    expires_on = DateField(
        _l("Expires on (optional)"),
        description=_l("Leave empty if it does not expire."),
        validators=[Optional()],
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Length(max=safeguarding.MAX_NOTE), NoControlCharacters(multiline=True)],
    )


class RequirementForm(Form):
    category_key = SelectField(_l("Category"), validate_choice=False, choices=[])
    kind = SelectField(_l("Kind of companionship"), validate_choice=False, choices=[])
    check_types = MultiCheckboxField(
        _l("Required valid checks"),
        choices=options(safeguarding.CHECK_LABELS.items()),
        validate_choice=False,
    )


class ScheduleForm(Form):
    """The agreed day and time of the visits (issue 19)."""

    weekday = SelectField(
        _l("Day of the visits"),
        coerce=weekday_or_none,
        choices=options([("", _l("Choose a day"))] + list(enumerate(schedule.WEEKDAY_LABELS))),
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose a day of the week."))],
    )
    weekday2 = SelectField(
        _l("Second day of the visits"),
        coerce=weekday_or_none,
        choices=options([("", _l("Choose a day"))] + list(enumerate(schedule.WEEKDAY_LABELS))),
        validate_choice=False,
    )
    at = TimeField(
        _l("Time of the visits"),
        description=_l("In the community's time zone."),
        validators=[InputRequired(message=_l("Give the time of the visit."))],
    )


class SkipForm(Form):
    """Skip one planned visit, with a reason (issue 19)."""

    day = SelectField(_l("Which visit?"), validate_choice=False, choices=[])
    reason = TextAreaField(
        _l("Why is it skipped?"),
        validators=[Length(max=schedule.MAX_REASON), NoControlCharacters(multiline=True)],
    )


class MoveForm(Form):
    """Move one planned visit to another day, with a reason (issue 19)."""

    day = SelectField(_l("Which visit?"), validate_choice=False, choices=[])
    to = DateField(
        _l("New day"), validators=[InputRequired(message=_l("Enter the new day of the visit."))]
    )
    reason = TextAreaField(
        _l("Why is it moved?"),
        description=_l("The other party sees this with the new day."),
        validators=[Length(max=schedule.MAX_REASON), NoControlCharacters(multiline=True)],
    )


class AbsenceForm(Form):
    """A volunteer's absence (issue 19)."""

    starts_on = DateField(
        _l("First day away"),
        validators=[InputRequired(message=_l("Enter the first day you are away."))],
    )
    ends_on = DateField(
        _l("Last day away"),
        validators=[InputRequired(message=_l("Enter the last day you are away."))],
    )
