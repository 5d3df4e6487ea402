"""docs/configuration.md is the operator's list of settings, and it follows the code: every
UPPER_CASE setting of a configuration class in ``timebank/config.py`` has a row in its
settings table (under its ``TIMEBANK_*`` variable) with the default the code has, and every
row names a setting the code reads."""

from __future__ import annotations

import re
from pathlib import Path

from timebank import config

ROOT = Path(__file__).resolve().parent.parent.parent
DOC = ROOT / "docs" / "configuration.md"
SOURCES = ROOT / "timebank"
VARIABLE = re.compile(r"`(TIMEBANK_[A-Z0-9_]+)`")
# Read by create_app to choose the configuration class, before apply_environment runs.
CHOOSES_THE_CLASS = {"TIMEBANK_ENV": "ENV"}


def configuration_classes() -> list[type]:
    """``Config`` and every class of ``timebank/config.py`` built on it (``ProductionConfig``)."""
    return [
        value
        for value in vars(config).values()
        if isinstance(value, type) and issubclass(value, config.Config)
    ]


def settings_of(cls: type) -> dict[str, object]:
    """The settings a class defines itself: UPPER_CASE attributes, with or without a value."""
    names = {name for name in vars(cls) | cls.__dict__.get("__annotations__", {})}
    return {
        name: vars(cls).get(name)
        for name in sorted(names)
        if name.isupper() and not name.startswith("_")
    }


def setting_set_by(variable: str) -> str | None:
    """The setting a ``TIMEBANK_*`` variable sets, asked of the code that reads them."""
    if variable in CHOOSES_THE_CLASS:
        return CHOOSES_THE_CLASS[variable]
    found: dict = {}
    config.apply_environment(found, {variable: "1"})
    return next(iter(found), None)


def variable_for(setting: str) -> str:
    """The variable the documentation should name for a setting (for the failure message)."""
    aliases = {"SQLALCHEMY_DATABASE_URI": "TIMEBANK_DATABASE_URL", "ENV": "TIMEBANK_ENV"}
    return aliases.get(setting, f"TIMEBANK_{setting}")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def settings_table(text: str) -> dict[str, dict[str, str]]:
    """The rows of the table under ``## Settings``: variable -> {column name: cell}."""
    section = re.search(r"^## Settings\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section, "docs/configuration.md has no '## Settings' section"
    lines = [line for line in section.group(1).splitlines() if line.startswith("|")]
    assert len(lines) > 2, "the '## Settings' section has no table"
    header = [cell.lower() for cell in _cells(lines[0])]
    assert {"variable", "default", "meaning"} <= set(header), f"table columns: {header}"
    rows = {}
    for line in lines[2:]:
        row = dict(zip(header, _cells(line), strict=False))
        for variable in VARIABLE.findall(row["variable"]):
            rows[variable] = row
    return rows


def _shown(value: object) -> str | None:
    """How a default is written in the table, for values one can write as a variable."""
    if value == "":
        return "empty"
    if isinstance(value, bool | int | str):
        return f"`{value}`"
    return None  # None, tuples, dictionaries, durations: described in words


def _default_of(cls: type, cell: str, classes: list[type]) -> str:
    """The part of a default cell for ``cls``'s environment: the cell reads
    "`False`; production: `True`", the text before a label is the development default."""
    labels = {c.ENV for c in classes} - {config.Config.ENV}
    if not labels:
        return cell
    parts = re.split(rf"\b({'|'.join(map(re.escape, sorted(labels)))}):", cell)
    by_label = dict(zip(parts[1::2], parts[2::2], strict=True))
    return by_label.get(cls.ENV, parts[0])


def documentation_problems(classes: list[type], table: dict[str, dict[str, str]]) -> list[str]:
    """What the table lacks: a row for each setting, and each simple default in its row."""
    documented = {setting_set_by(variable): row for variable, row in table.items()}
    problems = []
    for cls in classes:
        for setting, value in settings_of(cls).items():
            row = documented.get(setting)
            if row is None:
                problems.append(
                    f"{variable_for(setting)} ({cls.__name__}.{setting}) has no row in the "
                    "settings table of docs/configuration.md"
                )
                continue
            shown = _shown(value)
            default = _default_of(cls, row["default"], [config.Config, *classes])
            if isinstance(value, bool):  # `True` or `true`
                shown, default = shown.lower(), default.lower()
            if shown is not None and shown not in default:
                problems.append(
                    f"{variable_for(setting)}: the default in docs/configuration.md should "
                    f"mention {shown} ({cls.__name__}.{setting} = {value!r}), it says "
                    f"{row['default']!r}"
                )
    return problems


def _table() -> dict[str, dict[str, str]]:
    return settings_table(DOC.read_text(encoding="utf-8"))


def test_every_setting_is_documented_with_its_default():
    """Each setting of Config and ProductionConfig has a row, with the code's default."""
    problems = documentation_problems(configuration_classes(), _table())
    assert not problems, "\n".join(problems)


def test_every_documented_variable_sets_a_setting_the_code_reads():
    """No row names a variable that sets nothing, or a setting no code reads any more."""
    code = "\n".join(path.read_text(encoding="utf-8") for path in SOURCES.rglob("*.py"))
    stale = []
    for variable in _table():
        setting = setting_set_by(variable)
        if setting is None or not re.search(rf"\b{setting}\b", code):
            stale.append(f"{variable} (setting {setting}) is read nowhere in timebank/")
    assert not stale, "\n".join(stale)


def test_a_new_setting_without_a_row_is_named_in_the_failure():
    """A setting added to config.py but not to the table fails, naming its variable."""

    class WithNewSettings(config.ProductionConfig):
        TWO_FACTOR_REQUIRED = False
        SESSION_COOKIE_SECURE = False  # documented, but the production default is True
        DATABASE_NAME: str | None = None  # no value, still a setting

    problems = documentation_problems([WithNewSettings], _table())
    assert any(p.startswith("TIMEBANK_TWO_FACTOR_REQUIRED ") for p in problems), problems
    assert any(p.startswith("TIMEBANK_DATABASE_NAME ") for p in problems), problems
    assert any(p.startswith("TIMEBANK_SESSION_COOKIE_SECURE: the default") for p in problems)
    assert len(problems) == 3, problems


def test_the_database_url_is_the_documented_name_of_the_database_setting():
    """TIMEBANK_DATABASE_URL, as the table names it, sets SQLALCHEMY_DATABASE_URI."""
    assert setting_set_by("TIMEBANK_DATABASE_URL") == "SQLALCHEMY_DATABASE_URI"
    assert "TIMEBANK_DATABASE_URL" in _table()
