"""The form that adds a webhook endpoint (the console's webhooks page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, StringField
from wtforms.validators import Length

from timebank.forms import Form, MultiCheckboxField, NoControlCharacters
from timebank.services.webhooks.events import EVENTS


class WebhookForm(Form):
    url = StringField(
        _l("Address"),
        validators=[Length(max=500), NoControlCharacters()],
        description=_l("Where to send the events: an https:// address of your system."),
        render_kw={"dir": "ltr", "inputmode": "url", "autocomplete": "off", "spellcheck": "false"},
    )
    events = MultiCheckboxField(
        _l("Events"), choices=[SelectChoice(key, label) for key, label in EVENTS.items()]
    )
