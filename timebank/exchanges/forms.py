"""Forms of the hour pages. Durations and member numbers accept Latin and Arabic-Indic
digits; everything a service checks again is only parsed here, never decided."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from timebank.exchanges import labels as exchange_labels
from timebank.forms import (
    Form,
    GroupFields,
    MultiCheckboxField,
    NoControlCharacters,
    WholeNumberField,
    minutes_field,
    new_key,
    options,
    reason_field,
)
from timebank.models import ApprovalCondition, Community
from timebank.services.exceptions import InvalidInput
from timebank.services.exchanges import statements
from timebank.services.ledger import rules

DURATION_HINT = _l("For example 1:30, 90 (minutes) or 1.5 (hours).")


class OrderedForm(Form):
    """Fields in ``FIELD_ORDER`` first, so the error summary follows the page's order
    (fields from a mixin would otherwise come first)."""

    FIELD_ORDER: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = [*self.FIELD_ORDER, *(n for n in self._fields if n not in self.FIELD_ORDER)]
        self._fields = {name: self._fields[name] for name in names if name in self._fields}


class DurationMixin:
    duration = StringField(_l("How long"), description=DURATION_HINT)
    hours = StringField(_l("Hours"))
    minutes = StringField(_l("Minutes"))

    def parse_minutes(self, maximum: int) -> int | None:
        """Whole minutes from the duration field, or else the hours and minutes fields; a
        problem is shown next to the field that has it."""
        try:
            if (self.duration.data or "").strip():
                return rules.parse_duration(self.duration.data, maximum=maximum, field="duration")
            if (self.hours.data or "").strip() or (self.minutes.data or "").strip():
                return rules.parse_duration_parts(
                    self.hours.data, self.minutes.data, maximum=maximum, field="hours"
                )
            return rules.parse_duration("", maximum=maximum, field="duration")
        except InvalidInput as error:
            getattr(self, error.field or "duration").errors.append(error.message)
            return None


class ExchangeFields(DurationMixin, OrderedForm):
    service_date = DateField(
        _l("Date of the service"),
        default=date.today,
        validators=[DataRequired(message=_l("Enter the date of the service."))],
        render_kw={"type": "date"},
    )
    category = SelectField(
        _l("Category"), validators=[DataRequired(message=_l("Choose a category."))]
    )
    description = TextAreaField(
        _l("Description (optional)"),
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
    )
    idempotency_key = HiddenField(default=new_key)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = options([("", _l("Choose a category")), *exchange_labels.choices()])


class RecordForm(ExchangeFields):
    FIELD_ORDER = ("csrf_token", "direction", "member", "pick")
    direction = RadioField(
        _l("What happened?"),
        choices=options([("gave", _l("I gave help")), ("received", _l("I received help"))]),
        default="gave",
        validators=[DataRequired(message=_l("Say whether you gave or received help."))],
    )
    member = StringField(
        _l("The other member"),
        description=_l("Their member number, or a part of their name."),
        validators=[DataRequired(message=_l("Enter a member number or a name.")), Length(max=80)],
    )
    pick = HiddenField()  # a member number chosen from several matches


class BehalfForm(ExchangeFields):
    FIELD_ORDER = ("csrf_token", "provider", "recipient")
    provider = WholeNumberField(
        _l("Member number of the member who gave help"),
        validators=[DataRequired(message=_l("Enter a member number."))],
    )
    recipient = WholeNumberField(
        _l("Member number of the member who received help"),
        validators=[DataRequired(message=_l("Enter a member number."))],
    )


class RejectForm(Form):
    reason = reason_field(_l("Reason (the other member will see it)"))


class CancelForm(Form):
    reason = reason_field(_l("Reason (optional)"), required=False)


class ReverseForm(Form):
    reason = reason_field(_l("Reason for the reversal"))


class DonateForm(DurationMixin, OrderedForm):
    description = TextAreaField(
        _l("A note (optional)"),
        validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)],
    )
    idempotency_key = HiddenField(default=new_key)


class GrantForm(DurationMixin, OrderedForm):
    FIELD_ORDER = ("csrf_token", "member")
    member = WholeNumberField(
        _l("Member number"), validators=[DataRequired(message=_l("Enter a member number."))]
    )
    reason = reason_field(_l("Reason for the grant"))
    idempotency_key = HiddenField(default=new_key)


class GroupForm(GroupFields, ExchangeFields):
    FIELD_ORDER = ("csrf_token", "shape", "one", "many")


class QueueFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=options(
            [
                ("awaiting_approval", _l("Waiting for a coordinator")),
                ("recorded", _l("Waiting for the other member")),
                ("pending", _l("All pending")),
            ]
        ),
        default="awaiting_approval",
        validators=[Optional()],
    )
    category = SelectField(_l("Category"), validators=[Optional()])
    member = WholeNumberField(_l("Member number"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()], render_kw={"type": "date"})
    date_to = DateField(_l("To"), validators=[Optional()], render_kw={"type": "date"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = exchange_labels.choices()
        self.category.choices = options([("", _l("All categories")), *categories])

    def filters(self) -> statements.QueueFilters | None:
        """The chosen filters; None when one is not valid (its message is on its field),
        which shows nothing rather than the whole queue."""
        if not self.validate():
            return None
        return statements.QueueFilters(
            status=self.status.data or "awaiting_approval",
            category=self.category.data or None,
            member=self.member.data,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )


class BulkForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=options(
            [("approve", _l("Approve the selected")), ("reject", _l("Reject the selected"))]
        ),
        default="approve",
        validators=[DataRequired(message=_l("Choose approve or reject."))],
    )
    reason = reason_field(_l("Reason, if you reject"), required=False)


# The approval conditions as the policy page offers them (issue 14); the wording of each
# is also how a pending exchange says why it waits (``CONDITION_LABELS``).
CONDITION_LABELS = {
    ApprovalCondition.ALWAYS.value: _l("Always: every agreed exchange"),
    ApprovalCondition.ABOVE_MINUTES.value: _l("Longer than the minutes below"),
    ApprovalCondition.CATEGORIES.value: _l("In one of the categories chosen below"),
    ApprovalCondition.COMPANIONSHIP.value: _l("Companionship and visits"),
    ApprovalCondition.LIMIT_CROSSED.value: _l("It would take a balance past its limit"),
    ApprovalCondition.FIRST_EXCHANGES.value: _l(
        "One of a member's first exchanges (how many: below)"
    ),
    ApprovalCondition.PROXY_OR_PAPER.value: _l(
        "Recorded for a member by a proxy or a coordinator (on paper)"
    ),
}


class PolicyForm(Form):
    require_confirmation = BooleanField(_l("The other member must confirm an exchange"))
    approval_conditions = MultiCheckboxField(
        _l("A coordinator must approve an exchange when any of these holds"),
        choices=options(CONDITION_LABELS.items()),
        validate_choice=False,
    )
    approval_above_minutes = minutes_field(_l("Approval above (minutes)"))
    approval_categories = MultiCheckboxField(
        _l("Categories that need approval"), choices=[], validate_choice=False
    )
    approval_first_exchanges = minutes_field(
        _l("How many first exchanges need approval"), _l("From 1 to 100, for each member.")
    )
    default_credit_limit = minutes_field(
        _l("Default credit limit (minutes)"),
        _l("How far below zero a member may go: 600 minutes is 10 hours."),
    )
    default_upper_limit = minutes_field(
        _l("Default upper limit (minutes, optional)"), _l("Leave empty for no upper limit."),
        optional=True,
    )  # fmt: skip
    max_minutes_per_exchange = minutes_field(_l("Longest exchange (minutes)"))
    pending_expiry_days = minutes_field(_l("Days before an unconfirmed record expires"))

    def __init__(self, *args, community: Community | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.approval_categories.choices = options(exchange_labels.choices(community))
        if community is not None and not self.is_submitted():
            self.approval_conditions.data = [
                c for c in community.approval_conditions.split(",") if c
            ]
            self.approval_categories.data = [
                c for c in community.approval_categories.split(",") if c
            ]

    def settings(self) -> dict[str, Any]:
        """The policy as ``policy.update_policy`` takes it (which checks it again)."""
        return {
            "require_confirmation": bool(self.require_confirmation.data),
            "approval_conditions": list(self.approval_conditions.data or []),
            "approval_categories": list(self.approval_categories.data or []),
            "approval_first_exchanges": self.approval_first_exchanges.data,
            "approval_above_minutes": self.approval_above_minutes.data,
            "default_credit_limit": self.default_credit_limit.data,
            "default_upper_limit": self.default_upper_limit.data,
            "max_minutes_per_exchange": self.max_minutes_per_exchange.data,
            "pending_expiry_days": self.pending_expiry_days.data,
        }
