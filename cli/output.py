"""Printing: one JSON document for machines, readable tables for people."""

from __future__ import annotations

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
