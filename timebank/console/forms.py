"""Forms of the coordinator console and the proxy pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FileField,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from timebank.forms import (
    Form,
    IdField,
    KeyedForm,
    NoControlCharacters,
    minutes_field,
    reason_field,
)


class RoleForm(Form):
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("member", _l("Member")),
            SelectChoice("coordinator", _l("Coordinator")),
            SelectChoice("admin", _l("Administrator")),
        ],
    )


class ProxyForm(Form):
    proxy_number = StringField(
        _l("Member number of the proxy"),
        validators=[DataRequired(message=_l("Enter a member number.")), Length(max=12)],
    )


class StepForm(Form):
    name_en = StringField(
        _l("Name in English"), validators=[DataRequired(), Length(max=80), NoControlCharacters()]
    )
    name_ar = StringField(
        _l("Name in Arabic"), validators=[DataRequired(), Length(max=80), NoControlCharacters()]
    )
    required = BooleanField(_l("Required before approval"), default=True)


class TickForm(Form):
    step_id = HiddenField(validators=[DataRequired()])
    done_on = DateField(_l("Done on"), validators=[Optional()])


class NewMemberForm(Form):
    display_name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter the person's name.")),
            Length(max=80),
            NoControlCharacters(),
        ],
    )
    email = StringField(
        _l("E-mail address (optional)"),
        description=_l("Leave empty for someone without e-mail; a proxy can act for them."),
        validators=[Optional(), Length(max=254), NoControlCharacters()],
    )
    phone = StringField(
        _l("Phone (optional)"), validators=[Optional(), Length(max=40), NoControlCharacters()]
    )
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("ar", "العربية"), SelectChoice("en", "English")]
    )


class SlipForm(Form):
    class Meta:
        csrf = False

    provider = StringField(_l("Provider number"), validators=[Length(max=12)])
    recipient = StringField(_l("Recipient number"), validators=[Length(max=12)])
    date = StringField(_l("Date"), validators=[Length(max=20)])
    duration = StringField(_l("Duration"), validators=[Length(max=12)])
    category = StringField(_l("Category"), validators=[Length(max=80)])
    note = StringField(_l("Note"), validators=[Length(max=500), NoControlCharacters()])


class TimesheetForm(KeyedForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            # Rows are stripped by their own fields; a FieldList takes no filters.
            if issubclass(unbound_field.field_class, FieldList | FormField):
                return unbound_field.bind(form=form, **options)
            return Form.Meta.bind_field(self, form, unbound_field, options)

    rows = FieldList(FormField(SlipForm), min_entries=10, max_entries=100)
    accept_duplicates = BooleanField(_l("The flagged rows are not duplicates: save them too"))


class ImportForm(KeyedForm):
    kind = RadioField(
        _l("The file contains"),
        choices=[
            SelectChoice("members", _l("Members")),
            SelectChoice("exchanges", _l("Historical exchanges")),
        ],
        default="members",
    )
    file = FileField(_l("CSV file"))
    content = HiddenField()


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    actor_id = IdField(_l("Actor (user number)"), validators=[Optional()])
    action = StringField(
        _l("Action"), validators=[Optional(), Length(max=60), NoControlCharacters()]
    )
    object_type = StringField(
        _l("Object type"), validators=[Optional(), Length(max=40), NoControlCharacters()]
    )
    object_id = IdField(_l("Object number"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


class AnnouncementForm(Form):
    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=120), NoControlCharacters()]
    )
    body = TextAreaField(
        _l("Announcement"),
        validators=[DataRequired(), Length(max=4000), NoControlCharacters(multiline=True)],
    )


class LimitsForm(Form):
    credit_limit = minutes_field(
        _l("Credit limit (minutes)"), _l("How far below zero this member may go.")
    )
    upper_limit = minutes_field(
        _l("Upper limit (minutes, optional)"), _l("Leave empty for no upper limit."),
        optional=True,
    )  # fmt: skip
    reason = reason_field(_l("Reason for the change"))


class SignInSettingsForm(Form):
    """How the community's members sign in (community admins)."""

    require_two_factor = BooleanField(
        _l("Coordinators and admins must use two-factor sign-in"),
        description=_l(
            "They are asked to set it up when they next log in, and cannot open the "
            "time bank's pages before they have. Set it up for yourself first."
        ),
    )
    allow_remembered_devices = BooleanField(
        _l("Members may have a device remembered"),
        description=_l(
            "Their own phone or computer then skips the code when they log in. Only when "
            "every time bank a member belongs to allows it."
        ),
    )


class ResetTwoFactorForm(Form):
    """An admin turns off a member's two-factor sign-in (phone and codes lost)."""

    confirm = BooleanField(
        _l("I have checked that this person asked for it themselves"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
