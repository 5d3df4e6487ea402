"""The e-mail preferences: one tick box per kind of notification, and the digest."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from timebank.forms import Form
from timebank.services.messaging import notifications

PREFERENCE_LABELS = {
    **notifications.KINDS,
    notifications.DIGEST: _l("A weekly digest of new listings in my categories and area"),
}


class PreferencesForm(Form):
    """Built by ``preferences_form``: a ``BooleanField`` per kind of ``PREFERENCE_LABELS``."""

    def chosen(self) -> set[str]:
        """The kinds ticked."""
        return {kind for kind in PREFERENCE_LABELS if getattr(self, kind).data}


def preferences_form(values: dict[str, bool]) -> PreferencesForm:
    """The form, each box ticked as in ``values`` (kind -> e-mail on)."""

    class Preferences(PreferencesForm):
        pass

    for kind, label in PREFERENCE_LABELS.items():
        setattr(Preferences, kind, BooleanField(label, default=values[kind]))
    return Preferences()
