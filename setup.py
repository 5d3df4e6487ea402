"""Build hook: the compiled message catalogues (``.mo``) are build output, not committed.
``build_py`` compiles every ``timebank/translations/*/LC_MESSAGES/messages.po`` into the
wheel (and into the source tree for an editable install); ``sdist`` adds them to the
archive. Everything else about the package is in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

CATALOGUES = Path("timebank") / "translations"


def compile_catalogues(source: Path, target: Path) -> list[str]:
    """Compile each ``<lang>/LC_MESSAGES/*.po`` under ``source`` to the same place under
    ``target``; fuzzy entries are left out, as ``pybabel compile`` does. Refuses a
    catalogue with errors (a placeholder missing from a translation, say)."""
    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        problems = [
            f"{po}:{message.lineno}: {error}"
            for message, errors in catalog.check()
            for error in errors
        ]
        if problems:
            raise SystemExit("\n".join(problems))
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(str(mo))
    return written


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            compile_catalogues(CATALOGUES, CATALOGUES)
        else:
            compile_catalogues(CATALOGUES, Path(self.build_lib) / CATALOGUES)


class SdistWithCatalogues(sdist):
    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        compile_catalogues(CATALOGUES, Path(base_dir) / CATALOGUES)


setup(cmdclass={"build_py": BuildWithCatalogues, "sdist": SdistWithCatalogues})
