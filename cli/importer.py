"""`import FILE.csv`: years of records from a spreadsheet, checked row by row, then written."""

from __future__ import annotations

from pathlib import Path

import click

from cli.main import CONTEXT, session_of, warn
from cli.output import ProgressBar, emit_json
from ledger.i18n import _, ngettext


def _lines(path: Path) -> int:
    """How many lines the file has (read in blocks: memory does not grow with it)."""
    count = 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            count += block.count(b"\n")
    return max(count - 1, 0)


@click.command("import", context_settings=CONTEXT)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def import_(ctx: click.Context, file: Path, dry_run: bool, as_json: bool) -> None:
    """Import facts from a CSV file: one row per enrolment, épreuve result, jury, decision,
    certificate… (columns: docs/import.md). UTF-8 with or without BOM, `,` or `;`, dates
    YYYY-MM-DD or DD/MM/YYYY.

    Every row is checked against every rule, in one pass over the file; if any is refused,
    the report lists them (line, column, message), nothing is written and the exit code is
    1. Otherwise everything is written in one transaction. Importing the same file again
    writes nothing.

    \b
    Example:
      certledger import records-2008-2019.csv --dry-run
      certledger import records-2008-2019.csv
    """
    from ledger.importer import import_file

    session = session_of(ctx)
    ledger = session.ledger()
    with ProgressBar(_lines(file), _("rows")) as advance:
        report = import_file(
            ledger,
            file,
            by=session.actor,
            dry_run=dry_run,
            progress=advance,
        )
    if as_json:
        emit_json({**report.as_json(), "dry_run": dry_run})
    elif report.problems:
        click.echo(
            ngettext(
                "{file}: {count} row refused; nothing written.",
                "{file}: {count} rows refused; nothing written.",
                len(report.problems),
            ).format(file=file, count=len(report.problems)),
            err=True,
        )
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
    elif dry_run:
        click.echo(
            _(
                "{file}: {rows} rows, all accepted ({recorded} to record, {replayed} already "
                "recorded); dry run: nothing written."
            ).format(
                file=file, rows=report.rows, recorded=report.recorded, replayed=report.replayed
            )
        )
    else:
        click.echo(
            _(
                "{file}: {rows} rows: {recorded} recorded ({events} events), {replayed} "
                "already recorded."
            ).format(
                file=file,
                rows=report.rows,
                recorded=report.recorded,
                events=report.events,
                replayed=report.replayed,
            )
        )
    for warning in report.warnings:
        warn(warning)
    if report.problems:
        raise click.exceptions.Exit(1)


COMMANDS = [import_]
