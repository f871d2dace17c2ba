"""The command tree in the language in use: help texts translated where click shows them,
and the Babel extractor that puts them (and click's own words) in the catalog.

Help texts are written in English in the code (docstrings, `help=`), as click keeps them;
`translate_tree` swaps each for its translation before click renders anything, from the
English kept aside, so a process may run commands in both languages one after the other.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import click

from ledger.i18n import _

_ORIGINAL = "_certledger_english"
"""The attribute that keeps a command's or option's English texts."""

_COMMAND_TEXTS = ("help", "short_help", "epilog")
_PARAM_TEXTS = ("help",)


def _commands(command: click.Command, *, loaded_only: bool = False) -> Iterator[click.Command]:
    """`command` and every command below it; with `loaded_only`, only those a lazily loading
    group (its `loaded` mapping) has loaded so far, so that walking loads nothing."""
    yield command
    if isinstance(command, click.Group):
        below = getattr(command, "loaded", None) if loaded_only else None
        for sub in (command.commands if below is None else below).values():
            yield from _commands(sub, loaded_only=loaded_only)


def _translate(thing: object, names: tuple[str, ...]) -> None:
    english: dict[str, str | None] | None = getattr(thing, _ORIGINAL, None)
    if english is None:
        english = {name: getattr(thing, name, None) for name in names}
        setattr(thing, _ORIGINAL, english)
    for name, text in english.items():
        setattr(thing, name, _(text) if text else text)


_touched = False
"""Whether a help text was ever swapped (English needs nothing until then)."""


def translate_tree(root: click.Command) -> None:
    """Put every help text of `root` and its loaded subcommands in the language in use (a
    group that loads its commands lazily translates each as it loads it: see
    `cli.main.LedgerGroup`). In English, until another language was used, there is nothing
    to do."""
    global _touched
    from ledger.i18n import language

    if language() == "en" and not _touched:
        return
    _touched = True
    for command in _commands(root, loaded_only=True):
        _translate(command, _COMMAND_TEXTS)
        # Click makes `--help` once per command, its text in the language of the moment:
        # have it made again in this one.
        if hasattr(command, "_help_option"):
            command._help_option = None
        for param in command.params:
            if isinstance(param, click.Option):
                _translate(param, _PARAM_TEXTS)


def help_texts(root: click.Command) -> Iterator[str]:
    """Every English help text of the tree, as click keeps it (docstrings cleaned)."""
    for command in _commands(root):
        english = getattr(command, _ORIGINAL, None)
        for name in _COMMAND_TEXTS:
            text = english[name] if english else getattr(command, name, None)
            if text:
                yield text
        for param in command.params:
            if isinstance(param, click.Option):
                english = getattr(param, _ORIGINAL, None)
                text = english["help"] if english else param.help
                if text:
                    yield text


_CLICK_MODULES = (
    "core",
    "decorators",
    "exceptions",
    "formatting",
    "parser",
    "termui",
    "types",
    "utils",
)
"""The click modules whose messages people can meet (their `_()` / `ngettext()` calls)."""


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[Any, ...]]:
    """Babel extraction method (babel.cfg: `[cli.translation.extract: cli/main.py]`): the
    messages of the file itself (it is cli/main.py, which Babel gives to one method only),
    the help texts of the whole command tree, then click's own translatable messages, so one
    catalog serves them all."""
    from babel.messages.extract import extract_python

    from cli.main import cli

    python: Any = extract_python  # Babel's annotation is that of extract()'s results
    yield from python(fileobj, keywords, comment_tags, options)
    seen: set[str] = set()
    for text in help_texts(cli):
        if text not in seen:
            seen.add(text)
            yield 0, None, text, ["click help text"]
    folder = Path(click.__file__).parent
    for name in _CLICK_MODULES:
        with open(folder / f"{name}.py", "rb") as source:
            for lineno, funcname, messages, comments in python(
                source, keywords, comment_tags, options
            ):
                yield lineno, funcname, messages, [*comments, f"click/{name}.py:{lineno}"]


def refresh(root: Path | None = None) -> None:
    """Bring the catalogs up to date with the code, in three Babel steps: extract every
    message into ledger/locale/certledger.pot, merge it into each language's .po (new
    messages empty, changed ones marked fuzzy), compile the .po into .mo."""
    import os

    from babel.messages.frontend import CommandLineInterface

    folder = root or Path(__file__).resolve().parents[1]
    pot = "ledger/locale/certledger.pot"
    here = Path.cwd()
    os.chdir(folder)
    try:
        for step in (
            [
                "extract",
                *("-F", "babel.cfg", "-o", pot, "-w", "100"),
                *("--project=certledger", "--copyright-holder=certledger maintainers"),
                ".",
            ],
            [
                "update",
                *("-i", pot, "-d", "ledger/locale", "-D", "certledger", "-w", "100"),
                "--ignore-obsolete",
            ],
            ["compile", "-d", "ledger/locale", "-D", "certledger", "--statistics"],
        ):
            quiet = ["-q"] if step[0] != "compile" else []
            CommandLineInterface().run(["pybabel", *quiet, *step])  # type: ignore[no-untyped-call]
    finally:
        os.chdir(here)


if __name__ == "__main__":
    refresh()
