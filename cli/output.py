"""Printing: one JSON document for machines, readable tables for people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def emit_json(document: Any) -> None:
    """Print exactly one JSON document (dates ISO, instants ISO with offset)."""
    import orjson

    click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))


def table(
    title: str | None,
    columns: list[str],
    rows: list[list[Any]],
    wrap: tuple[str, ...] = (),
) -> None:
    """Print a table to stdout with rich. Columns in `wrap` (and the last one) fold long
    text; the others keep their cells on one line."""
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False, width=max(100, _width()))
    if title:
        console.print(title, markup=False, highlight=False)
    grid = Table(show_lines=False, box=None, pad_edge=False)
    for i, column in enumerate(columns):
        folds = column in wrap or i == len(columns) - 1
        grid.add_column(column, overflow="fold", no_wrap=not folds, ratio=1 if folds else None)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(grid)


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((120, 24)).columns


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


class ProgressBar:
    """A progress bar on stderr when it is a terminal (else nothing): `with ProgressBar(n, "rows")
    as advance: advance(1)`."""

    def __init__(self, total: int | None, unit: str) -> None:
        self.total = total
        self.unit = unit
        self.progress: Any = None

    def __enter__(self) -> Callable[[int], None]:
        import sys

        if not sys.stderr.isatty():
            return lambda n: None
        from rich.console import Console
        from rich.progress import Progress

        self.progress = Progress(console=Console(stderr=True), transient=True)
        self.progress.start()
        task = self.progress.add_task(self.unit, total=self.total)
        return lambda n: self.progress.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()
