"""Server-rendered SVG charts (pygal) of the figures in ``results``. No script, no external
resource: served as ``image/svg+xml`` from their own route (with its own CSP) and shown
with ``<img>``; every chart's numbers are also on the page as a table.

pygal appends a legacy import hook (``PluginImportFixer``, for ``pygal.maps.*`` plugins,
which we do not use) to ``sys.meta_path``; its ``find_module`` fallback makes every failed
import anywhere in the process raise an ``ImportWarning``. We take it out after import,
which happens on the first chart, not when the application starts."""

from __future__ import annotations

import functools
import re
import sys
from types import ModuleType
from typing import Any

from flask_babel import gettext as _

from timebank.i18n import format_minutes, format_month, local_digits
from timebank.services.metrics.definitions import LEVEL_NAMES, PARTNER_BUCKET_NAMES
from timebank.services.metrics.results import MemberParticipation, Summary

# pygal's Style, made on the first chart.
STYLE = dict(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d1d1b",
    foreground_strong="#1d1d1b",
    foreground_subtle="#5b5b57",
    colors=("#1f5f8b", "#b5541c", "#2e7d4f", "#6a4c93"),
    font_family='"Noto Sans Arabic", "Amiri", "DejaVu Sans", sans-serif',
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=12,
    title_font_size=16,
    legend_font_size=13,
)

MONTH = "LLL y"  # "Oct 2026" / "أكتوبر ٢٠٢٦" under the bars
NAMES = ("hours", "active", "categories", "partners", "levels")
# pygal always writes its tooltip configuration as an inline <script>; an <img> never runs
# it and our CSP forbids it anyway, so it is removed.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)


@functools.cache
def _pygal() -> ModuleType:
    """pygal, imported on the first chart (it is slow to import), without its import hook."""
    import pygal

    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    return pygal


@functools.cache
def _style() -> Any:
    from pygal.style import Style

    return Style(**STYLE)


def _svg(chart) -> str:
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def _config(title: str, **extra) -> dict:
    return {
        "title": title,
        "style": _style(),
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": True,
        "width": 720,
        "height": 360,
        "show_legend": extra.pop("show_legend", False),
        "print_values": True,
        "print_zeroes": False,
        "value_formatter": extra.pop("value_formatter", lambda v: local_digits(f"{v:g}")),
        "x_label_rotation": extra.pop("x_label_rotation", 0),
        "truncate_label": -1,
        **extra,
    }


def _hours(minutes: int) -> float:
    return minutes / 60


def _duration(hours: float) -> str:
    """A value on an hours chart as people say it: "2 h 30 min", not "2.5"."""
    return format_minutes(round(hours * 60))


def _hours_config(title: str, **extra) -> dict:
    return _config(title, value_formatter=_duration, **extra)


def render(name: str, summary: Summary, category_names: dict[str, str]) -> str:
    """The SVG markup of chart ``name`` (one of ``NAMES``) for a period."""
    pygal = _pygal()
    if name == "hours":
        chart = pygal.Bar(**_hours_config(_("Hours exchanged per month"), x_label_rotation=30))
        chart.x_labels = [format_month(m.month, MONTH) for m in summary.months]
        chart.add(_("Hours"), [_hours(m.minutes) for m in summary.months])
    elif name == "active":
        chart = pygal.Bar(**_config(_("Active members per month"), x_label_rotation=30))
        chart.x_labels = [format_month(m.month, MONTH) for m in summary.months]
        chart.add(_("Active members"), [m.active_members for m in summary.months])
    elif name == "categories":
        chart = pygal.HorizontalBar(**_hours_config(_("Hours by category")))
        rows = summary.categories[:12]
        chart.x_labels = [category_names.get(c.key, c.key) for c in rows]
        chart.add(_("Hours"), [_hours(c.minutes) for c in rows])
    elif name == "partners":
        chart = pygal.Bar(**_config(_("Active members by number of distinct partners")))
        chart.x_labels = [
            str(PARTNER_BUCKET_NAMES[k]) for k, _n in summary.ties.partner_distribution
        ]
        chart.add(_("Members"), [n for _k, n in summary.ties.partner_distribution])
    elif name == "levels":
        chart = pygal.Bar(**_config(_("Members by co-production level")))
        levels = summary.coproduction
        keys = ("not_active", "compliance", "support", "transformation")
        chart.x_labels = [str(LEVEL_NAMES[k]) for k in keys]
        chart.add(_("Members"), [getattr(levels, k) for k in keys])
    else:
        raise KeyError(name)
    return _svg(chart)


def render_member(mine: MemberParticipation) -> str:
    chart = _pygal().Bar(
        **_hours_config(_("Your hours given and received per month"), show_legend=True,
                  x_label_rotation=30, legend_at_bottom=True)
    )  # fmt: skip
    chart.x_labels = [format_month(m.month, MONTH) for m in mine.months]
    chart.add(_("Given"), [_hours(m.minutes_given) for m in mine.months])
    chart.add(_("Received"), [_hours(m.minutes_received) for m in mine.months])
    return _svg(chart)
