"""The build step pyproject.toml cannot say: compile the gettext catalogs.

Every build (wheel, `pip install .`, `pip install -e .`) compiles each
ledger/locale/LANG/LC_MESSAGES/certledger.po into the .mo the program reads, with Babel,
before the package's files are collected, so an installed certledger always has its
translations (the .mo files are not kept in git).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).resolve().parent / "ledger" / "locale"


def compile_catalogs() -> list[Path]:
    """Compile every .po under ledger/locale into its .mo (fuzzy entries left out, as
    `pybabel compile` does); the .mo files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parents[1].name, domain=po.stem)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as target:
            write_mo(target, catalog)
        written.append(mo)
    return written


class build_py_with_catalogs(build_py):
    """`build_py` that compiles the catalogs first, so they are among the package data."""

    def run(self) -> None:
        for mo in compile_catalogs():
            self.announce(f"compiled {mo.relative_to(LOCALE.parent.parent)}", level=2)
        self.__dict__.pop("data_files", None)  # collect them again, .mo files included
        super().run()


setup(cmdclass={"build_py": build_py_with_catalogs})
