"""One table of translated labels for the values a report or export prints (statuses,
kinds, roles, co-production levels, partner buckets), and how a cell reads in the
reader's language and digits. Files for machines (JSON, CSV) keep the internal keys; what
a person reads (PDF, XLSX) goes through here, so no internal key reaches a reader."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from timebank.i18n import format_minutes, format_month, format_when, local_digits
from timebank.services.metrics import definitions

LABELS: dict[str, dict[str, object]] = {
    "status": {
        "recorded": _l("Recorded"),
        "awaiting_approval": _l("Awaiting approval"),
        "posted": _l("Posted"),
        "rejected": _l("Rejected"),
        "cancelled": _l("Cancelled"),
        "expired": _l("Expired"),
        "reversed": _l("Reversed"),
        "applying": _l("Applying"),
        "active": _l("Active"),
        "suspended": _l("Suspended"),
        "left": _l("Left"),
        "declined": _l("Declined"),
    },
    "kind": {
        "exchange": _l("Exchange"),
        "donation": _l("Gift to the community pot"),
        "grant": _l("Grant from the community pot"),
        "group": _l("Group exchange"),
        "settlement": _l("Settlement"),
        "reversal": _l("Reversal"),
    },
    "role": {
        "member": _l("Member"),
        "coordinator": _l("Coordinator"),
        "admin": _l("Administrator"),
    },
    "outcome": {"ok": _l("Done"), "denied": _l("Refused")},
    "level": dict(definitions.LEVEL_NAMES),
    "partners": dict(definitions.PARTNER_BUCKET_NAMES),
}


class Minutes(int):
    """Minutes in a column of mixed measures (a "Measure / Value" table): files keep the
    number of minutes, what a person reads shows a duration ("1 h 30 min", "١ س ٣٠ د")."""


def label(group: str, key: object) -> str:
    """The translated name of ``key`` in ``group``; an unknown key is shown as it is
    (user data such as a category a community named itself)."""
    text = str(key)
    found = LABELS.get(group, {}).get(text)
    return local_digits(found) if found is not None else text


def shown(kind: str, value: object) -> str:
    """A table cell as a reader reads it, in the current locale's words and digits."""
    if value is None:
        return ""
    if isinstance(value, Minutes):
        return format_minutes(int(value))
    if kind == "user":
        return str(value)
    if kind == "date":
        return format_when(value if isinstance(value, date) else date.fromisoformat(str(value)))
    if kind == "month":
        return format_month(str(value))
    if kind == "minutes":
        return format_minutes(int(value))  # type: ignore[call-overload]
    if kind in LABELS:
        return label(kind, value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return local_digits(f"{value:,}")
    if isinstance(value, float):
        return local_digits(f"{value:,.2f}")
    return local_digits(value)  # translated text: "(must be 0)" reads "(يجب أن يكون ٠)"
