"""Printing: one JSON document for machines, readable tables for people."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import click

from ledger import i18n
from ledger.i18n import N_, _

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


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
    """Print rows for people: a table when it fits the terminal, else one block of
    `column: value` lines per row. Nothing is ever cut: identifiers, codes, states and
    numbers stay whole on one line; only the columns in `wrap` (free text) may fold, and
    only between words."""
    cells = [["" if cell is None else str(cell) for cell in row] for row in rows]
    width = _width()
    widths = _widths(columns, cells, wrap, width)
    if title:
        click.echo(title)
    if widths is None:
        _records(columns, cells, wrap, width)
        return
    if _plain(columns, cells, widths):
        # Nothing folds: the grid rich would print, without importing rich (a status
        # starts faster); tests/cli/test_tables.py holds the two equal.
        for row in [columns, *cells]:
            click.echo(_line(row, widths))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Every text is printed literally: stored text (a reason, a name) is never read as markup.
    console = Console(soft_wrap=False, width=width, highlight=False)
    grid = Table(show_lines=False, box=None, pad_edge=False, header_style="")
    for column, size in zip(columns, widths, strict=True):
        grid.add_column(Text(column), width=size, no_wrap=column not in wrap, overflow="fold")
    for row in cells:
        grid.add_row(*(Text(cell) for cell in row))
    console.print(grid)


def _plain(columns: list[str], cells: list[list[str]], widths: list[int]) -> bool:
    """Whether every text is printable on one line and fits its column as it is."""
    from rich.cells import cell_len

    return all(
        text.isprintable() and cell_len(text) <= size
        for row in [columns, *cells]
        for text, size in zip(row, widths, strict=True)
    )


def _line(row: list[str], widths: list[int]) -> str:
    """One row of a grid: each text padded to its column's width, two spaces between."""
    from rich.cells import cell_len

    return (" " * GAP).join(
        text + " " * (size - cell_len(text)) for text, size in zip(row, widths, strict=True)
    )


GAP = 2
"""Spaces between two columns of a table."""

READABLE = 20
"""The narrowest a column of free text gets in a table (else the rows print as records)."""


def _widths(
    columns: list[str], cells: list[list[str]], wrap: tuple[str, ...], width: int
) -> list[int] | None:
    """Each column's width so that the table fits in `width` with nothing cut, or None when
    it cannot: a column keeps its widest cell, a `wrap` column may narrow to its longest
    word (the widest first)."""
    from rich.cells import cell_len

    natural = []
    least = []
    for i, column in enumerate(columns):
        texts = [column, *(row[i] for row in cells)]
        natural.append(max(cell_len(line) for text in texts for line in text.splitlines() or [""]))
        if column in wrap:
            # Narrower than a few words, free text reads badly: records read better then.
            longest = max((cell_len(word) for text in texts for word in text.split()), default=1)
            least.append(max(longest, min(natural[-1], READABLE)))
        else:
            least.append(natural[-1])
    room = width - GAP * (len(columns) - 1)
    if sum(least) > room:
        return None
    sizes = list(natural)
    excess = sum(sizes) - room
    while excess > 0:
        # Narrow the widest foldable column by what it has above the next one (or its least).
        i = max((k for k in range(len(sizes)) if sizes[k] > least[k]), key=lambda k: sizes[k])
        others = [sizes[k] for k in range(len(sizes)) if k != i and sizes[k] > least[k]]
        step = max(1, min(excess, sizes[i] - least[i], sizes[i] - max(others, default=0)))
        sizes[i] -= step
        excess -= step
    return sizes


def _records(columns: list[str], cells: list[list[str]], wrap: tuple[str, ...], width: int) -> None:
    """One block of `column: value` lines per row, a blank line between blocks; free text
    folds between words under its value, never inside one."""
    import textwrap

    from rich.cells import cell_len

    key_width = max(cell_len(column) for column in columns) + 2
    for n, row in enumerate(cells):
        if n:
            click.echo("")
        for column, value in zip(columns, row, strict=True):
            key = column + ":" + " " * (key_width - cell_len(column) - 1)
            lines = [value]
            if column in wrap and value:
                lines = textwrap.wrap(
                    value,
                    max(20, width - key_width),
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            click.echo((key + lines[0]).rstrip())
            for line in lines[1:]:
                click.echo(" " * key_width + line)


def say(text: str, indent: int = 0, hang: int = 4) -> None:
    """Print a sentence folded to the terminal's width between words (never inside one: an
    identifier longer than the line stays whole), its next lines indented by `hang` more."""
    import textwrap

    click.echo(
        textwrap.fill(
            text,
            max(40, _width()),
            initial_indent=" " * indent,
            subsequent_indent=" " * (indent + hang),
            break_long_words=False,
            break_on_hyphens=False,
        )
    )


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((120, 24)).columns


def yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


PARIS = "Europe/Paris"
"""The time zone instants are shown in (the ledger stores them in UTC)."""


def show_date(day: date | str | None) -> str:
    """A date as people read it: ISO in English, `27/06/2017` in French (`ledger.i18n`)."""
    if day is None:
        return ""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return i18n.show_date(day)


def show_instant(moment: datetime | str | None) -> str:
    """An instant in Paris time, to the second: `2019-06-20 14:03:07 (Paris)`."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(PARIS))
    return _("{date} {time} (Paris)").format(
        date=show_date(local.date()), time=local.strftime("%H:%M:%S")
    )


def show_validity(until: date | None) -> str:
    """Until when something counts, its last day and the first day it no longer does:
    `valid through 2022-06-19 (until 2022-06-20 excluded)`; None means for good."""
    if until is None:
        return _("permanent")
    return _("valid through {last} (until {end} excluded)").format(
        last=show_date(until - timedelta(days=1)), end=show_date(until)
    )


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


EXCEL_FR = "excel-fr"
RFC4180 = "rfc4180"
CSV_DIALECTS = {
    EXCEL_FR: (";", "\ufeff", ","),
    RFC4180: (",", "", "."),
}
"""The CSV the product writes, by name: (separator, what the file starts with, decimal mark).

`excel-fr`, the default, is what Excel and LibreOffice in French open correctly with a double
click: `;` between fields, UTF-8 with a byte order mark, decimal comma. `rfc4180` is the
interchange form (RFC 4180): `,` between fields, UTF-8 without a BOM, decimal point. Both end
lines with CRLF and quote a field only when it needs it."""


def print_rows(
    fmt: str,
    rows: Iterable[dict[str, Any]],
    columns: list[str],
    title: str,
    dialect: str = EXCEL_FR,
    wrap: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
) -> None:
    """Rows as a JSON array, CSV in `dialect`, or a table (see `table`: lists, and the
    columns in `wrap`, fold between their words; `headers` names columns for people)."""
    if fmt == "json":
        stream_json(rows)
        return
    if fmt == "csv":
        write_csv(columns, ([row[c] for c in columns] for row in rows), dialect)
        return
    rows = list(rows)
    # A list folds between its items (each item stays whole); a single value never folds.
    lists = tuple(c for c in columns if any(isinstance(row[c], list | tuple) for row in rows))
    named = headers or {}
    table(
        title,
        [named.get(c, c) for c in columns],
        [[_cell(row[c]) for c in columns] for row in rows],
        wrap=tuple(named.get(c, c) for c in wrap + lists),
    )


def csv_dialect_option(f: F) -> F:
    """The `--csv-dialect` option, the same on every command that writes CSV."""
    return click.option(
        "--csv-dialect",
        "csv_dialect",
        type=click.Choice(list(CSV_DIALECTS)),
        default=EXCEL_FR,
        show_default=True,
        help=N_(
            "With --format csv: excel-fr (`;`, UTF-8 with a BOM, decimal comma: what a "
            "French spreadsheet opens) or rfc4180 (`,`, no BOM, decimal point)."
        ),
    )(f)


def write_csv(
    columns: Iterable[str], rows: Iterable[Iterable[Any]], dialect: str = EXCEL_FR
) -> None:
    """Write CSV to stdout in one of `CSV_DIALECTS`, row by row (bounded memory), as bytes so
    that UTF-8 and the BOM never depend on the terminal's encoding."""
    import csv
    import io

    separator, start, decimal = CSV_DIALECTS[dialect]
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=separator, lineterminator="\r\n")

    def flush() -> None:
        click.echo(text.getvalue().encode("utf-8"), nl=False)
        text.seek(0)
        text.truncate()

    text.write(start)
    writer.writerow(list(columns))
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_cell(value, decimal) for value in row])
        if n % 1000 == 0:
            flush()
    flush()


def _csv_cell(value: Any, decimal: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(value).replace(".", decimal)
    return _cell(value)


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return yes(value)
    return value
