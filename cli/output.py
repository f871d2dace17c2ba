"""Printing: one JSON document for machines, readable tables for people."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import click

T = TypeVar("T")


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
    from rich.text import Text

    # Every text is printed literally: stored text (a reason, a name) is never read as markup.
    console = Console(soft_wrap=False, width=max(100, _width()), highlight=False)
    if title:
        console.print(Text(title))
    grid = Table(show_lines=False, box=None, pad_edge=False)
    for i, column in enumerate(columns):
        folds = column in wrap or i == len(columns) - 1
        grid.add_column(
            Text(column), overflow="fold", no_wrap=not folds, ratio=1 if folds else None
        )
    for row in rows:
        grid.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    console.print(grid)


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((120, 24)).columns


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


class ProgressBar:
    """Progress of a long command on stderr when it is a terminal, nothing on a pipe:
    count / total, rate and time left (`with ProgressBar(n, "rows") as advance: advance(1)`;
    with no total, the count, the rate and the time spent)."""

    def __init__(self, total: int | None, unit: str, console: Any = None) -> None:
        self.total = total
        self.unit = unit
        self.console = console
        self.progress: Any = None

    def __enter__(self) -> Callable[[int], None]:
        console = self.console
        if console is None:
            if not sys.stderr.isatty():
                return _nothing
            from rich.console import Console

            console = Console(stderr=True)
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        unit = self.unit
        rate = TextColumn(f"{{task.fields[rate]}} {unit}/s")  # filled in by advance() below
        if self.total is None:
            columns: tuple[Any, ...] = (
                TextColumn(f"{{task.completed:,}} {unit}"),
                rate,
                TimeElapsedColumn(),
            )
        else:
            columns = (
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(unit),
                rate,
                TextColumn("left"),
                TimeRemainingColumn(),
            )
        self.progress = Progress(*columns, console=console, transient=True)
        self.progress.start()
        task = self.progress.add_task(unit, total=self.total, rate="…")
        progress = self.progress

        def advance(n: int) -> None:
            progress.advance(task, n)
            speed = progress.tasks[0].speed
            if speed:
                progress.update(task, rate=f"{speed:,.0f}")

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def _nothing(n: int) -> None:
    """No progress shown (stderr is not a terminal)."""


def progress(items: Iterable[T]) -> Iterator[T]:
    """Count the items on stderr while they stream, when stderr is a terminal."""
    with ProgressBar(None, "candidates") as advance:
        for item in items:
            advance(1)
            yield item


def stream_json(documents: Iterable[dict[str, Any]]) -> None:
    """One JSON array, written element by element (bounded memory)."""
    import orjson

    out = sys.stdout
    out.write("[")
    for i, document in enumerate(documents):
        out.write(("," if i else "") + "\n" + orjson.dumps(document).decode())
    out.write("\n]\n")


def print_rows(fmt: str, rows: Iterable[dict[str, Any]], columns: list[str], title: str) -> None:
    if fmt == "json":
        stream_json(rows)
        return
    if fmt == "csv":
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
        return
    table(title, columns, [[_cell(row[c]) for c in columns] for row in rows])


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value
