"""The period picker (a GET form: it changes nothing) and the metrics settings."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp

from timebank.forms import Form, options
from timebank.models import Community
from timebank.services.exceptions import DomainError, InvalidInput
from timebank.services.metrics import formatting, periods
from timebank.services.metrics.periods import Period
from timebank.web import place_error

CUSTOM = "custom"


class PeriodForm(Form):
    class Meta:
        csrf = False

    period = SelectField(_l("Period"), validators=[Optional()], validate_choice=False)
    start = DateField(
        _l("From"),
        validators=[Optional()],
        description=_l("For your own dates: the first day, as YYYY-MM-DD."),
    )
    end = DateField(
        _l("To"), validators=[Optional()], description=_l("The last day, as YYYY-MM-DD.")
    )

    def setup(self, today: date) -> None:
        options = periods.choices(today)
        self.period.choices = [(p.label, formatting.period_name(p)) for p in options] + [
            (CUSTOM, str(_l("Your own dates (below)")))
        ]

    def chosen(self, default: Period) -> Period:
        """The period asked for; ``InvalidInput`` (attached to its field) when it is not
        one. Nothing asked: ``default``."""
        choice = self.period.data
        if self.start.errors or self.end.errors:
            raise InvalidInput(_l("Enter a date as YYYY-MM-DD."), field="start")
        if choice == CUSTOM or (not choice and (self.start.data or self.end.data)):
            if not self.start.data or not self.end.data:
                raise InvalidInput(_l("Enter both dates of your period."), field="start")
            return periods.from_dates(self.start.data, self.end.data)
        if choice:
            return periods.parse(choice)
        return default

    def resolve(self, default: Period) -> Period | None:
        """``chosen``, shown as the choice on the form; None when what was asked is not a
        period (the message is then on its field)."""
        try:
            period = self.chosen(default)
        except DomainError as error:
            place_error(self, error, aliases={"": "period"})
            return None
        if period.label in {value for value, _label in self.period.choices}:
            self.period.data = period.label
        else:
            self.period.data = CUSTOM
            self.start.data, self.end.data = period.start, period.end
        return period


class MetricsSettingsForm(Form):
    members_see_metrics = BooleanField(_l("Members can see the community's figures"))
    value_per_hour = IntegerField(
        _l("Value of one hour, in whole currency units"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        description=_l("Used for an estimated social value in reports. Leave empty for none."),
    )
    value_currency = StringField(
        _l("Currency"),
        validators=[Optional(), Length(max=3), Regexp(r"^[A-Za-z]{3}$",
                    message=_l("Use a three-letter code such as EUR or JOD."))],
    )  # fmt: skip

    @classmethod
    def of(cls, community: Community) -> MetricsSettingsForm:
        """The form showing ``community``'s current settings."""
        cents = community.value_per_hour_cents
        return cls(
            members_see_metrics=community.members_see_metrics,
            value_per_hour=cents // 100 if cents is not None else None,
            value_currency=community.value_currency,
        )

    def settings(self) -> dict[str, Any]:
        """What was submitted, as ``settings.update`` takes it."""
        return {
            "members_see_metrics": self.members_see_metrics.data,
            "value_per_hour": self.value_per_hour.data,
            "currency": self.value_currency.data,
        }


class PrepareReportForm(Form):
    """Ask for a report to be prepared in the background (the service checks both)."""

    report_period = SelectField(_l("Period"), validate_choice=False)
    report_format = SelectField(
        _l("Format"),
        choices=options([("pdf", _l("PDF")), ("xlsx", _l("Spreadsheet (XLSX)"))]),
        validate_choice=False,
    )

    def setup(self, period: Period, today: date) -> PrepareReportForm:
        """Periods to choose from, the one on the page first chosen."""
        choices = periods.choices(today)
        if period.label not in {p.label for p in choices}:
            choices = [period, *choices]
        self.report_period.choices = options((p.label, formatting.period_name(p)) for p in choices)
        if not self.report_period.data:
            self.report_period.data = period.label
        return self
