"""`audit`: the registrar's audit of a period, as JSON or one self-contained HTML page."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from cli.main import CONTEXT, session_of
from cli.params import DATE, check_period
from ledger.i18n import _, ngettext


@click.command(context_settings=CONTEXT)
@click.option("--from", "start", type=DATE, default=None, help="First day of the period.")
@click.option("--to", "end", type=DATE, default=None, help="Last day of the period.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "html"]),
    default="json",
    show_default=True,
    help="JSON, or one self-contained HTML page.",
)
@click.option(
    "--cpf-wait",
    "wait_days",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    metavar="DAYS",
    help="List CPF passages sent more than DAYS days ago and still unanswered.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of stdout.",
)
@click.pass_context
def audit(
    ctx: click.Context,
    start: date | None,
    end: date | None,
    fmt: str,
    wait_days: int,
    output: Path | None,
) -> None:
    """Audit a period: every decision with its jury check, evidence, derogation,
    rectifications and annulment; awards made under a derogation; VAE juries whose balance
    is not met or cannot be shown; late recordings (over 30 days); awards under the CPF
    transmission duty not transmitted within 3 months; CPF passages awaiting the Caisse des
    Dépôts' answer for more than --cpf-wait days, and those it refused, with its message and
    what to do; annulments and revocations made after a transmission; the statistics of the
    period's years, insertion rates included.

    \b
    Example:
      certledger audit --from 2018-01-01 --to 2018-12-31 --format html -o audit-2018.html
    """
    from cli.output import ProgressBar
    from ledger.files import Draft
    from projections.audit import FileSpool, generated_at
    from projections.audit_html import write_page
    from projections.reads import audit_report

    check_period(start, end)
    ledger = session_of(ctx).ledger()
    draft = Draft(output) if output is not None else None
    spool = FileSpool(str(output.parent) if output is not None else None)
    try:
        # the total only for a terminal: counting the candidates is a pass of its own
        total = len(ledger.queries.candidate_ids()) if sys.stderr.isatty() else None
        with ProgressBar(total, _("candidates")) as advance:
            report = audit_report(ledger, start, end, wait_days, spool, advance)
        out: Any = draft
        if draft is None:
            out = sys.stdout
        if fmt == "json":
            report.write_json(out)
        else:
            code = ledger.queries.versions().at(ledger.clock.today()).referential.code
            title = _("{code} — audit of the ledger").format(code=code)
            write_page(out, report, title, generated_at(ledger.clock.now()))
        if draft is not None:
            draft.keep()
    except BaseException:
        if draft is not None:
            draft.discard()
        raise
    finally:
        spool.close()
    if output is not None:
        click.echo(
            ngettext(
                "Wrote {file}: {count} decision audited.",
                "Wrote {file}: {count} decisions audited.",
                report.summary()["decisions"],
            ).format(file=output, count=report.summary()["decisions"])
        )


COMMANDS = [audit]
