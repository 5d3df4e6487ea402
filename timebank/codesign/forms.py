"""Forms of the co-design board."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from timebank.forms import (
    Form,
    KeyedForm,
    NoControlCharacters,
    int_or_none,
    options,
    reason_field,
)
from timebank.services.codesign import proposals
from timebank.services.codesign.proposals import ProposalInput
from timebank.services.companionship.safeguarding import CHECK_LABELS


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
    checks = SelectMultipleField(
        _l("Safeguarding checks its volunteers would need"),
        choices=options(CHECK_LABELS.items()),
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
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
    hours = StringField(
        _l("Hours a week you would give"),
        description=_l("For example 1 or 1.5."),
        validators=[Length(max=10)],
    )

    def minutes(self) -> int | None:
        return hours_to_minutes(self.hours.data)


def hours_to_minutes(typed: str | None) -> int | None:
    """Hours typed as 1, 1.5 or ١٫٥ (Latin or Arabic-Indic digits) as minutes; else None."""
    text = (typed or "").strip().translate(str.maketrans("٠١٢٣٤٥٦٧٨٩٫", "0123456789."))
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
    hours = StringField(
        _l("Hours"), description=_l("For example 1 or 1.5."), validators=[Length(max=10)]
    )
    reason = reason_field(_l("What was the work?"))
