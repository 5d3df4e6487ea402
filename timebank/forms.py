"""Shared form pieces: text that refuses control characters and keeps what was typed."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, ValidationError

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


def apply_domain_error(form: FlaskForm, error) -> bool:
    """Attach a service's ``DomainError`` to its field; return False if it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        return False
    field.errors = [*list(field.errors or []), error.message]
    return True
